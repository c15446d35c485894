#include <random>

#include <strings.h>

#include "http/message.h"

namespace ddbd::http {

std::string_view FindHeader(const std::vector<std::pair<std::string, std::string>>& headers,
                            std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (k.size() == name.size() && strncasecmp(k.data(), name.data(), k.size()) == 0) return v;
  }
  return {};
}

std::string_view Request::Header(std::string_view name) const { return FindHeader(headers, name); }
std::string_view Response::Header(std::string_view name) const { return FindHeader(headers, name); }

std::string NewRequestId() {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  thread_local std::mt19937_64 rng{std::random_device{}()};
  std::string id(52, 'A');
  uint64_t bits = 0;
  for (size_t i = 0; i < id.size(); ++i) {
    if (i % 10 == 0) bits = rng();
    id[i] = kChars[bits % 36];
    bits /= 36;
  }
  return id;
}

}  // namespace ddbd::http
