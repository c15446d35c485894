#include "engine/item_ops.h"

#include <chrono>

#include "common/coding.h"
#include "common/hash.h"
#include "engine/capacity.h"
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

std::string StorageKey(const PrimaryKey& key) {
  return storage::EncodePrimaryKey(storage::kBaseIndexId, key.hash,
                                   key.range ? &*key.range : nullptr);
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Change-log record, docs/formats/change-log.md. DO NOT CHANGE without a version bump.
std::string EncodeChange(int64_t time_us, const std::string& key,
                         const std::optional<model::Item>& old_item,
                         const std::optional<model::Item>& new_item) {
  std::string out;
  out.push_back(1);  // format version
  PutVarint64(&out, static_cast<uint64_t>(time_us));
  out.push_back(0);  // origin: 0 = user request (TTL, replication come later)
  PutLengthPrefixed(&out, key);
  out.push_back(old_item ? 1 : 0);
  if (old_item) PutLengthPrefixed(&out, model::EncodeItem(*old_item));
  out.push_back(new_item ? 1 : 0);
  if (new_item) PutLengthPrefixed(&out, model::EncodeItem(*new_item));
  return out;
}

// Write units of one index for an item going from `old_item` to `new_item`: nothing when
// neither version is in the index or its entry is unchanged, one write of the entry's size
// for a put or delete, and two (delete + put) when the index key changes. Entry sizes
// include the service's 100 bytes of per-entry overhead.
double IndexWriteUnits(const TableMeta& meta, const IndexMeta& index,
                       const std::optional<model::Item>& old_item,
                       const std::optional<model::Item>& new_item) {
  constexpr size_t kEntryOverhead = 100;
  std::optional<std::string> old_key, new_key;
  model::Item old_entry, new_entry;
  if (old_item && (old_key = IndexEntryKey(meta, index, *old_item))) {
    old_entry = ProjectForIndex(meta, index, *old_item);
  }
  if (new_item && (new_key = IndexEntryKey(meta, index, *new_item))) {
    new_entry = ProjectForIndex(meta, index, *new_item);
  }
  double units = 0;
  if (old_key && new_key && *old_key == *new_key) {
    bool same = old_entry.size() == new_entry.size();
    for (auto a = old_entry.begin(), b = new_entry.begin(); same && a != old_entry.end();
         ++a, ++b) {
      same = a->first == b->first && model::Equal(a->second, b->second);
    }
    return same ? 0 : WriteUnits(model::ItemSize(new_entry) + kEntryOverhead);
  }
  if (old_key) units += WriteUnits(model::ItemSize(old_entry) + kEntryOverhead);
  if (new_key) units += WriteUnits(model::ItemSize(new_entry) + kEntryOverhead);
  return units;
}

std::string CollectionStatsKey(const std::string& table_id, const model::AttributeValue& hash) {
  std::string key = "coll/" + table_id + "/";
  storage::AppendKeyComponent(&key, hash);
  return key;
}

}  // namespace

int64_t AddIndexChanges(const TableMeta& meta, const IndexMeta& index, storage::ColumnFamily* cf,
                        const std::string& table_id, const std::optional<model::Item>& old_item,
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
  if (old_key && old_key != new_key) batch->Delete(cf, *old_key);
  if (new_key) batch->Put(cf, *new_key, new_value);
  int64_t count_delta = (new_key ? 1 : 0) - (old_key ? 1 : 0);
  int64_t size_delta = static_cast<int64_t>(new_size) - static_cast<int64_t>(old_size);
  if (count_delta != 0 || size_delta != 0) {
    batch->AddStats(IndexStatsKey(table_id, index.id), count_delta, size_delta);
  }
  return size_delta;
}

Status ThrottleError(const TableMeta& meta, bool index, PartitionMap::Admission admission) {
  if (admission == PartitionMap::Admission::kTableMaximum) {
    return Status(ErrorCode::kThrottling,
                  "Throughput exceeds the maximum OnDemandThroughput configured on table or "
                  "index");  // message unverified
  }
  if (index) {
    return Status(ErrorCode::kProvisionedThroughputExceeded,
                  "The level of configured provisioned throughput for one or more global "
                  "secondary indexes of the table was exceeded. Consider increasing your "
                  "provisioning level for the under-provisioned global secondary indexes with "
                  "the UpdateTable API");
  }
  if (meta.billing_mode == BillingMode::kProvisioned) {
    return Status(ErrorCode::kProvisionedThroughputExceeded,
                  "The level of configured provisioned throughput for the table was exceeded. "
                  "Consider increasing your provisioning level with the UpdateTable API.");
  }
  return Status(ErrorCode::kProvisionedThroughputExceeded,
                "Throughput exceeds the current capacity of your table or index. DynamoDB is "
                "automatically scaling your table or index so please try again shortly. If "
                "exceptions persist, check if you have a hot key: "
                "https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/"
                "bp-partition-key-design.html");
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
                              const MutationFn& decide) {
  storage::Store* store = catalog.store();
  std::string storage_key = StorageKey(key);
  const uint64_t hash = storage::PartitionHash(key.hash);
  const std::shared_ptr<const TableMeta> meta_ptr = table.shared_meta();
  const TableMeta& meta = *meta_ptr;
  if (auto admission = table.partitions().AdmitWrite(hash);
      admission != PartitionMap::Admission::kAdmitted) {
    table.partitions().NoteThrottledWrite(hash);
    return ThrottleError(meta, false, admission);
  }
  std::lock_guard lock(table.locks().For(StableHash64(storage_key)));

  MutationResult result;
  std::string old_bytes;
  bool found = false;
  DDBD_RETURN_IF_ERROR(store->Get(table.data(), storage_key, &old_bytes, &found));
  if (found) {
    model::Item old_item;
    if (!model::DecodeItem(old_bytes, &old_item)) {
      return Status::Internal("corrupt item in table " + table.name());
    }
    result.old_size = model::ItemSize(old_item);
    result.old_item = std::move(old_item);
  }
  auto decided = decide(result.old_item ? &*result.old_item : nullptr);
  if (!decided.ok()) {
    // A failed condition still consumes write capacity, as on the service.
    if (decided.status().code() == ErrorCode::kConditionalCheckFailed) {
      table.partitions().ChargeWrite(hash, WriteUnits(result.old_size));
    }
    return decided.status();
  }
  MutationDecision decision = std::move(decided).value();
  if (decision.kind == MutationDecision::Kind::kNoChange ||
      (decision.kind == MutationDecision::Kind::kDelete && !found)) {
    result.units.table = WriteUnits(result.old_size);
    table.partitions().ChargeWrite(hash, result.units.table);
    return result;
  }

  storage::WriteBatch batch;
  int64_t count_delta = 0;
  int64_t size_delta = -static_cast<int64_t>(result.old_size);
  if (decision.kind == MutationDecision::Kind::kPut) {
    result.new_size = model::ItemSize(decision.new_item);
    if (result.new_size > model::kMaxItemSize) {
      return Status::Validation("Item size has exceeded the maximum allowed size");
    }
    DDBD_RETURN_IF_ERROR(ValidateIndexKeys(meta, decision.new_item));
    batch.Put(table.data(), storage_key, model::EncodeItem(decision.new_item));
    result.new_item = std::move(decision.new_item);
    size_delta += static_cast<int64_t>(result.new_size);
    if (!found) count_delta = 1;
  } else {
    batch.Delete(table.data(), storage_key);
    count_delta = -1;
  }
  result.units.table = WriteUnits(std::max(result.old_size, result.new_size));
  // Local secondary indexes: entries change in the same batch (synchronous, atomic).
  // Global ones are written by the GSI applier, but their capacity is checked and charged
  // here: a GSI out of write capacity throttles the table's writes.
  bool has_global = false, has_local = false;
  int64_t collection_delta = size_delta;
  std::vector<std::pair<PartitionMap*, std::pair<uint64_t, double>>> gsi_charges;
  for (const auto& index : meta.indexes) {
    double units = IndexWriteUnits(meta, index, result.old_item, result.new_item);
    if (index.global) {
      has_global = true;
      if (index.status == IndexStatus::kDeleting) continue;
      if (units > 0) {
        result.units.global_indexes[index.name] = units;
        PartitionMap* map = table.IndexPartitions(index.id);
        const model::Item& source = result.new_item ? *result.new_item : *result.old_item;
        auto it = source.find(index.hash_key.name);
        uint64_t index_hash = it != source.end() ? storage::PartitionHash(it->second) : 0;
        if (map != nullptr) {
          if (auto admission = map->AdmitWrite(index_hash);
              admission != PartitionMap::Admission::kAdmitted) {
            map->NoteThrottledWrite(index_hash);
            return ThrottleError(meta, true, admission);
          }
          gsi_charges.push_back({map, {index_hash, units}});
        }
      }
      continue;
    }
    has_local = true;
    if (units > 0) result.units.local_indexes[index.name] = units;
    collection_delta += AddIndexChanges(meta, index, table.data(), table.table_id(),
                                        result.old_item, result.new_item, &batch);
  }
  batch.AddStats(TableStatsKey(table.table_id()), count_delta, size_delta);
  batch.AddStats(Catalog::BucketStatsKey(table.table_id(), hash), count_delta, size_delta);
  if (has_local) {
    // Item collections (one partition key's items and LSI entries) are limited in size.
    std::string collection_key = CollectionStatsKey(table.table_id(), key.hash);
    int64_t items = 0, bytes = 0;
    DDBD_RETURN_IF_ERROR(store->GetStats(collection_key, &items, &bytes));
    if (collection_delta > 0 && bytes + collection_delta > catalog.item_collection_limit()) {
      return Status(ErrorCode::kItemCollectionSizeLimitExceeded,
                    "Item collection size limit exceeded for the partition key of this item");
    }
    batch.AddStats(collection_key, count_delta, collection_delta);
    result.collection_size = bytes + collection_delta;
  }
  {
    std::lock_guard commit(table.commit_mutex());
    std::string log_key;
    PutFixed64BE(&log_key, table.NextSequence());
    batch.Put(table.log(), log_key,
              EncodeChange(NowMicros(), storage_key, result.old_item, result.new_item));
    DDBD_RETURN_IF_ERROR(store->Write(&batch));
  }
  // LSI writes consume the table's write capacity.
  double local_units = 0;
  for (const auto& [name, units] : result.units.local_indexes) local_units += units;
  table.partitions().ChargeWrite(hash, result.units.table + local_units);
  for (const auto& [map, charge] : gsi_charges) map->ChargeWrite(charge.first, charge.second);
  table.partitions().AddContent(hash, count_delta, size_delta);
  catalog.MaybeSplit(table);
  if (has_global) catalog.NotifyWrite();
  return result;
}

Result<ReadResult> GetItem(Catalog& catalog, const Table& table, const PrimaryKey& key,
                           bool consistent) {
  const uint64_t hash = storage::PartitionHash(key.hash);
  if (auto admission = table.partitions().AdmitRead(hash);
      admission != PartitionMap::Admission::kAdmitted) {
    table.partitions().NoteThrottledRead(hash);
    return ThrottleError(*table.shared_meta(), false, admission);
  }
  ReadResult found_result;
  DDBD_ASSIGN_OR_RETURN(found_result, GetItemUnmetered(catalog, table, key));
  found_result.units = ReadUnits(found_result.size, consistent);
  table.partitions().ChargeRead(hash, found_result.units);
  return found_result;
}

Result<ReadResult> GetItemUnmetered(Catalog& catalog, const Table& table, const PrimaryKey& key) {
  std::string bytes;
  bool found = false;
  DDBD_RETURN_IF_ERROR(catalog.store()->Get(table.data(), StorageKey(key), &bytes, &found));
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
