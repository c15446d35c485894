// Single-item operations: PutItem, GetItem, DeleteItem, UpdateItem.
// Validation happens before any I/O, in the order the service applies it: request shape and
// constraints, attribute values, then the table, then the key against its schema.
#include "engine/item_ops.h"

#include <set>

#include "api/ops/ops.h"
#include "api/ops/simple_expr.h"
#include "engine/capacity.h"
#include "model/item_size.h"

namespace ddbd::api {
namespace {

using engine::MutationDecision;
using model::AttributeMap;
using model::Item;

enum class CapacityMode { kNone, kTotal, kIndexes };
enum class ReturnValues { kNone, kAllOld, kUpdatedOld, kAllNew, kUpdatedNew };

// Parameters every item operation shares.
struct CommonParams {
  std::string table_name;
  CapacityMode capacity = CapacityMode::kNone;
  ReturnValues return_values = ReturnValues::kNone;
  Placeholders placeholders;
  bool has_names = false, has_values = false;
};

Status ReadCommon(const Json& request, bool allow_return_values, CommonParams* out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  errors.TableName(name ? &*name : nullptr);
  if (name) out->table_name = *name;
  DDBD_ASSIGN_OR_RETURN(auto capacity, GetString(request, "ReturnConsumedCapacity"));
  if (capacity) {
    if (*capacity == "TOTAL")
      out->capacity = CapacityMode::kTotal;
    else if (*capacity == "INDEXES")
      out->capacity = CapacityMode::kIndexes;
    else if (*capacity != "NONE")
      errors.Enum(*capacity, "returnConsumedCapacity", "[INDEXES, TOTAL, NONE]");
  }
  if (allow_return_values) {
    DDBD_ASSIGN_OR_RETURN(auto rv, GetString(request, "ReturnValues"));
    if (rv) {
      if (*rv == "NONE")
        out->return_values = ReturnValues::kNone;
      else if (*rv == "ALL_OLD")
        out->return_values = ReturnValues::kAllOld;
      else if (*rv == "UPDATED_OLD")
        out->return_values = ReturnValues::kUpdatedOld;
      else if (*rv == "ALL_NEW")
        out->return_values = ReturnValues::kAllNew;
      else if (*rv == "UPDATED_NEW")
        out->return_values = ReturnValues::kUpdatedNew;
      else
        errors.Enum(*rv, "returnValues", "[ALL_NEW, UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]");
    }
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());

  DDBD_ASSIGN_OR_RETURN(const Json* names, GetObject(request, "ExpressionAttributeNames"));
  if (names != nullptr) {
    out->has_names = true;
    if (names->MemberCount() == 0) {
      return Status::Validation("ExpressionAttributeNames must not be empty");
    }
    for (const auto& m : names->GetObject()) {
      if (!m.value.IsString()) {
        return Status::Serialization(std::string(model::JsonTokenName(m.value)) +
                                     " cannot be converted to String");
      }
      out->placeholders.names[m.name.GetString()] =
          std::string(m.value.GetString(), m.value.GetStringLength());
    }
  }
  DDBD_ASSIGN_OR_RETURN(const Json* values, GetObject(request, "ExpressionAttributeValues"));
  if (values != nullptr) {
    out->has_values = true;
    if (values->MemberCount() == 0) {
      return Status::Validation("ExpressionAttributeValues must not be empty");
    }
    for (const auto& m : values->GetObject()) {
      model::AttributeValue value;
      Status s = model::DecodeAttributeValue(m.value, &value);
      if (!s.ok()) {
        if (s.code() != ErrorCode::kValidation) return s;
        return Status::Validation("ExpressionAttributeValues contains invalid value: " +
                                  s.message() + " for key " + m.name.GetString());
      }
      out->placeholders.values[m.name.GetString()] = std::move(value);
    }
  }
  for (const char* unsupported : {"ConditionExpression", "Expected", "ConditionalOperator"}) {
    if (request.HasMember(unsupported) && !request[unsupported].IsNull()) {
      return Status::Validation(std::string("ddbd does not support ") + unsupported + " yet");
    }
  }
  return Status::OK();
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

void WriteConsumedCapacity(JsonWriter& out, const CommonParams& p, double units) {
  if (p.capacity == CapacityMode::kNone) return;
  WriteKey(out, "ConsumedCapacity");
  out.StartObject();
  WriteKey(out, "TableName");
  WriteString(out, p.table_name);
  WriteKey(out, "CapacityUnits");
  out.Double(units);
  if (p.capacity == CapacityMode::kIndexes) {
    WriteKey(out, "Table");
    out.StartObject();
    WriteKey(out, "CapacityUnits");
    out.Double(units);
    out.EndObject();
  }
  out.EndObject();
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

Status CheckNoExpressionPlaceholders(const CommonParams& p) {
  if (p.has_names) {
    return Status::Validation(
        "ExpressionAttributeNames can only be specified when using expressions");
  }
  if (p.has_values) {
    return Status::Validation(
        "ExpressionAttributeValues can only be specified when using expressions");
  }
  return Status::OK();
}

}  // namespace

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
  DDBD_RETURN_IF_ERROR(CheckNoExpressionPlaceholders(p));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateItemKey(*table, item));
  DDBD_ASSIGN_OR_RETURN(
      engine::MutationResult result,
      engine::Mutate(ctx.catalog, *table, key, [&](const Item*) -> Result<MutationDecision> {
        return MutationDecision{MutationDecision::Kind::kPut, std::move(item)};
      }));
  out.StartObject();
  if (p.return_values == ReturnValues::kAllOld && result.old_item) {
    WriteAttributes(out, *result.old_item);
  }
  WriteConsumedCapacity(out, p, engine::WriteUnits(std::max(result.old_size, result.new_size)));
  out.EndObject();
  return Status::OK();
}

Status GetItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  CommonParams p;
  DDBD_RETURN_IF_ERROR(ReadCommon(request, false, &p));
  AttributeMap key_map;
  DDBD_RETURN_IF_ERROR(ReadAttributeMap(request, "Key", "key", &key_map));
  DDBD_ASSIGN_OR_RETURN(auto consistent, GetBool(request, "ConsistentRead"));
  DDBD_ASSIGN_OR_RETURN(auto projection, GetString(request, "ProjectionExpression"));
  DDBD_ASSIGN_OR_RETURN(const Json* attributes_to_get, GetArray(request, "AttributesToGet"));

  std::optional<std::vector<std::string>> wanted;
  if (projection && attributes_to_get) {
    return Status::Validation(
        "Can not use both expression and non-expression parameters in the same request: "
        "Non-expression parameters: {AttributesToGet} Expression parameters: "
        "{ProjectionExpression}");
  }
  if (projection) {
    DDBD_ASSIGN_OR_RETURN(wanted, ParseProjection(*projection, p.placeholders));
    if (p.has_values) {
      return Status::Validation(
          "Value provided in ExpressionAttributeValues unused in expressions: keys: {" +
          p.placeholders.values.begin()->first + "}");
    }
    DDBD_RETURN_IF_ERROR(p.placeholders.CheckAllUsed());
  } else {
    DDBD_RETURN_IF_ERROR(CheckNoExpressionPlaceholders(p));
    if (attributes_to_get) {
      wanted.emplace();
      std::set<std::string> seen;
      for (const auto& a : attributes_to_get->GetArray()) {
        if (!a.IsString()) return Status::Serialization("Unexpected value type in payload");
        std::string name(a.GetString(), a.GetStringLength());
        if (!seen.insert(name).second) {
          return Status::Validation(
              "One or more parameter values were invalid: Duplicate value in "
              "attribute name: " +
              name);
        }
        wanted->push_back(std::move(name));
      }
    }
  }
  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateKey(*table, key_map));
  DDBD_ASSIGN_OR_RETURN(engine::ReadResult result, engine::GetItem(ctx.catalog, *table, key));
  out.StartObject();
  if (result.item) {
    WriteKey(out, "Item");
    if (wanted) {
      Item projected;
      for (const auto& name : *wanted) {
        auto it = result.item->find(name);
        if (it != result.item->end()) projected.insert(*it);
      }
      model::WriteAttributeMap(out, projected);
    } else {
      model::WriteAttributeMap(out, *result.item);
    }
  }
  WriteConsumedCapacity(out, p, engine::ReadUnits(result.size, consistent.value_or(false)));
  out.EndObject();
  return Status::OK();
}

Status DeleteItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  CommonParams p;
  DDBD_RETURN_IF_ERROR(ReadCommon(request, true, &p));
  AttributeMap key_map;
  DDBD_RETURN_IF_ERROR(ReadAttributeMap(request, "Key", "key", &key_map));
  DDBD_RETURN_IF_ERROR(OnlyNoneOrAllOld(p));
  DDBD_RETURN_IF_ERROR(CheckNoExpressionPlaceholders(p));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateKey(*table, key_map));
  DDBD_ASSIGN_OR_RETURN(
      engine::MutationResult result,
      engine::Mutate(ctx.catalog, *table, key, [](const Item*) -> Result<MutationDecision> {
        return MutationDecision{MutationDecision::Kind::kDelete, {}};
      }));
  out.StartObject();
  if (p.return_values == ReturnValues::kAllOld && result.old_item) {
    WriteAttributes(out, *result.old_item);
  }
  WriteConsumedCapacity(out, p, engine::WriteUnits(result.old_size));
  out.EndObject();
  return Status::OK();
}

Status UpdateItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  CommonParams p;
  DDBD_RETURN_IF_ERROR(ReadCommon(request, true, &p));
  AttributeMap key_map;
  DDBD_RETURN_IF_ERROR(ReadAttributeMap(request, "Key", "key", &key_map));
  if (request.HasMember("AttributeUpdates") && !request["AttributeUpdates"].IsNull()) {
    return Status::Validation("ddbd does not support AttributeUpdates yet");
  }
  DDBD_ASSIGN_OR_RETURN(auto expression, GetString(request, "UpdateExpression"));
  SimpleUpdate update;
  if (expression) {
    DDBD_ASSIGN_OR_RETURN(update, ParseUpdate(*expression, p.placeholders));
    DDBD_RETURN_IF_ERROR(p.placeholders.CheckAllUsed());
  } else {
    DDBD_RETURN_IF_ERROR(CheckNoExpressionPlaceholders(p));
  }
  // Each path at most once.
  std::set<std::string> paths;
  auto note_path = [&](const std::string& path) -> Status {
    if (!paths.insert(path).second) {
      return Status::Validation(
          "Invalid UpdateExpression: Two document paths overlap with each other; must remove or "
          "rewrite one of these paths; path one: [" +
          path + "], path two: [" + path + "]");
    }
    return Status::OK();
  };
  for (const auto& s : update.sets) DDBD_RETURN_IF_ERROR(note_path(s.attribute));
  for (const auto& r : update.removes) DDBD_RETURN_IF_ERROR(note_path(r));

  DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, p.table_name));
  DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateKey(*table, key_map));
  for (const auto& path : paths) {
    if (path == table->hash_key().name ||
        (table->range_key() && path == table->range_key()->name)) {
      return Status::Validation(
          "One or more parameter values were invalid: Cannot update "
          "attribute " +
          path + ". This attribute is part of the key");
    }
  }
  DDBD_ASSIGN_OR_RETURN(
      engine::MutationResult result,
      engine::Mutate(ctx.catalog, *table, key, [&](const Item* old) -> Result<MutationDecision> {
        MutationDecision decision{MutationDecision::Kind::kPut, old ? *old : key_map};
        for (const auto& s : update.sets) decision.new_item[s.attribute] = s.value;
        for (const auto& r : update.removes) decision.new_item.erase(r);
        return decision;
      }));
  out.StartObject();
  AttributeMap returned;
  switch (p.return_values) {
    case ReturnValues::kNone:
      break;
    case ReturnValues::kAllOld:
      if (result.old_item) returned = *result.old_item;
      break;
    case ReturnValues::kAllNew:
      if (result.new_item) returned = *result.new_item;
      break;
    case ReturnValues::kUpdatedOld:
    case ReturnValues::kUpdatedNew: {
      const auto& source =
          p.return_values == ReturnValues::kUpdatedOld ? result.old_item : result.new_item;
      if (source) {
        for (const auto& path : paths) {
          auto it = source->find(path);
          if (it != source->end()) returned.insert(*it);
        }
      }
      break;
    }
  }
  WriteAttributes(out, returned);
  WriteConsumedCapacity(out, p, engine::WriteUnits(std::max(result.old_size, result.new_size)));
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
