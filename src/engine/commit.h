// The one commit path of ddbd: every write of an item goes through Commit, whether it is a
// single PutItem, one entry of a BatchWriteItem, or a multi-item caller (transactions,
// restores, replication, TTL deletions) writing items in any tables of one account and region.
//
//   prepare  admit each item on its partition's write capacity; lock the items' stripes in
//            one global order (mutex address), so multi-item commits cannot deadlock; read
//            each current item and let the caller decide its new image (or fail a
//            condition); compute LSI entries, GSI capacity, counters and item-collection
//            sizes;
//   commit   take the change logs' commit mutexes (same global order), number one change-log
//            record per changed item, write data, LSI entries, records and counters in one
//            WriteBatch, publish the records, release; then charge capacity and wake the
//            logs' subscribers (the GSI applier).
//
// All or nothing: if any item fails (a condition, a size limit, throttling) nothing is
// written, and a crash (kill -9) leaves either the whole batch or none of it.
// Thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbd/status.h"

#include "engine/background.h"
#include "engine/item_ops.h"

namespace ddbd::engine {

// One item's write in a commit.
struct WriteOp {
  WriteOp() = default;
  WriteOp(Table* t, PrimaryKey k, MutationFn d)
      : table(t), key(std::move(k)), decide(std::move(d)) {}

  Table* table = nullptr;  // REQUIRES: kept alive by the caller for the call
  PrimaryKey key;
  MutationFn decide;  // called once, under the item's lock, with the current item
  // Replication (engine/replication.h): the write's time where it was made, which becomes
  // the item's last-write time and its record's time (default: the commit's).
  std::optional<int64_t> write_time_us;
  // Last writer wins: `decide` is called only if this write is later than the item's current
  // version, else the op changes nothing. Versions compare by write time, then (a tie) by
  // their plain encodings, a deletion's being empty, so every replica picks the same one.
  // REQUIRES: write_time_us; the table is a replica (its deletions leave tombstones).
  bool last_writer_wins = false;
};

// Global tables: a replica's deletions leave a tombstone (the deletion's write time, u64
// big-endian) in the table's items space under this reserved index id, followed by the item's
// storage key, so that an older write arriving later does not bring the item back. A put of
// the item removes it.
constexpr uint32_t kTombstoneIndexId = 0xFFFFFF01u;
std::string TombstoneKey(std::string_view storage_key);

// TransactionConflictException: a write met an item an in-flight transaction holds.
Status TransactionConflict();

// Commits `ops` atomically. On success, one result per op, in order. On failure nothing is
// written and the first failing op's error is returned; with `op_statuses`, every op's
// outcome is reported (OK for ops that would have succeeded), as transactions need for
// their cancellation reasons. Two ops on one item are a ValidationException. An op on an
// item an in-flight transaction holds fails with TransactionConflict (ItemHolds).
Result<std::vector<MutationResult>> Commit(Catalog& catalog, const std::vector<WriteOp>& ops,
                                           const CommitOptions& options,
                                           std::vector<Status>* op_statuses = nullptr);

// Service writes in chunks (restores, replica fills): Add queues an op and commits the queue
// once it holds `chunk` ops; every commit adds its ops to `progress.done` and publishes the
// progress as job `job`. Flush commits what is left. Not thread-safe.
class BatchedCommitter {
 public:
  BatchedCommitter(Catalog& catalog, CommitOptions options, size_t chunk, std::string job,
                   JobProgress progress)
      : catalog_(catalog),
        options_(std::move(options)),
        chunk_(chunk),
        job_(std::move(job)),
        progress_(std::move(progress)) {}
  Status Add(WriteOp op);
  Status Flush();
  JobProgress& progress() { return progress_; }
  // Publishes the progress as it stands (e.g. after setting its total).
  void Publish();

 private:
  Catalog& catalog_;
  const CommitOptions options_;
  const size_t chunk_;
  const std::string job_;
  JobProgress progress_;
  std::vector<WriteOp> ops_;
};

}  // namespace ddbd::engine
