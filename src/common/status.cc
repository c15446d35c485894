#include "ddbd/status.h"

#include <array>

namespace ddbd {
namespace {

constexpr ErrorInfo kErrorTable[] = {
    {"", ErrorNamespace::kCoral, 200, false},  // kOk, never rendered
#define DDBD_ERROR(name, wire, ns, http, retry) {wire, ErrorNamespace::ns, http, retry},
#include "common/error_codes.def"
#undef DDBD_ERROR
};

const std::string kEmpty;

}  // namespace

const ErrorInfo& GetErrorInfo(ErrorCode code) { return kErrorTable[static_cast<size_t>(code)]; }

std::string_view NamespaceString(ErrorNamespace ns) {
  switch (ns) {
    case ErrorNamespace::kDynamo:
      return "com.amazonaws.dynamodb.v20120810";
    case ErrorNamespace::kValidate:
      return "com.amazon.coral.validate";
    case ErrorNamespace::kCoral:
      return "com.amazon.coral.service";
    case ErrorNamespace::kLambda:
      return "com.amazonaws.lambda";
  }
  return "com.amazon.coral.service";
}

const std::string& Status::message() const { return state_ ? state_->message : kEmpty; }

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string out(GetErrorInfo(code()).wire_name);
  out += ": ";
  out += state_->message;
  return out;
}

}  // namespace ddbd
