// Hand-written lexer + recursive-descent parser for DynamoDB's expression language
// (grammar in docs/expressions.md). Parsing needs no request context: placeholders stay
// unresolved, so parsed expressions are cached by text (parse_cache.cc) and shared.
//
// Errors are ValidationExceptions whose messages start with "Invalid <Kind>: " as the
// service's do: syntax errors (with the offending token and its neighbourhood), reserved
// words used as names, unknown functions, functions used where they are not allowed, wrong
// operand counts, and the length and depth limits.
#pragma once

#include <memory>
#include <string_view>

#include "ddbd/status.h"

#include "expr/ast.h"

namespace ddbd::expr {

enum class ExpressionKind : uint8_t {
  kCondition,
  kFilter,
  kKeyCondition,
  kUpdate,
  kProjection,
};

// "ConditionExpression", "UpdateExpression", ...
std::string_view ExpressionKindName(ExpressionKind kind);

// The service's limit on expression strings.
constexpr size_t kMaxExpressionLength = 4096;

// Cached: the same text returns the same shared AST.
Result<std::shared_ptr<const Condition>> ParseCondition(std::string_view text, ExpressionKind kind);
Result<std::shared_ptr<const UpdateExpression>> ParseUpdate(std::string_view text);
Result<std::shared_ptr<const ProjectionExpression>> ParseProjection(std::string_view text);

// Uncached parsers (used by the cache and by fuzzers).
Result<Condition> ParseConditionUncached(std::string_view text, ExpressionKind kind);
Result<UpdateExpression> ParseUpdateUncached(std::string_view text);
Result<ProjectionExpression> ParseProjectionUncached(std::string_view text);

}  // namespace ddbd::expr
