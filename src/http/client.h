// A small HTTP/1.1 client (Boost.Beast) for ddbd's outgoing calls: delivering stream batches to
// the Lambda Invoke API of a local function host. One request per connection (no pooling: a
// trigger makes a few calls a second at most). Beast stays inside client.cc.
// Thread-safe: Send may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbd/status.h"

#include "http/message.h"

namespace ddbd::http {

// The parts of an http:// URL.
struct Url {
  std::string host;
  std::string port = "80";
  std::string path;  // without a trailing '/'; "" for the root
};
// Parses "http://host[:port][/path]". Error for other schemes and malformed URLs.
Result<Url> ParseUrl(std::string_view text);

// Sends `request` (method, target, headers, body) to url.host:url.port and reads the response.
// `timeout` bounds the whole exchange; setting *cancel (checked every 100 ms) abandons it.
// Internal error for connection failures, timeouts, cancellation and malformed responses (the
// message says which).
Result<Response> Send(const Url& url, const Request& request, std::chrono::milliseconds timeout,
                      const std::atomic<bool>* cancel = nullptr);

}  // namespace ddbd::http
