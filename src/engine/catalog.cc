#include "engine/catalog.h"

#include <set>

#include "common/coding.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "engine/streams.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

constexpr char kTablePrefix[] = "table/";
constexpr char kNextKeyPrefixKey[] = "next-key-prefix";
constexpr char kKeptPrefix[] = "kept-prefix/";  // + u64 BE key prefix number

constexpr size_t kUuidLength = 36;

// Families of tables from before the shared layout.
std::string DataFamily(const std::string& table_id) { return "d-" + table_id; }
std::string LogFamily(const std::string& table_id) { return "l-" + table_id; }
std::string IndexFamilyName(const std::string& table_id, uint32_t index_id) {
  return "x-" + table_id + "-" + std::to_string(index_id);
}

// Key prefixes of the shared layout (docs/formats/key-encoding.md, "Layout").
std::string TablePrefix(uint64_t key_prefix) {
  std::string out;
  PutFixed64BE(&out, key_prefix);
  return out;
}
std::string IndexPrefix(uint64_t key_prefix, uint32_t index_id) {
  std::string out = TablePrefix(key_prefix);
  PutFixed32BE(&out, index_id);
  return out;
}

std::string U64(uint64_t v) {
  std::string out;
  PutFixed64BE(&out, v);
  return out;
}

std::string PartitionsKey(const std::string& table_id) { return "partitions/" + table_id; }
// Cursor keys of GSIs from before the change-log module (read once, then moved).
std::string LegacyGsiCursorKey(const std::string& table_id, uint32_t index_id) {
  return "gsi-cursor/" + table_id + "/" + std::to_string(index_id);
}

// Adds to `batch` the deletion of everything a table keeps outside its key spaces: counters,
// partition boundaries, GSI progress and cursors, change-log bookkeeping.
void DeleteTableBookkeeping(storage::Store* store, const Table& table, storage::WriteBatch* batch) {
  const std::string& id = table.table_id();
  for (const std::string& prefix : {id, "pb/" + id + "/", "coll/" + id + "/"}) {
    batch->DeleteRange(store->stats(), prefix, storage::PrefixEnd(prefix));
  }
  batch->Delete(store->catalog(), PartitionsKey(id));
  for (const std::string& prefix : {"gsi-backfill/" + id + "/", "gsi-cursor/" + id + "/"}) {
    batch->DeleteRange(store->catalog(), prefix, storage::PrefixEnd(prefix));
  }
  table.log().DeleteAll(batch);
}

// Adds the deletion of a shared-layout table's key spaces to `batch`.
// With `keep_items`, the items space stays (a backup took it over) but for its LSI and expiry
// index entries.
void DeleteTableSpaces(storage::Store* store, uint64_t key_prefix, storage::WriteBatch* batch,
                       bool keep_items = false) {
  const std::string prefix = TablePrefix(key_prefix);
  for (const char* family :
       {storage::kItemsFamily, storage::kIndexesFamily, storage::kChangesFamily}) {
    if (keep_items && family == storage::kItemsFamily) {
      // Index id 0 (the items) stays; every other index id goes.
      std::string begin = prefix;
      PutFixed32BE(&begin, 1);
      batch->DeleteRange(store->shared(family), begin, storage::PrefixEnd(prefix));
      continue;
    }
    batch->DeleteRange(store->shared(family), prefix, storage::PrefixEnd(prefix));
  }
}

}  // namespace

std::string TableStatsKey(const std::string& table_id) { return table_id; }
std::string IndexStatsKey(const std::string& table_id, uint32_t index_id) {
  return table_id + "/" + std::to_string(index_id);
}
std::string GsiConsumer(uint32_t index_id) { return "gsi/" + std::to_string(index_id); }
std::string GsiBackfillKey(const std::string& table_id, uint32_t index_id) {
  return "gsi-backfill/" + table_id + "/" + std::to_string(index_id);
}

bool ItemHolds::Acquire(uint64_t key_hash, Holder holder, bool check) {
  std::lock_guard lock(mu_);
  for (const auto& [hash, kind] : holds_) {
    if (check && hash == key_hash && kind == Holder::kTransaction) return false;
  }
  holds_.emplace_back(key_hash, holder);
  return true;
}

void ItemHolds::Release(uint64_t key_hash, Holder holder) {
  std::lock_guard lock(mu_);
  for (auto it = holds_.begin(); it != holds_.end(); ++it) {
    if (it->first == key_hash && it->second == holder) {
      *it = holds_.back();
      holds_.pop_back();
      return;
    }
  }
}

bool ItemHolds::Held(uint64_t key_hash) const {
  std::lock_guard lock(mu_);
  for (const auto& [hash, kind] : holds_) {
    if (hash == key_hash) return true;
  }
  return false;
}

Table::Table(storage::Store* store, TableMeta meta, storage::KeySpace data,
             std::unique_ptr<changelog::TableLog> log, const Clock* clock)
    : store_(store),
      clock_(clock),
      name_(meta.name),
      table_id_(meta.table_id),
      key_prefix_(meta.key_prefix),
      hash_key_(meta.hash_key),
      range_key_(meta.range_key),
      data_(std::move(data)),
      log_(std::move(log)),
      meta_(std::make_shared<const TableMeta>(std::move(meta))) {
  for (const auto& setting : meta_->insights) insights_on_ = insights_on_ || setting.enabled;
  restoring_ = meta_->restore.in_progress;
}

Table::~Table() {
  if (!legacy_layout()) {
    if (!dropped_) return;
    // Last reference of a deleted table: Catalog::Drop deleted its data already; this catches
    // what requests still in flight then wrote.
    storage::WriteBatch batch;
    DeleteTableSpaces(store_, key_prefix_, &batch, keep_items_);
    DeleteTableBookkeeping(store_, *this, &batch);
    if (!store_->Write(&batch).ok()) {
      DDBD_LOG_ERROR("catalog: could not delete the data of table {}", table_id_);
    }
    return;
  }
  std::vector<storage::ColumnFamily*> doomed;
  for (const auto& space : retired_spaces_) doomed.push_back(space.cf);
  if (dropped_) {
    doomed.push_back(data_.cf);
    doomed.push_back(log_->space().cf);
    for (const auto& [id, space] : index_spaces_) doomed.push_back(space.cf);
  }
  for (auto* cf : doomed) {
    if (!store_->DropColumnFamily(cf).ok()) {
      DDBD_LOG_ERROR("catalog: could not drop a column family of table {}", table_id_);
    }
  }
}

std::optional<storage::KeySpace> Table::IndexSpace(uint32_t index_id) const {
  std::lock_guard lock(mu_);
  auto it = index_spaces_.find(index_id);
  if (it == index_spaces_.end()) return std::nullopt;
  return it->second;
}

void Table::SetIndexSpace(uint32_t index_id, storage::KeySpace space) {
  std::lock_guard lock(mu_);
  index_spaces_[index_id] = std::move(space);
}

void Table::RetireIndexSpace(uint32_t index_id) {
  std::lock_guard lock(mu_);
  auto it = index_spaces_.find(index_id);
  if (it == index_spaces_.end()) return;
  retired_spaces_.push_back(it->second);
  index_spaces_.erase(it);
}

std::vector<storage::KeySpace> Table::TakeRetiredIndexSpaces() {
  std::lock_guard lock(mu_);
  if (legacy_layout()) return {};  // families of their own: dropped with the table
  return std::exchange(retired_spaces_, {});
}

TableMeta Table::meta() const {
  std::lock_guard lock(mu_);
  return *meta_;
}

std::shared_ptr<const TableMeta> Table::shared_meta() const {
  std::lock_guard lock(mu_);
  return meta_;
}

void Table::SetMeta(TableMeta meta) {
  std::lock_guard lock(mu_);
  bool insights_on = false;
  for (const auto& setting : meta.insights) insights_on |= setting.enabled;
  insights_on_.store(insights_on, std::memory_order_relaxed);
  restoring_.store(meta.restore.in_progress, std::memory_order_release);
  meta_ = std::make_shared<const TableMeta>(std::move(meta));
}

PartitionMap* Table::IndexPartitions(uint32_t index_id) const {
  std::lock_guard lock(mu_);
  auto it = index_partitions_.find(index_id);
  return it == index_partitions_.end() ? nullptr : it->second.get();
}

void Table::ConfigureCapacity(bool throttling, double burst_seconds) {
  TableMeta m = meta();
  bool provisioned = m.billing_mode == BillingMode::kProvisioned;
  // Enough partitions for the capacity and for the warm throughput.
  size_t needed =
      std::max(PartitionMap::InitialPartitions(provisioned, m.read_capacity, m.write_capacity),
               PartitionMap::InitialPartitions(true, m.warm_read, m.warm_write));
  if (!partitions_) {
    partitions_ = std::make_unique<PartitionMap>(PartitionMap::EvenStarts(needed), clock_);
  }
  partitions_->EnsurePartitions(needed);
  partitions_->Configure(provisioned, m.read_capacity, m.write_capacity, throttling, burst_seconds);
  partitions_->SetMaximums(provisioned ? -1 : m.max_read_request_units,
                           provisioned ? -1 : m.max_write_request_units);
  std::lock_guard lock(mu_);
  for (const auto& index : m.indexes) {
    if (!index.global) continue;
    auto& map = index_partitions_[index.id];
    if (!map) {
      map = std::make_shared<PartitionMap>(
          PartitionMap::EvenStarts(PartitionMap::InitialPartitions(provisioned, index.read_capacity,
                                                                   index.write_capacity)),
          clock_);
    }
    map->EnsurePartitions(PartitionMap::InitialPartitions(true, index.warm_read, index.warm_write));
    map->Configure(provisioned, index.read_capacity, index.write_capacity, throttling,
                   burst_seconds);
  }
}

std::string Catalog::BucketStatsKey(const std::string& table_id, uint64_t hash) {
  std::string key = "pb/" + table_id + "/";
  uint16_t bucket = static_cast<uint16_t>(hash >> 52);
  key.push_back(static_cast<char>(bucket >> 8));
  key.push_back(static_cast<char>(bucket & 0xFF));
  return key;
}

Status Catalog::LoadPartitions(Table& table) {
  std::string value;
  bool found = false;
  DDBD_RETURN_IF_ERROR(
      store_->Get(store_->catalog(), PartitionsKey(table.table_id()), &value, &found));
  if (found && value.size() % 8 == 0 && !value.empty()) {
    std::vector<uint64_t> starts;
    for (size_t i = 0; i < value.size(); i += 8) starts.push_back(DecodeFixed64BE(&value[i]));
    table.SetPartitionsForLoad(std::make_unique<PartitionMap>(std::move(starts), options_.clock));
  }
  table.ConfigureCapacity(options_.throttling, options_.burst_seconds);
  DDBD_ASSIGN_OR_RETURN(auto buckets, store_->StatsWithPrefix("pb/" + table.table_id() + "/"));
  for (const auto& bucket : buckets) {
    if (bucket.key.size() < 2) continue;
    uint64_t b =
        (static_cast<uint64_t>(static_cast<unsigned char>(bucket.key[bucket.key.size() - 2]))
         << 8) |
        static_cast<unsigned char>(bucket.key.back());
    table.partitions().AddContent(b << 52, bucket.a, bucket.b);
  }
  return Status::OK();
}

void Catalog::MaybeSplit(Table& table) {
  if (!table.partitions().MaybeSplit(options_.partition_split_bytes)) return;
  PersistPartitions(table);
  // A stream's shards follow the partitions.
  if (Status s = SyncShards(*this, table); !s.ok()) {
    DDBD_LOG_ERROR("table {}: stream shards after a split: {}", table.name(), s.ToString());
  }
}

void Catalog::PersistPartitions(Table& table) {
  std::string value;
  for (uint64_t start : table.partitions().starts()) PutFixed64BE(&value, start);
  storage::WriteBatch batch;
  batch.Put(store_->catalog(), PartitionsKey(table.table_id()), value);
  if (!store_->Write(&batch).ok()) {
    DDBD_LOG_ERROR("catalog: could not persist the partitions of table {}", table.name());
  }
  DDBD_LOG_INFO("table {}: split to {} partitions", table.name(), table.partitions().size());
}

std::string Catalog::CatalogKey(const TableMeta& meta) {
  std::string key = kTablePrefix;
  key += meta.account;
  key.push_back('\0');
  key += meta.region;
  key.push_back('\0');
  key += meta.name;
  return key;
}

Result<std::shared_ptr<Table>> Catalog::Load(TableMeta meta) {
  storage::KeySpace data, log_space;
  std::map<uint32_t, storage::KeySpace> gsi_spaces;
  if (meta.key_prefix == 0) {
    // A table from before the shared layout: families of its own, keys without a prefix.
    DDBD_ASSIGN_OR_RETURN(data.cf, store_->CreateColumnFamily(DataFamily(meta.table_id)));
    DDBD_ASSIGN_OR_RETURN(log_space.cf, store_->CreateColumnFamily(LogFamily(meta.table_id)));
    for (const auto& index : meta.indexes) {
      if (!index.global) continue;
      DDBD_ASSIGN_OR_RETURN(auto* cf,
                            store_->CreateColumnFamily(IndexFamilyName(meta.table_id, index.id)));
      gsi_spaces[index.id] = storage::KeySpace{cf, ""};
    }
  } else {
    DDBD_RETURN_IF_ERROR(store_->EnsureSharedFamilies());
    data = storage::KeySpace{store_->shared(storage::kItemsFamily), TablePrefix(meta.key_prefix)};
    log_space =
        storage::KeySpace{store_->shared(storage::kChangesFamily), TablePrefix(meta.key_prefix)};
    for (const auto& index : meta.indexes) {
      if (!index.global) continue;
      gsi_spaces[index.id] = storage::KeySpace{store_->shared(storage::kIndexesFamily),
                                               IndexPrefix(meta.key_prefix, index.id)};
    }
  }
  DDBD_ASSIGN_OR_RETURN(auto log,
                        changelog::TableLog::Open(store_, std::move(log_space), meta.table_id));
  auto table = std::make_shared<Table>(store_, std::move(meta), std::move(data), std::move(log),
                                       options_.clock);
  for (auto& [id, space] : gsi_spaces) table->SetIndexSpace(id, std::move(space));
  return table;
}

Result<std::unique_ptr<Catalog>> Catalog::Open(storage::Store* store, CatalogOptions options) {
  std::unique_ptr<Catalog> catalog(new Catalog(store, options));
  std::string value;
  bool found = false;
  DDBD_RETURN_IF_ERROR(store->Get(store->catalog(), kNextKeyPrefixKey, &value, &found));
  if (found && value.size() == 8) catalog->next_key_prefix_ = DecodeFixed64BE(value.data());
  auto it = store->NewIterator(store->catalog(), kTablePrefix, "table0");
  for (it->Seek(kTablePrefix); it->Valid(); it->Next()) {
    TableMeta meta;
    if (!DecodeTableMeta(it->value(), &meta)) {
      return Status::Internal("corrupt table descriptor in catalog");
    }
    Key key{meta.account, meta.region, meta.name};
    DDBD_ASSIGN_OR_RETURN(auto table, catalog->Load(std::move(meta)));
    DDBD_RETURN_IF_ERROR(catalog->LoadPartitions(*table));
    DDBD_RETURN_IF_ERROR(catalog->UpgradeGsiCursors(*table));
    catalog->tables_[key] = std::move(table);
  }
  DDBD_RETURN_IF_ERROR(it->status());
  DDBD_RETURN_IF_ERROR(catalog->CollectOrphans());
  DDBD_RETURN_IF_ERROR(catalog->global_tables_.Load(store));
  return catalog;
}

Status Catalog::CollectOrphans() {
  std::set<std::string> live_ids;
  std::set<std::string> live_prefixes;  // table prefixes, and table + GSI prefixes
  for (const auto& [k, table] : tables_) {
    const TableMeta meta = table->meta();
    live_ids.insert(meta.table_id);
    if (meta.key_prefix == 0) continue;
    live_prefixes.insert(TablePrefix(meta.key_prefix));
    for (const auto& index : meta.indexes) {
      if (index.global) live_prefixes.insert(IndexPrefix(meta.key_prefix, index.id));
    }
  }
  // Items spaces that backups own.
  {
    auto it = store_->NewIterator(store_->catalog(), kKeptPrefix, storage::PrefixEnd(kKeptPrefix));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      if (it->key().size() != sizeof(kKeptPrefix) - 1 + 8) continue;
      live_prefixes.insert(
          TablePrefix(DecodeFixed64BE(it->key().data() + sizeof(kKeptPrefix) - 1)));
    }
    DDBD_RETURN_IF_ERROR(it->status());
  }
  // Shared families: one seek per distinct prefix.
  storage::WriteBatch batch;
  size_t orphans = 0;
  for (const char* family :
       {storage::kItemsFamily, storage::kIndexesFamily, storage::kChangesFamily}) {
    storage::ColumnFamily* cf = store_->shared(family);
    if (cf == nullptr) continue;  // no table of the shared layout yet
    const size_t width = family == storage::kIndexesFamily ? 12 : 8;
    auto it = store_->NewIterator(cf, "", "");
    it->SeekToFirst();
    while (it->Valid()) {
      std::string prefix(it->key().substr(0, std::min(width, it->key().size())));
      if (!live_prefixes.count(prefix)) {
        batch.DeleteRange(cf, prefix, storage::PrefixEnd(prefix));
        ++orphans;
      }
      it->Seek(storage::PrefixEnd(prefix));
    }
    DDBD_RETURN_IF_ERROR(it->status());
  }
  if (orphans > 0) {
    DDBD_LOG_INFO("catalog: deleting {} key ranges of dropped tables and indexes", orphans);
    DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  }
  // Families of tables from before the shared layout, left behind by a crash between catalog
  // delete and drop.
  for (const auto& name : store_->ColumnFamilyNames()) {
    std::string id = name.size() > 2 ? name.substr(2, kUuidLength) : "";
    bool used = false;
    for (const auto& [k, table] : tables_) {
      if (table->table_id() != id || !table->legacy_layout()) continue;
      used = name[0] != 'x';
      for (const auto& index : table->meta().indexes) {
        used |= index.global && name == IndexFamilyName(id, index.id);
      }
    }
    if (!used) {
      if (auto* cf = store_->Find(name)) DDBD_RETURN_IF_ERROR(store_->DropColumnFamily(cf));
    }
  }
  return Status::OK();
}

Status Catalog::UpgradeGsiCursors(Table& table) {
  const TableMeta meta = table.meta();
  changelog::TableLog& log = table.log();
  storage::WriteBatch batch;
  std::vector<uint32_t> broken;
  for (const auto& index : meta.indexes) {
    if (!index.global) continue;
    DDBD_ASSIGN_OR_RETURN(auto cursor, log.Cursor(GsiConsumer(index.id)));
    if (!cursor) {
      std::string value;
      bool found = false;
      const std::string legacy = LegacyGsiCursorKey(meta.table_id, index.id);
      DDBD_RETURN_IF_ERROR(store_->Get(store_->catalog(), legacy, &value, &found));
      if (found && value.size() == 8) {
        cursor = DecodeFixed64BE(value.data());
      } else {
        cursor = index.backfilling ? index.backfill_start_sequence - 1 : 0;
      }
      log.SetCursor(&batch, GsiConsumer(index.id), *cursor);
      batch.Delete(store_->catalog(), legacy);
    }
    // A cursor ahead of the log: the log restarted its sequence numbers after a full trim
    // (before the durable high-water mark existed) and the index missed writes since.
    if (*cursor > log.last_sequence() && !index.backfilling) broken.push_back(index.id);
  }
  if (!batch.empty()) DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  for (uint32_t id : broken) {
    DDBD_LOG_WARN(
        "table {}: global secondary index {} is behind a restarted change log; "
        "rebuilding it",
        meta.name, id);
    auto space = table.IndexSpace(id);
    DDBD_RETURN_IF_ERROR(Modify(table, [&](TableMeta* m, storage::WriteBatch* b) -> Status {
                           for (auto& index : m->indexes) {
                             if (!index.global || index.id != id) continue;
                             index.status = IndexStatus::kCreating;
                             index.backfilling = true;
                             index.backfill_start_sequence = log.last_sequence() + 1;
                           }
                           if (space) {
                             b->DeleteRange(*space, storage::IndexLowerBound(storage::kBaseIndexId),
                                            storage::IndexUpperBound(storage::kBaseIndexId));
                           }
                           b->Delete(store_->stats(), IndexStatsKey(m->table_id, id));
                           b->Delete(store_->catalog(), GsiBackfillKey(m->table_id, id));
                           log.SetCursor(b, GsiConsumer(id), log.last_sequence());
                           return Status::OK();
                         }).status());
  }
  return Status::OK();
}

Result<std::shared_ptr<Table>> Catalog::Create(TableMeta meta) {
  std::lock_guard lock(mu_);
  Key key{meta.account, meta.region, meta.name};
  if (tables_.count(key)) {
    return Status::ResourceInUse("Table already exists: " + meta.name);
  }
  meta.table_id = NewUuid();
  meta.creation_time_ms = options_.clock->NowMillis();
  meta.key_prefix = next_key_prefix_;
  RaiseWarmThroughput(&meta);
  DDBD_RETURN_IF_ERROR(store_->EnsureSharedFamilies());
  storage::WriteBatch batch;
  batch.Put(store_->catalog(), CatalogKey(meta), EncodeTableMeta(meta));
  batch.Put(store_->catalog(), kNextKeyPrefixKey, U64(next_key_prefix_ + 1));
  DDBD_ASSIGN_OR_RETURN(auto table, Load(meta));
  // Each GSI follows the log from its first record.
  for (const auto& index : meta.indexes) {
    if (index.global) table->log().SetCursor(&batch, GsiConsumer(index.id), 0);
  }
  DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  ++next_key_prefix_;
  table->ConfigureCapacity(options_.throttling, options_.burst_seconds);
  tables_[key] = table;
  return table;
}

std::shared_ptr<Table> Catalog::Find(const std::string& account, const std::string& region,
                                     const std::string& name) const {
  auto table = FindAny(account, region, name);
  return table && !table->restoring() ? table : nullptr;
}

std::shared_ptr<Table> Catalog::FindAny(const std::string& account, const std::string& region,
                                        const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find(Key{account, region, name});
  return it == tables_.end() ? nullptr : it->second;
}

uint64_t Catalog::AllocateKeyPrefix(storage::WriteBatch* batch) {
  std::lock_guard lock(mu_);
  const uint64_t prefix = next_key_prefix_++;
  batch->Put(store_->catalog(), kNextKeyPrefixKey, U64(next_key_prefix_));
  return prefix;
}

std::string Catalog::KeptPrefixKey(uint64_t prefix) {
  std::string key = kKeptPrefix;
  PutFixed64BE(&key, prefix);
  return key;
}

storage::KeySpace Catalog::ItemsSpace(uint64_t prefix) const {
  return storage::KeySpace{store_->shared(storage::kItemsFamily), TablePrefix(prefix)};
}

Result<TableMeta> Catalog::Drop(const std::string& account, const std::string& region,
                                const std::string& name, const DropHook& also) {
  bool keep_items = false;
  std::shared_ptr<Table> table;
  {
    std::lock_guard lock(mu_);
    auto it = tables_.find(Key{account, region, name});
    if (it == tables_.end()) {
      return Status::ResourceNotFound("Requested resource not found: Table: " + name +
                                      " not found");
    }
    table = it->second;
    TableMeta meta = table->meta();
    storage::WriteBatch batch;
    batch.Delete(store_->catalog(), CatalogKey(meta));
    if (also) {
      DDBD_ASSIGN_OR_RETURN(keep_items, also(meta, &batch));
      keep_items = keep_items && meta.key_prefix != 0;
    }
    if (meta.key_prefix != 0) {
      // The descriptor and the data go in one batch: a crash leaves neither behind.
      DeleteTableSpaces(store_, meta.key_prefix, &batch, keep_items);
      DeleteTableBookkeeping(store_, *table, &batch);
    }
    DDBD_RETURN_IF_ERROR(store_->Write(&batch));
    tables_.erase(it);
  }
  table->MarkDropped(keep_items);
  return table->meta();
}

std::vector<std::string> Catalog::List(const std::string& account, const std::string& region,
                                       const std::string& exclusive_start, size_t limit,
                                       bool* more) const {
  std::lock_guard lock(mu_);
  std::vector<std::string> names;
  *more = false;
  auto it = tables_.upper_bound(Key{account, region, exclusive_start});
  for (; it != tables_.end(); ++it) {
    const auto& [acct, reg, name] = it->first;
    if (acct != account || reg != region) break;
    if (names.size() == limit) {
      *more = true;
      break;
    }
    names.push_back(name);
  }
  return names;
}

Result<TableMeta> Catalog::Modify(Table& table, const MetaChange& change) {
  TableMeta meta;
  bool split = false;
  {
    std::lock_guard lock(modify_mu_);
    meta = table.meta();
    storage::WriteBatch batch;
    DDBD_RETURN_IF_ERROR(change(&meta, &batch));
    RaiseWarmThroughput(&meta);
    if (modify_hook_) modify_hook_(meta);
    batch.Put(store_->catalog(), CatalogKey(meta), EncodeTableMeta(meta));
    DDBD_RETURN_IF_ERROR(store_->Write(&batch));
    table.SetMeta(meta);
    size_t before = table.partitions().size();
    table.ConfigureCapacity(options_.throttling, options_.burst_seconds);
    split = table.partitions().size() != before;
    if (split) PersistPartitions(table);
  }
  if (split && meta.EnabledStream() != nullptr) {
    DDBD_RETURN_IF_ERROR(SyncShards(*this, table));
    meta = table.meta();
  }
  return meta;
}

Result<TableMeta> Catalog::Modify(Table& table, const std::function<Status(TableMeta*)>& change) {
  return Modify(table,
                MetaChange([&](TableMeta* meta, storage::WriteBatch*) { return change(meta); }));
}

TableStats Catalog::Stats(const Table& table) const {
  TableStats stats;
  if (!store_->GetStats(TableStatsKey(table.table_id()), &stats.item_count, &stats.size_bytes)
           .ok()) {
    return TableStats();
  }
  return stats;
}

TableStats Catalog::IndexStats(const Table& table, uint32_t index_id) const {
  TableStats stats;
  if (!store_
           ->GetStats(IndexStatsKey(table.table_id(), index_id), &stats.item_count,
                      &stats.size_bytes)
           .ok()) {
    return TableStats();
  }
  return stats;
}

std::vector<std::shared_ptr<Table>> Catalog::AllTables() const {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<Table>> out;
  for (const auto& [key, table] : tables_) out.push_back(table);
  return out;
}

Status Catalog::AddIndexSpace(Table& table, uint32_t index_id) {
  if (table.legacy_layout()) {
    DDBD_ASSIGN_OR_RETURN(auto* cf,
                          store_->CreateColumnFamily(IndexFamilyName(table.table_id(), index_id)));
    table.SetIndexSpace(index_id, storage::KeySpace{cf, ""});
    return Status::OK();
  }
  table.SetIndexSpace(index_id, storage::KeySpace{store_->shared(storage::kIndexesFamily),
                                                  IndexPrefix(table.meta().key_prefix, index_id)});
  return Status::OK();
}

void Catalog::SetGsiBarrier(GsiBarrier barrier) {
  std::lock_guard<std::mutex> lock(gsi_barrier_mu_);
  gsi_barrier_ = barrier ? std::make_shared<const GsiBarrier>(std::move(barrier)) : nullptr;
}

void Catalog::WaitForGsi(const Table& table, uint32_t index_id) const {
  std::shared_ptr<const GsiBarrier> barrier;
  {
    std::lock_guard<std::mutex> lock(gsi_barrier_mu_);
    barrier = gsi_barrier_;
  }
  if (barrier) (*barrier)(table, index_id, table.log().last_sequence());
}

}  // namespace ddbd::engine
