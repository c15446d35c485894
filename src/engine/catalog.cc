#include "engine/catalog.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "common/coding.h"
#include "common/logging.h"

namespace ddbd::engine {
namespace {

constexpr char kTablePrefix[] = "table/";

constexpr size_t kUuidLength = 36;

std::string DataFamily(const std::string& table_id) { return "d-" + table_id; }
std::string LogFamily(const std::string& table_id) { return "l-" + table_id; }

std::string NewUuid() {
  static thread_local std::mt19937_64 rng{std::random_device{}()};
  uint64_t a = rng(), b = rng();
  a = (a & 0xFFFFFFFFFFFF0FFFULL) | 0x0000000000004000ULL;  // version 4
  b = (b & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // variant 1
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(a >> 32),
                static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFFF),
                static_cast<unsigned>(b >> 48),
                static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
  return buf;
}

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// The next change-log sequence number: one past the last record in the log family.
uint64_t NextSequenceOf(storage::Store* store, storage::ColumnFamily* log) {
  auto it = store->NewIterator(log, "", "");
  it->SeekForPrev(std::string(8, '\xFF'));
  if (!it->Valid() || it->key().size() < 8) return 1;
  return DecodeFixed64BE(it->key().data()) + 1;
}

}  // namespace

std::string TableStatsKey(const std::string& table_id) { return table_id; }
std::string IndexStatsKey(const std::string& table_id, uint32_t index_id) {
  return table_id + "/" + std::to_string(index_id);
}
std::string IndexFamilyName(const std::string& table_id, uint32_t index_id) {
  return "x-" + table_id + "-" + std::to_string(index_id);
}

Table::Table(storage::Store* store, TableMeta meta, storage::ColumnFamily* data,
             storage::ColumnFamily* log, uint64_t next_sequence)
    : store_(store),
      name_(meta.name),
      table_id_(meta.table_id),
      hash_key_(meta.hash_key),
      range_key_(meta.range_key),
      data_(data),
      log_(log),
      meta_(std::make_shared<const TableMeta>(std::move(meta))),
      next_sequence_(next_sequence) {}

Table::~Table() {
  std::vector<storage::ColumnFamily*> doomed = retired_cfs_;
  if (dropped_) {
    // Last reference of a deleted table: its data goes with it.
    doomed.push_back(data_);
    doomed.push_back(log_);
    for (const auto& [id, cf] : index_cfs_) doomed.push_back(cf);
  }
  for (auto* cf : doomed) {
    if (!store_->DropColumnFamily(cf).ok()) {
      DDBD_LOG_ERROR("catalog: could not drop a column family of table {}", table_id_);
    }
  }
}

storage::ColumnFamily* Table::IndexFamily(uint32_t index_id) const {
  std::lock_guard lock(mu_);
  auto it = index_cfs_.find(index_id);
  return it == index_cfs_.end() ? nullptr : it->second;
}

void Table::SetIndexFamily(uint32_t index_id, storage::ColumnFamily* cf) {
  std::lock_guard lock(mu_);
  index_cfs_[index_id] = cf;
}

void Table::RetireIndexFamily(uint32_t index_id) {
  std::lock_guard lock(mu_);
  auto it = index_cfs_.find(index_id);
  if (it == index_cfs_.end()) return;
  retired_cfs_.push_back(it->second);
  index_cfs_.erase(it);
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
  size_t needed = PartitionMap::InitialPartitions(provisioned, m.read_capacity, m.write_capacity);
  if (!partitions_) partitions_ = std::make_unique<PartitionMap>(PartitionMap::EvenStarts(needed));
  partitions_->EnsurePartitions(needed);
  partitions_->Configure(provisioned, m.read_capacity, m.write_capacity, throttling, burst_seconds);
  partitions_->SetMaximums(provisioned ? -1 : m.max_read_request_units,
                           provisioned ? -1 : m.max_write_request_units);
  std::lock_guard lock(mu_);
  for (const auto& index : m.indexes) {
    if (!index.global) continue;
    auto& map = index_partitions_[index.id];
    if (!map) {
      map = std::make_shared<PartitionMap>(PartitionMap::EvenStarts(
          PartitionMap::InitialPartitions(provisioned, index.read_capacity, index.write_capacity)));
    }
    map->Configure(provisioned, index.read_capacity, index.write_capacity, throttling,
                   burst_seconds);
  }
}

namespace {

std::string PartitionsKey(const std::string& table_id) { return "partitions/" + table_id; }

}  // namespace

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
    table.SetPartitionsForLoad(std::make_unique<PartitionMap>(std::move(starts)));
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

Result<std::unique_ptr<Catalog>> Catalog::Open(storage::Store* store, CatalogOptions options) {
  std::unique_ptr<Catalog> catalog(new Catalog(store, options));
  auto it = store->NewIterator(store->catalog(), kTablePrefix, "table0");
  for (it->Seek(kTablePrefix); it->Valid(); it->Next()) {
    TableMeta meta;
    if (!DecodeTableMeta(it->value(), &meta)) {
      return Status::Internal("corrupt table descriptor in catalog");
    }
    DDBD_ASSIGN_OR_RETURN(auto* data, store->CreateColumnFamily(DataFamily(meta.table_id)));
    DDBD_ASSIGN_OR_RETURN(auto* log, store->CreateColumnFamily(LogFamily(meta.table_id)));
    uint64_t next = NextSequenceOf(store, log);
    Key key{meta.account, meta.region, meta.name};
    std::vector<uint32_t> gsi_ids;
    for (const auto& index : meta.indexes) {
      if (index.global) gsi_ids.push_back(index.id);
    }
    auto table = std::make_shared<Table>(store, std::move(meta), data, log, next);
    for (uint32_t id : gsi_ids) {
      DDBD_ASSIGN_OR_RETURN(auto* cf,
                            store->CreateColumnFamily(IndexFamilyName(table->table_id(), id)));
      table->SetIndexFamily(id, cf);
    }
    DDBD_RETURN_IF_ERROR(catalog->LoadPartitions(*table));
    catalog->tables_[key] = std::move(table);
  }
  DDBD_RETURN_IF_ERROR(it->status());
  // Families left behind by a crash between catalog delete and drop.
  for (const auto& name : store->ColumnFamilyNames()) {
    std::string id = name.size() > 2 ? name.substr(2, kUuidLength) : "";
    bool used = false;
    for (const auto& [k, table] : catalog->tables_) {
      if (table->table_id() != id) continue;
      used = name[0] != 'x';
      for (const auto& index : table->meta().indexes) {
        used |= index.global && name == IndexFamilyName(id, index.id);
      }
    }
    if (!used) {
      if (auto* cf = store->Find(name)) DDBD_RETURN_IF_ERROR(store->DropColumnFamily(cf));
    }
  }
  return catalog;
}

Result<std::shared_ptr<Table>> Catalog::Create(TableMeta meta) {
  std::lock_guard lock(mu_);
  Key key{meta.account, meta.region, meta.name};
  if (tables_.count(key)) {
    return Status::ResourceInUse("Table already exists: " + meta.name);
  }
  meta.table_id = NewUuid();
  meta.creation_time_ms = NowMs();
  DDBD_ASSIGN_OR_RETURN(auto* data, store_->CreateColumnFamily(DataFamily(meta.table_id)));
  DDBD_ASSIGN_OR_RETURN(auto* log, store_->CreateColumnFamily(LogFamily(meta.table_id)));
  storage::WriteBatch batch;
  batch.Put(store_->catalog(), CatalogKey(meta), EncodeTableMeta(meta));
  DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  std::vector<uint32_t> gsi_ids;
  for (const auto& index : meta.indexes) {
    if (index.global) gsi_ids.push_back(index.id);
  }
  auto table = std::make_shared<Table>(store_, std::move(meta), data, log, 1);
  for (uint32_t id : gsi_ids) DDBD_RETURN_IF_ERROR(CreateIndexFamily(*table, id));
  table->ConfigureCapacity(options_.throttling, options_.burst_seconds);
  tables_[key] = table;
  return table;
}

std::shared_ptr<Table> Catalog::Find(const std::string& account, const std::string& region,
                                     const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find(Key{account, region, name});
  return it == tables_.end() ? nullptr : it->second;
}

Result<TableMeta> Catalog::Drop(const std::string& account, const std::string& region,
                                const std::string& name) {
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
    DDBD_RETURN_IF_ERROR(store_->Write(&batch));
    tables_.erase(it);
  }
  table->MarkDropped();
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

Status Catalog::Update(Table& table, TableMeta meta) {
  storage::WriteBatch batch;
  batch.Put(store_->catalog(), CatalogKey(meta), EncodeTableMeta(meta));
  DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  table.SetMeta(std::move(meta));
  size_t before = table.partitions().size();
  table.ConfigureCapacity(options_.throttling, options_.burst_seconds);
  if (table.partitions().size() != before) PersistPartitions(table);
  return Status::OK();
}

Result<TableMeta> Catalog::Modify(Table& table, const std::function<Status(TableMeta*)>& change) {
  std::lock_guard lock(modify_mu_);
  TableMeta meta = table.meta();
  DDBD_RETURN_IF_ERROR(change(&meta));
  DDBD_RETURN_IF_ERROR(Update(table, meta));
  return meta;
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

Status Catalog::CreateIndexFamily(Table& table, uint32_t index_id) {
  DDBD_ASSIGN_OR_RETURN(auto* cf,
                        store_->CreateColumnFamily(IndexFamilyName(table.table_id(), index_id)));
  table.SetIndexFamily(index_id, cf);
  return Status::OK();
}

}  // namespace ddbd::engine
