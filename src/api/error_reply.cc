
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
  if (const auto* cancellation = dynamic_cast<const CancellationPayload*>(status.payload())) {
    // {"Code", "Item"?, "Message"?} per action, as the service orders them.
    WriteKey(w, "CancellationReasons");
    w.StartArray();
    for (const auto& reason : cancellation->reasons) {
      w.StartObject();
      WriteKey(w, "Code");
      WriteString(w, reason.code);
      if (reason.item) {
        WriteKey(w, "Item");
        model::WriteAttributeMap(w, *reason.item);
      }
      if (!reason.message.empty()) {
        WriteKey(w, "Message");
        WriteString(w, reason.message);
      }
      w.EndObject();
    }
    w.EndArray();
  }
  if (!status.message().empty()) {
    // The exceptions whose model member is "Message" (the transactions' own) say so.
    bool capital = status.code() == ErrorCode::kTransactionCanceled ||
                   status.code() == ErrorCode::kTransactionInProgress ||
                   status.code() == ErrorCode::kIdempotentParameterMismatch;
    WriteKey(w, capital ? "Message" : "message");
    WriteString(w, status.message());
  }
  if (const auto* t = dynamic_cast<const engine::ThrottlingPayload*>(status.payload())) {
    // ThrottlingException spells the member in lower camel case, the others capitalised.
    WriteKey(w,
             status.code() == ErrorCode::kThrottling ? "throttlingReasons" : "ThrottlingReasons");
    w.StartArray();
    w.StartObject();
    WriteKey(w, "reason");
    WriteString(w, t->reason);
    WriteKey(w, "resource");
    WriteString(w, t->resource);
    w.EndObject();
    w.EndArray();
  }
  if (const auto* item = dynamic_cast<const ItemPayload*>(status.payload())) {
    WriteKey(w, "Item");
    model::WriteAttributeMap(w, item->item);
  }
  w.EndObject();
  return ApiReply{info.http_status, std::string(buffer.GetString(), buffer.GetSize()), {}};
}

}  // namespace ddbd::api
