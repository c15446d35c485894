// Parsed expressions are cached by (kind, text): SDK users send the same few expressions
// millions of times. The cache is bounded: when full it is cleared (cheap, and a working set
// larger than the bound is rare). Errors are not cached. Thread-safe.
#include <mutex>
#include <unordered_map>

#include "expr/parser.h"

namespace ddbd::expr {
namespace {

constexpr size_t kMaxEntries = 4096;

template <typename T>
class Cache {
 public:
  template <typename ParseFn>
  Result<std::shared_ptr<const T>> Get(std::string key, ParseFn parse) {
    {
      std::lock_guard lock(mu_);
      auto it = map_.find(key);
      if (it != map_.end()) return it->second;
    }
    auto parsed = parse();
    if (!parsed.ok()) return parsed.status();
    auto shared = std::make_shared<const T>(std::move(parsed).value());
    std::lock_guard lock(mu_);
    if (map_.size() >= kMaxEntries) map_.clear();
    map_.emplace(std::move(key), shared);
    return shared;
  }

 private:
  std::mutex mu_;
  std::unordered_map<std::string, std::shared_ptr<const T>> map_;
};

}  // namespace

Result<std::shared_ptr<const Condition>> ParseCondition(std::string_view text,
                                                        ExpressionKind kind) {
  static Cache<Condition> cache;
  std::string key(1, static_cast<char>(kind));
  key.append(text);
  return cache.Get(std::move(key), [&] { return ParseConditionUncached(text, kind); });
}

Result<std::shared_ptr<const UpdateExpression>> ParseUpdate(std::string_view text) {
  static Cache<UpdateExpression> cache;
  return cache.Get(std::string(text), [&] { return ParseUpdateUncached(text); });
}

Result<std::shared_ptr<const ProjectionExpression>> ParseProjection(std::string_view text) {
  static Cache<ProjectionExpression> cache;
  return cache.Get(std::string(text), [&] { return ParseProjectionUncached(text); });
}

}  // namespace ddbd::expr
