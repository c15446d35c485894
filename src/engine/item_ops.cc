#include "engine/item_ops.h"

#include <functional>

#include "engine/capacity.h"
#include "engine/commit.h"
#include "engine/index.h"
#include "model/item_size.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

using model::AttributeValue;
using model::AttrType;

constexpr size_t kMaxHashKeySize = 2048;
constexpr size_t kMaxRangeKeySize = 1024;

const Status& SchemaMismatch() {
  static const Status kStatus =
      Status::Validation("The provided key element does not match the schema");
  return kStatus;
}

Status CheckKeyValue(const KeyElement& element, const AttributeValue& value, bool is_hash) {
  if (value.type == AttrType::kS && value.str.empty()) {
    return Status::Validation(
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty string value. Key: " +
        element.name);
  }
  if (value.type == AttrType::kB && value.str.empty()) {
    return Status::Validation(
        "One or more parameter values are not valid. The AttributeValue for a key attribute "
        "cannot contain an empty binary value. Key: " +
        element.name);
  }
  size_t size = model::ValueSize(value);
  if (is_hash && size > kMaxHashKeySize) {
    return Status::Validation(
        "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
        "size limit of2048 bytes");
  }
  if (!is_hash && size > kMaxRangeKeySize) {
    return Status::Validation(
        "One or more parameter values were invalid: Aggregated size of all range keys has "
        "exceeded the size limit of 1024 bytes");
  }
  return Status::OK();
}

}  // namespace

std::string StorageKeyOf(const PrimaryKey& key) {
  return storage::EncodePrimaryKey(storage::kBaseIndexId, key.hash,
                                   key.range ? &*key.range : nullptr);
}

std::string StorageKeyOfItem(const Table& table, const model::Item& item) {
  const auto& hash = item.at(table.hash_key().name);
  const model::AttributeValue* range =
      table.range_key() ? &item.at(table.range_key()->name) : nullptr;
  return storage::EncodePrimaryKey(storage::kBaseIndexId, hash, range);
}

int64_t AddIndexChanges(const TableMeta& meta, const IndexMeta& index,
                        const storage::KeySpace& space, const std::string& table_id,
                        const std::optional<model::Item>& old_item,
                        const std::optional<model::Item>& new_item, storage::WriteBatch* batch) {
  std::optional<std::string> old_key, new_key;
  size_t old_size = 0, new_size = 0;
  if (old_item) old_key = IndexEntryKey(meta, index, *old_item);
  std::string new_value;
  if (new_item) {
    new_key = IndexEntryKey(meta, index, *new_item);
    if (new_key) {
      model::Item projected = ProjectForIndex(meta, index, *new_item);
      new_size = model::ItemSize(projected);
      new_value = model::EncodeItem(projected);
    }
  }
  if (old_key) old_size = model::ItemSize(ProjectForIndex(meta, index, *old_item));
  if (old_key && old_key != new_key) batch->Delete(space, *old_key);
  if (new_key) batch->Put(space, *new_key, new_value);
  int64_t count_delta = (new_key ? 1 : 0) - (old_key ? 1 : 0);
  int64_t size_delta = static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size);
  if (count_delta != 0 || size_delta != 0) {
    batch->AddStats(IndexStatsKey(table_id, index.id), count_delta, size_delta);
  }
  return size_delta;
}

Status ThrottleError(const TableMeta& meta, const std::string& index_name, bool write,
                     PartitionMap::Admission admission) {
  const bool index = !index_name.empty();
  const bool provisioned = meta.billing_mode == BillingMode::kProvisioned;  // GSIs follow it
  // The limit: an on-demand maximum, the provisioned throughput (of the table or the GSI), or
  // an on-demand partition or key ceiling.
  const char* limit = admission == PartitionMap::Admission::kTableMaximum
                          ? "MaxOnDemandThroughputExceeded"
                      : provisioned ? "ProvisionedThroughputExceeded"
                                    : "KeyRangeThroughputExceeded";
  auto payload = std::make_shared<const ThrottlingPayload>(
      std::string(index ? "Index" : "Table") + (write ? "Write" : "Read") + limit,
      index ? meta.Arn() + "/index/" + index_name : meta.Arn());
  if (admission == PartitionMap::Admission::kTableMaximum) {
    return Status(ErrorCode::kThrottling,
                  "Throughput exceeds the maximum OnDemandThroughput configured on table or "
                  "index",  // message unverified
                  std::move(payload));
  }
  if (index) {
    return Status(ErrorCode::kProvisionedThroughputExceeded,
                  "The level of configured provisioned throughput for one or more global "
                  "secondary indexes of the table was exceeded. Consider increasing your "
                  "provisioning level for the under-provisioned global secondary indexes with "
                  "the UpdateTable API",
                  std::move(payload));
  }
  if (provisioned) {
    return Status(ErrorCode::kProvisionedThroughputExceeded,
                  "The level of configured provisioned throughput for the table was exceeded. "
                  "Consider increasing your provisioning level with the UpdateTable API.",
                  std::move(payload));
  }
  return Status(ErrorCode::kProvisionedThroughputExceeded,
                "Throughput exceeds the current capacity of your table or index. DynamoDB is "
                "automatically scaling your table or index so please try again shortly. If "
                "exceptions persist, check if you have a hot key: "
                "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                "bp-partition-key-design.html",
                std::move(payload));
}

Result<PrimaryKey> ValidateKey(const Table& table, const model::AttributeMap& key) {
  size_t expected = table.range_key() ? 2 : 1;
  if (key.size() != expected) return SchemaMismatch();
  PrimaryKey out;
  auto h = key.find(table.hash_key().name);
  if (h == key.end() || h->second.type != table.hash_key().type) return SchemaMismatch();
  DDBD_RETURN_IF_ERROR(CheckKeyValue(table.hash_key(), h->second, true));
  out.hash = h->second;
  if (table.range_key()) {
    auto r = key.find(table.range_key()->name);
    if (r == key.end() || r->second.type != table.range_key()->type) return SchemaMismatch();
    DDBD_RETURN_IF_ERROR(CheckKeyValue(*table.range_key(), r->second, false));
    out.range = r->second;
  }
  return out;
}

Result<PrimaryKey> ValidateItemKey(const Table& table, const model::Item& item) {
  PrimaryKey out;
  auto check = [&](const KeyElement& element, bool is_hash) -> Result<AttributeValue> {
    auto it = item.find(element.name);
    if (it == item.end()) {
      return Status::Validation("One or more parameter values were invalid: Missing the key " +
                                element.name + " in the item");
    }
    if (it->second.type != element.type) {
      return Status::Validation(
          "One or more parameter values were invalid: Type mismatch for key " + element.name +
          " expected: " + std::string(model::AttrTypeName(element.type)) +
          " actual: " + std::string(model::AttrTypeName(it->second.type)));
    }
    DDBD_RETURN_IF_ERROR(CheckKeyValue(element, it->second, is_hash));
    return it->second;
  };
  DDBD_ASSIGN_OR_RETURN(out.hash, check(table.hash_key(), true));
  if (table.range_key()) {
    DDBD_ASSIGN_OR_RETURN(out.range, check(*table.range_key(), false));
  }
  if (model::ItemSize(item) > model::kMaxItemSize) {
    return Status::Validation("Item size has exceeded the maximum allowed size");
  }
  return out;
}

Result<MutationResult> Mutate(Catalog& catalog, Table& table, const PrimaryKey& key,
                              const MutationFn& decide, const CommitOptions& options) {
  // std::cref: the op refers to the caller's function instead of copying it.
  std::vector<WriteOp> ops{WriteOp{&table, key, std::cref(decide)}};
  DDBD_ASSIGN_OR_RETURN(auto results, Commit(catalog, ops, options));
  return std::move(results.front());
}

Result<ReadResult> GetItem(Catalog& catalog, const Table& table, const PrimaryKey& key,
                           bool consistent) {
  const uint64_t hash = storage::PartitionHash(key.hash);
  if (auto admission = table.partitions().AdmitRead(hash);
      admission != PartitionMap::Admission::kAdmitted) {
    table.partitions().NoteThrottledRead(hash);
    auto meta = table.shared_meta();
    catalog.insights().Note(*meta, "", key.hash, key.range ? &*key.range : nullptr, 0, true);
    return ThrottleError(*meta, "", false, admission);
  }
  ReadResult found_result;
  DDBD_ASSIGN_OR_RETURN(found_result, GetItemUnmetered(catalog, table, key));
  found_result.units = ReadUnits(found_result.size, consistent);
  table.partitions().ChargeRead(hash, found_result.units);
  if (table.insights_on()) {
    catalog.insights().Note(*table.shared_meta(), "", key.hash, key.range ? &*key.range : nullptr,
                            found_result.units, false);
  }
  return found_result;
}

Result<ReadResult> GetItemUnmetered(Catalog& catalog, const Table& table, const PrimaryKey& key) {
  std::string bytes;
  bool found = false;
  DDBD_RETURN_IF_ERROR(catalog.store()->Get(table.data(), StorageKeyOf(key), &bytes, &found));
  ReadResult result;
  if (!found) return result;
  model::Item item;
  if (!model::DecodeItem(bytes, &item)) {
    return Status::Internal("corrupt item in table " + table.name());
  }
  result.size = model::ItemSize(item);
  result.item = std::move(item);
  return result;
}

}  // namespace ddbd::engine
