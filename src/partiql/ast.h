// The parsed form of DynamoDB's PartiQL statements (docs/partiql.md): SELECT, INSERT, UPDATE,
// DELETE and, in transactions, EXISTS(SELECT ...). Produced by partiql::Parse (parser.cc);
// api/ops/partiql.cc turns each statement into the equivalent GetItem, Query, Scan, PutItem,
// UpdateItem, DeleteItem or transaction action, so one engine serves both.
//
// Attribute paths reuse the expression module's Path. Values may hold `?` parameters, resolved
// against the request's Parameters (ResolveValue).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ddbd/status.h"

#include "expr/ast.h"
#include "model/attribute_value.h"

namespace ddbd::partiql {

// A literal, a `?` parameter, or a list, map or set literal whose elements may be either.
struct Value {
  enum class Kind : uint8_t { kLiteral, kParameter, kList, kMap, kSet } kind = Kind::kLiteral;
  model::AttributeValue literal;  // kLiteral
  size_t parameter = 0;           // kParameter: 0-based
  std::vector<Value> elements;    // kList, kSet; kMap: the members' values
  std::vector<std::string> keys;  // kMap: the members' names, in written order
};

// An operand of a comparison or of an UPDATE's SET.
struct Operand {
  enum class Kind : uint8_t { kPath, kValue, kFunction, kPlus, kMinus } kind = Kind::kPath;
  expr::Path path;            // kPath
  Value value;                // kValue
  std::string function;       // kFunction, lower case: size, list_append, set_add, ...
  std::vector<Operand> args;  // kFunction arguments; kPlus/kMinus: the two sides
};

struct Condition {
  enum class Kind : uint8_t {
    kCompare,    // operands[0] op operands[1]
    kBetween,    // operands[0] BETWEEN operands[1] AND operands[2]
    kIn,         // operands[0] IN [operands[1..]]
    kIsMissing,  // operands[0] IS [NOT] MISSING (negated)
    kIsNull,     // operands[0] IS [NOT] NULL (negated)
    kFunction,   // a boolean function call: operands[0]
    kAnd,
    kOr,
    kNot,
  } kind = Kind::kCompare;
  enum class Comparator : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe } comparator = Comparator::kEq;
  bool negated = false;
  std::vector<Operand> operands;
  std::vector<Condition> children;  // kAnd/kOr: two; kNot: one
};

// "Table" or "Table"."Index".
struct TableRef {
  std::string table;
  std::optional<std::string> index;
};

struct OrderBy {
  expr::Path path;
  bool descending = false;
};

struct Select {
  std::vector<expr::Path> projection;  // empty = *
  TableRef from;
  std::optional<Condition> where;
  std::vector<OrderBy> order_by;
};

struct UpdateAction {
  enum class Kind : uint8_t { kSet, kRemove } kind = Kind::kSet;
  expr::Path path;
  Operand value;  // kSet
};

enum class Returning : uint8_t { kNone, kAllOld, kModifiedOld, kAllNew, kModifiedNew };

struct Statement {
  enum class Kind : uint8_t { kSelect, kInsert, kUpdate, kDelete, kExists } kind = Kind::kSelect;
  Select select;                      // kSelect, kExists
  TableRef table;                     // kInsert, kUpdate, kDelete
  Value item;                         // kInsert: a map
  std::vector<UpdateAction> actions;  // kUpdate
  std::optional<Condition> where;     // kUpdate, kDelete
  Returning returning = Returning::kNone;
  size_t parameters = 0;  // `?` markers in the statement
};

// The service's limit on statement text.
constexpr size_t kMaxStatementLength = 8192;

// Parses one statement. Errors are ValidationExceptions with the service's wording for
// malformed statements.
Result<Statement> Parse(std::string_view text);

// The AttributeValue of `value` with parameters substituted. REQUIRES: every parameter index
// < params.size() (the caller checks the count first).
Result<model::AttributeValue> ResolveValue(const Value& value,
                                           const std::vector<model::AttributeValue>& params);

}  // namespace ddbd::partiql
