// A deliberately small expression front end for the foundation: ProjectionExpression with
// top-level attribute names, and UpdateExpression with SET name = :value and REMOVE name.
// The full expression language (src/expr/) replaces it; until then anything beyond this
// subset gets a ValidationException that says so.
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "model/attribute_value.h"

namespace ddbd::api {

// Placeholders supplied with a request, and which of them an expression used.
struct Placeholders {
  std::map<std::string, std::string> names;             // "#n" -> "name"
  std::map<std::string, model::AttributeValue> values;  // ":v" -> value
  std::set<std::string> used_names, used_values;
  // "Value provided in ExpressionAttributeNames unused in expressions: keys: {#a, #b}".
  Status CheckAllUsed() const;
};

// Top-level attribute names of a ProjectionExpression.
Result<std::vector<std::string>> ParseProjection(const std::string& text, Placeholders& ph);

struct SimpleUpdate {
  struct Set {
    std::string attribute;
    model::AttributeValue value;
  };
  std::vector<Set> sets;
  std::vector<std::string> removes;
};
Result<SimpleUpdate> ParseUpdate(const std::string& text, Placeholders& ph);

}  // namespace ddbd::api
