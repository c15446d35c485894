// The Lambda API's event source mapping operations (REST-JSON, SigV4 service "lambda"), for
// triggers on DynamoDB streams: CreateEventSourceMapping (POST), GetEventSourceMapping (GET),
// UpdateEventSourceMapping (PUT), DeleteEventSourceMapping (DELETE) and
// ListEventSourceMappings (GET with EventSourceArn, FunctionName, Marker, MaxItems), under
// /2015-03-31/event-source-mappings. The mappings themselves are triggers::MappingStore's;
// delivery is triggers::TriggerService's (docs/streams.md).
#include <algorithm>

#include "api/dispatcher.h"
#include "api/json_util.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "engine/catalog.h"
#include "engine/table_meta.h"
#include "triggers/filter.h"
#include "triggers/trigger_service.h"

namespace ddbd::api {
namespace {

using triggers::EventSourceMapping;

constexpr std::string_view kPrefix = "/2015-03-31/event-source-mappings";
constexpr size_t kMaxFilters = 5;  // Lambda's default quota

Status InvalidParameter(std::string message) {
  return Status(ErrorCode::kLambdaInvalidParameterValue, std::move(message));
}
Status MappingNotFound() {
  return Status(ErrorCode::kLambdaResourceNotFound, "The resource you requested does not exist.");
}

ApiReply LambdaError(const Status& status) {
  const ErrorInfo& info = GetErrorInfo(status.code());
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  if (info.error_namespace == ErrorNamespace::kLambda) {
    WriteKey(w, "Type");
    WriteString(w, status.code() == ErrorCode::kInternalServerError ? "Service" : "User");
  }
  // Lambda's ResourceNotFound and ResourceInUse spell it "Message"; the others "message".
  const bool capital = status.code() == ErrorCode::kLambdaResourceNotFound ||
                       status.code() == ErrorCode::kLambdaResourceInUse;
  WriteKey(w, capital ? "Message" : "message");
  WriteString(w, status.message());
  w.EndObject();
  ApiReply reply{info.http_status, std::string(buffer.GetString(), buffer.GetSize()), {}};
  reply.headers.emplace_back("x-amzn-ErrorType", std::string(info.wire_name));
  return reply;
}

// A function named by name, ARN or partial ARN: its bare name and full ARN.
struct FunctionRef {
  std::string name;
  std::string arn;
};

Result<FunctionRef> ParseFunctionName(const std::string& text, const CallerContext& caller) {
  // [arn:aws:lambda:REGION:]ACCOUNT:function:]NAME[:QUALIFIER]
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t colon = text.find(':', start);
    parts.push_back(text.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  std::string region = caller.region, account = caller.account;
  size_t i = 0;
  if (parts.size() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function") {
    region = parts[3];
    account = parts[4];
    i = 6;
  } else if (parts.size() >= 3 && parts[1] == "function") {
    account = parts[0];
    i = 2;
  }
  const size_t left = parts.size() - i;
  auto valid_name = [](const std::string& s) {
    return !s.empty() && s.size() <= 64 && std::all_of(s.begin(), s.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.';
    });
  };
  if (left < 1 || left > 2 || !valid_name(parts[i]) || (left == 2 && parts[i + 1].empty())) {
    ConstraintErrors errors;
    errors.Add(
        "Value '" + text +
        "' at 'functionName' failed to satisfy constraint: Member must satisfy regular "
        "expression pattern: (arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}((-gov)|(-iso([a-z]?)))?"
        "-[a-z]+-\\d{1}:)?(\\d{12}:)?(function:)?([a-zA-Z0-9-_\\.]+)(:(\\$LATEST(\\."
        "PUBLISHED)?|[a-zA-Z0-9-_]+))?");
    return errors.ToStatus();
  }
  if (region != caller.region || account != caller.account) {
    return Status(ErrorCode::kLambdaResourceNotFound, "Function not found: " + text);
  }
  FunctionRef ref;
  ref.name = parts[i];
  ref.arn = "arn:aws:lambda:" + region + ":" + account + ":function:" + ref.name;
  if (left == 2) ref.arn += ":" + parts[i + 1];
  return ref;
}

void WriteMapping(JsonWriter& w, const EventSourceMapping& m, std::string_view state,
                  std::string_view last_result) {
  w.StartObject();
  WriteKey(w, "UUID");
  WriteString(w, m.uuid);
  WriteKey(w, "StartingPosition");
  WriteString(w, m.starting_position);
  WriteKey(w, "BatchSize");
  w.Int64(m.batch_size);
  WriteKey(w, "MaximumBatchingWindowInSeconds");
  w.Int64(m.batching_window_seconds);
  WriteKey(w, "ParallelizationFactor");
  w.Int64(m.parallelization_factor);
  WriteKey(w, "EventSourceArn");
  WriteString(w, m.event_source_arn);
  if (!m.filter_patterns.empty()) {
    WriteKey(w, "FilterCriteria");
    w.StartObject();
    WriteKey(w, "Filters");
    w.StartArray();
    for (const auto& p : m.filter_patterns) {
      w.StartObject();
      WriteKey(w, "Pattern");
      WriteString(w, p);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  WriteKey(w, "FunctionArn");
  WriteString(w, m.function_arn);
  WriteKey(w, "LastModified");
  w.Double(static_cast<double>(m.last_modified_ms) / 1000.0);
  WriteKey(w, "LastProcessingResult");
  WriteString(w, last_result);
  WriteKey(w, "State");
  WriteString(w, state);
  WriteKey(w, "StateTransitionReason");
  WriteString(w, "User action");
  WriteKey(w, "DestinationConfig");
  w.StartObject();
  WriteKey(w, "OnFailure");
  w.StartObject();
  w.EndObject();
  w.EndObject();
  WriteKey(w, "MaximumRecordAgeInSeconds");
  w.Int64(m.maximum_record_age_seconds);
  WriteKey(w, "BisectBatchOnFunctionError");
  w.Bool(m.bisect_batch_on_function_error);
  WriteKey(w, "MaximumRetryAttempts");
  w.Int64(m.maximum_retry_attempts);
  WriteKey(w, "TumblingWindowInSeconds");
  w.Int64(m.tumbling_window_seconds);
  WriteKey(w, "FunctionResponseTypes");
  w.StartArray();
  if (m.report_batch_item_failures) WriteString(w, "ReportBatchItemFailures");
  w.EndArray();
  WriteKey(w, "EventSourceMappingArn");
  WriteString(w, m.Arn());
  w.EndObject();
}

class LambdaApi {
 public:
  LambdaApi(engine::Catalog& catalog, triggers::TriggerService& triggers,
            const CallerContext& caller)
      : catalog_(catalog), triggers_(triggers), caller_(caller) {}

  Result<ApiReply> Create(const Json& body);
  Result<ApiReply> Get(const std::string& uuid);
  Result<ApiReply> Update(const std::string& uuid, const Json& body);
  Result<ApiReply> Delete(const std::string& uuid);
  Result<ApiReply> List(const RestRequest& request);

 private:
  // Reads the settings Create and Update share into `m` (only those present).
  Status ReadSettings(const Json& body, EventSourceMapping* m, ConstraintErrors& errors);
  // The service's checks beyond the model's constraints.
  Status CheckSettings(const Json& body, const EventSourceMapping& m);
  Result<EventSourceMapping> Find(const std::string& uuid);
  ApiReply Reply(int status, const EventSourceMapping& m, std::string_view state);
  std::string StateOf(const EventSourceMapping& m) { return m.enabled ? "Enabled" : "Disabled"; }

  engine::Catalog& catalog_;
  triggers::TriggerService& triggers_;
  const CallerContext& caller_;
};

ApiReply LambdaApi::Reply(int status, const EventSourceMapping& m, std::string_view state) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  WriteMapping(w, m, state, triggers_.LastProcessingResult(m.uuid));
  return ApiReply{status, std::string(buffer.GetString(), buffer.GetSize()), {}};
}

Result<EventSourceMapping> LambdaApi::Find(const std::string& uuid) {
  auto m = triggers_.store().Get(uuid);
  if (!m || m->account != caller_.account || m->region != caller_.region) return MappingNotFound();
  return *m;
}

Status LambdaApi::ReadSettings(const Json& body, EventSourceMapping* m, ConstraintErrors& errors) {
  auto bounded = [&](const char* member, const char* path, int64_t min, int64_t max,
                     int64_t* out) -> Status {
    DDBD_ASSIGN_OR_RETURN(auto value, GetInt(body, member));
    if (!value) return Status::OK();
    errors.Min(*value, path, min);
    errors.Max(*value, path, max);
    *out = *value;
    return Status::OK();
  };
  DDBD_RETURN_IF_ERROR(bounded("BatchSize", "batchSize", 1, 10000, &m->batch_size));
  DDBD_RETURN_IF_ERROR(bounded("MaximumBatchingWindowInSeconds", "maximumBatchingWindowInSeconds",
                               0, 300, &m->batching_window_seconds));
  DDBD_RETURN_IF_ERROR(
      bounded("ParallelizationFactor", "parallelizationFactor", 1, 10, &m->parallelization_factor));
  DDBD_RETURN_IF_ERROR(bounded("MaximumRecordAgeInSeconds", "maximumRecordAgeInSeconds", -1, 604800,
                               &m->maximum_record_age_seconds));
  DDBD_RETURN_IF_ERROR(bounded("MaximumRetryAttempts", "maximumRetryAttempts", -1, 10000,
                               &m->maximum_retry_attempts));
  DDBD_RETURN_IF_ERROR(bounded("TumblingWindowInSeconds", "tumblingWindowInSeconds", 0, 900,
                               &m->tumbling_window_seconds));
  DDBD_ASSIGN_OR_RETURN(auto enabled, GetBool(body, "Enabled"));
  if (enabled) m->enabled = *enabled;
  DDBD_ASSIGN_OR_RETURN(auto bisect, GetBool(body, "BisectBatchOnFunctionError"));
  if (bisect) m->bisect_batch_on_function_error = *bisect;
  DDBD_ASSIGN_OR_RETURN(const Json* types, GetArray(body, "FunctionResponseTypes"));
  if (types) {
    if (types->Size() > 1) {
      errors.Add("Value '[" + std::to_string(types->Size()) +
                 " items]' at 'functionResponseTypes' failed to satisfy constraint: Member must "
                 "have length less than or equal to 1");
    }
    m->report_batch_item_failures = false;
    for (const auto& t : types->GetArray()) {
      if (!t.IsString()) return Status(ErrorCode::kSerialization, "");
      std::string value(t.GetString(), t.GetStringLength());
      if (value != "ReportBatchItemFailures") {
        errors.Add("Value '[" + value +
                   "]' at 'functionResponseTypes' failed to satisfy constraint: Member must "
                   "satisfy constraint: [Member must satisfy enum value set: "
                   "[ReportBatchItemFailures]]");
      }
      m->report_batch_item_failures = true;
    }
  }
  DDBD_ASSIGN_OR_RETURN(const Json* criteria, GetObject(body, "FilterCriteria"));
  if (criteria) {
    DDBD_ASSIGN_OR_RETURN(const Json* filters, GetArray(*criteria, "Filters"));
    m->filter_patterns.clear();
    if (filters) {
      for (const auto& f : filters->GetArray()) {
        if (!f.IsObject()) return Status(ErrorCode::kSerialization, "");
        DDBD_ASSIGN_OR_RETURN(auto pattern, GetString(f, "Pattern"));
        if (pattern) {
          if (pattern->size() > 4096) {
            errors.Add("Value at 'filterCriteria.filters." +
                       std::to_string(m->filter_patterns.size() + 1) +
                       ".member.pattern' failed to satisfy constraint: Member must have length "
                       "less than or equal to 4096");
          }
          m->filter_patterns.push_back(*pattern);
        }
      }
    }
  }
  return Status::OK();
}

Status LambdaApi::CheckSettings(const Json& body, const EventSourceMapping& m) {
  if (m.maximum_record_age_seconds >= 0 && m.maximum_record_age_seconds < 60) {
    return InvalidParameter(
        "MaximumRecordAgeInSeconds must be -1 or between 60 and 604800.");  // unverified
  }
  if (m.tumbling_window_seconds > 0) {
    return InvalidParameter(
        "ddbd does not support TumblingWindowInSeconds (docs/compatibility.md)");
  }
  if (m.filter_patterns.size() > kMaxFilters) {
    return InvalidParameter("The number of filters exceeds the limit of " +
                            std::to_string(kMaxFilters) + ".");  // unverified
  }
  if (auto parsed = triggers::FilterSet::Parse(m.filter_patterns); !parsed.ok()) {
    return InvalidParameter(parsed.status().message());
  }
  DDBD_ASSIGN_OR_RETURN(const Json* destination, GetObject(body, "DestinationConfig"));
  if (destination) {
    DDBD_ASSIGN_OR_RETURN(const Json* on_failure, GetObject(*destination, "OnFailure"));
    if (on_failure) {
      DDBD_ASSIGN_OR_RETURN(auto arn, GetString(*on_failure, "Destination"));
      if (arn && !arn->empty()) {
        return InvalidParameter(
            "ddbd does not deliver to on-failure destinations (docs/compatibility.md): " + *arn);
      }
    }
  }
  return Status::OK();
}

Result<ApiReply> LambdaApi::Create(const Json& body) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto function_name, GetString(body, "FunctionName"));
  if (!function_name)
    errors.NotNull("functionName");
  else
    errors.Length(*function_name, "functionName", 1, 256);
  DDBD_ASSIGN_OR_RETURN(auto source, GetString(body, "EventSourceArn"));
  DDBD_ASSIGN_OR_RETURN(auto position, GetString(body, "StartingPosition"));
  if (position && !IsOneOf(*position, {"TRIM_HORIZON", "LATEST", "AT_TIMESTAMP"})) {
    errors.Enum(*position, "startingPosition", "[TRIM_HORIZON, LATEST, AT_TIMESTAMP]");
  }
  EventSourceMapping m;
  DDBD_RETURN_IF_ERROR(ReadSettings(body, &m, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(FunctionRef function, ParseFunctionName(*function_name, caller_));

  // The event source: a stream of one of the caller's tables.
  if (!source) return InvalidParameter("Unrecognized event source.");  // unverified
  if (source->rfind("arn:aws:dynamodb:", 0) != 0) {
    return InvalidParameter("ddbd serves event source mappings for DynamoDB streams only: " +
                            *source);
  }
  const std::string cannot_access =
      "Cannot access stream " + *source +
      ". Please ensure the role can perform the GetRecords, GetShardIterator, DescribeStream, "
      "and ListStreams Actions on your stream in IAM.";
  auto arn = engine::ParseTableArn(*source);
  auto label = arn ? arn->StreamLabel() : std::nullopt;
  if (!label || !arn->Of(caller_.account, caller_.region)) return InvalidParameter(cannot_access);
  auto table = catalog_.Find(caller_.account, caller_.region, arn->table);
  bool stream_found = false;
  if (table) {
    for (const auto& s : table->shared_meta()->streams) stream_found |= s.label == *label;
  }
  if (!stream_found) return InvalidParameter(cannot_access);
  if (!position) {
    return InvalidParameter(
        "1 validation error detected: Value null at 'startingPosition' failed to satisfy "
        "constraint: Member must not be null");  // unverified
  }
  if (*position == "AT_TIMESTAMP") {
    return InvalidParameter(
        "Unsupported starting position for DynamoDB Streams event source: AT_TIMESTAMP");  // unverified
  }
  DDBD_RETURN_IF_ERROR(CheckSettings(body, m));
  if (!triggers_.functions().Find(function.name)) {
    return Status(ErrorCode::kLambdaResourceNotFound, "Function not found: " + function.arn);
  }
  for (const auto& other : triggers_.store().List()) {
    if (other.account == caller_.account && other.region == caller_.region &&
        other.event_source_arn == *source && other.function_arn == function.arn) {
      return Status(ErrorCode::kLambdaResourceConflict,
                    "The event source arn (\" " + *source + " \") and function (\" " +
                        function.name +
                        " \") provided mapping already exists. Please update or delete the "
                        "existing mapping with UUID " +
                        other.uuid);
    }
  }
  m.uuid = NewUuid();
  m.account = caller_.account;
  m.region = caller_.region;
  m.event_source_arn = *source;
  m.function_name = function.name;
  m.function_arn = function.arn;
  m.starting_position = *position;
  m.created_ms = m.last_modified_ms = catalog_.clock().NowMicros() / 1000;
  m.latest_position = table->log().last_sequence();
  DDBD_RETURN_IF_ERROR(triggers_.store().Put(m));
  triggers_.Sync();
  return Reply(202, m, "Creating");
}

Result<ApiReply> LambdaApi::Get(const std::string& uuid) {
  DDBD_ASSIGN_OR_RETURN(EventSourceMapping m, Find(uuid));
  return Reply(200, m, StateOf(m));
}

Result<ApiReply> LambdaApi::Update(const std::string& uuid, const Json& body) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto function_name, GetString(body, "FunctionName"));
  if (function_name) errors.Length(*function_name, "functionName", 1, 256);
  DDBD_ASSIGN_OR_RETURN(EventSourceMapping m, Find(uuid));
  const bool was_enabled = m.enabled;
  DDBD_RETURN_IF_ERROR(ReadSettings(body, &m, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (function_name) {
    DDBD_ASSIGN_OR_RETURN(FunctionRef function, ParseFunctionName(*function_name, caller_));
    if (!triggers_.functions().Find(function.name)) {
      return Status(ErrorCode::kLambdaResourceNotFound, "Function not found: " + function.arn);
    }
    m.function_name = function.name;
    m.function_arn = function.arn;
  }
  DDBD_RETURN_IF_ERROR(CheckSettings(body, m));
  m.last_modified_ms = catalog_.clock().NowMicros() / 1000;
  DDBD_RETURN_IF_ERROR(triggers_.store().Put(m));
  triggers_.Sync();
  return Reply(202, m,
               m.enabled == was_enabled ? "Updating"
               : m.enabled              ? "Enabling"
                                        : "Disabling");
}

Result<ApiReply> LambdaApi::Delete(const std::string& uuid) {
  DDBD_ASSIGN_OR_RETURN(EventSourceMapping m, Find(uuid));
  ApiReply reply = Reply(202, m, "Deleting");
  DDBD_RETURN_IF_ERROR(triggers_.store().Delete(uuid));
  triggers_.Sync();
  return reply;
}

Result<ApiReply> LambdaApi::List(const RestRequest& request) {
  std::string source, function, marker;
  int64_t max_items = 100;
  ConstraintErrors errors;
  for (const auto& [name, value] : request.query) {
    if (name == "EventSourceArn") source = value;
    if (name == "FunctionName") function = value;
    if (name == "Marker") marker = value;
    if (name == "MaxItems") {
      char* end = nullptr;
      max_items = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0') return Status(ErrorCode::kSerialization, "");
      errors.Min(max_items, "maxItems", 1);
      errors.Max(max_items, "maxItems", 10000);
    }
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  std::string function_arn;
  if (!function.empty()) {
    DDBD_ASSIGN_OR_RETURN(FunctionRef ref, ParseFunctionName(function, caller_));
    function_arn = ref.arn;
  }
  std::vector<EventSourceMapping> matching;
  for (auto& m : triggers_.store().List()) {
    if (m.account != caller_.account || m.region != caller_.region) continue;
    if (!source.empty() && m.event_source_arn != source) continue;
    if (!function_arn.empty() && m.function_arn != function_arn) continue;
    matching.push_back(std::move(m));
  }
  size_t begin = 0;
  if (!marker.empty()) {
    auto it = std::find_if(matching.begin(), matching.end(),
                           [&](const auto& m) { return m.uuid == marker; });
    if (it == matching.end()) return InvalidParameter("Invalid marker: " + marker);  // unverified
    begin = static_cast<size_t>(it - matching.begin());
  }
  const size_t page = static_cast<size_t>(std::min<int64_t>(max_items, 100));
  const size_t end = std::min(matching.size(), begin + page);
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKey(w, "EventSourceMappings");
  w.StartArray();
  for (size_t i = begin; i < end; ++i) {
    WriteMapping(w, matching[i], StateOf(matching[i]),
                 triggers_.LastProcessingResult(matching[i].uuid));
  }
  w.EndArray();
  if (end < matching.size()) {
    WriteKey(w, "NextMarker");
    WriteString(w, matching[end].uuid);
  }
  w.EndObject();
  return ApiReply{200, std::string(buffer.GetString(), buffer.GetSize()), {}};
}

}  // namespace

bool Dispatcher::IsLambdaPath(std::string_view path) {
  return path.substr(0, 12) == "/2015-03-31/";
}

std::string_view Dispatcher::LambdaOperationName(std::string_view method, std::string_view path) {
  if (path.substr(0, kPrefix.size()) != kPrefix) return "unknown";
  std::string_view rest = path.substr(kPrefix.size());
  const bool collection = rest.empty() || rest == "/";
  if (collection && method == "POST") return "CreateEventSourceMapping";
  if (collection && method == "GET") return "ListEventSourceMappings";
  if (collection || rest.find('/', 1) != std::string_view::npos) return "unknown";
  if (method == "GET") return "GetEventSourceMapping";
  if (method == "PUT") return "UpdateEventSourceMapping";
  if (method == "DELETE") return "DeleteEventSourceMapping";
  return "unknown";
}

ApiReply Dispatcher::HandleLambda(const RestRequest& request,
                                  const CallerContext& caller) const noexcept {
  try {
    std::string_view op = LambdaOperationName(request.method, request.path);
    if (triggers_ == nullptr || op == "unknown") {
      return LambdaError(Status(ErrorCode::kUnknownOperation,
                                "ddbd serves only the Lambda event source mapping operations"));
    }
    rapidjson::Document body;
    if (request.method == "POST" || request.method == "PUT") {
      if (Status parsed = model::ParseRequestJson(request.body, &body); !parsed.ok()) {
        return LambdaError(parsed);
      }
    }
    std::string uuid;
    if (request.path.size() > kPrefix.size() + 1) {
      uuid = std::string(request.path.substr(kPrefix.size() + 1));
    }
    LambdaApi api(*catalog_, *triggers_, caller);
    Result<ApiReply> reply = op == "CreateEventSourceMapping"   ? api.Create(body)
                             : op == "ListEventSourceMappings"  ? api.List(request)
                             : op == "GetEventSourceMapping"    ? api.Get(uuid)
                             : op == "UpdateEventSourceMapping" ? api.Update(uuid, body)
                                                                : api.Delete(uuid);
    if (!reply.ok()) return LambdaError(reply.status());
    return std::move(*reply);
  } catch (const std::exception& e) {
    DDBD_LOG_ERROR("internal error in {} {}: {}", request.method, request.path, e.what());
    return LambdaError(Status::Internal("Internal server error"));
  }
}

}  // namespace ddbd::api
