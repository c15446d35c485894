#include "engine/catalog.h"

#include <chrono>
#include <cstdio>
#include <random>

#include "common/coding.h"
#include "common/logging.h"

namespace ddbd::engine {
namespace {

constexpr char kTablePrefix[] = "table/";

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

Table::Table(storage::Store* store, TableMeta meta, storage::ColumnFamily* data,
             storage::ColumnFamily* log, uint64_t next_sequence)
    : store_(store),
      name_(meta.name),
      table_id_(meta.table_id),
      hash_key_(meta.hash_key),
      range_key_(meta.range_key),
      data_(data),
      log_(log),
      meta_(std::move(meta)),
      next_sequence_(next_sequence) {}

Table::~Table() {
  if (!dropped_) return;
  // Last reference of a deleted table: its data goes with it.
  if (!store_->DropColumnFamily(data_).ok() || !store_->DropColumnFamily(log_).ok()) {
    DDBD_LOG_ERROR("catalog: could not drop the families of table {}", table_id_);
  }
}

TableMeta Table::meta() const {
  std::lock_guard lock(mu_);
  return meta_;
}

void Table::SetMeta(TableMeta meta) {
  std::lock_guard lock(mu_);
  meta_ = std::move(meta);
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

Result<std::unique_ptr<Catalog>> Catalog::Open(storage::Store* store) {
  std::unique_ptr<Catalog> catalog(new Catalog(store));
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
    catalog->tables_[key] = std::make_shared<Table>(store, std::move(meta), data, log, next);
  }
  DDBD_RETURN_IF_ERROR(it->status());
  // Families left behind by a crash between catalog delete and drop.
  for (const auto& name : store->ColumnFamilyNames()) {
    std::string id = name.size() > 2 ? name.substr(2) : "";
    bool used = false;
    for (const auto& [k, table] : catalog->tables_) used |= (table->table_id() == id);
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
  auto table = std::make_shared<Table>(store_, std::move(meta), data, log, 1);
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
  return Status::OK();
}

TableStats Catalog::Stats(const Table& table) const {
  TableStats stats;
  if (!store_->GetStats(table.table_id(), &stats.item_count, &stats.size_bytes).ok()) {
    return TableStats();
  }
  return stats;
}

}  // namespace ddbd::engine
