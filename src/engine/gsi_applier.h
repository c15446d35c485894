// The GSI applier: keeps global secondary indexes up to date from the tables' change logs.
//
// Overview. Writes to a table commit the item and a change-log record (old and new image)
// in one batch and never touch its GSIs. This service is one consumer of the change log per
// GSI ("gsi/<index id>"): it reads the records after the index's durable cursor and applies
// them to the index's key space (delete the entry of the old image, put the entry of the new
// one) together with the advanced cursor in one batch, so a crash neither loses nor repeats a
// record. It subscribes to the catalog's notifier, so the lag under light load is a few
// milliseconds.
//
// Backfill. A GSI added to a live table starts CREATING with backfilling set and a start
// sequence (the next log record at the time it was added; its cursor is registered just
// before it, so the log keeps every record the index is owed). The applier scans the table
// in chunks, writing entries and a durable progress key and reporting progress to the
// catalog's job registry; it then replays the log from the start sequence, which corrects
// any entry the scan wrote from a newer version of an item, and marks the index ACTIVE. A
// restart resumes the scan from its progress key.
//
// Read-your-writes. By default the applier installs the catalog's GSI barrier: a Query or Scan
// on a GSI first waits (at most kMaxReadWait) until the index has applied every record the
// table's log had when the read began, so a read sees every write that returned before it.
// With a propagation delay (--gsi-propagation-delay MS) the applier instead applies a record
// only once it is that old, and reads do not wait: code can be tested against the service's
// eventual consistency.
//
// Deleted GSIs: the applier deletes their key spaces (it is the only writer of GSI entries,
// so nothing is written to a space after its deletion).
//
// Thread-safety: one background thread; Lags() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "engine/background.h"
#include "engine/catalog.h"

namespace ddbd::engine {

class GsiApplier : public BackgroundService {
 public:
  // Starts the background thread. REQUIRES: `catalog` outlives the applier.
  // `backfill_pause_ms` pauses between backfill chunks (tests use it to catch a backfill in
  // progress; 0 in production).
  // `propagation_delay_ms` > 0 holds index updates back that long (and reads do not wait).
  explicit GsiApplier(Catalog* catalog, int backfill_pause_ms = 0, int propagation_delay_ms = 0);
  ~GsiApplier() override;  // stops and joins

  struct Lag {
    std::string table;
    std::string index;
    uint64_t records = 0;       // log records not yet applied
    double oldest_seconds = 0;  // age of the oldest unapplied record
    bool backfilling = false;
  };
  std::vector<Lag> Lags() const;

  // Applies what is pending now, synchronously (tests).
  void RunOnceForTest() { RunUntilIdleForTest(); }

 protected:
  bool Step() override;

 private:
  // Each returns true if it did some work.
  bool ApplyLog(Table& table, const TableMeta& meta, const IndexMeta& index);
  bool Backfill(Table& table, const IndexMeta& index);
  bool MaybeActivate(Table& table, const IndexMeta& index);
  // Sets the index's item count and size from its entries (before it turns ACTIVE).
  Status Recount(Table& table, const IndexMeta& index);
  void DeleteRetiredSpaces(Table& table);

  // Waits until index `index_id` of `table` has applied `sequence` (the barrier).
  void WaitApplied(const Table& table, uint32_t index_id, uint64_t sequence);
  void SetApplied(const Table& table, uint32_t index_id, uint64_t sequence);

  Catalog* catalog_;
  const int backfill_pause_ms_;
  const int propagation_delay_ms_;
  uint64_t subscription_ = 0;
  std::mutex applied_mu_;
  std::condition_variable applied_cv_;
  // (table id, index id) -> the last sequence applied, as far as this process has seen.
  std::map<std::pair<std::string, uint32_t>, uint64_t> applied_;  // GUARDED_BY(applied_mu_)
  mutable std::mutex lag_mu_;
  std::vector<Lag> lags_;  // GUARDED_BY(lag_mu_)
};

// Deletes change-log records no consumer needs any more (changelog::TableLog::Trim), for every
// table, about once a second: at most one range deletion per table per pass.
class LogTrimmer : public BackgroundService {
 public:
  // `min_retention_seconds`: records are kept at least this long even when no consumer needs
  // them (--change-log-retention-seconds).
  LogTrimmer(Catalog* catalog, int64_t min_retention_seconds);
  ~LogTrimmer() override;

 protected:
  bool Step() override;

 private:
  Catalog* catalog_;
  const int64_t min_retention_us_;
};

}  // namespace ddbd::engine
