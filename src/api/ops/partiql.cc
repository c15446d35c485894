// PartiQL: ExecuteStatement, BatchExecuteStatement, ExecuteTransaction (docs/partiql.md).
//
// Each statement is parsed (partiql/parser.cc) and turned into the request of the equivalent
// operation -- GetItem, Query, Scan, PutItem, UpdateItem, DeleteItem, or a TransactGetItems /
// TransactWriteItems action -- with its attribute names and values as expression
// placeholders. That request goes through the operation's own handler, so validation,
// conditions, capacity and ConsumedCapacity are those of the equivalent call; the reply is
// reshaped into the PartiQL operation's.
//
// A SELECT whose WHERE fixes the partition key (with = , in a top-level AND) is a Query, or a
// GetItem when it fixes the whole primary key of the table and has no other terms; any other
// SELECT is a Scan with the WHERE as its filter.
#include <map>

#include "api/ops/ops.h"
#include "common/base64.h"
#include "common/hash.h"
#include "partiql/ast.h"

namespace ddbd::api {
namespace {

using model::AttributeValue;
using partiql::Condition;
using partiql::Operand;
using partiql::Statement;

constexpr size_t kMaxBatchStatements = 25;
constexpr size_t kMaxTransactionStatements = 100;

// -------------------------------------------------------------------------------------------
// Request building

Status NotWellFormed(const std::string& detail) {
  return Status::Validation("Statement wasn't well formed, can't be processed: " + detail);
}

// The expression text and placeholder maps of one generated request.
class Expressions {
 public:
  explicit Expressions(const std::vector<AttributeValue>& params) : params_(params) {}

  std::string Name(const std::string& name) {
    auto it = names_.find(name);
    if (it != names_.end()) return it->second;
    std::string placeholder = "#n" + std::to_string(names_.size());
    names_.emplace(name, placeholder);
    return placeholder;
  }

  std::string Literal(AttributeValue value) {
    std::string placeholder = ":v" + std::to_string(values_.size());
    values_.emplace_back(placeholder, std::move(value));
    return placeholder;
  }

  Result<std::string> Value(const partiql::Value& value) {
    DDBD_ASSIGN_OR_RETURN(AttributeValue resolved, partiql::ResolveValue(value, params_));
    return Literal(std::move(resolved));
  }

  // A value that must be a string, number or binary set (set_add, set_delete).
  Result<std::string> SetValue(const partiql::Value& value) {
    DDBD_ASSIGN_OR_RETURN(AttributeValue resolved, partiql::ResolveValue(value, params_));
    if (resolved.type != model::AttrType::kSS && resolved.type != model::AttrType::kNS &&
        resolved.type != model::AttrType::kBS) {
      return Status::Validation(
          "set_add and set_delete take a string, number or binary set");  // message unverified
    }
    return Literal(std::move(resolved));
  }

  std::string Path(const expr::Path& path) {
    std::string out;
    for (const auto& e : path) {
      if (e.kind == expr::PathElement::Kind::kIndex) {
        out += "[" + std::to_string(e.index) + "]";
      } else {
        if (!out.empty()) out += '.';
        out += Name(e.name);
      }
    }
    return out;
  }

  // An operand as expression text; `update`: the right-hand side of a SET (arithmetic and
  // list_append), else a condition's operand (size).
  Result<std::string> OperandText(const Operand& op, bool update = false) {
    const bool arithmetic = op.kind == Operand::Kind::kPlus || op.kind == Operand::Kind::kMinus;
    const bool update_function =
        op.kind == Operand::Kind::kFunction &&
        (op.function == "list_append" || op.function == "set_add" || op.function == "set_delete");
    if (!update && (arithmetic || update_function)) {
      return NotWellFormed((arithmetic ? std::string("arithmetic") : op.function) +
                           " can be used only in SET");  // detail unverified
    }
    if (update && op.kind == Operand::Kind::kFunction && !update_function) {
      return NotWellFormed(op.function + " cannot be used in SET");  // detail unverified
    }
    switch (op.kind) {
      case Operand::Kind::kPath:
        return Path(op.path);
      case Operand::Kind::kValue:
        return Value(op.value);
      case Operand::Kind::kPlus:
      case Operand::Kind::kMinus: {
        DDBD_ASSIGN_OR_RETURN(std::string left, OperandText(op.args[0], update));
        DDBD_ASSIGN_OR_RETURN(std::string right, OperandText(op.args[1], update));
        return left + (op.kind == Operand::Kind::kPlus ? " + " : " - ") + right;
      }
      case Operand::Kind::kFunction: {
        std::string out = op.function + "(";
        for (size_t i = 0; i < op.args.size(); ++i) {
          DDBD_ASSIGN_OR_RETURN(std::string arg, OperandText(op.args[i], update));
          out += (i ? ", " : "") + arg;
        }
        return out + ")";
      }
    }
    return Status::Internal("unknown operand");
  }

  // The condition as expression text, parenthesised only where precedence needs it (the
  // expression parser refuses redundant parentheses): `binding` is the tightest operator
  // around it (0 none, 1 OR, 2 AND, 3 NOT).
  Result<std::string> ConditionText(const Condition& c, int binding = 0) {
    static const char* const kOps[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
    auto wrap = [&](int own, std::string text) { return own < binding ? "(" + text + ")" : text; };
    switch (c.kind) {
      case Condition::Kind::kCompare: {
        DDBD_ASSIGN_OR_RETURN(std::string a, OperandText(c.operands[0]));
        DDBD_ASSIGN_OR_RETURN(std::string b, OperandText(c.operands[1]));
        return a + kOps[static_cast<int>(c.comparator)] + b;
      }
      case Condition::Kind::kBetween: {
        DDBD_ASSIGN_OR_RETURN(std::string a, OperandText(c.operands[0]));
        DDBD_ASSIGN_OR_RETURN(std::string b, OperandText(c.operands[1]));
        DDBD_ASSIGN_OR_RETURN(std::string d, OperandText(c.operands[2]));
        return a + " BETWEEN " + b + " AND " + d;
      }
      case Condition::Kind::kIn: {
        DDBD_ASSIGN_OR_RETURN(std::string out, OperandText(c.operands[0]));
        out += " IN (";
        for (size_t i = 1; i < c.operands.size(); ++i) {
          DDBD_ASSIGN_OR_RETURN(std::string v, OperandText(c.operands[i]));
          out += (i > 1 ? ", " : "") + v;
        }
        return out + ")";
      }
      case Condition::Kind::kIsMissing:
      case Condition::Kind::kIsNull: {
        if (c.operands[0].kind != Operand::Kind::kPath) {
          return Status::Validation("IS MISSING and IS NULL apply to attributes");  // unverified
        }
        const std::string path = Path(c.operands[0].path);
        if (c.kind == Condition::Kind::kIsMissing) {
          return std::string(c.negated ? "attribute_exists(" : "attribute_not_exists(") + path +
                 ")";
        }
        const std::string null = Literal(AttributeValue::String("NULL"));
        if (!c.negated) return "attribute_type(" + path + ", " + null + ")";
        return wrap(
            2, "attribute_exists(" + path + ") AND NOT attribute_type(" + path + ", " + null + ")");
      }
      case Condition::Kind::kFunction:
        return OperandText(c.operands[0]);
      case Condition::Kind::kAnd:
      case Condition::Kind::kOr: {
        const int own = c.kind == Condition::Kind::kAnd ? 2 : 1;
        DDBD_ASSIGN_OR_RETURN(std::string a, ConditionText(c.children[0], own));
        DDBD_ASSIGN_OR_RETURN(std::string b, ConditionText(c.children[1], own));
        return wrap(own, a + (own == 2 ? " AND " : " OR ") + b);
      }
      case Condition::Kind::kNot: {
        DDBD_ASSIGN_OR_RETURN(std::string a, ConditionText(c.children[0], 3));
        return "NOT " + a;
      }
    }
    return Status::Internal("unknown condition");
  }

  // "ExpressionAttributeNames" and "ExpressionAttributeValues", if any were used.
  void Write(JsonWriter& w) const {
    if (!names_.empty()) {
      WriteKey(w, "ExpressionAttributeNames");
      w.StartObject();
      for (const auto& [name, placeholder] : names_) {
        WriteKey(w, placeholder);
        WriteString(w, name);
      }
      w.EndObject();
    }
    if (!values_.empty()) {
      WriteKey(w, "ExpressionAttributeValues");
      w.StartObject();
      for (const auto& [placeholder, value] : values_) {
        WriteKey(w, placeholder);
        model::WriteAttributeValue(w, value);
      }
      w.EndObject();
    }
  }

 private:
  const std::vector<AttributeValue>& params_;
  std::map<std::string, std::string> names_;
  std::vector<std::pair<std::string, AttributeValue>> values_;
};

// The terms of a top-level AND chain, in written order.
void Conjuncts(const Condition& c, std::vector<const Condition*>* out) {
  if (c.kind == Condition::Kind::kAnd) {
    Conjuncts(c.children[0], out);
    Conjuncts(c.children[1], out);
  } else {
    out->push_back(&c);
  }
}

bool IsAttribute(const Operand& op, const std::string& name) {
  return op.kind == Operand::Kind::kPath && op.path.size() == 1 &&
         op.path[0].kind == expr::PathElement::Kind::kName && op.path[0].name == name;
}

// The value `name` equals in `c` (`name = v` or `v = name`), or null.
const partiql::Value* EqualityOn(const Condition& c, const std::string& name) {
  if (c.kind != Condition::Kind::kCompare || c.comparator != Condition::Comparator::kEq) {
    return nullptr;
  }
  for (int side : {0, 1}) {
    if (IsAttribute(c.operands[side], name) && c.operands[1 - side].kind == Operand::Kind::kValue) {
      return &c.operands[1 - side].value;
    }
  }
  return nullptr;
}

// True if `c` can be a Query's sort-key condition on `name`.
bool IsSortKeyCondition(const Condition& c, const std::string& name) {
  auto values_from = [&](size_t first) {
    for (size_t i = first; i < c.operands.size(); ++i) {
      if (c.operands[i].kind != Operand::Kind::kValue) return false;
    }
    return true;
  };
  switch (c.kind) {
    case Condition::Kind::kCompare:
      return c.comparator != Condition::Comparator::kNe &&
             ((IsAttribute(c.operands[0], name) && values_from(1)) ||
              (IsAttribute(c.operands[1], name) && c.operands[0].kind == Operand::Kind::kValue));
    case Condition::Kind::kBetween:
      return IsAttribute(c.operands[0], name) && values_from(1);
    case Condition::Kind::kFunction: {
      const Operand& call = c.operands[0];
      return call.function == "begins_with" && call.args.size() == 2 &&
             IsAttribute(call.args[0], name) && call.args[1].kind == Operand::Kind::kValue;
    }
    default:
      return false;
  }
}

// `c` with a key attribute on the left: `value op key` becomes `key op' value`.
Condition KeyOnTheLeft(const Condition& c) {
  if (c.kind != Condition::Kind::kCompare || c.operands[1].kind != Operand::Kind::kPath) return c;
  Condition out = c;
  std::swap(out.operands[0], out.operands[1]);
  using C = Condition::Comparator;
  switch (c.comparator) {
    case C::kLt:
      out.comparator = C::kGt;
      break;
    case C::kLe:
      out.comparator = C::kGe;
      break;
    case C::kGt:
      out.comparator = C::kLt;
      break;
    case C::kGe:
      out.comparator = C::kLe;
      break;
    default:
      break;
  }
  return out;
}

struct KeyNames {
  std::string hash;
  std::optional<std::string> range;
};

Result<std::shared_ptr<engine::Table>> StatementTable(OpContext& ctx, const std::string& name) {
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return Status::ResourceNotFound("Requested resource not found");
  return table;
}

// The partition and sort key of the table, or of its index `index`.
Result<KeyNames> KeysOf(const engine::Table& table, const std::optional<std::string>& index) {
  KeyNames keys;
  if (!index) {
    keys.hash = table.hash_key().name;
    if (table.range_key()) keys.range = table.range_key()->name;
    return keys;
  }
  auto meta = table.shared_meta();
  const engine::IndexMeta* i = meta->FindIndex(*index);
  if (i == nullptr) {
    return Status::Validation("The table does not have the specified index: " +
                              *index);  // message unverified
  }
  // A GSI with multi-attribute keys is read with a Scan (and the WHERE as its filter).
  if (i->multi_attribute()) return keys;
  keys.hash = i->hash_key.name;
  if (i->range_key) keys.range = i->range_key->name;
  return keys;
}

Status MissingKeyEquality() {
  return Status::Validation(
      "Where clause does not contain a mandatory equality on all key attributes");
}

// The full primary key a write's WHERE names, and its other terms (the write's condition).
struct KeyedWhere {
  model::Item key;
  std::vector<const Condition*> rest;
};

Result<KeyedWhere> SplitKey(const Condition& where, const KeyNames& keys,
                            const std::vector<AttributeValue>& params) {
  std::vector<const Condition*> terms;
  Conjuncts(where, &terms);
  KeyedWhere out;
  for (const Condition* term : terms) {
    bool used = false;
    for (const std::string* name : {&keys.hash, keys.range ? &*keys.range : nullptr}) {
      if (name == nullptr || out.key.count(*name)) continue;
      if (const partiql::Value* v = EqualityOn(*term, *name)) {
        DDBD_ASSIGN_OR_RETURN(AttributeValue value, partiql::ResolveValue(*v, params));
        out.key.emplace(*name, std::move(value));
        used = true;
        break;
      }
    }
    if (!used) out.rest.push_back(term);
  }
  if (out.key.size() != (keys.range ? 2u : 1u)) return MissingKeyEquality();
  return out;
}

// The terms joined by AND; `binding` as for ConditionText.
Result<std::string> JoinConditions(Expressions& e, const std::vector<const Condition*>& terms,
                                   int binding = 0) {
  std::string out;
  const int own = terms.size() > 1 ? 2 : binding;
  for (const Condition* term : terms) {
    DDBD_ASSIGN_OR_RETURN(std::string text, e.ConditionText(*term, std::max(own, binding)));
    out += (out.empty() ? "" : " AND ") + text;
  }
  return terms.size() > 1 && binding > 2 ? "(" + out + ")" : out;
}

// A generated request of one of the ordinary operations.
struct Planned {
  OpHandler handler = nullptr;
  enum class Reply : uint8_t { kItem, kItems, kAttributes, kNone } reply = Reply::kNone;
  std::string table;
  // The requests' JSON: one, or one Query per partition key of an IN (or OR) on the
  // partition key, run in order.
  std::vector<std::string> bodies;
};

struct PlanOptions {
  std::optional<bool> consistent;
  std::optional<std::string> return_consumed_capacity;
  std::optional<std::string> return_values_on_failure;
  bool single_item_reads_only = false;  // BatchExecuteStatement
};

void WriteMember(JsonWriter& w, const char* key, const std::string& value) {
  WriteKey(w, key);
  WriteString(w, value);
}

Result<Planned> PlanSelect(OpContext& ctx, const Statement& s,
                           const std::vector<AttributeValue>& params, const PlanOptions& o) {
  const partiql::Select& select = s.select;
  DDBD_ASSIGN_OR_RETURN(auto table, StatementTable(ctx, select.from.table));
  DDBD_ASSIGN_OR_RETURN(KeyNames keys, KeysOf(*table, select.from.index));
  std::vector<const Condition*> terms;
  if (select.where) Conjuncts(*select.where, &terms);
  const Condition* hash_term = nullptr;
  const Condition* sort_term = nullptr;
  for (const Condition* term : terms) {
    if (!hash_term && EqualityOn(*term, keys.hash)) {
      hash_term = term;
    } else if (keys.range &&
               (!sort_term ||
                (EqualityOn(*term, *keys.range) && !EqualityOn(*sort_term, *keys.range))) &&
               IsSortKeyCondition(*term, *keys.range)) {
      sort_term = term;
    }
  }
  // Without an equality, an IN on the partition key (or a WHERE that is only ORs of
  // equalities on it) is one Query per value.
  const Condition* in_term = nullptr;
  std::vector<Condition> hash_terms;
  auto equality = [&](const partiql::Value& value) {
    Condition c;
    c.operands.resize(2);
    c.operands[0].path.push_back(expr::PathElement{expr::PathElement::Kind::kName, keys.hash, 0});
    c.operands[1].kind = Operand::Kind::kValue;
    c.operands[1].value = value;
    return c;
  };
  // A value given twice is one Query.
  std::vector<AttributeValue> seen;
  auto add_value = [&](const partiql::Value& value) -> Status {
    DDBD_ASSIGN_OR_RETURN(AttributeValue resolved, partiql::ResolveValue(value, params));
    for (const auto& v : seen) {
      if (model::Equal(v, resolved)) return Status::OK();
    }
    seen.push_back(std::move(resolved));
    hash_terms.push_back(equality(value));
    return Status::OK();
  };
  if (hash_term != nullptr) {
    hash_terms.push_back(KeyOnTheLeft(*hash_term));
  } else {
    for (const Condition* term : terms) {
      if (term->kind != Condition::Kind::kIn || !IsAttribute(term->operands[0], keys.hash) ||
          term->operands.size() > 101) {
        continue;
      }
      bool values = true;
      for (size_t i = 1; i < term->operands.size(); ++i) {
        values &= term->operands[i].kind == Operand::Kind::kValue;
      }
      if (!values) continue;
      in_term = term;
      for (size_t i = 1; i < term->operands.size(); ++i) {
        DDBD_RETURN_IF_ERROR(add_value(term->operands[i].value));
      }
      break;
    }
    std::vector<const Condition*> leaves;
    std::vector<const Condition*> pending;
    if (!in_term && select.where && select.where->kind == Condition::Kind::kOr) {
      pending.push_back(&*select.where);
      while (!pending.empty()) {
        const Condition* c = pending.back();
        pending.pop_back();
        if (c->kind == Condition::Kind::kOr) {
          pending.push_back(&c->children[1]);
          pending.push_back(&c->children[0]);
        } else {
          leaves.push_back(c);
        }
      }
      bool all_equalities = true;
      for (const Condition* leaf : leaves)
        all_equalities &= EqualityOn(*leaf, keys.hash) != nullptr;
      if (all_equalities && leaves.size() <= 100) {
        for (const Condition* leaf : leaves) {
          DDBD_RETURN_IF_ERROR(add_value(*EqualityOn(*leaf, keys.hash)));
        }
        terms.clear();  // the whole WHERE is the key condition
      }
    }
  }
  std::vector<const Condition*> rest;
  for (const Condition* term : terms) {
    if (term != hash_term && term != sort_term && term != in_term) rest.push_back(term);
  }
  const bool full_key =
      hash_term && (!keys.range || (sort_term && EqualityOn(*sort_term, *keys.range)));
  Planned plan;
  plan.table = select.from.table;
  if (o.single_item_reads_only && (!full_key || select.from.index || !rest.empty())) {
    return Status::Validation(
        "Select statements in BatchExecuteStatement and ExecuteTransaction must name the full "
        "primary key of the table with equality conditions only");  // message unverified
  }
  if (!select.order_by.empty() && hash_terms.size() != 1) {
    return Status::Validation(
        "ORDER BY needs a WHERE clause with an equality on the partition key");  // unverified
  }
  bool forward = true;
  for (const auto& order : select.order_by) {
    const bool on_key =
        order.path.size() == 1 &&
        (order.path[0].name == keys.hash || (keys.range && order.path[0].name == *keys.range));
    if (!on_key) {
      return Status::Validation(
          "ORDER BY is supported only on the key attributes of the table "
          "or index");  // message unverified
    }
    if (keys.range && order.path[0].name == *keys.range) forward = !order.descending;
  }
  std::optional<Condition> sort_on_the_left;
  if (sort_term) sort_on_the_left = KeyOnTheLeft(*sort_term);
  // ORDER BY cannot change a single item's answer.
  const bool get = full_key && !select.from.index && rest.empty();
  plan.handler = get ? GetItem : !hash_terms.empty() ? QueryWithKeyFilter : Scan;
  plan.reply = get ? Planned::Reply::kItem : Planned::Reply::kItems;
  // One request per partition key (one for a GetItem or Scan).
  for (size_t q = 0; q < std::max<size_t>(1, hash_terms.size()); ++q) {
    Expressions e(params);
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    w.StartObject();
    WriteMember(w, "TableName", select.from.table);
    if (get) {
      KeyedWhere key;
      DDBD_ASSIGN_OR_RETURN(key, SplitKey(*select.where, keys, params));
      WriteKey(w, "Key");
      model::WriteAttributeMap(w, key.key);
    } else if (!hash_terms.empty()) {
      std::vector<const Condition*> key_terms{&hash_terms[q]};
      if (sort_term) key_terms.push_back(&*sort_on_the_left);
      DDBD_ASSIGN_OR_RETURN(std::string key_condition, JoinConditions(e, key_terms));
      WriteMember(w, "KeyConditionExpression", key_condition);
      if (!rest.empty()) {
        DDBD_ASSIGN_OR_RETURN(std::string filter, JoinConditions(e, rest));
        WriteMember(w, "FilterExpression", filter);
      }
      if (!forward) {
        WriteKey(w, "ScanIndexForward");
        w.Bool(false);
      }
    } else if (select.where) {
      DDBD_ASSIGN_OR_RETURN(std::string filter, e.ConditionText(*select.where));
      WriteMember(w, "FilterExpression", filter);
    }
    if (select.from.index) WriteMember(w, "IndexName", *select.from.index);
    if (!select.projection.empty()) {
      std::string projection;
      for (const auto& path : select.projection) {
        projection += (projection.empty() ? "" : ", ") + e.Path(path);
      }
      WriteMember(w, "ProjectionExpression", projection);
    }
    if (o.consistent) {
      WriteKey(w, "ConsistentRead");
      w.Bool(*o.consistent);
    }
    if (o.return_consumed_capacity) {
      WriteMember(w, "ReturnConsumedCapacity", *o.return_consumed_capacity);
    }
    e.Write(w);
    w.EndObject();
    plan.bodies.emplace_back(buffer.GetString(), buffer.GetSize());
  }
  return plan;
}

const char* ReturnValuesOf(partiql::Returning r) {
  switch (r) {
    case partiql::Returning::kAllOld:
      return "ALL_OLD";
    case partiql::Returning::kModifiedOld:
      return "UPDATED_OLD";
    case partiql::Returning::kAllNew:
      return "ALL_NEW";
    case partiql::Returning::kModifiedNew:
      return "UPDATED_NEW";
    case partiql::Returning::kNone:
      break;
  }
  return "NONE";
}

// The UpdateExpression of an UPDATE's SET and REMOVE clauses: set_add and set_delete become
// ADD and DELETE of the set.
Result<std::string> UpdateText(Expressions& e, const Statement& s) {
  std::string set, remove, add, del;
  for (const auto& action : s.actions) {
    const std::string path = e.Path(action.path);
    if (action.kind == partiql::UpdateAction::Kind::kRemove) {
      remove += (remove.empty() ? "" : ", ") + path;
      continue;
    }
    const Operand& v = action.value;
    if (v.kind == Operand::Kind::kFunction &&
        (v.function == "set_add" || v.function == "set_delete")) {
      if (v.args.size() != 2 || v.args[0].kind != Operand::Kind::kPath ||
          v.args[0].path.size() != action.path.size() || e.Path(v.args[0].path) != path ||
          v.args[1].kind != Operand::Kind::kValue) {
        return Status::Validation(v.function +
                                  " takes the attribute being set and a set value");  // unverified
      }
      DDBD_ASSIGN_OR_RETURN(std::string value, e.SetValue(v.args[1].value));
      std::string& clause = v.function == "set_add" ? add : del;
      clause += (clause.empty() ? "" : ", ") + path + " " + value;
      continue;
    }
    DDBD_ASSIGN_OR_RETURN(std::string value, e.OperandText(v, true));
    set += (set.empty() ? "" : ", ") + path + " = " + value;
  }
  std::string out;
  if (!set.empty()) out += "SET " + set;
  if (!remove.empty()) out += (out.empty() ? "" : " ") + std::string("REMOVE ") + remove;
  if (!add.empty()) out += (out.empty() ? "" : " ") + std::string("ADD ") + add;
  if (!del.empty()) out += (out.empty() ? "" : " ") + std::string("DELETE ") + del;
  return out;
}

// The action body of a write statement (PutItem, UpdateItem or DeleteItem request members,
// also a transaction action's), without ReturnValues and capacity members.
Status WriteWriteBody(OpContext& ctx, const Statement& s, const std::vector<AttributeValue>& params,
                      JsonWriter& w, OpHandler* handler) {
  if (s.table.index) {
    return Status::Validation("Writes name a table, not an index");  // message unverified
  }
  DDBD_ASSIGN_OR_RETURN(auto table, StatementTable(ctx, s.table.table));
  DDBD_ASSIGN_OR_RETURN(KeyNames keys, KeysOf(*table, std::nullopt));
  Expressions e(params);
  WriteMember(w, "TableName", s.table.table);
  if (s.kind == Statement::Kind::kInsert) {
    *handler = PutItem;
    DDBD_ASSIGN_OR_RETURN(AttributeValue item, partiql::ResolveValue(s.item, params));
    if (item.type != model::AttrType::kM) {
      return Status::Validation("INSERT takes a single item, written as a map");  // unverified
    }
    WriteKey(w, "Item");
    model::WriteAttributeMap(w, item.map);
    WriteMember(w, "ConditionExpression", "attribute_not_exists(" + e.Name(keys.hash) + ")");
    e.Write(w);
    return Status::OK();
  }
  DDBD_ASSIGN_OR_RETURN(KeyedWhere where, SplitKey(*s.where, keys, params));
  WriteKey(w, "Key");
  model::WriteAttributeMap(w, where.key);
  DDBD_ASSIGN_OR_RETURN(std::string condition, JoinConditions(e, where.rest, 2));
  if (s.kind == Statement::Kind::kUpdate) {
    *handler = UpdateItem;
    DDBD_ASSIGN_OR_RETURN(std::string update, UpdateText(e, s));
    WriteMember(w, "UpdateExpression", update);
    // An UPDATE changes an existing item only: none matching is a failed condition.
    const std::string exists = "attribute_exists(" + e.Name(keys.hash) + ")";
    condition = condition.empty() ? exists : exists + " AND " + condition;
  } else if (s.kind == Statement::Kind::kDelete) {
    *handler = DeleteItem;
  } else {  // EXISTS(SELECT ...): a condition check on the item
    *handler = nullptr;
    const std::string exists = "attribute_exists(" + e.Name(keys.hash) + ")";
    condition = condition.empty() ? exists : exists + " AND " + condition;
  }
  if (!condition.empty()) WriteMember(w, "ConditionExpression", condition);
  e.Write(w);
  return Status::OK();
}

Result<Planned> PlanWrite(OpContext& ctx, const Statement& s,
                          const std::vector<AttributeValue>& params, const PlanOptions& o) {
  Planned plan;
  plan.table = s.table.table;
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  DDBD_RETURN_IF_ERROR(WriteWriteBody(ctx, s, params, w, &plan.handler));
  if (s.returning != partiql::Returning::kNone) {
    WriteMember(w, "ReturnValues", ReturnValuesOf(s.returning));
    plan.reply = Planned::Reply::kAttributes;
  }
  if (o.return_consumed_capacity) {
    WriteMember(w, "ReturnConsumedCapacity", *o.return_consumed_capacity);
  }
  if (o.return_values_on_failure) {
    WriteMember(w, "ReturnValuesOnConditionCheckFailure", *o.return_values_on_failure);
  }
  w.EndObject();
  plan.bodies.emplace_back(buffer.GetString(), buffer.GetSize());
  return plan;
}

// Runs a planned request through its operation's handler; the handler's reply is parsed into
// `reply`. An INSERT meeting an existing key is the service's DuplicateItemException.
// Request `index` of the plan, with a Limit and an ExclusiveStartKey if given (Query, Scan).
Status RunPlan(OpContext& ctx, const Statement& s, const Planned& plan, rapidjson::Document* reply,
               size_t index = 0, std::optional<int64_t> limit = std::nullopt,
               const Json* start_key = nullptr) {
  rapidjson::Document request;
  request.Parse(plan.bodies[index].data(), plan.bodies[index].size());
  if (request.HasParseError()) return Status::Internal("generated request is not JSON");
  auto& allocator = request.GetAllocator();
  if (limit) request.AddMember("Limit", rapidjson::Value(*limit), allocator);
  if (start_key != nullptr) {
    request.AddMember("ExclusiveStartKey", rapidjson::Value(*start_key, allocator), allocator);
  }
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  Status status = plan.handler(ctx, request, w);
  if (!status.ok()) {
    if (s.kind == Statement::Kind::kInsert && status.code() == ErrorCode::kConditionalCheckFailed) {
      return Status(ErrorCode::kDuplicateItem, "Duplicate primary key exists in table");
    }
    return status;
  }
  reply->Parse(buffer.GetString(), buffer.GetSize());
  if (reply->HasParseError()) return Status::Internal("reply is not JSON");
  return Status::OK();
}

// The items of a reply, as elements of the PartiQL reply's Items.
void WriteItems(JsonWriter& w, const Planned& plan, const rapidjson::Document& reply) {
  const char* member = plan.reply == Planned::Reply::kItem         ? "Item"
                       : plan.reply == Planned::Reply::kAttributes ? "Attributes"
                                                                   : nullptr;
  if (member != nullptr) {
    auto it = reply.FindMember(member);
    if (it != reply.MemberEnd()) it->value.Accept(w);
  } else if (plan.reply == Planned::Reply::kItems) {
    auto it = reply.FindMember("Items");
    if (it != reply.MemberEnd()) {
      for (const auto& item : it->value.GetArray()) item.Accept(w);
    }
  }
}

// Adds the numbers of `add` to those at the same places of `total` (ConsumedCapacity).
void AddNumbers(Json* total, const Json& add, rapidjson::MemoryPoolAllocator<>& allocator) {
  if (!total->IsObject() || !add.IsObject()) return;
  for (const auto& m : add.GetObject()) {
    auto it = total->FindMember(m.name);
    if (it == total->MemberEnd()) {
      total->AddMember(Json(m.name, allocator), Json(m.value, allocator), allocator);
    } else if (it->value.IsNumber() && m.value.IsNumber()) {
      it->value.SetDouble(it->value.GetDouble() + m.value.GetDouble());
    } else {
      AddNumbers(&it->value, m.value, allocator);
    }
  }
}

// Parameters (AttributeValues), with the model's constraint checks.
Result<std::vector<AttributeValue>> ReadParameters(const Json& owner, ConstraintErrors& errors) {
  std::vector<AttributeValue> params;
  DDBD_ASSIGN_OR_RETURN(const Json* list, GetArray(owner, "Parameters"));
  if (list == nullptr) return params;
  if (list->Empty()) {
    errors.Add(
        "Value '[]' at 'parameters' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1");
  }
  for (const auto& p : list->GetArray()) {
    AttributeValue v;
    DDBD_RETURN_IF_ERROR(model::DecodeAttributeValue(p, &v));
    params.push_back(std::move(v));
  }
  return params;
}

Result<Statement> ParseWithParameters(const std::string& text,
                                      const std::vector<AttributeValue>& params) {
  DDBD_ASSIGN_OR_RETURN(Statement s, partiql::Parse(text));
  if (s.parameters != params.size()) {
    return Status::Validation("The statement has " + std::to_string(s.parameters) +
                              " parameter markers but " + std::to_string(params.size()) +
                              " parameters were given");  // message unverified
  }
  return s;
}

Result<Planned> Plan(OpContext& ctx, const Statement& s, const std::vector<AttributeValue>& params,
                     const PlanOptions& o) {
  switch (s.kind) {
    case Statement::Kind::kSelect:
      return PlanSelect(ctx, s, params, o);
    case Statement::Kind::kInsert:
    case Statement::Kind::kUpdate:
    case Statement::Kind::kDelete:
      return PlanWrite(ctx, s, params, o);
    case Statement::Kind::kExists:
      break;
  }
  return Status::Validation("EXISTS is supported only in ExecuteTransaction");  // unverified
}

// NextToken: the reply's LastEvaluatedKey, tied to the statement and its parameters.
std::string StatementDigest(const std::string& statement, const Json* params) {
  std::string text = statement;
  if (params != nullptr) {
    rapidjson::StringBuffer buffer;
    JsonWriter w(buffer);
    params->Accept(w);
    text.append(buffer.GetString(), buffer.GetSize());
  }
  return std::to_string(StableHash64(text));
}

Status InvalidNextToken() {
  return Status::Validation(
      "The provided NextToken is not valid for this statement");  // unverified
}

// A well-formed token of another statement (or other parameters): the service's text, as a
// user of it quotes it (aws/aws-sdk-js-v3 issue 4424).
Status NextTokenMismatch() { return Status::Validation("NextToken does not match request"); }

// ReturnConsumedCapacity, passed on to the equivalent operations (nullopt for NONE).
Result<std::optional<std::string>> ReadReturnConsumedCapacity(const Json& request,
                                                              ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(CapacityMode mode, ParseReturnConsumedCapacity(request, errors));
  switch (mode) {
    case CapacityMode::kTotal:
      return std::optional<std::string>("TOTAL");
    case CapacityMode::kIndexes:
      return std::optional<std::string>("INDEXES");
    case CapacityMode::kNone:
      break;
  }
  return std::optional<std::string>();
}

}  // namespace

Status ExecuteStatement(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto statement, GetString(request, "Statement"));
  if (!statement) {
    errors.NotNull("statement");
  } else {
    errors.Length(*statement, "statement", 1, partiql::kMaxStatementLength);
  }
  DDBD_ASSIGN_OR_RETURN(auto params, ReadParameters(request, errors));
  PlanOptions o;
  DDBD_ASSIGN_OR_RETURN(o.consistent, GetBool(request, "ConsistentRead"));
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  if (limit) errors.Min(*limit, "limit", 1);
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "NextToken"));
  if (token) errors.Length(*token, "nextToken", 1, 32768);
  DDBD_ASSIGN_OR_RETURN(o.return_consumed_capacity, ReadReturnConsumedCapacity(request, errors));
  DDBD_ASSIGN_OR_RETURN(o.return_values_on_failure,
                        GetString(request, "ReturnValuesOnConditionCheckFailure"));
  if (o.return_values_on_failure && !IsOneOf(*o.return_values_on_failure, {"ALL_OLD", "NONE"})) {
    errors.Enum(*o.return_values_on_failure, "returnValuesOnConditionCheckFailure",
                "[ALL_OLD, NONE]");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(Statement s, ParseWithParameters(*statement, params));
  DDBD_ASSIGN_OR_RETURN(const Json* params_json, GetArray(request, "Parameters"));
  const std::string digest = StatementDigest(*statement, params_json);
  // NextToken: {"d": digest, "i": which request of the plan, "k": its ExclusiveStartKey}.
  rapidjson::Document position;
  size_t first = 0;
  const Json* start_key = nullptr;
  if (token) {
    std::string decoded;
    if (!Base64Decode(*token, &decoded)) return InvalidNextToken();
    position.Parse(decoded.data(), decoded.size());
    if (position.HasParseError() || !position.IsObject() || !position.HasMember("d") ||
        !position["d"].IsString() || !position.HasMember("i") || !position["i"].IsUint() ||
        s.kind != Statement::Kind::kSelect) {
      return InvalidNextToken();
    }
    if (position["d"].GetString() != digest) return NextTokenMismatch();
    first = position["i"].GetUint();
    auto k = position.FindMember("k");
    if (k != position.MemberEnd()) {
      if (!k->value.IsObject()) return InvalidNextToken();
      start_key = &k->value;
    }
  }
  DDBD_ASSIGN_OR_RETURN(Planned plan, Plan(ctx, s, params, o));
  if (first >= plan.bodies.size()) return InvalidNextToken();
  // The plan's requests in order, until one stops early or the Limit has been read.
  std::vector<rapidjson::Document> replies;
  std::optional<size_t> next_index;
  const Json* next_key = nullptr;
  std::optional<int64_t> remaining = limit;
  for (size_t q = first; q < plan.bodies.size(); ++q) {
    replies.emplace_back();
    rapidjson::Document& reply = replies.back();
    DDBD_RETURN_IF_ERROR(
        RunPlan(ctx, s, plan, &reply, q, remaining, q == first ? start_key : nullptr));
    auto last = reply.FindMember("LastEvaluatedKey");
    if (last != reply.MemberEnd()) {
      next_index = q;
      next_key = &last->value;
      break;
    }
    if (remaining) {
      auto scanned = reply.FindMember("ScannedCount");
      if (scanned != reply.MemberEnd()) *remaining -= scanned->value.GetInt64();
      if (*remaining <= 0 && q + 1 < plan.bodies.size()) {
        next_index = q + 1;
        break;
      }
    }
  }
  out.StartObject();
  WriteKey(out, "Items");
  out.StartArray();
  for (const auto& reply : replies) WriteItems(out, plan, reply);
  out.EndArray();
  if (next_index) {
    rapidjson::StringBuffer buffer;
    JsonWriter tw(buffer);
    tw.StartObject();
    WriteMember(tw, "d", digest);
    WriteKey(tw, "i");
    tw.Uint64(*next_index);
    if (next_key != nullptr) {
      WriteKey(tw, "k");
      next_key->Accept(tw);
    }
    tw.EndObject();
    WriteMember(out, "NextToken",
                Base64Encode(std::string_view(buffer.GetString(), buffer.GetSize())));
  }
  // The requests' ConsumedCapacity, added up.
  rapidjson::Document total;
  for (const auto& reply : replies) {
    auto consumed = reply.FindMember("ConsumedCapacity");
    if (consumed == reply.MemberEnd()) continue;
    if (total.IsNull()) {
      total.CopyFrom(consumed->value, total.GetAllocator());
    } else {
      AddNumbers(&total, consumed->value, total.GetAllocator());
    }
  }
  if (!total.IsNull()) {
    WriteKey(out, "ConsumedCapacity");
    total.Accept(out);
  }
  out.EndObject();
  return Status::OK();
}

namespace {

// The statement list of a batch or transaction (`member`, its model path `path`), with the
// model's length constraints.
Result<const Json*> ReadStatementList(const Json& request, const char* member, const char* path,
                                      size_t max, ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(const Json* statements, GetArray(request, member));
  const std::string at = std::string(" at '") + path + "' failed to satisfy constraint: ";
  if (statements == nullptr) {
    errors.NotNull(path);
  } else if (statements->Empty()) {
    errors.Add("Value '[]'" + at + "Member must have length greater than or equal to 1");
  } else if (statements->Size() > max) {
    // The service dumps the list; ddbd leaves it out.
    errors.Add("Value" + at + "Member must have length less than or equal to " +
               std::to_string(max));
  }
  return statements;
}

// One element of a batch's or transaction's statement list: its text and parameters.
struct StatementEntry {
  std::string text;
  std::vector<AttributeValue> params;
  std::optional<bool> consistent;
  std::optional<std::string> return_values_on_failure;
};

Result<StatementEntry> ReadStatementEntry(const Json& entry, const char* path) {
  if (!entry.IsObject()) return Status::Serialization("Unexpected value type in payload");
  ConstraintErrors errors;
  StatementEntry out;
  DDBD_ASSIGN_OR_RETURN(auto text, GetString(entry, "Statement"));
  const std::string statement_path = std::string(path) + ".member.statement";
  if (!text) {
    errors.NotNull(statement_path.c_str());
  } else {
    errors.Length(*text, statement_path.c_str(), 1, partiql::kMaxStatementLength);
    out.text = *text;
  }
  DDBD_ASSIGN_OR_RETURN(out.params, ReadParameters(entry, errors));
  DDBD_ASSIGN_OR_RETURN(out.consistent, GetBool(entry, "ConsistentRead"));
  DDBD_ASSIGN_OR_RETURN(out.return_values_on_failure,
                        GetString(entry, "ReturnValuesOnConditionCheckFailure"));
  if (out.return_values_on_failure &&
      !IsOneOf(*out.return_values_on_failure, {"ALL_OLD", "NONE"})) {
    errors.Enum(*out.return_values_on_failure,
                (std::string(path) + ".member.returnValuesOnConditionCheckFailure").c_str(),
                "[ALL_OLD, NONE]");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  return out;
}

// The BatchStatementError code of a failed statement.
const char* BatchErrorCode(ErrorCode code) {
  switch (code) {
    case ErrorCode::kConditionalCheckFailed:
      return "ConditionalCheckFailed";
    case ErrorCode::kDuplicateItem:
      return "DuplicateItem";
    case ErrorCode::kResourceNotFound:
      return "ResourceNotFound";
    case ErrorCode::kProvisionedThroughputExceeded:
      return "ProvisionedThroughputExceeded";
    case ErrorCode::kThrottling:
      return "ThrottlingError";
    case ErrorCode::kTransactionConflict:
      return "TransactionConflict";
    case ErrorCode::kRequestLimitExceeded:
      return "RequestLimitExceeded";
    case ErrorCode::kItemCollectionSizeLimitExceeded:
      return "ItemCollectionSizeLimitExceeded";
    case ErrorCode::kValidation:
      return "ValidationError";
    default:
      return "InternalServerError";
  }
}

// Adds a reply's ConsumedCapacity to per-table totals.
void AddCapacity(const rapidjson::Document& reply, std::map<std::string, double>* per_table) {
  auto it = reply.FindMember("ConsumedCapacity");
  if (it == reply.MemberEnd() || !it->value.IsObject()) return;
  auto name = it->value.FindMember("TableName");
  auto units = it->value.FindMember("CapacityUnits");
  if (name == it->value.MemberEnd() || units == it->value.MemberEnd()) return;
  (*per_table)[name->value.GetString()] += units->value.GetDouble();
}

}  // namespace

Status BatchExecuteStatement(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(
      const Json* statements,
      ReadStatementList(request, "Statements", "statements", kMaxBatchStatements, errors));
  PlanOptions common;
  DDBD_ASSIGN_OR_RETURN(common.return_consumed_capacity,
                        ReadReturnConsumedCapacity(request, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  const bool want_capacity = common.return_consumed_capacity.has_value();
  if (want_capacity) common.return_consumed_capacity = "TOTAL";
  // Every entry is read, and the batch checked to be all reads or all writes, before any
  // statement runs.
  std::vector<StatementEntry> entries;
  std::vector<Result<Statement>> parsed_entries;
  bool reads = false, writes = false;
  for (const auto& json : statements->GetArray()) {
    DDBD_ASSIGN_OR_RETURN(StatementEntry entry, ReadStatementEntry(json, "statements"));
    parsed_entries.push_back(ParseWithParameters(entry.text, entry.params));
    if (parsed_entries.back().ok()) {
      (parsed_entries.back()->kind == Statement::Kind::kSelect ? reads : writes) = true;
    }
    entries.push_back(std::move(entry));
  }
  if (reads && writes) {
    return Status::Validation(
        "The entire batch must consist of either read statements or write statements, you "
        "cannot mix both in one batch");  // the API reference's words; message unverified
  }
  std::map<std::string, double> capacity;
  out.StartObject();
  WriteKey(out, "Responses");
  out.StartArray();
  for (size_t e = 0; e < entries.size(); ++e) {
    const StatementEntry& entry = entries[e];
    PlanOptions o = common;
    o.single_item_reads_only = true;
    o.consistent = entry.consistent;
    o.return_values_on_failure = entry.return_values_on_failure;
    const auto& params = entry.params;
    std::string table;
    Status status = Status::OK();
    rapidjson::Document reply;
    Planned plan;
    const auto& parsed = parsed_entries[e];
    if (!parsed.ok()) {
      status = parsed.status();
    } else {
      auto planned = Plan(ctx, *parsed, params, o);
      if (!planned.ok()) {
        status = planned.status();
      } else {
        plan = std::move(*planned);
        table = plan.table;
        status = RunPlan(ctx, *parsed, plan, &reply);
      }
    }
    out.StartObject();
    if (!status.ok()) {
      WriteKey(out, "Error");
      out.StartObject();
      WriteMember(out, "Code", BatchErrorCode(status.code()));
      WriteMember(out, "Message", status.message());
      if (const auto* payload = dynamic_cast<const ItemPayload*>(status.payload())) {
        WriteKey(out, "Item");
        model::WriteAttributeMap(out, payload->item);
      }
      out.EndObject();
    } else {
      WriteMember(out, "TableName", table);
      const char* member = plan.reply == Planned::Reply::kItem         ? "Item"
                           : plan.reply == Planned::Reply::kAttributes ? "Attributes"
                                                                       : nullptr;
      auto it = member ? reply.FindMember(member) : reply.MemberEnd();
      if (member && it != reply.MemberEnd()) {
        WriteKey(out, "Item");
        it->value.Accept(out);
      }
      if (want_capacity) AddCapacity(reply, &capacity);
    }
    out.EndObject();
  }
  out.EndArray();
  if (want_capacity) {
    WriteKey(out, "ConsumedCapacity");
    out.StartArray();
    for (const auto& [table, units] : capacity) {
      out.StartObject();
      WriteMember(out, "TableName", table);
      WriteKey(out, "CapacityUnits");
      out.Double(units);
      out.EndObject();
    }
    out.EndArray();
  }
  out.EndObject();
  return Status::OK();
}

Status ExecuteTransaction(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(const Json* statements,
                        ReadStatementList(request, "TransactStatements", "transactStatements",
                                          kMaxTransactionStatements, errors));
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "ClientRequestToken"));
  if (token) errors.Length(*token, "clientRequestToken", 1, 36);
  DDBD_ASSIGN_OR_RETURN(auto capacity, ReadReturnConsumedCapacity(request, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());

  // One TransactGetItems or TransactWriteItems request: all reads or all writes.
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteKey(w, "TransactItems");
  w.StartArray();
  std::optional<bool> reads;
  for (rapidjson::SizeType i = 0; i < statements->Size(); ++i) {
    DDBD_ASSIGN_OR_RETURN(StatementEntry entry,
                          ReadStatementEntry((*statements)[i], "transactStatements"));
    const auto& params = entry.params;
    const auto& on_failure = entry.return_values_on_failure;
    DDBD_ASSIGN_OR_RETURN(Statement s, ParseWithParameters(entry.text, params));
    const bool read = s.kind == Statement::Kind::kSelect;
    if (reads && *reads != read) {
      return Status::Validation(
          "A transaction's statements must be all reads (SELECT) or all writes (INSERT, UPDATE, "
          "DELETE, EXISTS)");  // message unverified
    }
    reads = read;
    if (s.returning != partiql::Returning::kNone) {
      return Status::Validation(
          "RETURNING is not supported in ExecuteTransaction");  // message unverified
    }
    w.StartObject();
    if (read) {
      PlanOptions o;
      o.single_item_reads_only = true;
      DDBD_ASSIGN_OR_RETURN(Planned plan, PlanSelect(ctx, s, params, o));
      // The GetItem request's members are the Get action's.
      rapidjson::Document get;
      get.Parse(plan.bodies[0].data(), plan.bodies[0].size());
      WriteKey(w, "Get");
      w.StartObject();
      for (const auto& m : get.GetObject()) {
        const std::string_view name(m.name.GetString(), m.name.GetStringLength());
        if (name == "ConsistentRead") continue;
        WriteKey(w, name);
        m.value.Accept(w);
      }
      w.EndObject();
    } else {
      rapidjson::StringBuffer action;
      JsonWriter aw(action);
      aw.StartObject();
      OpHandler handler = nullptr;
      if (s.kind == Statement::Kind::kExists) {
        const partiql::Select& select = s.select;
        if (select.from.index || !select.projection.empty() || !select.where) {
          return Status::Validation(
              "EXISTS takes SELECT * FROM a table WHERE its full primary key");  // unverified
        }
        Statement check;
        check.kind = Statement::Kind::kExists;
        check.table = select.from;
        check.where = select.where;
        DDBD_RETURN_IF_ERROR(WriteWriteBody(ctx, check, params, aw, &handler));
      } else {
        DDBD_RETURN_IF_ERROR(WriteWriteBody(ctx, s, params, aw, &handler));
      }
      if (on_failure) WriteMember(aw, "ReturnValuesOnConditionCheckFailure", *on_failure);
      aw.EndObject();
      WriteKey(w, handler == PutItem      ? "Put"
                  : handler == UpdateItem ? "Update"
                  : handler == DeleteItem ? "Delete"
                                          : "ConditionCheck");
      w.RawValue(action.GetString(), action.GetSize(), rapidjson::kObjectType);
    }
    w.EndObject();
  }
  w.EndArray();
  if (token && !*reads) WriteMember(w, "ClientRequestToken", *token);
  if (capacity) WriteMember(w, "ReturnConsumedCapacity", *capacity);
  w.EndObject();

  rapidjson::Document transact;
  transact.Parse(buffer.GetString(), buffer.GetSize());
  if (transact.HasParseError()) return Status::Internal("generated request is not JSON");
  rapidjson::StringBuffer reply_buffer;
  JsonWriter rw(reply_buffer);
  DDBD_RETURN_IF_ERROR((*reads ? TransactGetItems : TransactWriteItems)(ctx, transact, rw));
  rapidjson::Document reply;
  reply.Parse(reply_buffer.GetString(), reply_buffer.GetSize());
  out.StartObject();
  for (const char* member : {"Responses", "ConsumedCapacity"}) {
    auto it = reply.FindMember(member);
    if (it == reply.MemberEnd()) continue;
    WriteKey(out, member);
    it->value.Accept(out);
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
