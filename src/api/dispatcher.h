// The api entry point: turns one DynamoDB JSON request (X-Amz-Target + body) into a JSON
// reply, calling the engine. The only layer that sees request JSON; RapidJSON stays inside
// its .cc files. Every exception thrown below is caught here and answered as
// InternalServerError. Thread-safe: one Dispatcher serves all connections.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbd/status.h"

namespace ddbd::engine {
class BackupService;
class Catalog;
class TokenStore;
}  // namespace ddbd::engine
namespace ddbd::triggers {
class TriggerService;
}  // namespace ddbd::triggers
namespace ddbd::transfer {
class ExportService;
class ImportService;
}  // namespace ddbd::transfer

namespace ddbd::api {

// Who is calling: tables are namespaced by account and region; the access key is recorded
// with the caller's writes (change-log records, for streams' userIdentity and audit).
struct CallerContext {
  std::string account;
  std::string region;
  std::string access_key;
  std::string host;  // the Host the client addressed (DescribeEndpoints answers it)
};

struct ApiReply {
  int http_status = 200;
  std::string body;                                          // JSON
  std::vector<std::pair<std::string, std::string>> headers;  // beyond Content-Type
};

// A request of a REST-JSON API (the Lambda event source mapping operations): the path, and
// the query string's parameters already percent-decoded.
struct RestRequest {
  std::string_view method;
  std::string_view path;
  std::vector<std::pair<std::string, std::string>> query;
  std::string_view body;
};

class Dispatcher {
 public:
  // `triggers` serves the Lambda event source mapping operations (nullptr: they answer
  // UnknownOperationException); `backups` the backup and restore operations (nullptr: they
  // answer UnknownOperationException); `exports` and `imports` the export and import
  // operations (likewise).
  explicit Dispatcher(engine::Catalog* catalog, triggers::TriggerService* triggers = nullptr,
                      engine::BackupService* backups = nullptr,
                      transfer::ExportService* exports = nullptr,
                      transfer::ImportService* imports = nullptr);
  ~Dispatcher();

  // `target` is the X-Amz-Target header, e.g. "DynamoDB_20120810.PutItem".
  ApiReply Handle(std::string_view target, std::string_view body,
                  const CallerContext& caller) const noexcept;

  // The Lambda API's event source mapping operations (REST paths under
  // /2015-03-31/event-source-mappings; api/lambda_rest.cc). Errors are rendered the Lambda way:
  // x-amzn-ErrorType header, body {"Type": "User", "message": ...}.
  static bool IsLambdaPath(std::string_view path);
  ApiReply HandleLambda(const RestRequest& request, const CallerContext& caller) const noexcept;
  // The name of the Lambda operation `request` asks for (metrics), or "unknown".
  static std::string_view LambdaOperationName(std::string_view method, std::string_view path);

  // True if `target` (an X-Amz-Target value) names an operation of the APIs ddbd serves.
  static bool IsKnownOperation(std::string_view target);

  // Renders an error status as the service does: HTTP status of its table row, body
  // {"__type":"<namespace>#<Name>","message":"..."}. The only error renderer.
  static ApiReply ErrorReply(const Status& status);

 private:
  engine::Catalog* catalog_;
  triggers::TriggerService* triggers_;
  engine::BackupService* backups_;
  transfer::ExportService* exports_;
  transfer::ImportService* imports_;
  std::unique_ptr<engine::TokenStore> tokens_;
};

}  // namespace ddbd::api
