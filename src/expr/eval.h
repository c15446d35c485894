// Resolving parsed expressions against a request's placeholders, and evaluating them on
// items. All functions are pure and thread-safe.
#pragma once

#include "ddbd/status.h"

#include "expr/ast.h"
#include "expr/parser.h"
#include "model/attribute_value.h"

namespace ddbd::expr {

// Checks that every placeholder of the expression is defined (marking it used), and the
// operand types that can be checked before reading any item (literal values given to
// functions and operators). ValidationException "Invalid <Kind>: ..." otherwise.
Status ResolveCondition(const Condition& condition, ExpressionKind kind, Placeholders& ph);
Status ResolveUpdate(const UpdateExpression& update, Placeholders& ph);
Status ResolveProjection(const ProjectionExpression& projection, ExpressionKind kind,
                         Placeholders& ph);
// After all expressions of a request are resolved: unused names/values are errors.
// "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a}".
Status CheckAllPlaceholdersUsed(const Placeholders& ph);

// The value at `path` in `item`, or nullptr. REQUIRES: resolved.
const model::AttributeValue* Lookup(const model::Item& item, const Path& path,
                                    const Placeholders& ph);
// The value at the first `length` elements of `path` (1 <= length <= path.size()).
const model::AttributeValue* LookupPrefix(const model::Item& item, const Path& path, size_t length,
                                          const Placeholders& ph);

// Evaluates a resolved condition on an item (nullptr = the item does not exist).
bool EvaluateCondition(const Condition& condition, const model::Item* item, const Placeholders& ph);

// Applies a resolved update to `item` (a copy of the old item, or just the key for a new
// one). Values are computed from `old_item` first, as the service does, then applied.
// Errors: ValidationException with the service's messages (missing operand attribute,
// wrong operand type, invalid document path, number overflow).
Status ApplyUpdate(const UpdateExpression& update, const model::Item* old_item,
                   const Placeholders& ph, model::Item* item);
// True if every action removes attributes: applied to a missing item, the service creates
// nothing.
bool OnlyRemoves(const UpdateExpression& update);

// The item restricted to the projection's paths, in the service's result shape (selected
// list elements are compacted in index order).
model::Item Project(const model::Item& item, const std::vector<Path>& paths,
                    const Placeholders& ph);
// The service's errors for overlapping or conflicting paths in one expression.
Status CheckPathsDisjoint(const std::vector<Path>& paths, ExpressionKind kind,
                          const Placeholders& ph);

// "{N:5}"-style rendering used in some messages.
std::string DescribeValue(const model::AttributeValue& value);

}  // namespace ddbd::expr
