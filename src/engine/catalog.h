// The catalog: every table of every account and region, and the Table runtime objects.
//
// Tables are namespaced by (account, region, name). A Table is shared (shared_ptr) between
// the catalog and in-flight requests, so DeleteTable can remove it from the catalog while a
// request finishes; its column families are dropped once the last user lets go.
// Thread-safe: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ddbd/status.h"

#include "engine/table_meta.h"
#include "storage/rocks.h"

namespace ddbd::engine {

// Striped mutexes by item key hash: conditional writes and updates of one item serialize.
class LockTable {
 public:
  std::mutex& For(uint64_t key_hash) { return stripes_[key_hash % kStripes]; }

 private:
  static constexpr size_t kStripes = 256;
  std::mutex stripes_[kStripes];
};

class Table {
 public:
  Table(storage::Store* store, TableMeta meta, storage::ColumnFamily* data,
        storage::ColumnFamily* log, uint64_t next_sequence);
  ~Table();

  // A copy of the current descriptor (UpdateTable may change it concurrently).
  TableMeta meta() const;
  // Key schema never changes after creation, so these are safe to read without a copy.
  const KeyElement& hash_key() const { return hash_key_; }
  const std::optional<KeyElement>& range_key() const { return range_key_; }
  const std::string& name() const { return name_; }
  const std::string& table_id() const { return table_id_; }

  storage::ColumnFamily* data() const { return data_; }
  storage::ColumnFamily* log() const { return log_; }
  LockTable& locks() { return locks_; }
  uint64_t NextSequence() { return next_sequence_.fetch_add(1); }

  // Applies `update` to the descriptor and returns the new one. The catalog persists it.
  void SetMeta(TableMeta meta);
  // Marks the table dropped: its families are dropped when the last reference goes.
  void MarkDropped() { dropped_ = true; }

 private:
  storage::Store* store_;
  const std::string name_;
  const std::string table_id_;
  const KeyElement hash_key_;
  const std::optional<KeyElement> range_key_;
  storage::ColumnFamily* const data_;
  storage::ColumnFamily* const log_;
  mutable std::mutex mu_;
  TableMeta meta_;  // GUARDED_BY(mu_)
  LockTable locks_;
  std::atomic<uint64_t> next_sequence_;
  std::atomic<bool> dropped_{false};
};

// Live counters of a table.
struct TableStats {
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};

class Catalog {
 public:
  // Loads every table of `store`. REQUIRES: store outlives the catalog.
  static Result<std::unique_ptr<Catalog>> Open(storage::Store* store);

  // Creates the table described by `meta` (table_id and creation time are filled in).
  // ResourceInUseException if a table of that name exists in the account and region.
  Result<std::shared_ptr<Table>> Create(TableMeta meta);
  std::shared_ptr<Table> Find(const std::string& account, const std::string& region,
                              const std::string& name) const;
  // Removes the table; returns its last descriptor. ResourceNotFoundException if absent.
  Result<TableMeta> Drop(const std::string& account, const std::string& region,
                         const std::string& name);
  // Names of the account's tables in the region, sorted, starting after `exclusive_start`.
  std::vector<std::string> List(const std::string& account, const std::string& region,
                                const std::string& exclusive_start, size_t limit, bool* more) const;
  // Persists a changed descriptor.
  Status Update(Table& table, TableMeta meta);
  TableStats Stats(const Table& table) const;

  storage::Store* store() const { return store_; }

 private:
  explicit Catalog(storage::Store* store) : store_(store) {}
  using Key = std::tuple<std::string, std::string, std::string>;  // account, region, name
  static std::string CatalogKey(const TableMeta& meta);

  storage::Store* store_;
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<Table>> tables_;  // GUARDED_BY(mu_)
};

}  // namespace ddbd::engine
