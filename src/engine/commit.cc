#include "engine/commit.h"

#include <algorithm>
#include <chrono>
#include <map>
#include <mutex>
#include <set>
#include <thread>

#include "common/coding.h"
#include "common/hash.h"
#include "engine/capacity.h"
#include "engine/index.h"
#include "engine/query_scan.h"
#include "engine/ttl.h"
#include "model/item_size.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

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

std::string TombstoneKey(std::string_view storage_key) {
  std::string key = storage::IndexLowerBound(kTombstoneIndexId);
  key.append(storage_key);
  return key;
}

Status TransactionConflict() {
  return Status(ErrorCode::kTransactionConflict,
                "Transaction is ongoing for the item");  // message unverified
}

namespace {

// One op on its way through the commit.
struct Prepared {
  Table* table = nullptr;
  std::shared_ptr<const TableMeta> meta;
  std::string storage_key;
  uint64_t hash = 0;
  std::string old_bytes;  // the stored item (with or without the header), if found
  bool found = false;
  bool changes = false;  // a put, or a delete of an existing item
  bool is_put = false;
  std::string new_bytes;  // stored encoding of the new item
  int64_t time_us = 0;    // the write's time (the item's last-write time, its record's)
  // Replicas: the tombstone of the absent item, if any (its deletion's time).
  std::optional<int64_t> tombstone_us;
  bool write_tombstone = false;  // a replicated deletion newer than the tombstone
  int64_t count_delta = 0;
  int64_t size_delta = 0;
  MutationResult result;
  std::vector<std::pair<PartitionMap*, std::pair<uint64_t, double>>> gsi_charges;
};

// Locks a set of mutexes in address order (the global lock order) and unlocks on exit. Most
// commits lock one mutex: that case allocates nothing.
class OrderedLocks {
 public:
  explicit OrderedLocks(std::mutex* only) : only_(only) { only_->lock(); }
  explicit OrderedLocks(std::vector<std::mutex*> mutexes) : mutexes_(std::move(mutexes)) {
    std::sort(mutexes_.begin(), mutexes_.end());
    mutexes_.erase(std::unique(mutexes_.begin(), mutexes_.end()), mutexes_.end());
    for (auto* m : mutexes_) m->lock();
  }
  ~OrderedLocks() {
    if (only_ != nullptr) only_->unlock();
    for (auto it = mutexes_.rbegin(); it != mutexes_.rend(); ++it) (*it)->unlock();
  }
  OrderedLocks(const OrderedLocks&) = delete;
  OrderedLocks& operator=(const OrderedLocks&) = delete;

 private:
  std::mutex* only_ = nullptr;
  std::vector<std::mutex*> mutexes_;
};

// Global tables: the time of the item's current version (its last write, or the tombstone of
// its deletion; 0 if neither is known). Reads the tombstone of an absent item.
Result<int64_t> CurrentVersionTime(Catalog& catalog, Prepared& p) {
  if (p.found) return model::StoredItemWriteTime(p.old_bytes).value_or(0);
  std::string value;
  bool found = false;
  DDBD_RETURN_IF_ERROR(
      catalog.store()->Get(p.table->data(), TombstoneKey(p.storage_key), &value, &found));
  if (!found || value.size() != 8) return 0;
  p.tombstone_us = static_cast<int64_t>(DecodeFixed64BE(value.data()));
  return *p.tombstone_us;
}

// Last writer wins: true if a write of `time_us` (the item `incoming`, or a deletion when
// null) is later than the item's current version of `current_us`.
bool IsLaterWrite(const Prepared& p, int64_t current_us, int64_t time_us,
                  const model::Item* incoming) {
  if (time_us != current_us) return time_us > current_us;
  const std::string_view current = p.found ? model::StoredItemBody(p.old_bytes) : "";
  return (incoming != nullptr ? model::EncodeItem(*incoming) : std::string()) > current;
}

// Reads the current item and lets the op decide. Fills `p`; errors are the op's outcome.
Status ReadAndDecide(Catalog& catalog, const WriteOp& op, Prepared& p, int64_t now_us) {
  DDBD_RETURN_IF_ERROR(
      catalog.store()->Get(p.table->data(), p.storage_key, &p.old_bytes, &p.found));
  if (p.found) {
    model::Item old_item;
    if (!model::DecodeItem(p.old_bytes, &old_item)) {
      return Status::Internal("corrupt item in table " + p.table->name());
    }
    p.result.old_size = model::ItemSize(old_item);
    p.result.old_item = std::move(old_item);
  }
  p.time_us = op.write_time_us.value_or(now_us);
  if (p.meta->replicated()) {
    DDBD_ASSIGN_OR_RETURN(const int64_t current_us, CurrentVersionTime(catalog, p));
    if (op.last_writer_wins) {
      // A replicated write: decided first (it names the version it brings), then kept only
      // if it is later than the current one.
      auto decided = op.decide(p.result.old_item ? &*p.result.old_item : nullptr);
      if (!decided.ok()) return decided.status();
      const bool put = decided->kind == MutationDecision::Kind::kPut;
      if (!IsLaterWrite(p, current_us, p.time_us, put ? &decided->new_item : nullptr)) {
        return Status::OK();
      }
      if (put) {
        p.result.new_size = model::ItemSize(decided->new_item);
        p.changes = p.is_put = true;
        p.result.new_item = std::move(decided->new_item);
      } else {
        p.changes = p.found;
        p.write_tombstone = !p.found;  // the item stays absent, deleted later
      }
      return Status::OK();
    }
    // A write made here is later than every version the item had, whatever the clocks of
    // the regions its versions came from said.
    p.time_us = std::max(p.time_us, current_us + 1);
  }
  auto decided = op.decide(p.result.old_item ? &*p.result.old_item : nullptr);
  if (!decided.ok()) return decided.status();
  MutationDecision decision = std::move(decided).value();
  if (decision.kind == MutationDecision::Kind::kPut) {
    p.result.new_size = model::ItemSize(decision.new_item);
    if (p.result.new_size > model::kMaxItemSize) {
      return Status::Validation("Item size has exceeded the maximum allowed size");
    }
    DDBD_RETURN_IF_ERROR(ValidateIndexKeys(*p.meta, decision.new_item));
    p.changes = p.is_put = true;
    p.result.new_item = std::move(decision.new_item);
  } else if (decision.kind == MutationDecision::Kind::kDelete && p.found) {
    p.changes = true;
  }
  return Status::OK();
}

// Adds the op's data, LSI entries and counters to `batch`; checks GSI capacity and the
// item-collection limit (`collections` accumulates this commit's growth per collection).
Status BuildWrite(Catalog& catalog, Prepared& p, bool metered,
                  std::map<std::string, int64_t>& collections, storage::WriteBatch* batch) {
  const TableMeta& meta = *p.meta;
  Table& table = *p.table;
  p.size_delta = -static_cast<int64_t>(p.result.old_size);
  if (p.is_put) {
    p.new_bytes = model::EncodeStoredItem(*p.result.new_item, p.time_us);
    batch->Put(table.data(), p.storage_key, p.new_bytes);
    p.size_delta += static_cast<int64_t>(p.result.new_size);
    if (!p.found) p.count_delta = 1;
    if (p.tombstone_us) batch->Delete(table.data(), TombstoneKey(p.storage_key));
  } else {
    batch->Delete(table.data(), p.storage_key);
    p.count_delta = -1;
    if (meta.replicated()) {
      std::string time;
      PutFixed64BE(&time, static_cast<uint64_t>(p.time_us));
      batch->Put(table.data(), TombstoneKey(p.storage_key), time);
    }
  }
  p.result.units.table = WriteUnits(std::max(p.result.old_size, p.result.new_size));
  // The expiry index of Time to Live changes with the item.
  AddTtlChanges(meta, table.data(), p.storage_key,
                p.result.old_item ? &*p.result.old_item : nullptr,
                p.is_put && p.result.new_item ? &*p.result.new_item : nullptr, batch);
  // Local secondary indexes: entries change in the same batch (synchronous, atomic).
  // Global ones are written by the GSI applier, but their capacity is checked and charged
  // here: a GSI out of write capacity throttles the table's writes.
  bool has_local = false;
  int64_t collection_delta = p.size_delta;
  for (const auto& index : meta.indexes) {
    double units = IndexWriteUnits(meta, index, p.result.old_item, p.result.new_item);
    if (index.global) {
      if (index.status == IndexStatus::kDeleting || units <= 0) continue;
      p.result.units.global_indexes[index.name] = units;
      PartitionMap* map = table.IndexPartitions(index.id);
      if (map == nullptr || !metered) continue;
      const model::Item& source = p.result.new_item ? *p.result.new_item : *p.result.old_item;
      const std::optional<model::AttributeValue> hash_value = IndexHashValue(index, source);
      uint64_t index_hash = hash_value ? storage::PartitionHash(*hash_value) : 0;
      if (auto admission = map->AdmitWrite(index_hash);
          admission != PartitionMap::Admission::kAdmitted) {
        map->NoteThrottledWrite(index_hash);
        if (hash_value) catalog.insights().Note(meta, index.name, *hash_value, nullptr, 0, true);
        return ThrottleError(meta, index.name, true, admission);
      }
      p.gsi_charges.push_back({map, {index_hash, units}});
      continue;
    }
    has_local = true;
    if (units > 0) p.result.units.local_indexes[index.name] = units;
    collection_delta += AddIndexChanges(meta, index, table.data(), table.table_id(),
                                        p.result.old_item, p.result.new_item, batch);
  }
  batch->AddStats(TableStatsKey(table.table_id()), p.count_delta, p.size_delta);
  batch->AddStats(Catalog::BucketStatsKey(table.table_id(), p.hash), p.count_delta, p.size_delta);
  if (has_local) {
    // Item collections (one partition key's items and LSI entries) are limited in size.
    const model::Item& source = p.result.new_item ? *p.result.new_item : *p.result.old_item;
    std::string collection_key =
        CollectionStatsKey(table.table_id(), source.at(table.hash_key().name));
    int64_t items = 0, bytes = 0;
    DDBD_RETURN_IF_ERROR(catalog.store()->GetStats(collection_key, &items, &bytes));
    int64_t& pending = collections[collection_key];
    if (collection_delta > 0 &&
        bytes + pending + collection_delta > catalog.item_collection_limit()) {
      return Status(ErrorCode::kItemCollectionSizeLimitExceeded,
                    "Item collection size limit exceeded for the partition key of this item");
    }
    pending += collection_delta;
    batch->AddStats(collection_key, p.count_delta, collection_delta);
    p.result.collection_size = bytes + pending;
  }
  return Status::OK();
}

// Contributor insights: the write's key on the table, and each GSI's key it wrote.
void NoteInsights(Catalog& catalog, const Prepared& p, const PrimaryKey& key) {
  const TableMeta& meta = *p.meta;
  if (meta.insights.empty()) return;
  catalog.insights().Note(meta, "", key.hash, key.range ? &*key.range : nullptr,
                          p.result.units.table, false);
  for (const auto& [name, units] : p.result.units.global_indexes) {
    const IndexMeta* index = meta.FindIndex(name);
    if (index == nullptr) continue;
    const model::Item& source = p.result.new_item ? *p.result.new_item : *p.result.old_item;
    const std::optional<model::AttributeValue> hash = IndexHashValue(*index, source);
    if (!hash) continue;
    const model::AttributeValue* sort = nullptr;
    if (index->range_key && index->more_range_keys.empty()) {
      auto r = source.find(index->range_key->name);
      if (r != source.end()) sort = &r->second;
    }
    catalog.insights().Note(meta, name, *hash, sort, units, false);
  }
}

}  // namespace

Result<std::vector<MutationResult>> Commit(Catalog& catalog, const std::vector<WriteOp>& ops,
                                           const CommitOptions& options,
                                           std::vector<Status>* op_statuses) {
  const size_t n = ops.size();
  if (op_statuses != nullptr) op_statuses->assign(n, Status::OK());
  std::vector<Prepared> prepared(n);
  auto fail = [&](size_t i, Status status) -> Status {
    if (op_statuses != nullptr) (*op_statuses)[i] = status;
    return status;
  };

  // Admission, before any lock: a throttled op fails the commit.
  for (size_t i = 0; i < n; ++i) {
    Prepared& p = prepared[i];
    p.table = ops[i].table;
    p.meta = p.table->shared_meta();
    p.storage_key = StorageKeyOf(ops[i].key);
    p.hash = storage::PartitionHash(ops[i].key.hash);
    if (options.service_write) continue;
    if (auto admission = p.table->partitions().AdmitWrite(p.hash);
        admission != PartitionMap::Admission::kAdmitted) {
      p.table->partitions().NoteThrottledWrite(p.hash);
      catalog.insights().Note(*p.meta, "", ops[i].key.hash,
                              ops[i].key.range ? &*ops[i].key.range : nullptr, 0, true);
      return fail(i, ThrottleError(*p.meta, "", true, admission));
    }
  }
  if (n > 1) {
    std::set<std::pair<const Table*, std::string_view>> seen;
    for (size_t i = 0; i < n; ++i) {
      if (!seen.emplace(prepared[i].table, prepared[i].storage_key).second) {
        return fail(i, Status::Validation(
                           "Transaction request cannot include multiple operations on one item"));
      }
    }
  }

  // Conflicts, as the service has them: a transaction meeting an item another transaction
  // holds is cancelled; a single write meeting one fails. Holds end with this call.
  const auto holder =
      options.transactional ? ItemHolds::Holder::kTransaction : ItemHolds::Holder::kWrite;
  std::vector<uint64_t> key_hashes(n);
  size_t held = 0;
  struct HoldRelease {
    std::vector<Prepared>& prepared;
    std::vector<uint64_t>& hashes;
    size_t& held;
    ItemHolds::Holder holder;
    ~HoldRelease() {
      for (size_t i = 0; i < held; ++i) prepared[i].table->holds().Release(hashes[i], holder);
    }
  } release{prepared, key_hashes, held, holder};
  for (size_t i = 0; i < n; ++i) {
    key_hashes[i] = StableHash64(prepared[i].storage_key);
    const bool check = options.transactional || options.fail_on_conflict;
    if (!prepared[i].table->holds().Acquire(key_hashes[i], holder, check)) {
      return fail(i, options.transactional
                         ? TransactionConflict()
                         : Status(ErrorCode::kTransactionConflict,
                                  "Operation was rejected because there is an ongoing "
                                  "transaction for the item"));  // message unverified
    }
    ++held;
  }

  auto stripe = [&](size_t i) { return &prepared[i].table->locks().For(key_hashes[i]); };
  std::vector<std::mutex*> stripes;
  if (n > 1) {
    for (size_t i = 0; i < n; ++i) stripes.push_back(stripe(i));
  }
  OrderedLocks item_locks = n == 1 ? OrderedLocks(stripe(0)) : OrderedLocks(std::move(stripes));
  if (options.transactional && catalog.options().transaction_delay_ms > 0) {
    // Test hook: the transaction is in flight (its items held and locked) for a while.
    std::this_thread::sleep_for(std::chrono::milliseconds(catalog.options().transaction_delay_ms));
  }

  // Prepare: read, decide, and build the batch. Every op is decided, so that callers that
  // report each op's outcome (transactions) see them all.
  Status first_error;
  size_t first_failed = n;
  const int64_t now_us = catalog.clock().NowMicros();
  for (size_t i = 0; i < n; ++i) {
    Status s = ReadAndDecide(catalog, ops[i], prepared[i], options.write_time_us.value_or(now_us));
    if (s.ok()) continue;
    if (op_statuses != nullptr) (*op_statuses)[i] = s;
    if (first_failed == n) {
      first_failed = i;
      first_error = s;
    }
  }
  if (first_failed != n) {
    // A failed condition still consumes write capacity, as on the service.
    for (size_t i = 0; i < n; ++i) {
      if (op_statuses != nullptr
              ? (*op_statuses)[i].code() == ErrorCode::kConditionalCheckFailed
              : i == first_failed && first_error.code() == ErrorCode::kConditionalCheckFailed) {
        prepared[i].table->partitions().ChargeWrite(prepared[i].hash,
                                                    WriteUnits(prepared[i].result.old_size));
      }
    }
    return first_error;
  }

  storage::WriteBatch batch;
  for (const auto& [key, value] : options.catalog_puts) {
    batch.Put(catalog.store()->catalog(), key, value);
  }
  if (options.add_to_batch) options.add_to_batch(&batch);
  std::map<std::string, int64_t> collections;
  // The tables this commit changes (in the global lock order of their logs).
  std::vector<Table*> tables;
  for (size_t i = 0; i < n; ++i) {
    Prepared& p = prepared[i];
    if (p.write_tombstone) {
      std::string time;
      PutFixed64BE(&time, static_cast<uint64_t>(p.time_us));
      batch.Put(p.table->data(), TombstoneKey(p.storage_key), time);
    }
    if (!p.changes) continue;
    if (Status s = BuildWrite(catalog, p, !options.service_write, collections, &batch); !s.ok()) {
      return fail(i, s);
    }
    tables.push_back(p.table);
  }
  auto by_log = [](const Table* a, const Table* b) { return &a->log() < &b->log(); };
  std::sort(tables.begin(), tables.end(), by_log);
  tables.erase(std::unique(tables.begin(), tables.end()), tables.end());

  if (tables.empty() && !batch.empty()) {
    DDBD_RETURN_IF_ERROR(catalog.store()->Write(&batch));  // only the catalog entries
  }
  if (!tables.empty()) {
    std::vector<std::mutex*> commit_mutexes;
    if (tables.size() > 1) {
      for (Table* table : tables) commit_mutexes.push_back(&table->log().commit_mutex());
    }
    OrderedLocks commit_locks = tables.size() == 1 ? OrderedLocks(&tables[0]->log().commit_mutex())
                                                   : OrderedLocks(std::move(commit_mutexes));
    // One record per changed item, numbered per table in op order.
    std::vector<uint64_t> next(tables.size());
    for (size_t t = 0; t < tables.size(); ++t) next[t] = tables[t]->log().next_sequence();
    changelog::RecordInfo info{0, options.origin, options.origin_detail,
                               options.principal.access_key, options.principal.account};
    for (Prepared& p : prepared) {
      if (!p.changes) continue;
      info.time_us = p.time_us;
      size_t t = std::lower_bound(tables.begin(), tables.end(), p.table, by_log) - tables.begin();
      p.table->log().Append(
          &batch, next[t]++,
          changelog::EncodeRecord(info, p.storage_key, p.found ? &p.old_bytes : nullptr,
                                  p.is_put ? &p.new_bytes : nullptr));
    }
    DDBD_RETURN_IF_ERROR(catalog.store()->Write(&batch));
    for (size_t t = 0; t < tables.size(); ++t) tables[t]->log().Published(next[t] - 1);
  }

  // Capacity and counters, after the commit.
  std::vector<MutationResult> results;
  results.reserve(n);
  // Transactions cost twice the units of the same writes outside one.
  const double factor = options.transactional ? 2 : 1;
  for (Prepared& p : prepared) {
    if (options.service_write) {
      // The service's own writes consume no capacity.
      if (p.changes) p.table->partitions().AddContent(p.hash, p.count_delta, p.size_delta);
      p.result.units = ConsumedUnits();
      results.push_back(std::move(p.result));
      continue;
    }
    if (!p.changes) {
      p.result.units.table = factor * WriteUnits(p.result.old_size);
      p.table->partitions().ChargeWrite(p.hash, p.result.units.table);
      results.push_back(std::move(p.result));
      continue;
    }
    if (factor != 1) {
      p.result.units.table *= factor;
      for (auto* group : {&p.result.units.local_indexes, &p.result.units.global_indexes}) {
        for (auto& [name, units] : *group) units *= factor;
      }
      for (auto& [map, charge] : p.gsi_charges) charge.second *= factor;
    }
    // LSI writes consume the table's write capacity.
    double local_units = 0;
    for (const auto& [name, units] : p.result.units.local_indexes) local_units += units;
    p.table->partitions().ChargeWrite(p.hash, p.result.units.table + local_units);
    for (const auto& [map, charge] : p.gsi_charges) map->ChargeWrite(charge.first, charge.second);
    p.table->partitions().AddContent(p.hash, p.count_delta, p.size_delta);
    NoteInsights(catalog, p, ops[&p - prepared.data()].key);
    results.push_back(std::move(p.result));
  }
  for (Table* table : tables) {
    catalog.MaybeSplit(*table);
    if (table->shared_meta()->HasLogConsumers()) catalog.notifier().Notify(table->table_id());
  }
  return results;
}

Status BatchedCommitter::Add(WriteOp op) {
  ops_.push_back(std::move(op));
  return ops_.size() >= chunk_ ? Flush() : Status::OK();
}

Status BatchedCommitter::Flush() {
  if (ops_.empty()) return Status::OK();
  DDBD_RETURN_IF_ERROR(Commit(catalog_, ops_, options_).status());
  progress_.done += static_cast<int64_t>(ops_.size());
  Publish();
  ops_.clear();
  return Status::OK();
}

void BatchedCommitter::Publish() { catalog_.jobs().Update(job_, progress_); }

}  // namespace ddbd::engine
