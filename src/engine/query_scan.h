// Range reads for Query and Scan. A Query reads one contiguous key range (one partition key,
// optionally narrowed by a sort-key condition), so its cost grows with the page it returns,
// never with the size of the partition; a Scan reads a range of the partition-hash space
// (all of it, or one segment of a parallel scan). Pages stop at a item count limit or at
// 1 MB of items read (measured before any filter, as the service does).
// Thread-safe; reads see a consistent snapshot per page.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "engine/catalog.h"
#include "engine/item_ops.h"
#include "model/attribute_value.h"

namespace ddbd::engine {

// A validated key condition of a Query.
struct KeyCondition {
  model::AttributeValue hash;
  enum class SortOp {
    kNone,
    kEq,
    kLt,
    kLe,
    kGt,
    kGe,
    kBetween,
    kBeginsWith,
    kRawRange  // multi-attribute sort keys: composite values in [raw_lower, raw_upper)
  } sort_op = SortOp::kNone;
  model::AttributeValue sort_value;   // the operand (lower bound for BETWEEN)
  model::AttributeValue sort_value2;  // upper bound for BETWEEN
  // kRawRange: bounds on the bytes of the composite sort key (engine/index.h); an empty
  // raw_upper means no upper bound.
  std::string raw_lower;
  std::string raw_upper;
};

// Sets `c` to the kRawRange of a multi-attribute sort key whose leading attributes equal
// `equal` and whose next one satisfies `op` with `v1` (and `v2` for BETWEEN). `op` is not
// kNone or kRawRange.
void SetCompositeSortCondition(KeyCondition* c,
                               const std::vector<const model::AttributeValue*>& equal,
                               KeyCondition::SortOp op, const model::AttributeValue& v1,
                               const model::AttributeValue& v2);

struct PageRequest {
  bool forward = true;
  // Storage key of the ExclusiveStartKey: reading starts strictly after (or before) it.
  std::optional<std::string> start_after;
  size_t limit = 0;  // 0 = no item limit
  size_t max_bytes = 1024 * 1024;
  bool consistent = false;  // strongly consistent reads cost twice as much
};

struct PageResult {
  std::vector<model::Item> items;  // in key order (reversed for backward queries)
  size_t bytes_read = 0;           // item sizes, for capacity
  bool stopped_early = false;      // a limit was hit: there may be more (LastEvaluatedKey)
  double units = 0;                // read units charged, on bytes_read
};

// `index` is null for the table itself, else one of its secondary indexes (whose items are
// the index's projected items).
Result<PageResult> QueryPage(Catalog& catalog, const Table& table, const IndexMeta* index,
                             const KeyCondition& condition, const PageRequest& page);
// Segment `segment` of `total_segments` (0 of 1 = the whole table or index).
Result<PageResult> ScanPage(Catalog& catalog, const Table& table, const IndexMeta* index,
                            uint32_t segment, uint32_t total_segments, const PageRequest& page);

// Replaces each item of an LSI page by the table's item (a read asking for attributes the
// index does not project), charging the reads to the table's partitions. Returns the read
// units charged (0 if nothing was fetched).
Result<double> FetchFromTable(Catalog& catalog, const Table& table, std::vector<model::Item>* items,
                              bool consistent);

// Which scan segment a storage key belongs to.
uint32_t SegmentOf(std::string_view storage_key, uint32_t total_segments);

}  // namespace ddbd::engine
