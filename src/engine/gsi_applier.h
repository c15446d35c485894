// The GSI applier: keeps global secondary indexes up to date from the tables' change logs.
//
// Overview. Writes to a table commit the item and a change-log record (old and new image)
// in one batch and never touch its GSIs. This service reads each table's log after a durable
// cursor per GSI and applies the records to the index families: delete the entry of the old
// image, put the entry of the new one, and advance the cursor, all in one batch, so a crash
// neither loses nor repeats a record. It wakes on every write (Catalog::NotifyWrite), so the
// lag under light load is a few milliseconds.
//
// Backfill. A GSI added to a live table starts CREATING with backfilling set and a start
// sequence (the next log record at the time it was added). The applier scans the table in
// chunks, writing entries and a durable progress key; it then replays the log from the start
// sequence, which corrects any entry the scan wrote from a newer version of an item, and
// marks the index ACTIVE. A restart resumes the scan from its progress key.
//
// Log trimming. The same thread deletes change-log records that every GSI has applied and
// that are older than the retention (24 h by default: what DynamoDB Streams will need), so the
// log does not grow without bound.
//
// Thread-safety: one background thread; Lags() may be called from any thread.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "engine/catalog.h"

namespace ddbd::engine {

class GsiApplier {
 public:
  // Starts the background thread. REQUIRES: `catalog` outlives the applier.
  // `backfill_pause_ms` pauses between backfill chunks (tests use it to catch a backfill in
  // progress; 0 in production).
  explicit GsiApplier(Catalog* catalog, int backfill_pause_ms = 0,
                      int64_t log_retention_seconds = 24 * 3600);
  ~GsiApplier();  // stops and joins

  void Notify();
  // Stops the thread after its current batch.
  void Stop();

  struct Lag {
    std::string table;
    std::string index;
    uint64_t records = 0;       // log records not yet applied
    double oldest_seconds = 0;  // age of the oldest unapplied record
    bool backfilling = false;
  };
  std::vector<Lag> Lags() const;

  // Applies what is pending now, synchronously (tests).
  void RunOnceForTest();

 private:
  void Loop();
  // Each returns true if it did some work.
  bool Step();
  bool ApplyLog(Table& table, const TableMeta& meta, const IndexMeta& index);
  bool Backfill(Table& table, const IndexMeta& index);
  // Deletes consumed change-log records older than the retention; true if it deleted some.
  bool TrimLog(Table& table, const TableMeta& meta);

  Catalog* catalog_;
  const int backfill_pause_ms_;
  const int64_t log_retention_seconds_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;  // GUARDED_BY(mu_)
  bool stop_ = false;      // GUARDED_BY(mu_)
  mutable std::mutex lag_mu_;
  std::vector<Lag> lags_;  // GUARDED_BY(lag_mu_)
  std::mutex step_mu_;     // one Step at a time (thread and tests)
  std::thread thread_;
};

// Catalog keys of a GSI's cursor (last applied sequence) and backfill progress.
std::string GsiCursorKey(const std::string& table_id, uint32_t index_id);
std::string GsiBackfillKey(const std::string& table_id, uint32_t index_id);

}  // namespace ddbd::engine
