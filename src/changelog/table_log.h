// The change log of one table: an ordered sequence of records (record.h), appended by the
// engine's commit path inside the data's own WriteBatch and read by any number of consumers,
// each at its own pace.
//
// Sequence numbers start at 1 and are strictly increasing for the life of the table, across
// restarts and trims: the log recovers the next number from its last record and from a
// durable high-water mark that every trim writes in its own batch, so a log that has been
// trimmed empty still continues where it was (issue 8's regression:
// conformance/test_change_log.py).
//
// Consumers (GSI appliers today; streams, triggers, TTL bookkeeping, PITR and replicas next)
// are named ("gsi/3", "stream/...") and keep a durable cursor: the last sequence they have
// consumed, written by the consumer in the same batch as the effects of consuming. Holds keep
// records for a time (a stream's 24 h, a PITR window). Retention is computed from all of them:
// a record is trimmed once every cursor is past it, no hold covers it, and it is older than
// the server's minimum retention.
//
// Keys: records under the table's KeySpace as sequence (u64 big-endian); cursors, holds and the
// high-water mark in the catalog family under "log/<table id>/...".
//
// Thread-safety: all methods may be called concurrently, except that Append/Published need
// commit_mutex() held, and one consumer's cursor is moved by one thread at a time.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

#include "changelog/record.h"
#include "storage/rocks.h"

namespace ddbd::changelog {

// A range of partition-key hashes [begin, end); end == 0 means 2^64.
struct HashRange {
  uint64_t begin = 0;
  uint64_t end = 0;
  bool Contains(uint64_t hash) const { return hash >= begin && (end == 0 || hash < end); }
};

// What the log keeps: every consumer's cursor and hold, for DescribeTable-like views and
// /metrics.
struct LogState {
  uint64_t first_sequence = 0;  // oldest record kept (0 if the log is empty)
  uint64_t last_sequence = 0;   // newest record (0 if none was ever written)
  uint64_t records = 0;         // records kept
  struct Cursor {
    std::string consumer;
    uint64_t sequence = 0;
  };
  std::vector<Cursor> cursors;
  struct Hold {
    std::string consumer;
    int64_t seconds = 0;
  };
  std::vector<Hold> holds;
};

class TableLog {
 public:
  // Opens the log of table `table_id` whose records live in `space`. Recovers the next
  // sequence number. REQUIRES: store outlives the log.
  static Result<std::unique_ptr<TableLog>> Open(storage::Store* store, storage::KeySpace space,
                                                std::string table_id);

  const storage::KeySpace& space() const { return space_; }
  const std::string& table_id() const { return table_id_; }

  // ---- Writing (the engine's commit path) ----

  // Held from taking sequence numbers until the batch holding the records is written, so
  // records become visible in sequence order: a reader that sees record N has seen every
  // record before N. Multi-table commits take the mutexes of all their tables' logs in one
  // global order.
  std::mutex& commit_mutex() { return commit_mu_; }
  // The sequence number the next appended record gets. REQUIRES: commit_mutex() held.
  uint64_t next_sequence() const { return last_.load(std::memory_order_relaxed) + 1; }
  // Adds record `sequence` (encoded with EncodeRecord) to `batch`.
  // REQUIRES: commit_mutex() held; sequences appended in order from next_sequence().
  void Append(storage::WriteBatch* batch, uint64_t sequence, std::string_view record) const;
  // After the batch is written: records up to `last` are visible. A batch that failed is
  // never published, so its sequence numbers are reused and the log has no gaps.
  // REQUIRES: commit_mutex() held.
  void Published(uint64_t last) { last_.store(last, std::memory_order_release); }

  // The newest visible record (0 if none was ever written). Any thread.
  uint64_t last_sequence() const { return last_.load(std::memory_order_acquire); }

  // ---- Reading ----

  // Appends to `out` up to `max` records with sequence > `after`, in order, among the
  // visible ones; with `range`, only records of items whose partition hash lies in it
  // (stream shards map onto partitions). Records trimmed away are skipped. With `snapshot`,
  // the records the snapshot holds (published or not: each came in its data's batch).
  Status Read(uint64_t after, size_t max, std::vector<Record>* out,
              const HashRange* range = nullptr, const storage::Snapshot* snapshot = nullptr) const;
  // What a bounded read found: the matching records, and how far it looked.
  struct ScanResult {
    std::vector<Record> records;
    uint64_t scanned_through = 0;  // the last sequence examined (`after` if none)
  };
  // Examines at most `max_scan` visible records with after < sequence <= upto, in order, and
  // keeps those in `range` (all with null), at most `max_records` of them (stream shards:
  // a sparse shard is read in steps instead of scanning the whole log at once).
  Result<ScanResult> Scan(uint64_t after, uint64_t upto, size_t max_records, size_t max_scan,
                          const HashRange* range) const;
  // The first record kept (0 if the log is empty).
  Result<uint64_t> FirstSequence() const;

  // The commit time of record `sequence`, if it is kept.
  Result<std::optional<int64_t>> RecordTime(uint64_t sequence) const;

  // ---- Consumers ----

  // Sets consumer `name`'s durable cursor to `sequence` (it has consumed every record up to
  // it) within `batch`, so that the cursor moves atomically with the consumer's effects.
  // A new name registers a consumer.
  void SetCursor(storage::WriteBatch* batch, std::string_view consumer, uint64_t sequence) const;
  // The consumer's cursor, or nullopt if it is not registered.
  Result<std::optional<uint64_t>> Cursor(std::string_view consumer) const;
  // Unregisters a consumer (its cursor no longer holds records).
  void DropCursor(storage::WriteBatch* batch, std::string_view consumer) const;
  // Keeps every record younger than `seconds` while the hold exists (streams: 24 h).
  void SetHold(storage::WriteBatch* batch, std::string_view consumer, int64_t seconds) const;
  void DropHold(storage::WriteBatch* batch, std::string_view consumer) const;

  // ---- Retention ----

  // Deletes the records every cursor has passed that no hold keeps and that are older than
  // `min_retention_us`, at most `max_records` of them, with one range deletion and the new
  // high-water mark in one batch. Returns how many were deleted.
  Result<uint64_t> Trim(int64_t now_us, int64_t min_retention_us, uint64_t max_records);

  // Everything the log keeps and who holds it.
  Result<LogState> State() const;

  // Adds to `batch` the deletion of every record, cursor, hold and the high-water mark (the
  // table is being dropped).
  void DeleteAll(storage::WriteBatch* batch) const;

 private:
  TableLog(storage::Store* store, storage::KeySpace space, std::string table_id);
  std::string MetaKey(std::string_view kind, std::string_view name = {}) const;

  storage::Store* const store_;
  const storage::KeySpace space_;
  const std::string table_id_;
  std::mutex commit_mu_;
  std::atomic<uint64_t> last_{0};
  std::mutex trim_mu_;  // one Trim at a time
};

// Subscribers to "table X has new records": consumers sleeping until there is work.
// Thread-safe.
class Notifier {
 public:
  using Callback = std::function<void(const std::string& table_id)>;
  // Returns an id for Unsubscribe. The callback must be cheap and must not call back into
  // the Notifier.
  uint64_t Subscribe(Callback callback);
  void Unsubscribe(uint64_t id);
  void Notify(const std::string& table_id) const;

 private:
  mutable std::shared_mutex mu_;
  uint64_t next_id_ = 1;                                  // GUARDED_BY(mu_)
  std::vector<std::pair<uint64_t, Callback>> callbacks_;  // GUARDED_BY(mu_)
};

// The key of record `sequence` (u64 big-endian).
std::string SequenceKey(uint64_t sequence);

}  // namespace ddbd::changelog
