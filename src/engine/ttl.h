// Time to Live (docs/ttl.md): items whose TTL attribute is a Number of epoch seconds in the
// past are deleted by the service itself.
//
// The expiry index. For a table with TTL on, every item whose TTL attribute holds an expiry
// has an entry in the table's own key space, under the reserved index id kTtlIndexId:
//   IndexLowerBound(kTtlIndexId) + u64 big-endian expiry seconds + the item's storage key
//   -> the item's key attributes (EncodeItem)
// written in the item's own WriteBatch by the commit path (AddTtlChanges), so a sweep costs
// in proportion to the items that expire, never to the table's size. Enabling TTL on a table
// with items indexes them in the background (ttl_indexed turns true); a stale entry (an item
// whose expiry changed while it was indexed) is dropped when the sweeper meets it.
//
// The sweeper (TtlSweeper, every --ttl-interval seconds) deletes each expired item through the
// commit path with origin "ttl": from the table, its LSIs (same batch) and GSIs (the applier),
// with a stream record whose userIdentity is the service's, consuming no capacity. Each
// deletion re-reads the item under its lock and deletes it only if it is still expired.
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "ddbd/status.h"

#include "engine/background.h"
#include "engine/catalog.h"

namespace ddbd::engine {

constexpr uint32_t kTtlIndexId = 0xFFFFFF00u;
// Expiry times further in the past than this are ignored, as the service ignores them.
constexpr int64_t kTtlMaxPastSeconds = int64_t{5} * 365 * 86400;
// The service refuses a second change of TTL settings within this interval.
constexpr int64_t kTtlChangeIntervalMs = int64_t{3600} * 1000;

// The expiry time (epoch seconds) an item's TTL attribute gives, if TTL is on and the
// attribute is a top-level Number that fits (other types and missing attributes: none).
std::optional<int64_t> ItemExpiry(const TableMeta& meta, const model::Item& item);

// Adds the expiry-index changes of an item going from `old_item` to `new_item` (either may
// be null) to `batch`. No-op when TTL is off.
void AddTtlChanges(const TableMeta& meta, const storage::KeySpace& space,
                   std::string_view storage_key, const model::Item* old_item,
                   const model::Item* new_item, storage::WriteBatch* batch);

// UpdateTimeToLive, inside Catalog::Modify: the service's checks (already enabled or
// disabled, another attribute, a change within the hour), then the new settings; the old
// expiry index is dropped in the same batch and rebuilt in the background.
Status ChangeTimeToLive(TableMeta* meta, storage::WriteBatch* batch, const storage::KeySpace& space,
                        bool enabled, const std::string& attribute, int64_t now_ms);

class TtlSweeper : public BackgroundService {
 public:
  // Sweeps every `interval_seconds`. REQUIRES: `catalog` outlives the sweeper.
  TtlSweeper(Catalog* catalog, int interval_seconds);
  ~TtlSweeper() override;

  uint64_t deleted() const { return deleted_.load(); }

 protected:
  bool Step() override;

 private:
  // Indexes a chunk of a table's items; true if it did some work.
  bool IndexChunk(Table& table, const TableMeta& meta);
  // Deletes a chunk of expired items of `table`; true if it did some work.
  bool SweepChunk(Table& table, const TableMeta& meta);

  Catalog* catalog_;
  std::atomic<uint64_t> deleted_{0};
};

}  // namespace ddbd::engine
