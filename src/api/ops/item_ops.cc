// Single-item operations: PutItem, GetItem, DeleteItem, UpdateItem.
// Validation happens before any I/O, in the order the service applies it: request shape and
// constraints, attribute values, expressions, then the table, then the key against its schema.
#include "engine/item_ops.h"

#include "api/ops/expressions.h"
#include "api/ops/ops.h"
#include "api/ops/shapes.h"
#include "engine/capacity.h"
#include "expr/eval.h"
#include "model/item_size.h"

namespace ddbd::api {
namespace {

using engine::MutationDecision;
using model::AttributeMap;
using model::Item;

enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };

// Parameters every item operation shares.
struct CommonParams {
  std::string table_name;
  CapacityMode capacity = CapacityMode::kNone;
  ReturnValues return_values = ReturnValues::kNone;
  bool return_old_on_condition_failure = false;
  bool collection_metrics = false;  // ReturnItemCollectionMetrics=SIZE
};

Status ReadCommon(const Json& request, bool is_write, CommonParams* out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  errors.TableName(name ? &*name : nullptr);
  if (name) out->table_name = *name;
  DDBD_ASSIGN_OR_RETURN(out->capacity, ParseReturnConsumedCapacity(request, errors));
  if (is_write) {
    DDBD_ASSIGN_OR_RETURN(auto rv, GetString(request, "ReturnValues"));
    if (rv) {
      if (*rv == "NONE") {
        out->return_values = ReturnValues::kNone;
      } else if (*rv == "ALL_OLD") {
        out->return_values = ReturnValues::kAllOld;
      } else if (*rv == "UPDATED_OLD") {
        out->return_values = ReturnValues::kUpdatedOld;
      } else if (*rv == "ALL_NEW") {
        out->return_values = ReturnValues::kAllNew;
      } else if (*rv == "UPDATED_NEW") {
        out->return_values = ReturnValues::kUpdatedNew;
      } else {
        errors.Enum(*rv, "returnValues", "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
      }
    }
    DDBD_ASSIGN_OR_RETURN(auto metrics, GetString(request, "ReturnItemCollectionMetrics"));
    if (metrics) {
      if (*metrics == "SIZE") {
        out->collection_metrics = true;
      } else if (*metrics != "NONE") {
        errors.Enum(*metrics, "returnItemCollectionMetrics", "[SIZE, NONE]");
      }
    }
    DDBD_ASSIGN_OR_RETURN(auto on_failure,
                          GetString(request, "ReturnValuesOnConditionCheckFailure"));
    if (on_failure) {
      if (*on_failure == "ALL_OLD") {
        out->return_old_on_condition_failure = true;
      } else if (*on_failure != "NONE") {
        errors.Enum(*on_failure, "returnValuesOnConditionCheckFailure", "[ALL_OLD, NONE]");
      }
    }
  }
  return errors.ToStatus();
}

Status ReadAttributeMap(const Json& request, const char* member, const char* path,
                        AttributeMap* out) {
  DDBD_ASSIGN_OR_RETURN(const Json* json, GetObject(request, member));
  if (json == nullptr) {
    ConstraintErrors errors;
    errors.NotNull(path);
    return errors.ToStatus();
  }
  return model::DecodeAttributeMap(*json, out);
}

void WriteConsumedCapacity(JsonWriter& out, const CommonParams& p,
                           const engine::ConsumedUnits& units) {
  if (p.capacity == CapacityMode::kNone) return;
  WriteKey(out, "ConsumedCapacity");
  WriteConsumedCapacityObject(out, p.table_name, units, p.capacity == CapacityMode::kIndexes);
}

void WriteCollectionMetrics(JsonWriter& out, const CommonParams& p, const engine::Table& table,
                            const engine::PrimaryKey& key, const engine::MutationResult& result) {
  if (!p.collection_metrics || !result.collection_size) return;
  WriteKey(out, "ItemCollectionMetrics");
  WriteItemCollectionMetrics(out, table, key, *result.collection_size);
}

void WriteAttributes(JsonWriter& out, const AttributeMap& attributes) {
  if (attributes.empty()) return;
  WriteKey(out, "Attributes");
  model::WriteAttributeMap(out, attributes);
}

Status OnlyNoneOrAllOld(const CommonParams& p) {
  if (p.return_values != ReturnValues::kNone && p.return_values != ReturnValues::kAllOld) {
    return Status::Validation("ReturnValues can only be ALL_OLD or NONE");
  }
  return Status::OK();
}

// The condition check of a write: ConditionalCheckFailedException, carrying the old item
// when ReturnValuesOnConditionCheckFailure=ALL_OLD.
Status CheckCondition(const RequestExpressions& e, const CommonParams& p, const Item* old) {
  if (!e.condition || expr::EvaluateCondition(*e.condition, old, e.ph)) return Status::OK();
  std::shared_ptr<const Status::Payload> payload;
  if (p.return_old_on_condition_failure && old != nullptr) {
    payload = std::make_shared<const ItemPayload>(*old);
  }
  return Status::ConditionalCheckFailed("The conditional request failed", std::move(payload));
}

Status CheckKeyNotUpdated(const engine::Table& table, const RequestExpressions& e) {
  for (const auto& name : UpdatedTopLevelNames(e)) {
    if (name == table.hash_key().name || (table.range_key() && name == table.range_key()->name)) {
      return Status::Validation(
          "One or more parameter values were invalid: Cannot update "
          "attribute " +
          name + ". This attribute is part of the key");
    }
  }
  return Status::OK();
}

}  // namespace

void WriteConsumedCapacityObject(JsonWriter& out, std::string_view table_name,
                                 const engine::ConsumedUnits& units, bool indexes,
                                 const char* kind) {
  auto figures = [&](double value) {
    WriteKey(out, "CapacityUnits");
    out.Double(value);
    if (kind != nullptr) {
      WriteKey(out, kind);
      out.Double(value);
    }
  };
  out.StartObject();
  WriteKey(out, "TableName");
  WriteString(out, table_name);
  figures(units.total());
  if (indexes) {
    WriteKey(out, "Table");
    out.StartObject();
    figures(units.table);
    out.EndObject();
    for (const auto* group : {&units.local_indexes, &units.global_indexes}) {
      if (group->empty()) continue;
      WriteKey(out,
               group == &units.local_indexes ? "LocalSecondaryIndexes" : "GlobalSecondaryIndexes");
      out.StartObject();
      for (const auto& [name, u] : *group) {
        WriteKey(out, name);
        out.StartObject();
        figures(u);
        out.EndObject();
      }
      out.EndObject();
    }
  }
  out.EndObject();
}

engine::ConsumedUnits& UnitsOf(PerTableUnits& per_table, const std::string& table) {
  for (auto& [name, units] : per_table) {
    if (name == table) return units;
  }
  per_table.emplace_back(table, engine::ConsumedUnits());
  return per_table.back().second;
}

void WriteCapacityList(JsonWriter& out, CapacityMode mode, const PerTableUnits& per_table,
                       const char* kind) {
  if (mode == CapacityMode::kNone) return;
  WriteKey(out, "ConsumedCapacity");
  out.StartArray();
  for (const auto& [table, units] : per_table) {
    WriteConsumedCapacityObject(out, table, units, mode == CapacityMode::kIndexes, kind);
  }
  out.EndArray();
}

void WriteItemCollectionMetrics(JsonWriter& out, const engine::Table& table,
                                const engine::PrimaryKey& key, int64_t collection_bytes) {
  out.StartObject();
  WriteKey(out, "ItemCollectionKey");
  Item collection_key;
  collection_key.emplace(table.hash_key().name, key.hash);
  model::WriteAttributeMap(out, collection_key);
  WriteKey(out, "SizeEstimateRangeGB");
  double gb = static_cast<double>(std::max<int64_t>(collection_bytes, 0)) / (1 << 30);
  double low = static_cast<double>(static_cast<int64_t>(gb));
  out.StartArray();
  out.Double(low);
  out.Double(low + 1);
  out.EndArray();
  out.EndObject();
}

engine::CommitOptions UserWrite(const OpContext& ctx) {
  engine::CommitOptions options;
  options.principal.access_key = ctx.caller.access_key;
  options.principal.account = ctx.caller.account;
  return options;
}

Result<std::shared_ptr<engine::Table>> FindTableForItemOp(OpContext& ctx, const std::string& name) {
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return Status::ResourceNotFound("Requested resource not found");
  return table;
}

Status PutItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  CommonParams p;
  DDBD_RETURN_IF_ERROR(ReadCommon(request, true, &p));
  Item item;
  DDBD_RETURN_IF_ERROR(ReadAttributeMap(request, "Item", "item", &item));
  DDBD_RETURN_IF_ERROR(OnlyNoneOrAllOld(p));
  DDBD_ASSIGN_OR_RETURN(RequestExpressions e,
                        ReadExpressions(request, ExpressionParams{.condition = true}));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateItemKey(*table, item));
  DDBD_ASSIGN_OR_RETURN(
      engine::MutationResult result,
      engine::Mutate(
          ctx.catalog, *table, key,
          [&](const Item* old) -> Result<MutationDecision> {
            DDBD_RETURN_IF_ERROR(CheckCondition(e, p, old));
            return MutationDecision{MutationDecision::Kind::kPut, std::move(item)};
          },
          UserWrite(ctx)));
  out.StartObject();
  if (p.return_values == ReturnValues::kAllOld && result.old_item) {
    WriteAttributes(out, *result.old_item);
  }
  WriteConsumedCapacity(out, p, result.units);
  WriteCollectionMetrics(out, p, *table, key, result);
  out.EndObject();
  return Status::OK();
}

Status GetItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  CommonParams p;
  DDBD_RETURN_IF_ERROR(ReadCommon(request, false, &p));
  AttributeMap key_map;
  DDBD_RETURN_IF_ERROR(ReadAttributeMap(request, "Key", "key", &key_map));
  DDBD_ASSIGN_OR_RETURN(auto consistent, GetBool(request, "ConsistentRead"));
  DDBD_ASSIGN_OR_RETURN(RequestExpressions e,
                        ReadExpressions(request, ExpressionParams{.projection = true}));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateKey(*table, key_map));
  DDBD_ASSIGN_OR_RETURN(engine::ReadResult result,
                        engine::GetItem(ctx.catalog, *table, key, consistent.value_or(false)));
  out.StartObject();
  if (result.item) {
    WriteKey(out, "Item");
    if (e.projection) {
      model::WriteAttributeMap(out, expr::Project(*result.item, e.projection->paths, e.ph));
    } else {
      model::WriteAttributeMap(out, *result.item);
    }
  }
  engine::ConsumedUnits units;
  units.table = result.units;
  WriteConsumedCapacity(out, p, units);
  out.EndObject();
  return Status::OK();
}

Status DeleteItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  CommonParams p;
  DDBD_RETURN_IF_ERROR(ReadCommon(request, true, &p));
  AttributeMap key_map;
  DDBD_RETURN_IF_ERROR(ReadAttributeMap(request, "Key", "key", &key_map));
  DDBD_RETURN_IF_ERROR(OnlyNoneOrAllOld(p));
  DDBD_ASSIGN_OR_RETURN(RequestExpressions e,
                        ReadExpressions(request, ExpressionParams{.condition = true}));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateKey(*table, key_map));
  DDBD_ASSIGN_OR_RETURN(engine::MutationResult result,
                        engine::Mutate(
                            ctx.catalog, *table, key,
                            [&](const Item* old) -> Result<MutationDecision> {
                              DDBD_RETURN_IF_ERROR(CheckCondition(e, p, old));
                              return MutationDecision{MutationDecision::Kind::kDelete, {}};
                            },
                            UserWrite(ctx)));
  out.StartObject();
  if (p.return_values == ReturnValues::kAllOld && result.old_item) {
    WriteAttributes(out, *result.old_item);
  }
  WriteConsumedCapacity(out, p, result.units);
  WriteCollectionMetrics(out, p, *table, key, result);
  out.EndObject();
  return Status::OK();
}

Status UpdateItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  CommonParams p;
  DDBD_RETURN_IF_ERROR(ReadCommon(request, true, &p));
  AttributeMap key_map;
  DDBD_RETURN_IF_ERROR(ReadAttributeMap(request, "Key", "key", &key_map));
  DDBD_ASSIGN_OR_RETURN(
      RequestExpressions e,
      ReadExpressions(request, ExpressionParams{.condition = true, .update = true}));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateKey(*table, key_map));
  DDBD_RETURN_IF_ERROR(CheckKeyNotUpdated(*table, e));
  DDBD_ASSIGN_OR_RETURN(
      engine::MutationResult result,
      engine::Mutate(
          ctx.catalog, *table, key,
          [&](const Item* old) -> Result<MutationDecision> {
            DDBD_RETURN_IF_ERROR(CheckCondition(e, p, old));
            MutationDecision decision{MutationDecision::Kind::kPut, old ? *old : key_map};
            // Removing attributes from a missing item creates nothing.
            if (!old && e.update && expr::OnlyRemoves(*e.update)) {
              decision.kind = MutationDecision::Kind::kNoChange;
              return decision;
            }
            if (e.update) {
              DDBD_RETURN_IF_ERROR(expr::ApplyUpdate(*e.update, old, e.ph, &decision.new_item));
            }
            return decision;
          },
          UserWrite(ctx)));
  out.StartObject();
  switch (p.return_values) {
    case ReturnValues::kNone:
      break;
    case ReturnValues::kAllOld:
      if (result.old_item) WriteAttributes(out, *result.old_item);
      break;
    case ReturnValues::kAllNew:
      if (result.new_item) WriteAttributes(out, *result.new_item);
      break;
    case ReturnValues::kUpdatedOld:
    case ReturnValues::kUpdatedNew: {
      const auto& source =
          p.return_values == ReturnValues::kUpdatedOld ? result.old_item : result.new_item;
      if (source && e.update) {
        std::vector<expr::Path> paths;
        for (const auto& action : e.update->actions) paths.push_back(action.path);
        WriteAttributes(out, expr::Project(*source, paths, e.ph));
      }
      break;
    }
  }
  WriteConsumedCapacity(out, p, result.units);
  WriteCollectionMetrics(out, p, *table, key, result);
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
