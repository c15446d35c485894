// The api entry point: turns one DynamoDB JSON request (X-Amz-Target + body) into a JSON
// reply, calling the engine. The only layer that sees request JSON; RapidJSON stays inside
// its .cc files. Every exception thrown below is caught here and answered as
// InternalServerError. Thread-safe: one Dispatcher serves all connections.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "ddbd/status.h"

namespace ddbd::engine {
class Catalog;
class TokenStore;
}  // namespace ddbd::engine

namespace ddbd::api {

// Who is calling: tables are namespaced by account and region; the access key is recorded
// with the caller's writes (change-log records, for streams' userIdentity and audit).
struct CallerContext {
  std::string account;
  std::string region;
  std::string access_key;
};

struct ApiReply {
  int http_status = 200;
  std::string body;  // JSON
};

class Dispatcher {
 public:
  explicit Dispatcher(engine::Catalog* catalog);
  ~Dispatcher();

  // `target` is the X-Amz-Target header, e.g. "DynamoDB_20120810.PutItem".
  ApiReply Handle(std::string_view target, std::string_view body,
                  const CallerContext& caller) const noexcept;

  // True if `target` (an X-Amz-Target value) names an operation of the APIs ddbd serves.
  static bool IsKnownOperation(std::string_view target);

  // Renders an error status as the service does: HTTP status of its table row, body
  // {"__type":"<namespace>#<Name>","message":"..."}. The only error renderer.
  static ApiReply ErrorReply(const Status& status);

 private:
  engine::Catalog* catalog_;
  std::unique_ptr<engine::TokenStore> tokens_;
};

}  // namespace ddbd::api
