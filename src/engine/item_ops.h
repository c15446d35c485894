// Single-item reads and writes: the one write path of ddbd.
//
// Every write goes through Mutate: take the item's stripe lock, read the old item, let the
// caller's function decide the new item (or a condition failure), then commit one WriteBatch
// holding the data change, the change-log record (keys, old and new image, time, sequence)
// and the table's counters. Log and data commit together, so a crash loses neither alone.
// Thread-safe.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>

#include "ddbd/status.h"

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

// ProvisionedThroughputExceededException with the service's message for a provisioned
// table, an on-demand table's partition ceiling, or (`index`) a GSI out of capacity.
// `admission` says which limit refused the request.
Status ThrottleError(const TableMeta& meta, bool index,
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

// Reads, decides and commits one item atomically. Errors from `decide` are returned as is
// (with nothing written).
Result<MutationResult> Mutate(Catalog& catalog, Table& table, const PrimaryKey& key,
                              const MutationFn& decide);

// Adds to `batch` the changes of `index`'s entries (in `cf`) for an item going from
// `old_item` to `new_item` (either may be absent), with the index's counter deltas.
// Returns the change in bytes of the index's entries.
int64_t AddIndexChanges(const TableMeta& meta, const IndexMeta& index, storage::ColumnFamily* cf,
                        const std::string& table_id, const std::optional<model::Item>& old_item,
                        const std::optional<model::Item>& new_item, storage::WriteBatch* batch);

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
