// Reading a request's expressions and their legacy equivalents into parsed, resolved form:
//   ConditionExpression       | Expected + ConditionalOperator
//   UpdateExpression          | AttributeUpdates
//   ProjectionExpression      | AttributesToGet
// with ExpressionAttributeNames/Values. Legacy parameters are translated onto the same AST,
// so one engine evaluates both. Validation follows the service: mixing legacy and
// expression parameters, placeholders without expressions, parse errors, resolution errors,
// unused placeholders.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "api/json_util.h"
#include "expr/ast.h"
#include "expr/parser.h"

namespace ddbd::api {

struct RequestExpressions {
  expr::Placeholders ph;
  // ConditionExpression/Expected, or FilterExpression/QueryFilter/ScanFilter. Null if none.
  std::shared_ptr<const expr::Condition> condition;
  std::shared_ptr<const expr::Condition> key_condition;          // KeyConditionExpression
  std::shared_ptr<const expr::UpdateExpression> update;          // null if none
  std::shared_ptr<const expr::ProjectionExpression> projection;  // null if none
};

// Which expression parameters an operation accepts.
struct ExpressionParams {
  bool condition = false;      // ConditionExpression / Expected
  bool update = false;         // UpdateExpression / AttributeUpdates
  bool projection = false;     // ProjectionExpression / AttributesToGet
  bool filter = false;         // FilterExpression / QueryFilter / ScanFilter
  bool key_condition = false;  // KeyConditionExpression / KeyConditions (Query)
  // Transaction actions accept ExpressionAttributeNames/Values when they have no expression
  // at all (PutItem and the like reject them).
  bool placeholders_without_expressions = false;
};

Result<RequestExpressions> ReadExpressions(const Json& request, const ExpressionParams& params);

// Top-level attribute names an update touches (for the key-attribute check).
std::vector<std::string> UpdatedTopLevelNames(const RequestExpressions& e);

}  // namespace ddbd::api
