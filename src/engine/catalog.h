// The catalog: every table of every account and region, and the Table runtime objects.
//
// Tables are namespaced by (account, region, name). A Table is shared (shared_ptr) between
// the catalog and in-flight requests, so DeleteTable can remove it from the catalog while a
// request finishes; its data is deleted once the last user lets go.
//
// Layout (docs/formats/key-encoding.md): a table created by this version lives under a key
// prefix of its own in the shared column families (items, indexes, changes), so creating and
// dropping a table is a catalog write and a few range deletions, not column-family work.
// Tables from data directories written before keep their own column families; both kinds
// are reached through storage::KeySpace, so nothing above the catalog knows the difference.
//
// Descriptors change through one serialized path (Modify): every change (UpdateTable, a GSI
// turning ACTIVE, a backfill finishing) edits the current descriptor under one mutex, so no
// change can undo another.
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

#include "changelog/table_log.h"
#include "common/clock.h"
#include "engine/background.h"
#include "engine/global_tables.h"
#include "engine/insights.h"
#include "engine/partition_map.h"
#include "engine/table_meta.h"
#include "storage/rocks.h"

namespace ddbd::engine {

// Striped mutexes by item key hash: conditional writes and updates of one item serialize.
// Multi-item commits lock several stripes, always in address order (engine/commit.cc).
class LockTable {
 public:
  std::mutex& For(uint64_t key_hash) { return stripes_[key_hash % kStripes]; }

 private:
  static constexpr size_t kStripes = 256;
  std::mutex stripes_[kStripes];
};

// The items that writes in flight are working on, for the service's conflict behaviour
// (docs/transactions.md): a transaction that meets an item another transaction holds is
// cancelled (TransactionConflict), a single-item write that meets an item a transaction holds
// fails with TransactionConflictException, and TransactGetItems meeting an item any write
// holds is cancelled. Items are named by a 64-bit hash of their storage key. Holds last from
// before a commit takes its locks until its batch is written. Thread-safe; a few dozen
// nanoseconds per hold.
class ItemHolds {
 public:
  enum class Holder : uint8_t { kWrite, kTransaction };
  // Registers a hold of `holder` unless a transaction already holds the item; returns false
  // (and registers nothing) in that case. With `check` false the hold is registered anyway.
  bool Acquire(uint64_t key_hash, Holder holder, bool check = true);
  void Release(uint64_t key_hash, Holder holder);
  // True if any write holds the item.
  bool Held(uint64_t key_hash) const;

 private:
  mutable std::mutex mu_;
  std::vector<std::pair<uint64_t, Holder>> holds_;  // GUARDED_BY(mu_)
};

class Table {
 public:
  Table(storage::Store* store, TableMeta meta, storage::KeySpace data,
        std::unique_ptr<changelog::TableLog> log, const Clock* clock);
  ~Table();

  // A copy of the current descriptor (UpdateTable may change it concurrently).
  TableMeta meta() const;
  // The current descriptor without copying it (the request path uses this).
  std::shared_ptr<const TableMeta> shared_meta() const;
  // True if contributor insights are on for the table or one of its GSIs (read without a lock:
  // the request path skips the tracker when they are off).
  bool insights_on() const { return insights_on_.load(std::memory_order_relaxed); }
  // Key schema never changes after creation, so these are safe to read without a copy.
  const KeyElement& hash_key() const { return hash_key_; }
  const std::optional<KeyElement>& range_key() const { return range_key_; }
  const std::string& name() const { return name_; }
  const std::string& table_id() const { return table_id_; }
  // True for tables with column families of their own (created before the shared layout).
  bool legacy_layout() const { return key_prefix_ == 0; }

  // The table's items and LSI entries.
  const storage::KeySpace& data() const { return data_; }
  // The table's change log.
  changelog::TableLog& log() const { return *log_; }
  LockTable& locks() { return locks_; }
  ItemHolds& holds() { return holds_; }

  // Where a global secondary index's entries live, or nullopt.
  std::optional<storage::KeySpace> IndexSpace(uint32_t index_id) const;
  void SetIndexSpace(uint32_t index_id, storage::KeySpace space);
  // Forgets a deleted GSI's entries: they are deleted by TakeRetiredIndexSpaces' caller, with
  // the table, or at the next start.
  void RetireIndexSpace(uint32_t index_id);
  // The retired GSI spaces of the shared layout, for deletion (the GSI applier's thread).
  std::vector<storage::KeySpace> TakeRetiredIndexSpaces();

  // Replaces the descriptor. Only the catalog calls this (Catalog::Modify).
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
  // Marks the table dropped: its data is deleted when the last reference goes (but its items
  // space with `keep_items`: a backup took it over).
  void MarkDropped(bool keep_items = false) {
    keep_items_ = keep_items;
    dropped_ = true;
  }
  // True while a restore is writing the table's items (TableMeta::restore): Catalog::Find
  // does not return it.
  bool restoring() const { return restoring_.load(std::memory_order_acquire); }

 private:
  storage::Store* store_;
  const Clock* clock_;
  const std::string name_;
  const std::string table_id_;
  const uint64_t key_prefix_;
  const KeyElement hash_key_;
  const std::optional<KeyElement> range_key_;
  const storage::KeySpace data_;
  const std::unique_ptr<changelog::TableLog> log_;
  mutable std::mutex mu_;
  std::shared_ptr<const TableMeta> meta_;               // GUARDED_BY(mu_)
  std::map<uint32_t, storage::KeySpace> index_spaces_;  // GUARDED_BY(mu_)
  std::unique_ptr<PartitionMap> partitions_;
  std::map<uint32_t, std::shared_ptr<PartitionMap>> index_partitions_;  // GUARDED_BY(mu_)
  std::vector<storage::KeySpace> retired_spaces_;                       // GUARDED_BY(mu_)
  LockTable locks_;
  ItemHolds holds_;
  std::atomic<bool> dropped_{false};
  std::atomic<bool> keep_items_{false};
  std::atomic<bool> insights_on_{false};
  std::atomic<bool> restoring_{false};
};

// Stats keys (in the stats family) of a table and of one of its indexes.
std::string TableStatsKey(const std::string& table_id);
std::string IndexStatsKey(const std::string& table_id, uint32_t index_id);
// The change-log consumer name of a GSI ("gsi/<index id>").
std::string GsiConsumer(uint32_t index_id);
// Catalog key of a GSI's backfill progress.
std::string GsiBackfillKey(const std::string& table_id, uint32_t index_id);

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
  const Clock* clock = Clock::System();  // never null
  int transaction_delay_ms = 0;          // test hook: transactions stay in flight this long
  // CreateGlobalTable makes version 2017.11.29 global tables (false: refused, as the service
  // refuses them now).
  bool legacy_global_tables = true;
};

class Catalog {
 public:
  // Loads every table of `store`, deleting what dropped tables left behind.
  // REQUIRES: store outlives the catalog.
  static Result<std::unique_ptr<Catalog>> Open(storage::Store* store,
                                               CatalogOptions options = CatalogOptions());
  const CatalogOptions& options() const { return options_; }
  const Clock& clock() const { return *options_.clock; }

  // Stats key of the hash bucket (top 12 bits of the partition hash) that counts a table's
  // items and bytes per hash range, so partition sizes survive restarts.
  static std::string BucketStatsKey(const std::string& table_id, uint64_t hash);
  // Splits the table's partitions if needed and persists new boundaries.
  void MaybeSplit(Table& table);
  void PersistPartitions(Table& table);

  // Creates the table described by `meta` (table_id, key prefix and creation time are filled
  // in), registering each GSI as a consumer of its change log.
  // ResourceInUseException if a table of that name exists in the account and region.
  Result<std::shared_ptr<Table>> Create(TableMeta meta);
  // The table, or nullptr if there is none or it is being restored (only DescribeTable,
  // DeleteTable and restores see those: FindAny).
  std::shared_ptr<Table> Find(const std::string& account, const std::string& region,
                              const std::string& name) const;
  std::shared_ptr<Table> FindAny(const std::string& account, const std::string& region,
                                 const std::string& name) const;
  // Removes the table; returns its last descriptor. ResourceNotFoundException if absent.
  // `also` adds writes to the descriptor's deletion batch and returns true if they take over
  // the table's items space, which is then kept (a SYSTEM backup: engine/backups.h).
  using DropHook = std::function<Result<bool>(const TableMeta&, storage::WriteBatch*)>;
  Result<TableMeta> Drop(const std::string& account, const std::string& region,
                         const std::string& name, const DropHook& also = nullptr);
  // A new key prefix number (never reused), persisted with `batch`.
  uint64_t AllocateKeyPrefix(storage::WriteBatch* batch);
  // Marks the items-family range of key prefix number `prefix` as owned by something other
  // than a table (a backup), so that CollectOrphans keeps it; KeptPrefixes lists them.
  static std::string KeptPrefixKey(uint64_t prefix);
  // The items space of key prefix number `prefix` (a backup's items).
  storage::KeySpace ItemsSpace(uint64_t prefix) const;
  // Names of the account's tables in the region, sorted, starting after `exclusive_start`.
  std::vector<std::string> List(const std::string& account, const std::string& region,
                                const std::string& exclusive_start, size_t limit, bool* more) const;

  // The one way a descriptor changes: `change` edits a copy of the current descriptor (and
  // may add writes that must commit with it to `batch`); the result is persisted and
  // published. Serialized with every other Modify, so concurrent changes never undo each
  // other. An error from `change` leaves the table as it was.
  using MetaChange = std::function<Status(TableMeta*, storage::WriteBatch*)>;
  Result<TableMeta> Modify(Table& table, const MetaChange& change);
  Result<TableMeta> Modify(Table& table, const std::function<Status(TableMeta*)>& change);

  // Called inside Modify after `change` and before the descriptor is written (tests stall a
  // change there to race it against another). Set before any Modify runs.
  void SetModifyHookForTest(std::function<void(const TableMeta&)> hook) {
    modify_hook_ = std::move(hook);
  }

  TableStats Stats(const Table& table) const;
  TableStats IndexStats(const Table& table, uint32_t index_id) const;
  // Every table (for background services).
  std::vector<std::shared_ptr<Table>> AllTables() const;
  // Gives a new GSI of `table` its key space. REQUIRES: inside Modify's change function.
  Status AddIndexSpace(Table& table, uint32_t index_id);

  // The size limit of an item collection of a table with LSIs (10 GB; smaller for tests).
  int64_t item_collection_limit() const { return options_.item_collection_limit; }

  // Subscribers to new change-log records (the GSI applier; streams and triggers next).
  changelog::Notifier& notifier() { return notifier_; }
  // Long jobs' progress (backfills).
  JobRegistry& jobs() { return jobs_; }
  const JobRegistry& jobs() const { return jobs_; }
  // Contributor insights' key counters.
  InsightsTracker& insights() const { return insights_; }
  // Global tables: which tables are replicas of one another (engine/global_tables.h).
  GlobalTables& global_tables() { return global_tables_; }
  const GlobalTables& global_tables() const { return global_tables_; }

  // Read-your-writes on GSIs (docs/architecture.md): the GSI applier installs a barrier that
  // waits, bounded, until an index has applied the table's log up to a sequence; Query and
  // Scan on a GSI call WaitForGsi first, so they see every write that returned before them.
  // Without a barrier (none installed, or --gsi-propagation-delay) reads do not wait.
  using GsiBarrier = std::function<void(const Table& table, uint32_t index_id, uint64_t sequence)>;
  void SetGsiBarrier(GsiBarrier barrier);
  void WaitForGsi(const Table& table, uint32_t index_id) const;

  storage::Store* store() const { return store_; }

 private:
  Catalog(storage::Store* store, CatalogOptions options) : store_(store), options_(options) {}
  // Loads the table's partition boundaries and per-bucket counters.
  Status LoadPartitions(Table& table);
  // Builds the runtime object of a stored descriptor.
  Result<std::shared_ptr<Table>> Load(TableMeta meta);
  // Deletes data of tables and GSIs that no descriptor names (a crash between a drop and
  // its deletion).
  Status CollectOrphans();
  // Moves cursors of GSIs from before the change-log module to it, and repairs GSIs whose
  // cursor is ahead of their log (issue 8's regression): they are rebuilt.
  Status UpgradeGsiCursors(Table& table);
  using Key = std::tuple<std::string, std::string, std::string>;  // account, region, name
  static std::string CatalogKey(const TableMeta& meta);

  storage::Store* store_;
  mutable std::mutex mu_;
  std::map<Key, std::shared_ptr<Table>> tables_;  // GUARDED_BY(mu_)
  uint64_t next_key_prefix_ = 1;                  // GUARDED_BY(mu_)
  std::mutex modify_mu_;                          // serializes Modify
  std::function<void(const TableMeta&)> modify_hook_;
  changelog::Notifier notifier_;
  JobRegistry jobs_;
  GlobalTables global_tables_;
  mutable std::mutex gsi_barrier_mu_;
  std::shared_ptr<const GsiBarrier> gsi_barrier_;  // GUARDED_BY(gsi_barrier_mu_)
  const CatalogOptions options_;
  mutable InsightsTracker insights_{options_.clock};  // after options_ (its clock)
};

}  // namespace ddbd::engine
