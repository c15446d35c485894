// The parsed form of DynamoDB expressions (condition, filter, key condition, update,
// projection). Produced by expr::Parse* (parser.cc), checked against a request's
// placeholders by expr::Resolve* (resolve.cc), evaluated by eval.cc / update.cc /
// projection.cc. Grammar: docs/expressions.md.
//
// ASTs are immutable once built and shared between requests through the parse cache, so
// they hold placeholders unresolved ("#n", ":v"); evaluation looks them up in the request's
// maps (the Placeholders struct). Thread-safe to share for reading.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "model/attribute_value.h"

namespace ddbd::expr {

// One step of a document path: a.b[2].#c
struct PathElement {
  enum class Kind : uint8_t { kName, kNamePlaceholder, kIndex } kind = Kind::kName;
  std::string name;  // attribute name, or "#placeholder"
  uint32_t index = 0;
};
using Path = std::vector<PathElement>;

enum class FunctionKind : uint8_t {
  kAttributeExists,
  kAttributeNotExists,
  kAttributeType,
  kBeginsWith,
  kContains,
  kSize,
  kIfNotExists,
  kListAppend,
};

struct Operand {
  enum class Kind : uint8_t { kPath, kValue, kFunction, kPlus, kMinus } kind = Kind::kPath;
  Path path;                  // kPath
  std::string value;          // kValue: ":placeholder"
  FunctionKind function{};    // kFunction
  std::vector<Operand> args;  // kFunction arguments; kPlus/kMinus: the two sides
};

struct Condition {
  enum class Kind : uint8_t {
    kCompare,   // args[0] op args[1]
    kBetween,   // args[0] BETWEEN args[1] AND args[2]
    kIn,        // args[0] IN (args[1..])
    kFunction,  // a boolean function: operands[0] is the call
    kAnd,
    kOr,
    kNot,
  } kind = Kind::kCompare;
  enum class Comparator : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe } comparator = Comparator::kEq;
  std::vector<Operand> operands;
  std::vector<Condition> children;  // kAnd/kOr: two; kNot: one
};

struct UpdateAction {
  enum class Kind : uint8_t { kSet, kRemove, kAdd, kDelete } kind = Kind::kSet;
  Path path;
  Operand value;  // not used by kRemove
};

struct UpdateExpression {
  std::vector<UpdateAction> actions;  // in clause order: as written
};

struct ProjectionExpression {
  std::vector<Path> paths;
};

// A request's ExpressionAttributeNames/Values and which of them its expressions used.
struct Placeholders {
  std::map<std::string, std::string> names;
  std::map<std::string, model::AttributeValue> values;
  std::set<std::string> used_names;
  std::set<std::string> used_values;
};

// The name of a path element after placeholder substitution. REQUIRES: resolved.
const std::string& ElementName(const PathElement& element, const Placeholders& ph);
// "[a, b, [2]]"-style rendering used in the service's path messages.
std::string PathToString(const Path& path, const Placeholders& ph);
// "a.b[2]" rendering.
std::string PathToDotted(const Path& path, const Placeholders& ph);

}  // namespace ddbd::expr
