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
#include <vector>

#include "ddbd/status.h"

#include "engine/item_ops.h"

namespace ddbd::engine {

// One item's write in a commit.
struct WriteOp {
  Table* table = nullptr;  // REQUIRES: kept alive by the caller for the call
  PrimaryKey key;
  MutationFn decide;  // called once, under the item's lock, with the current item
};

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

}  // namespace ddbd::engine
