// Plain HTTP request/response structs: what the http module hands to its handler and takes
// back. No Beast types, so nothing above http needs Beast's headers.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ddbd::http {

struct Request {
  std::string method;  // "POST"
  std::string target;  // raw request target, e.g. "/" or "/?X-Amz-Algorithm=..."
  std::vector<std::pair<std::string, std::string>> headers;  // as received
  std::string body;                                          // as received: what a signature covers
  // With Content-Encoding gzip or deflate, the decoded body (or decode_failed when it is not
  // valid data of that encoding).
  std::optional<std::string> decoded_body;
  bool decode_failed = false;

  // What the request says: the decoded body if it was encoded.
  const std::string& content() const { return decoded_body ? *decoded_body : body; }

  // First header named `name` (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // First header named `name` (case-insensitive), or "" if absent.
  std::string_view Header(std::string_view name) const;
};

// First of `headers` named `name` (case-insensitive), or "" if absent.
std::string_view FindHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                            std::string_view name);

// Called on an I/O thread for every complete request; must fill `response` and not block long.
using Handler = std::function<void(const Request& request, Response* response)>;

// A request id in the service's style: 52 characters of [A-Z0-9].
std::string NewRequestId();

}  // namespace ddbd::http
