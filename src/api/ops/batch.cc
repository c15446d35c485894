// BatchGetItem and BatchWriteItem. The whole request is validated before anything is read or
// written; each write is then applied on its own through the single write path (a batch is
// not a transaction, as on the service). Nothing is left unprocessed today: there is no
// throttling yet, and BatchGetItem moves keys to UnprocessedKeys only past the 16 MB reply
// limit.
#include <set>

#include "api/ops/expressions.h"
#include "api/ops/ops.h"
#include "api/ops/shapes.h"
#include "engine/capacity.h"
#include "engine/index.h"
#include "engine/item_ops.h"
#include "engine/query_scan.h"
#include "engine/table_meta.h"
#include "expr/eval.h"
#include "model/item_size.h"

namespace ddbd::api {
namespace {

using engine::MutationDecision;
using model::AttributeMap;
using model::Item;

constexpr size_t kMaxBatchGetKeys = 100;
constexpr size_t kMaxBatchWriteRequests = 25;
constexpr size_t kMaxBatchGetBytes = 16 * 1024 * 1024;

Result<CapacityMode> ReadCapacityMode(const Json& request) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(CapacityMode mode, ParseReturnConsumedCapacity(request, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  return mode;
}

bool IsThrottle(const Status& s) { return s.code() == ErrorCode::kProvisionedThroughputExceeded; }

Status RequestItemsConstraint(const Json* items, const char* operation) {
  if (items == nullptr || items->MemberCount() == 0) {
    return Status::Validation(std::string("The requestItems parameter is required for ") +
                              operation);
  }
  return Status::OK();
}

// The table a RequestItems key names: a table name, or the ARN of one of the caller's tables
// (the reply keys its maps by the key as given).
Result<std::string> TableNameOfKey(const OpContext& ctx, const std::string& key) {
  if (auto arn = engine::ParseTableArn(key); arn && arn->sub.empty()) {
    if (!arn->Of(ctx.caller.account, ctx.caller.region)) {
      return Status::ResourceNotFound("Requested resource not found");
    }
    return arn->table;
  }
  ConstraintErrors errors;
  errors.TableName(&key, "requestItems.member.key");
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  return key;
}

struct GetTableRequest {
  std::string name;
  std::shared_ptr<engine::Table> table;
  RequestExpressions expressions;
  bool consistent = false;
  std::vector<engine::PrimaryKey> keys;
  const Json* json = nullptr;  // KeysAndAttributes, echoed in UnprocessedKeys
};

}  // namespace

Status BatchGetItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(const Json* items, GetObject(request, "RequestItems"));
  DDBD_RETURN_IF_ERROR(RequestItemsConstraint(items, "BatchGetItem"));
  DDBD_ASSIGN_OR_RETURN(CapacityMode capacity, ReadCapacityMode(request));
  size_t total_keys = 0;
  for (const auto& m : items->GetObject()) {
    if (!m.value.IsObject()) return Status::Serialization("Unexpected value type in payload");
    DDBD_ASSIGN_OR_RETURN(const Json* keys, GetArray(m.value, "Keys"));
    if (keys != nullptr) total_keys += keys->Size();
  }
  if (total_keys > kMaxBatchGetKeys) {
    return Status::Validation("Too many items requested for the BatchGetItem call");
  }
  std::vector<GetTableRequest> tables;
  for (const auto& m : items->GetObject()) {
    GetTableRequest t;
    t.name.assign(m.name.GetString(), m.name.GetStringLength());
    t.json = &m.value;
    DDBD_ASSIGN_OR_RETURN(const std::string table_name, TableNameOfKey(ctx, t.name));
    DDBD_ASSIGN_OR_RETURN(const Json* keys, GetArray(m.value, "Keys"));
    if (keys == nullptr || keys->Empty()) {
      return Status::Validation(
          "1 validation error detected: Value '[]' at 'requestItems." + t.name +
          ".member.keys' failed to satisfy constraint: Member must have length greater than or "
          "equal to 1");
    }
    DDBD_ASSIGN_OR_RETURN(auto consistent, GetBool(m.value, "ConsistentRead"));
    t.consistent = consistent.value_or(false);
    DDBD_ASSIGN_OR_RETURN(t.expressions,
                          ReadExpressions(m.value, ExpressionParams{.projection = true}));
    std::vector<AttributeMap> key_maps(keys->Size());
    for (rapidjson::SizeType i = 0; i < keys->Size(); ++i) {
      DDBD_RETURN_IF_ERROR(model::DecodeAttributeMap((*keys)[i], &key_maps[i]));
    }
    DDBD_ASSIGN_OR_RETURN(t.table, FindTableForItemOp(ctx, table_name));
    std::set<std::string> seen;
    for (const auto& key_map : key_maps) {
      DDBD_ASSIGN_OR_RETURN(engine::PrimaryKey key, engine::ValidateKey(*t.table, key_map));
      if (!seen.insert(engine::StorageKeyOf(key)).second) {
        return Status::Validation("Provided list of item keys contains duplicates");
      }
      t.keys.push_back(std::move(key));
    }
    tables.push_back(std::move(t));
  }

  // Reads, up to the 16 MB reply limit; the rest is returned as UnprocessedKeys.
  PerTableUnits consumed;
  std::vector<std::vector<Item>> found(tables.size());
  std::vector<std::vector<const engine::PrimaryKey*>> unprocessed(tables.size());
  size_t reply_bytes = 0;
  size_t throttled = 0;
  bool full = false;
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    auto& t = tables[ti];
    double units = 0;
    for (const auto& key : t.keys) {
      if (full) {
        unprocessed[ti].push_back(&key);
        continue;
      }
      auto read = engine::GetItem(ctx.catalog, *t.table, key, t.consistent);
      if (!read.ok() && IsThrottle(read.status())) {
        // Throttled keys are returned as unprocessed, as the service does.
        unprocessed[ti].push_back(&key);
        ++throttled;
        continue;
      }
      DDBD_ASSIGN_OR_RETURN(engine::ReadResult r, std::move(read));
      if (r.item && reply_bytes + r.size > kMaxBatchGetBytes) {
        // The reply stays under 16 MB: this key and the rest are left for the next call.
        full = true;
        unprocessed[ti].push_back(&key);
        continue;
      }
      units += r.units;
      if (!r.item) continue;
      reply_bytes += r.size;
      if (t.expressions.projection) {
        found[ti].push_back(
            expr::Project(*r.item, t.expressions.projection->paths, t.expressions.ph));
      } else {
        found[ti].push_back(std::move(*r.item));
      }
    }
    UnitsOf(consumed, t.name).table += units;
  }
  if (throttled > 0 && throttled == total_keys) {
    return engine::ThrottleError(tables[0].table->meta(), "", false);
  }

  out.StartObject();
  WriteKey(out, "Responses");
  out.StartObject();
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    WriteKey(out, tables[ti].name);
    out.StartArray();
    for (const auto& item : found[ti]) model::WriteAttributeMap(out, item);
    out.EndArray();
  }
  out.EndObject();
  WriteKey(out, "UnprocessedKeys");
  out.StartObject();
  for (size_t ti = 0; ti < tables.size(); ++ti) {
    if (unprocessed[ti].empty()) continue;
    const auto& t = tables[ti];
    WriteKey(out, t.name);
    out.StartObject();
    WriteKey(out, "Keys");
    out.StartArray();
    for (const auto* key : unprocessed[ti]) {
      Item key_item;
      key_item.emplace(t.table->hash_key().name, key->hash);
      if (key->range) key_item.emplace(t.table->range_key()->name, *key->range);
      model::WriteAttributeMap(out, key_item);
    }
    out.EndArray();
    for (const char* member : {"ProjectionExpression", "ExpressionAttributeNames",
                               "AttributesToGet", "ConsistentRead"}) {
      auto it = t.json->FindMember(member);
      if (it == t.json->MemberEnd() || it->value.IsNull()) continue;
      WriteKey(out, member);
      it->value.Accept(out);
    }
    out.EndObject();
  }
  out.EndObject();
  WriteCapacityList(out, capacity, consumed);
  out.EndObject();
  return Status::OK();
}

namespace {

struct WriteOp {
  const Json* request = nullptr;  // the WriteRequest, echoed in UnprocessedItems
  std::shared_ptr<engine::Table> table;
  std::string table_name;
  bool is_put = false;
  Item item;  // put: the item; delete: the key
  engine::PrimaryKey key;
};

}  // namespace

Status BatchWriteItem(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(const Json* items, GetObject(request, "RequestItems"));
  DDBD_RETURN_IF_ERROR(RequestItemsConstraint(items, "BatchWriteItem"));
  DDBD_ASSIGN_OR_RETURN(CapacityMode capacity, ReadCapacityMode(request));
  DDBD_ASSIGN_OR_RETURN(auto metrics, GetString(request, "ReturnItemCollectionMetrics"));
  if (metrics && *metrics != "SIZE" && *metrics != "NONE") {
    ConstraintErrors errors;
    errors.Enum(*metrics, "returnItemCollectionMetrics", "[SIZE, NONE]");
    return errors.ToStatus();
  }
  size_t total = 0;
  for (const auto& m : items->GetObject()) {
    if (!m.value.IsArray()) return Status::Serialization("Unexpected value type in payload");
    total += m.value.Size();
    if (m.value.Empty() || m.value.Size() > kMaxBatchWriteRequests) {
      std::string shown = m.value.Empty() ? "[]" : "[...]";
      return Status::Validation(
          "1 validation error detected: Value '{" + std::string(m.name.GetString()) + "=" + shown +
          "}' at 'requestItems' failed to satisfy constraint: Map value must satisfy constraint: "
          "[Member must have length less than or equal to 25, Member must have length greater "
          "than or equal to 1]");
    }
  }
  if (total > kMaxBatchWriteRequests) {
    return Status::Validation("Too many items requested for the BatchWriteItem call");
  }

  // Each write waits for a transaction on its item rather than failing (BatchWriteItem does
  // not conflict with transactions).
  engine::CommitOptions batch_write = UserWrite(ctx);
  batch_write.fail_on_conflict = false;
  // Validate everything first: a bad request writes nothing.
  std::vector<WriteOp> ops;
  for (const auto& m : items->GetObject()) {
    std::string name(m.name.GetString(), m.name.GetStringLength());
    DDBD_ASSIGN_OR_RETURN(const std::string table_name, TableNameOfKey(ctx, name));
    std::vector<WriteOp> table_ops;
    for (const auto& w : m.value.GetArray()) {
      if (!w.IsObject()) return Status::Serialization("Unexpected value type in payload");
      DDBD_ASSIGN_OR_RETURN(const Json* put, GetObject(w, "PutRequest"));
      DDBD_ASSIGN_OR_RETURN(const Json* del, GetObject(w, "DeleteRequest"));
      if ((put == nullptr) == (del == nullptr)) {
        return Status::Validation(
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
            "the supported datatypes");
      }
      WriteOp op;
      op.request = &w;
      op.table_name = name;
      op.is_put = put != nullptr;
      const Json* body = op.is_put ? put : del;
      DDBD_ASSIGN_OR_RETURN(const Json* attrs, GetObject(*body, op.is_put ? "Item" : "Key"));
      if (attrs == nullptr) {
        ConstraintErrors errors;
        errors.NotNull(op.is_put ? "requestItems.member.member.putRequest.item"
                                 : "requestItems.member.member.deleteRequest.key");
        return errors.ToStatus();
      }
      DDBD_RETURN_IF_ERROR(model::DecodeAttributeMap(*attrs, &op.item));
      table_ops.push_back(std::move(op));
    }
    DDBD_ASSIGN_OR_RETURN(auto table, FindTableForItemOp(ctx, table_name));
    for (auto& op : table_ops) {
      op.table = table;
      if (op.is_put) {
        auto key = engine::ValidateItemKey(*table, op.item);
        if (!key.ok()) {
          // A put whose key is missing or mistyped gets the Key wording in a batch.
          const std::string& m = key.status().message();
          if (m.find("Missing the key") != std::string::npos ||
              m.find("Type mismatch for key") != std::string::npos) {
            return Status::Validation("The provided key element does not match the schema");
          }
          return key.status();
        }
        op.key = std::move(*key);
        DDBD_RETURN_IF_ERROR(engine::ValidateIndexKeys(table->meta(), op.item));
      } else {
        DDBD_ASSIGN_OR_RETURN(op.key, engine::ValidateKey(*table, op.item));
      }
      ops.push_back(std::move(op));
    }
  }
  std::set<std::pair<const engine::Table*, std::string>> seen;
  for (const auto& op : ops) {
    if (!seen.emplace(op.table.get(), engine::StorageKeyOf(op.key)).second) {
      return Status::Validation("Provided list of item keys contains duplicates");
    }
  }

  PerTableUnits consumed;
  std::vector<std::pair<const WriteOp*, int64_t>> collections;
  std::vector<const WriteOp*> unprocessed;
  for (auto& op : ops) {
    auto written = engine::Mutate(
        ctx.catalog, *op.table, op.key,
        [&](const Item*) -> Result<MutationDecision> {
          if (op.is_put) {
            return MutationDecision{MutationDecision::Kind::kPut, std::move(op.item)};
          }
          return MutationDecision{MutationDecision::Kind::kDelete, {}};
        },
        batch_write);
    if (!written.ok() && IsThrottle(written.status())) {
      // Throttled writes are returned as unprocessed; the SDKs retry them.
      unprocessed.push_back(&op);
      continue;
    }
    DDBD_ASSIGN_OR_RETURN(engine::MutationResult result, std::move(written));
    if (result.collection_size) collections.emplace_back(&op, *result.collection_size);
    engine::ConsumedUnits& units = UnitsOf(consumed, op.table_name);
    units.table += result.units.table;
    for (const auto& [name, u] : result.units.local_indexes) units.local_indexes[name] += u;
    for (const auto& [name, u] : result.units.global_indexes) units.global_indexes[name] += u;
  }
  if (!unprocessed.empty() && unprocessed.size() == ops.size()) {
    return engine::ThrottleError(ops[0].table->meta(), "", true);
  }
  out.StartObject();
  WriteKey(out, "UnprocessedItems");
  out.StartObject();
  std::set<std::string> unprocessed_tables;
  for (const WriteOp* op : unprocessed) {
    if (!unprocessed_tables.insert(op->table_name).second) continue;
    WriteKey(out, op->table_name);
    out.StartArray();
    for (const WriteOp* other : unprocessed) {
      if (other->table_name == op->table_name) other->request->Accept(out);
    }
    out.EndArray();
  }
  out.EndObject();
  if (metrics && *metrics == "SIZE" && !collections.empty()) {
    WriteKey(out, "ItemCollectionMetrics");
    out.StartObject();
    std::set<std::string> tables_done;
    for (const auto& [op, size] : collections) {
      if (!tables_done.insert(op->table_name).second) continue;
      WriteKey(out, op->table_name);
      out.StartArray();
      for (const auto& [other, other_size] : collections) {
        if (other->table_name != op->table_name) continue;
        WriteItemCollectionMetrics(out, *other->table, other->key, other_size);
      }
      out.EndArray();
    }
    out.EndObject();
  }
  WriteCapacityList(out, capacity, consumed);
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
