// The catalog: every table of every account and region, and the Table runtime objects.
//
// Tables are namespaced by (account, region, name). A Table is shared (shared_ptr) between
// the catalog and in-flight requests, so DeleteTable can remove it from the catalog while a
// request finishes; its column families are dropped once the last user lets go.
// Thread-safe: all methods may be called concurrently.
#pragma once

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ddbd/status.h"

#include "engine/partition_map.h"
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
  // The current descriptor without copying it (the request path uses this).
  std::shared_ptr<const TableMeta> shared_meta() const;
  // Key schema never changes after creation, so these are safe to read without a copy.
  const KeyElement& hash_key() const { return hash_key_; }
  const std::optional<KeyElement>& range_key() const { return range_key_; }
  const std::string& name() const { return name_; }
  const std::string& table_id() const { return table_id_; }

  storage::ColumnFamily* data() const { return data_; }
  storage::ColumnFamily* log() const { return log_; }
  LockTable& locks() { return locks_; }

  // Change-log sequence numbers are taken and committed under this mutex, so records become
  // visible in sequence order (a log reader that sees record N has seen every record < N).
  std::mutex& commit_mutex() { return commit_mu_; }
  // REQUIRES: commit_mutex() held.
  uint64_t NextSequence() { return next_sequence_++; }
  // The last sequence number handed out (0 if none). REQUIRES: commit_mutex() held, or an
  // approximate value is fine.
  uint64_t LastSequence() const { return next_sequence_.load() - 1; }

  // The column family of a global secondary index, or nullptr.
  storage::ColumnFamily* IndexFamily(uint32_t index_id) const;
  void SetIndexFamily(uint32_t index_id, storage::ColumnFamily* cf);
  // Forgets a deleted GSI's family; it is dropped with the table or at the next start.
  void RetireIndexFamily(uint32_t index_id);

  // Applies `update` to the descriptor and returns the new one. The catalog persists it.
  void SetMeta(TableMeta meta);

  // The table's partitions (capacity, counters). Never null.
  PartitionMap& partitions() const { return *partitions_; }
  // A GSI's partitions, or nullptr.
  PartitionMap* IndexPartitions(uint32_t index_id) const;
  // (Re)creates partition maps for the current descriptor: the table's buckets follow its
  // mode and throughput (adding partitions when throughput needs more), GSIs get their own.
  void ConfigureCapacity(bool throttling, double burst_seconds);
  // Partition boundaries read from the catalog at start (before ConfigureCapacity).
  void SetPartitionsForLoad(std::unique_ptr<PartitionMap> map) { partitions_ = std::move(map); }
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
  std::shared_ptr<const TableMeta> meta_;                 // GUARDED_BY(mu_)
  std::map<uint32_t, storage::ColumnFamily*> index_cfs_;  // GUARDED_BY(mu_)
  std::unique_ptr<PartitionMap> partitions_;
  std::map<uint32_t, std::shared_ptr<PartitionMap>> index_partitions_;  // GUARDED_BY(mu_)
  std::vector<storage::ColumnFamily*> retired_cfs_;                     // GUARDED_BY(mu_)
  std::mutex commit_mu_;
  LockTable locks_;
  std::atomic<uint64_t> next_sequence_;
  std::atomic<bool> dropped_{false};
};

// Stats keys (in the stats family) of a table and of one of its indexes.
std::string TableStatsKey(const std::string& table_id);
std::string IndexStatsKey(const std::string& table_id, uint32_t index_id);
// Column family names.
std::string IndexFamilyName(const std::string& table_id, uint32_t index_id);

// Live counters of a table.
struct TableStats {
  int64_t item_count = 0;
  int64_t size_bytes = 0;
};

struct CatalogOptions {
  bool throttling = true;                             // token buckets enforce capacity
  double burst_seconds = 300;                         // banked unused provisioned capacity
  int64_t partition_split_bytes = int64_t{10} << 30;  // 10 GB, as the service
  int64_t item_collection_limit = int64_t{10} << 30;
};

class Catalog {
 public:
  // Loads every table of `store`. REQUIRES: store outlives the catalog.
  static Result<std::unique_ptr<Catalog>> Open(storage::Store* store,
                                               CatalogOptions options = CatalogOptions());
  const CatalogOptions& options() const { return options_; }

  // Stats key of the hash bucket (top 12 bits of the partition hash) that counts a table's
  // items and bytes per hash range, so partition sizes survive restarts.
  static std::string BucketStatsKey(const std::string& table_id, uint64_t hash);
  // Splits the table's partitions if needed and persists new boundaries.
  void MaybeSplit(Table& table);
  void PersistPartitions(Table& table);

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
  // Read-modify-write of a descriptor, serialized with every other Modify: `change` edits a
  // copy (returning an error leaves the table as it was), which is then persisted.
  Result<TableMeta> Modify(Table& table, const std::function<Status(TableMeta*)>& change);
  TableStats Stats(const Table& table) const;
  TableStats IndexStats(const Table& table, uint32_t index_id) const;
  // Every table (for background services).
  std::vector<std::shared_ptr<Table>> AllTables() const;
  // Creates the column family of a new GSI of `table`.
  Status CreateIndexFamily(Table& table, uint32_t index_id);

  // The size limit of an item collection of a table with LSIs (10 GB; smaller for tests).
  int64_t item_collection_limit() const { return options_.item_collection_limit; }

  // Background services that follow writes (the GSI applier) register here to be woken.
  void SetWriteListener(std::function<void()> listener) { write_listener_ = std::move(listener); }
  void NotifyWrite() const {
    if (write_listener_) write_listener_();
  }

  storage::Store* store() const { return store_; }

 private:
  Catalog(storage::Store* store, CatalogOptions options) : store_(store), options_(options) {}
  // Loads the table's partition boundaries and per-bucket counters.
  Status LoadPartitions(Table& table);
  using Key = std::tuple<std::string, std::string, std::string>;  // account, region, name
  static std::string CatalogKey(const TableMeta& meta);

  storage::Store* store_;
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<Table>> tables_;  // GUARDED_BY(mu_)
  std::function<void()> write_listener_;          // set once at start
  std::mutex modify_mu_;                          // serializes Modify
  const CatalogOptions options_;
};

}  // namespace ddbd::engine
