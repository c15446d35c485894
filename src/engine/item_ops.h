// Single-item reads and writes, and the vocabulary of the commit path (engine/commit.h).
//
// A write is a decision about one item: given the current item (or none), the caller's
// MutationFn returns the new item, a delete, no change, or an error (a failed condition).
// Mutate commits one such decision through the commit path, which writes the data change,
// its index entries, its change-log record and the table's counters in one WriteBatch.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ddbd/status.h"

#include "changelog/record.h"
#include "engine/catalog.h"
#include "model/attribute_value.h"

namespace ddbd::engine {

// The primary-key attributes of an item, validated against the table's schema.
struct PrimaryKey {
  model::AttributeValue hash;
  std::optional<model::AttributeValue> range;
};

// Checks a `Key` parameter: exactly the key attributes, with the right types, non-empty and
// within size limits. ValidationException with the service's messages otherwise.
Result<PrimaryKey> ValidateKey(const Table& table, const model::AttributeMap& key);
// Checks an `Item` parameter's key attributes and the item size limit.
Result<PrimaryKey> ValidateItemKey(const Table& table, const model::Item& item);

// What a mutation decided, given the old item (nullptr if absent).
struct MutationDecision {
  enum class Kind { kPut, kDelete, kNoChange } kind = Kind::kNoChange;
  model::Item new_item;  // for kPut
};
using MutationFn = std::function<Result<MutationDecision>(const model::Item* old_item)>;

// Capacity units one operation consumed: on the table, and on each index (by name).
struct ConsumedUnits {
  double table = 0;
  std::map<std::string, double> local_indexes;
  std::map<std::string, double> global_indexes;
  double total() const {
    double t = table;
    for (const auto& [name, units] : local_indexes) t += units;
    for (const auto& [name, units] : global_indexes) t += units;
    return t;
  }
};

// What was throttled, for the ThrottlingReasons of the service's throttling errors:
// {"reason": "<Table|Index><Read|Write><limit>", "resource": <table or index ARN>}.
struct ThrottlingPayload : Status::Payload {
  ThrottlingPayload(std::string r, std::string a) : reason(std::move(r)), resource(std::move(a)) {}
  std::string reason;
  std::string resource;
};

// ProvisionedThroughputExceededException with the service's message for a provisioned
// table, an on-demand table's partition ceiling, or a GSI out of capacity (`index_name` not
// empty); ThrottlingException past an on-demand maximum. `admission` says which limit refused
// the request; `write` whether it was a write. Carries a ThrottlingPayload.
Status ThrottleError(const TableMeta& meta, const std::string& index_name, bool write,
                     PartitionMap::Admission admission = PartitionMap::Admission::kPartitionLimit);

struct MutationResult {
  std::optional<model::Item> old_item;
  std::optional<model::Item> new_item;
  size_t old_size = 0;
  size_t new_size = 0;
  // For tables with local secondary indexes: the size of the item collection (the items and
  // LSI entries of one partition key) after the write.
  std::optional<int64_t> collection_size;
  ConsumedUnits units;  // charged to the partitions
};

// Who and why, for the change-log records (and, later, IAM audit).
struct CommitOptions {
  changelog::Origin origin = changelog::Origin::kUser;
  std::string origin_detail;  // source region (replication) or transaction id
  changelog::Principal principal;
  // The items' last-write time; default: now by the catalog's clock. Replication passes the
  // origin's time (last writer wins).
  std::optional<int64_t> write_time_us;
  // A transaction (TransactWriteItems, ExecuteTransaction): twice the capacity units, and
  // the conflict rules of transactions (ItemHolds).
  bool transactional = false;
  // A single write that meets an item a transaction holds fails with
  // TransactionConflictException (PutItem, UpdateItem, DeleteItem); BatchWriteItem's writes
  // wait for it instead.
  bool fail_on_conflict = true;
  // Catalog-family entries written in the same batch as the items (a transaction's
  // idempotency record).
  std::vector<std::pair<std::string, std::string>> catalog_puts;
  // A write by the service itself (TTL deletions): neither admitted on nor charged to the
  // table's or its indexes' capacity.
  bool service_write = false;
  // Adds writes that commit in the same batch as the items (replication moves its change-log
  // cursor on the source table with the items it applied); called even if no item changes.
  std::function<void(storage::WriteBatch*)> add_to_batch;
};

// Reads, decides and commits one item atomically. Errors from `decide` are returned as is
// (with nothing written).
Result<MutationResult> Mutate(Catalog& catalog, Table& table, const PrimaryKey& key,
                              const MutationFn& decide,
                              const CommitOptions& options = CommitOptions());

// Adds to `batch` the changes of `index`'s entries (in `space`) for an item going from
// `old_item` to `new_item` (either may be absent), with the index's counter deltas.
// Returns the change in bytes of the index's entries.
int64_t AddIndexChanges(const TableMeta& meta, const IndexMeta& index,
                        const storage::KeySpace& space, const std::string& table_id,
                        const std::optional<model::Item>& old_item,
                        const std::optional<model::Item>& new_item, storage::WriteBatch* batch);

// The storage key of a primary key (key-encoding.md).
std::string StorageKeyOf(const PrimaryKey& key);
// The storage key of an item's primary key. REQUIRES: the item has the table's key.
std::string StorageKeyOfItem(const Table& table, const model::Item& item);

struct ReadResult {
  std::optional<model::Item> item;
  size_t size = 0;
  double units = 0;  // read units charged (0 for unmetered reads)
};
// A metered read: throttled when the partition is out of read capacity, charged otherwise.
Result<ReadResult> GetItem(Catalog& catalog, const Table& table, const PrimaryKey& key,
                           bool consistent);
// A read that neither checks nor charges capacity (reads done on behalf of another
// operation that meters itself).
Result<ReadResult> GetItemUnmetered(Catalog& catalog, const Table& table, const PrimaryKey& key);

}  // namespace ddbd::engine
