
#include "api/dispatcher.h"
#include "api/json_util.h"
#include "api/ops/ops.h"

namespace ddbd::api {

ApiReply Dispatcher::ErrorReply(const Status& status) {
  const ErrorInfo& info = GetErrorInfo(status.code());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKey(w, "__type");
  std::string type(NamespaceString(info.error_namespace));
  type += '#';
  type += info.wire_name;
  WriteString(w, type);
  if (!status.message().empty()) {
    WriteKey(w, "message");
    WriteString(w, status.message());
  }
  if (const auto* item = dynamic_cast<const ItemPayload*>(status.payload())) {
    WriteKey(w, "Item");
    model::WriteAttributeMap(w, item->item);
  }
  w.EndObject();
  return ApiReply{info.http_status, std::string(buffer.GetString(), buffer.GetSize())};
}

}  // namespace ddbd::api
