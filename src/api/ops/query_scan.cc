// Query and Scan: key conditions (KeyConditionExpression or legacy KeyConditions), filters
// (FilterExpression or legacy QueryFilter/ScanFilter), projections, Select, Limit, paging with
// ExclusiveStartKey/LastEvaluatedKey, parallel scan segments, and capacity.
#include "engine/query_scan.h"

#include <set>

#include "api/ops/expressions.h"
#include "api/ops/ops.h"
#include "api/ops/shapes.h"
#include "engine/index.h"
#include "expr/eval.h"

namespace ddbd::api {
namespace {

using engine::KeyCondition;
using expr::Condition;
using expr::Operand;
using model::AttributeValue;
using model::Item;
using SortOp = KeyCondition::SortOp;

enum class Select { kAll, kProjected, kSpecific, kCount };

struct ReadParams {
  std::string table_name;
  std::optional<std::string> index_name;
  bool capacity = false, capacity_indexes = false;
  bool consistent = false;
  std::optional<int64_t> limit;
  std::optional<Select> select;
  const Json* exclusive_start_key = nullptr;
};

Status ReadReadParams(const Json& request, ReadParams* p) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  errors.TableName(name ? &*name : nullptr);
  if (name) p->table_name = *name;
  DDBD_ASSIGN_OR_RETURN(p->index_name, GetString(request, "IndexName"));
  if (p->index_name) errors.Length(*p->index_name, "indexName", 3, 255);
  DDBD_ASSIGN_OR_RETURN(CapacityMode capacity, ParseReturnConsumedCapacity(request, errors));
  p->capacity = capacity != CapacityMode::kNone;
  p->capacity_indexes = capacity == CapacityMode::kIndexes;
  DDBD_ASSIGN_OR_RETURN(auto consistent, GetBool(request, "ConsistentRead"));
  p->consistent = consistent.value_or(false);
  DDBD_ASSIGN_OR_RETURN(p->limit, GetInt(request, "Limit"));
  if (p->limit) errors.Min(*p->limit, "limit", 1);
  DDBD_ASSIGN_OR_RETURN(auto select, GetString(request, "Select"));
  if (select) {
    if (*select == "ALL_ATTRIBUTES") {
      p->select = Select::kAll;
    } else if (*select == "ALL_PROJECTED_ATTRIBUTES") {
      p->select = Select::kProjected;
    } else if (*select == "SPECIFIC_ATTRIBUTES") {
      p->select = Select::kSpecific;
    } else if (*select == "COUNT") {
      p->select = Select::kCount;
    } else {
      errors.Enum(*select, "select",
                  "[SPECIFIC_ATTRIBUTES, COUNT, ALL_ATTRIBUTES, ALL_PROJECTED_ATTRIBUTES]");
    }
  }
  DDBD_ASSIGN_OR_RETURN(p->exclusive_start_key, GetObject(request, "ExclusiveStartKey"));
  return errors.ToStatus();
}

Status CheckSelect(const ReadParams& p, const RequestExpressions& e, bool legacy_projection) {
  if (!p.select) return Status::OK();
  const char* what = legacy_projection ? "AttributesToGet" : "ProjectionExpression";
  if (e.projection && *p.select != Select::kSpecific) {
    const char* mode = *p.select == Select::kAll     ? "ALL_ATTRIBUTES"
                       : *p.select == Select::kCount ? "COUNT"
                                                     : "ALL_PROJECTED_ATTRIBUTES";
    return Status::Validation(std::string("Cannot specify the ") + what + " when choosing to get " +
                              mode);
  }
  if (!e.projection && *p.select == Select::kSpecific) {
    return Status::Validation(
        "Must specify the AttributesToGet or ProjectionExpression when choosing to get "
        "SPECIFIC_ATTRIBUTES");
  }
  if (*p.select == Select::kProjected && !p.index_name) {
    return Status::Validation(
        "ALL_PROJECTED_ATTRIBUTES can be used only when Querying using an IndexName");
  }
  return Status::OK();
}

// What a Query or Scan reads: the table, or one of its indexes.
struct ReadTarget {
  std::shared_ptr<engine::Table> table;
  std::shared_ptr<const engine::TableMeta> meta_ptr;  // keeps `meta` alive
  const engine::TableMeta* meta = nullptr;
  const engine::IndexMeta* index = nullptr;  // points into meta
  engine::KeyElement hash;                   // the partition key of what is read
  std::optional<engine::KeyElement> range;   // its sort key
  bool fetch_base_items = false;             // LSI reads needing unprojected attributes
};

// Top-level attribute names an expression refers to.
void CollectNames(const expr::Condition& c, const expr::Placeholders& ph,
                  std::set<std::string>* out) {
  for (const auto& child : c.children) CollectNames(child, ph, out);
  std::vector<const Operand*> stack;
  for (const auto& op : c.operands) stack.push_back(&op);
  while (!stack.empty()) {
    const Operand* op = stack.back();
    stack.pop_back();
    for (const auto& arg : op->args) stack.push_back(&arg);
    if (op->kind == Operand::Kind::kPath && !op->path.empty()) {
      out->insert(expr::ElementName(op->path[0], ph));
    }
  }
}

Result<ReadTarget> FindReadTarget(OpContext& ctx, const ReadParams& p,
                                  const RequestExpressions& e) {
  ReadTarget t;
  DDBD_ASSIGN_OR_RETURN(t.table, FindTableForItemOp(ctx, p.table_name));
  t.meta_ptr = t.table->shared_meta();
  t.meta = t.meta_ptr.get();
  t.hash = t.meta->hash_key;
  t.range = t.meta->range_key;
  if (!p.index_name) return t;
  t.index = t.meta->FindIndex(*p.index_name);
  if (t.index == nullptr || t.index->status == engine::IndexStatus::kDeleting) {
    return Status::Validation("The table does not have the specified index: " + *p.index_name);
  }
  if (t.index->global && t.index->status != engine::IndexStatus::kActive) {
    return Status::Validation("Cannot read from backfilling global secondary index: " +
                              t.index->name);  // message unverified
  }
  t.hash = t.index->hash_key;
  t.range = t.index->range_key;
  if (t.index->global && p.consistent) {
    return Status::Validation("Consistent reads are not supported on global secondary indexes");
  }
  bool all_projected = t.index->projection == engine::ProjectionType::kAll;
  if (p.select && *p.select == Select::kAll && !all_projected) {
    if (t.index->global) {
      return Status::Validation(
          "One or more parameter values were invalid: Select type ALL_ATTRIBUTES is not "
          "supported for global secondary index " +
          t.index->name + " because its projection type is not ALL");
    }
    t.fetch_base_items = true;
  }
  if (!t.index->global && !all_projected && !t.fetch_base_items) {
    std::set<std::string> wanted;
    if (e.projection) {
      for (const auto& path : e.projection->paths) {
        wanted.insert(expr::ElementName(path[0], e.ph));
      }
    }
    if (e.condition) CollectNames(*e.condition, e.ph, &wanted);
    for (const auto& name : wanted) {
      if (!engine::IndexHasAttribute(*t.meta, *t.index, name)) t.fetch_base_items = true;
    }
  }
  return t;
}

// ExclusiveStartKey -> storage key, validated against the key schema of what is read. A
// Query's invalid start key gets the service's bare "The provided starting key is invalid";
// a Scan's says why.
Result<std::optional<std::string>> StartKey(const ReadTarget& t, const Json* json,
                                            bool query = false) {
  if (json == nullptr) return std::optional<std::string>();
  model::AttributeMap key;
  DDBD_RETURN_IF_ERROR(model::DecodeAttributeMap(*json, &key));
  const Status invalid = Status::Validation(
      query ? "The provided starting key is invalid"
            : "The provided starting key is invalid: The provided key element does not match the "
              "schema");
  if (t.index == nullptr) {
    auto validated = engine::ValidateKey(*t.table, key);
    if (!validated.ok()) {
      if (query) return invalid;
      return Status::Validation("The provided starting key is invalid: " +
                                validated.status().message());
    }
    return std::optional<std::string>(engine::StorageKeyOf(*validated));
  }
  if (engine::IndexKeyOf(*t.meta, t.index, key).size() != key.size()) return invalid;
  auto storage_key = engine::IndexEntryKey(*t.meta, *t.index, key);
  if (!storage_key) return invalid;
  return std::optional<std::string>(std::move(*storage_key));
}

// Order of two key values of one type (S and B by bytes, N by value).
int CompareKeyValues(const AttributeValue& a, const AttributeValue& b) {
  if (a.type == model::AttrType::kN) return a.num.Compare(b.num);
  return a.str.compare(b.str);
}

// True if a sort-key value satisfies the Query's sort-key condition.
bool SatisfiesSortCondition(const KeyCondition& c, const AttributeValue& v) {
  using Op = KeyCondition::SortOp;
  if (c.sort_op == Op::kRawRange) {  // v is the composite sort key
    return v.type == model::AttrType::kB && v.str >= c.raw_lower &&
           (c.raw_upper.empty() || v.str < c.raw_upper);
  }
  if (v.type != c.sort_value.type) return false;
  const int cmp = CompareKeyValues(v, c.sort_value);
  switch (c.sort_op) {
    case Op::kNone:
      return true;
    case Op::kEq:
      return cmp == 0;
    case Op::kLt:
      return cmp < 0;
    case Op::kLe:
      return cmp <= 0;
    case Op::kGt:
      return cmp > 0;
    case Op::kGe:
      return cmp >= 0;
    case Op::kBetween:
      return cmp >= 0 && CompareKeyValues(v, c.sort_value2) <= 0;
    case Op::kBeginsWith:
      return v.str.compare(0, c.sort_value.str.size(), c.sort_value.str) == 0;
    case Op::kRawRange:
      break;
  }
  return true;
}

// Filters on the page, projection, and the response.
struct PageOutput {
  OpContext& ctx;
  const ReadParams& p;
  const RequestExpressions& e;
  const ReadTarget& target;
};

Status WriteReadResponse(const PageOutput& o, engine::PageResult& page, JsonWriter& out) {
  // An LSI read asking for unprojected attributes fetches them from the table, and pays.
  double table_units = 0;
  if (o.target.fetch_base_items) {
    DDBD_ASSIGN_OR_RETURN(table_units, engine::FetchFromTable(o.ctx.catalog, *o.target.table,
                                                              &page.items, o.p.consistent));
  }
  out.StartObject();
  size_t count = 0;
  bool write_items = !(o.p.select && *o.p.select == Select::kCount);
  if (write_items) {
    WriteKey(out, "Items");
    out.StartArray();
  }
  for (const auto& item : page.items) {
    if (o.e.condition && !expr::EvaluateCondition(*o.e.condition, &item, o.e.ph)) continue;
    ++count;
    if (!write_items) continue;
    if (o.e.projection) {
      model::WriteAttributeMap(out, expr::Project(item, o.e.projection->paths, o.e.ph));
    } else {
      model::WriteAttributeMap(out, item);
    }
  }
  if (write_items) out.EndArray();
  WriteKey(out, "Count");
  out.Uint64(count);
  WriteKey(out, "ScannedCount");
  out.Uint64(page.items.size());
  if (page.stopped_early && !page.items.empty()) {
    WriteKey(out, "LastEvaluatedKey");
    model::WriteAttributeMap(out,
                             engine::IndexKeyOf(*o.target.meta, o.target.index, page.items.back()));
  }
  engine::ConsumedUnits units;
  if (o.target.index == nullptr) {
    units.table = page.units;
  } else {
    (o.target.index->global ? units.global_indexes : units.local_indexes)[o.target.index->name] =
        page.units;
  }
  if (table_units > 0) units.table = table_units;
  if (o.p.capacity) {
    WriteKey(out, "ConsumedCapacity");
    WriteConsumedCapacityObject(out, o.p.table_name, units, o.p.capacity_indexes);
  }
  out.EndObject();
  return Status::OK();
}

// ---- Key conditions ----

Status KeyConditionError(const std::string& what) {
  return Status::Validation("Invalid KeyConditionExpression: " + what);
}

struct KeyPredicate {
  std::string attribute;
  SortOp op = SortOp::kNone;
  AttributeValue v1, v2;
};

Status MultipleNames() {
  return Status::Validation(
      "Invalid condition in KeyConditionExpression: multiple attribute names used in one "
      "condition");
}

// True if more than one operand of a predicate is a document path.
bool SeveralPaths(const std::vector<Operand>& operands) {
  int paths = 0;
  for (const auto& op : operands) paths += op.kind == Operand::Kind::kPath;
  return paths > 1;
}

Status OperatorNotAllowed(const std::string& op) {
  return Status::Validation("Invalid operator used in KeyConditionExpression: " + op);
}

const AttributeValue* PlaceholderValue(const Operand& op, const expr::Placeholders& ph) {
  if (op.kind != Operand::Kind::kValue) return nullptr;
  auto it = ph.values.find(op.value);
  return it == ph.values.end() ? nullptr : &it->second;
}

Result<std::string> KeyPath(const Operand& op, const expr::Placeholders& ph) {
  if (op.path.size() != 1) return Status::Validation("Query key condition not supported");
  return expr::ElementName(op.path[0], ph);
}

Status CollectPredicates(const Condition& c, const expr::Placeholders& ph,
                         std::vector<KeyPredicate>* out) {
  static constexpr const char* kSymbols[] = {"=", "<>", "<", "<=", ">", ">="};
  switch (c.kind) {
    case Condition::Kind::kAnd:
      DDBD_RETURN_IF_ERROR(CollectPredicates(c.children[0], ph, out));
      return CollectPredicates(c.children[1], ph, out);
    case Condition::Kind::kOr:
      return OperatorNotAllowed("OR");
    case Condition::Kind::kNot:
      return OperatorNotAllowed("NOT");
    case Condition::Kind::kIn:
      return OperatorNotAllowed("IN");
    case Condition::Kind::kFunction: {
      const Operand& call = c.operands[0];
      if (call.function != expr::FunctionKind::kBeginsWith) {
        static constexpr const char* kNames[] = {"attribute_exists", "attribute_not_exists",
                                                 "attribute_type",   "begins_with",
                                                 "contains",         "size"};
        return OperatorNotAllowed(kNames[static_cast<int>(call.function)]);
      }
      if (SeveralPaths(call.args)) return MultipleNames();
      if (call.args[0].kind != Operand::Kind::kPath || call.args[1].kind != Operand::Kind::kValue) {
        return Status::Validation("Query key condition not supported");
      }
      KeyPredicate p;
      DDBD_ASSIGN_OR_RETURN(p.attribute, KeyPath(call.args[0], ph));
      p.op = SortOp::kBeginsWith;
      p.v1 = *PlaceholderValue(call.args[1], ph);
      out->push_back(std::move(p));
      return Status::OK();
    }
    case Condition::Kind::kBetween: {
      if (SeveralPaths(c.operands)) return MultipleNames();
      if (c.operands[0].kind != Operand::Kind::kPath ||
          c.operands[1].kind != Operand::Kind::kValue ||
          c.operands[2].kind != Operand::Kind::kValue) {
        return Status::Validation("Query key condition not supported");
      }
      KeyPredicate p;
      DDBD_ASSIGN_OR_RETURN(p.attribute, KeyPath(c.operands[0], ph));
      p.op = SortOp::kBetween;
      p.v1 = *PlaceholderValue(c.operands[1], ph);
      p.v2 = *PlaceholderValue(c.operands[2], ph);
      out->push_back(std::move(p));
      return Status::OK();
    }
    case Condition::Kind::kCompare: {
      if (c.comparator == Condition::Comparator::kNe) return OperatorNotAllowed("<>");
      const Operand& a = c.operands[0];
      const Operand& b = c.operands[1];
      if (a.kind == Operand::Kind::kPath && b.kind == Operand::Kind::kPath) {
        return MultipleNames();
      }
      bool path_left = a.kind == Operand::Kind::kPath;
      const Operand& path = path_left ? a : b;
      const Operand& value = path_left ? b : a;
      if (path.kind != Operand::Kind::kPath || value.kind != Operand::Kind::kValue) {
        return Status::Validation("Query key condition not supported");
      }
      KeyPredicate p;
      DDBD_ASSIGN_OR_RETURN(p.attribute, KeyPath(path, ph));
      auto cmp = c.comparator;
      if (!path_left) {  // ":v < sk" is "sk > :v"
        if (cmp == Condition::Comparator::kLt)
          cmp = Condition::Comparator::kGt;
        else if (cmp == Condition::Comparator::kLe)
          cmp = Condition::Comparator::kGe;
        else if (cmp == Condition::Comparator::kGt)
          cmp = Condition::Comparator::kLt;
        else if (cmp == Condition::Comparator::kGe)
          cmp = Condition::Comparator::kLe;
      }
      switch (cmp) {
        case Condition::Comparator::kEq:
          p.op = SortOp::kEq;
          break;
        case Condition::Comparator::kLt:
          p.op = SortOp::kLt;
          break;
        case Condition::Comparator::kLe:
          p.op = SortOp::kLe;
          break;
        case Condition::Comparator::kGt:
          p.op = SortOp::kGt;
          break;
        case Condition::Comparator::kGe:
          p.op = SortOp::kGe;
          break;
        default:
          return OperatorNotAllowed(kSymbols[static_cast<int>(cmp)]);
      }
      p.v1 = *PlaceholderValue(value, ph);
      out->push_back(std::move(p));
      return Status::OK();
    }
  }
  return Status::Validation("Query key condition not supported");
}

Status TypeMismatch() {
  return Status::Validation(
      "One or more parameter values were invalid: Condition parameter type does not match schema "
      "type");
}

// Checks a sort-key predicate's operands against the sort key's type.
Status CheckSortPredicate(const KeyPredicate& range, model::AttrType type) {
  if (range.v1.type != type || (range.op == SortOp::kBetween && range.v2.type != type)) {
    if (range.op == SortOp::kBeginsWith && range.v1.type != model::AttrType::kS &&
        range.v1.type != model::AttrType::kB) {
      return KeyConditionError(
          "Incorrect operand type for operator or function; operator or function: begins_with, "
          "operand type: " +
          std::string(model::AttrTypeName(range.v1.type)));
    }
    return TypeMismatch();
  }
  if (range.op == SortOp::kBeginsWith && type == model::AttrType::kN) {
    return KeyConditionError(
        "Incorrect operand type for operator or function; operator or function: begins_with, "
        "operand type: N");
  }
  if (range.op == SortOp::kBetween) {
    bool reversed = type == model::AttrType::kN ? range.v1.num.Compare(range.v2.num) > 0
                                                : range.v1.str > range.v2.str;
    if (reversed) {
      return KeyConditionError(
          "The BETWEEN operator requires upper bound to be greater than or equal to lower "
          "bound; lower bound operand: AttributeValue: " +
          expr::DescribeValue(range.v1) +
          ", upper bound operand: AttributeValue: " + expr::DescribeValue(range.v2));
    }
  }
  return Status::OK();
}

// A Query of a GSI with multi-attribute keys: every partition-key attribute with "=", and
// conditions on sort-key attributes from the first on, without gaps, "=" on all but the last
// (which may also use <, <=, >, >=, BETWEEN or begins_with). The conditions become one range
// of the composite sort key (engine/index.h). Messages for the new rules are unverified.
Result<KeyCondition> BuildCompositeKeyCondition(const engine::IndexMeta& index,
                                                const std::vector<KeyPredicate>& predicates) {
  const std::vector<const engine::KeyElement*> hash_keys = index.HashKeys();
  const std::vector<const engine::KeyElement*> range_keys = index.RangeKeys();
  auto find = [&](const std::string& name) -> Result<const KeyPredicate*> {
    const KeyPredicate* found = nullptr;
    for (const auto& p : predicates) {
      if (p.attribute != name) continue;
      if (found != nullptr) {
        return Status::Validation(
            "KeyConditionExpressions must only contain one condition per key");
      }
      found = &p;
    }
    return found;
  };
  size_t matched = 0;
  std::vector<const AttributeValue*> hash_values;
  for (const auto* key : hash_keys) {
    DDBD_ASSIGN_OR_RETURN(const KeyPredicate* p, find(key->name));
    if (p == nullptr) {
      return Status::Validation("Query condition missed key schema element: " + key->name);
    }
    ++matched;
    if (p->op != SortOp::kEq) return Status::Validation("Query key condition not supported");
    if (p->v1.type != key->type) return TypeMismatch();
    hash_values.push_back(&p->v1);
  }
  std::vector<const KeyPredicate*> sort;  // one per leading sort-key attribute
  for (size_t i = 0; i < range_keys.size(); ++i) {
    DDBD_ASSIGN_OR_RETURN(const KeyPredicate* p, find(range_keys[i]->name));
    if (p == nullptr) continue;
    ++matched;
    if (sort.size() != i) {
      return Status::Validation("Query condition missed key schema element: " +
                                range_keys[sort.size()]->name);
    }
    sort.push_back(p);
  }
  if (matched != predicates.size()) return Status::Validation("Query key condition not supported");
  KeyCondition out;
  out.hash = hash_values.size() == 1 ? *hash_values[0] : engine::ComposeKeyValues(hash_values);
  for (size_t i = 0; i < sort.size(); ++i) {
    DDBD_RETURN_IF_ERROR(CheckSortPredicate(*sort[i], range_keys[i]->type));
    if (i + 1 < sort.size() && sort[i]->op != SortOp::kEq) {
      return Status::Validation("Query key condition not supported");
    }
  }
  if (range_keys.size() == 1) {
    if (!sort.empty()) {
      out.sort_op = sort[0]->op;
      out.sort_value = sort[0]->v1;
      out.sort_value2 = sort[0]->v2;
    }
    return out;
  }
  if (sort.empty()) return out;
  std::vector<const AttributeValue*> equal;
  for (size_t i = 0; i + 1 < sort.size(); ++i) equal.push_back(&sort[i]->v1);
  engine::SetCompositeSortCondition(&out, equal, sort.back()->op, sort.back()->v1, sort.back()->v2);
  return out;
}

// Checks predicates against the key schema and builds the engine's key condition.
Result<KeyCondition> BuildKeyCondition(const ReadTarget& target,
                                       std::vector<KeyPredicate> predicates) {
  if (target.index != nullptr && target.index->multi_attribute()) {
    return BuildCompositeKeyCondition(*target.index, predicates);
  }
  struct KeySchema {
    const engine::KeyElement& hash_key() const { return hash; }
    const std::optional<engine::KeyElement>& range_key() const { return range; }
    const engine::KeyElement& hash;
    const std::optional<engine::KeyElement>& range;
  } table{target.hash, target.range};
  const KeyPredicate* hash = nullptr;
  const KeyPredicate* range = nullptr;
  for (const auto& p : predicates) {
    bool is_hash = p.attribute == table.hash_key().name;
    bool is_range = table.range_key() && p.attribute == table.range_key()->name;
    if (!is_hash && !is_range) continue;
    const KeyPredicate*& slot = is_hash ? hash : range;
    if (slot != nullptr) {
      return Status::Validation("KeyConditionExpressions must only contain one condition per key");
    }
    slot = &p;
  }
  if (hash == nullptr) {
    return Status::Validation("Query condition missed key schema element: " +
                              table.hash_key().name);
  }
  if (predicates.size() > (range ? 2u : 1u)) {
    // A condition on an attribute that is not part of the key.
    if (table.range_key() && range == nullptr) {
      return Status::Validation("Query condition missed key schema element: " +
                                table.range_key()->name);
    }
    return Status::Validation("Query key condition not supported");
  }
  if (hash->op != SortOp::kEq) return Status::Validation("Query key condition not supported");
  if (hash->v1.type != table.hash_key().type) return TypeMismatch();
  KeyCondition out;
  out.hash = hash->v1;
  if (range != nullptr) {
    DDBD_RETURN_IF_ERROR(CheckSortPredicate(*range, table.range_key()->type));
    out.sort_op = range->op;
    out.sort_value = range->v1;
    out.sort_value2 = range->v2;
  }
  return out;
}

// Legacy KeyConditions: {attr: {ComparisonOperator, AttributeValueList}}.
Result<std::vector<KeyPredicate>> LegacyKeyConditions(const Json& conditions) {
  std::vector<KeyPredicate> out;
  for (const auto& m : conditions.GetObject()) {
    if (!m.value.IsObject()) return Status::Serialization("Unexpected value type in payload");
    KeyPredicate p;
    p.attribute.assign(m.name.GetString(), m.name.GetStringLength());
    DDBD_ASSIGN_OR_RETURN(auto op, GetString(m.value, "ComparisonOperator"));
    DDBD_ASSIGN_OR_RETURN(const Json* list, GetArray(m.value, "AttributeValueList"));
    if (!op) {
      ConstraintErrors errors;
      errors.NotNull("keyConditions.member.comparisonOperator");
      return errors.ToStatus();
    }
    std::vector<AttributeValue> args;
    if (list != nullptr) {
      for (const auto& v : list->GetArray()) {
        AttributeValue decoded;
        DDBD_RETURN_IF_ERROR(model::DecodeAttributeValue(v, &decoded));
        args.push_back(std::move(decoded));
      }
    }
    size_t arity = 1;
    if (*op == "EQ")
      p.op = SortOp::kEq;
    else if (*op == "LT")
      p.op = SortOp::kLt;
    else if (*op == "LE")
      p.op = SortOp::kLe;
    else if (*op == "GT")
      p.op = SortOp::kGt;
    else if (*op == "GE")
      p.op = SortOp::kGe;
    else if (*op == "BEGINS_WITH")
      p.op = SortOp::kBeginsWith;
    else if (*op == "BETWEEN")
      p.op = SortOp::kBetween, arity = 2;
    else
      return Status::Validation("Attempted conditional constraint is not an indexable operation");
    if (args.size() != arity) {
      return Status::Validation(
          "One or more parameter values were invalid: Invalid number of "
          "argument(s) for the " +
          *op + " ComparisonOperator");
    }
    p.v1 = args[0];
    if (arity == 2) {
      p.v2 = args[1];
      if (p.v1.type == p.v2.type && p.v1.is_scalar_key_type()) {
        bool reversed =
            p.v1.type == model::AttrType::kN ? p.v1.num.Compare(p.v2.num) > 0 : p.v1.str > p.v2.str;
        if (reversed) {
          return Status::Validation(
              "The BETWEEN condition was provided a range where the lower bound is bigger than "
              "the upper bound");
        }
      }
    }
    out.push_back(std::move(p));
  }
  return out;
}

// The filter of a Query may not name key attributes.
Status CheckFilterAvoidsKeys(const ReadTarget& t, const RequestExpressions& e, const Condition& c) {
  for (const auto& child : c.children) DDBD_RETURN_IF_ERROR(CheckFilterAvoidsKeys(t, e, child));
  std::vector<const Operand*> stack;
  for (const auto& op : c.operands) stack.push_back(&op);
  while (!stack.empty()) {
    const Operand* op = stack.back();
    stack.pop_back();
    for (const auto& arg : op->args) stack.push_back(&arg);
    if (op->kind != Operand::Kind::kPath || op->path.empty()) continue;
    const std::string& name = expr::ElementName(op->path[0], e.ph);
    bool key = name == t.hash.name || (t.range && name == t.range->name);
    if (t.index != nullptr) {
      for (const auto* k : t.index->KeyElements()) key |= name == k->name;
    }
    if (key) {
      return Status::Validation(
          "Filter Expression can only contain non-primary key attributes: "
          "Primary key attribute: " +
          name);
    }
  }
  return Status::OK();
}

Status QueryImpl(OpContext& ctx, const Json& request, JsonWriter& out, bool key_filter_allowed) {
  ReadParams p;
  DDBD_RETURN_IF_ERROR(ReadReadParams(request, &p));
  DDBD_ASSIGN_OR_RETURN(auto forward, GetBool(request, "ScanIndexForward"));
  bool has_kce =
      request.HasMember("KeyConditionExpression") && !request["KeyConditionExpression"].IsNull();
  bool has_kc = request.HasMember("KeyConditions") && !request["KeyConditions"].IsNull();
  DDBD_ASSIGN_OR_RETURN(
      RequestExpressions e,
      ReadExpressions(request,
                      ExpressionParams{.projection = true, .filter = true, .key_condition = true}));
  if (!has_kce && !has_kc) {
    return Status::Validation(
        "Either the KeyConditions or KeyConditionExpression parameter must be specified in the "
        "request.");
  }
  DDBD_RETURN_IF_ERROR(CheckSelect(p, e, request.HasMember("AttributesToGet")));
  DDBD_ASSIGN_OR_RETURN(ReadTarget target, FindReadTarget(ctx, p, e));
  std::vector<KeyPredicate> predicates;
  if (e.key_condition) {
    DDBD_RETURN_IF_ERROR(CollectPredicates(*e.key_condition, e.ph, &predicates));
  } else {
    DDBD_ASSIGN_OR_RETURN(const Json* kc, GetObject(request, "KeyConditions"));
    DDBD_ASSIGN_OR_RETURN(predicates, LegacyKeyConditions(*kc));
  }
  DDBD_ASSIGN_OR_RETURN(KeyCondition condition, BuildKeyCondition(target, std::move(predicates)));
  if (e.condition && !key_filter_allowed) {
    DDBD_RETURN_IF_ERROR(CheckFilterAvoidsKeys(target, e, *e.condition));
  }
  engine::PageRequest page;
  page.consistent = p.consistent;
  page.forward = forward.value_or(true);
  page.limit = static_cast<size_t>(p.limit.value_or(0));
  DDBD_ASSIGN_OR_RETURN(page.start_after, StartKey(target, p.exclusive_start_key, true));
  if (page.start_after && p.exclusive_start_key) {
    // The start key must lie in the queried partition...
    const bool composite = target.index != nullptr && target.index->multi_attribute();
    model::AttributeMap start_key;  // decoded whole only for composite keys
    AttributeValue start_hash;
    if (composite) {
      DDBD_RETURN_IF_ERROR(model::DecodeAttributeMap(*p.exclusive_start_key, &start_key));
      start_hash = engine::IndexHashValue(*target.index, start_key).value_or(AttributeValue());
    } else {
      DDBD_RETURN_IF_ERROR(model::DecodeAttributeValue(
          (*p.exclusive_start_key)[target.hash.name.c_str()], &start_hash));
    }
    if (!model::Equal(start_hash, condition.hash)) {
      return Status::Validation(
          "The provided starting key is outside query boundaries based on provided condition");
    }
    // ...and within the sort-key condition.
    if (composite && condition.sort_op == KeyCondition::SortOp::kRawRange) {
      auto start_sort = engine::IndexRangeValue(*target.index, start_key);
      if (!start_sort || !SatisfiesSortCondition(condition, *start_sort)) {
        return Status::Validation(
            "The provided starting key does not match the range key predicate");
      }
    } else if (target.range && condition.sort_op != KeyCondition::SortOp::kNone) {
      auto it = p.exclusive_start_key->FindMember(target.range->name.c_str());
      AttributeValue start_sort;
      if (it != p.exclusive_start_key->MemberEnd()) {
        DDBD_RETURN_IF_ERROR(model::DecodeAttributeValue(it->value, &start_sort));
        if (!SatisfiesSortCondition(condition, start_sort)) {
          return Status::Validation(
              "The provided starting key does not match the range key predicate");
        }
      }
    }
  }
  DDBD_ASSIGN_OR_RETURN(
      engine::PageResult result,
      engine::QueryPage(ctx.catalog, *target.table, target.index, condition, page));
  return WriteReadResponse(PageOutput{ctx, p, e, target}, result, out);
}

}  // namespace

Status Query(OpContext& ctx, const Json& request, JsonWriter& out) {
  return QueryImpl(ctx, request, out, false);
}

Status QueryWithKeyFilter(OpContext& ctx, const Json& request, JsonWriter& out) {
  return QueryImpl(ctx, request, out, true);
}

Status Scan(OpContext& ctx, const Json& request, JsonWriter& out) {
  ReadParams p;
  DDBD_RETURN_IF_ERROR(ReadReadParams(request, &p));
  DDBD_ASSIGN_OR_RETURN(auto segment, GetInt(request, "Segment"));
  DDBD_ASSIGN_OR_RETURN(auto total, GetInt(request, "TotalSegments"));
  ConstraintErrors errors;
  if (segment) {
    errors.Min(*segment, "segment", 0);
    if (*segment > 999999) {
      errors.Add("Value '" + std::to_string(*segment) +
                 "' at 'segment' failed to satisfy constraint: Member must have value less than "
                 "or equal to 999999");
    }
  }
  if (total) {
    errors.Min(*total, "totalSegments", 1);
    if (*total > 1000000) {
      errors.Add("Value '" + std::to_string(*total) +
                 "' at 'totalSegments' failed to satisfy constraint: Member must have value less "
                 "than or equal to 1000000");
    }
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (segment && !total) {
    return Status::Validation(
        "The TotalSegments parameter is required but was not present in the request when "
        "Segment parameter is present");
  }
  if (total && !segment) {
    return Status::Validation(
        "The Segment parameter is required but was not present in the request when parameter "
        "TotalSegments is present");
  }
  if (segment && *segment >= *total) {
    return Status::Validation(
        "The Segment parameter is zero-based and must be less than parameter TotalSegments: "
        "Segment: " +
        std::to_string(*segment) + " is not less than TotalSegments: " + std::to_string(*total));
  }
  DDBD_ASSIGN_OR_RETURN(
      RequestExpressions e,
      ReadExpressions(request, ExpressionParams{.projection = true, .filter = true}));
  DDBD_RETURN_IF_ERROR(CheckSelect(p, e, request.HasMember("AttributesToGet")));
  DDBD_ASSIGN_OR_RETURN(ReadTarget target, FindReadTarget(ctx, p, e));
  engine::PageRequest page;
  page.consistent = p.consistent;
  page.limit = static_cast<size_t>(p.limit.value_or(0));
  DDBD_ASSIGN_OR_RETURN(page.start_after, StartKey(target, p.exclusive_start_key));
  if (page.start_after && total &&
      engine::SegmentOf(*page.start_after, static_cast<uint32_t>(*total)) !=
          static_cast<uint32_t>(*segment)) {
    return Status::Validation(
        "The provided starting key is invalid: Invalid ExclusiveStartKey. Please use "
        "ExclusiveStartKey with correct Segment. TotalSegments: " +
        std::to_string(*total) + " Segment: " + std::to_string(*segment));
  }
  DDBD_ASSIGN_OR_RETURN(engine::PageResult result,
                        engine::ScanPage(ctx.catalog, *target.table, target.index,
                                         static_cast<uint32_t>(segment.value_or(0)),
                                         static_cast<uint32_t>(total.value_or(1)), page));
  return WriteReadResponse(PageOutput{ctx, p, e, target}, result, out);
}

}  // namespace ddbd::api
