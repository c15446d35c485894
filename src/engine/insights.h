// Contributor insights (docs/contributor-insights.md): the most accessed and most throttled
// keys of a table or GSI over the last minute, for tables where UpdateContributorInsights
// enabled them.
//
// Bounded memory: per table or index and per rule (partition keys accessed, full keys
// accessed, and the same throttled), six 10-second buckets each holding a Space-Saving sketch
// of kSketchSize counters; a key's count over the minute is the sum of its buckets' counts
// (an overestimate by at most the smallest counter of each bucket, as Space-Saving bounds it).
// Accesses count the capacity units they consumed; throttles count one each.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "model/attribute_value.h"

namespace ddbd::engine {

struct TableMeta;

class InsightsTracker {
 public:
  static constexpr size_t kSketchSize = 256;
  static constexpr int kBuckets = 6;
  static constexpr int64_t kBucketSeconds = 10;

  explicit InsightsTracker(const Clock* clock) : clock_(clock) {}

  // Records an access (`units` consumed) or a throttle of a key of `meta`'s table (`index`
  // empty) or of its GSI `index`, if contributor insights are on for it (and, for accesses,
  // in ACCESSED_AND_THROTTLED_KEYS mode). `sort_key` may be null.
  void Note(const TableMeta& meta, std::string_view index,
            const model::AttributeValue& partition_key, const model::AttributeValue* sort_key,
            double units, bool throttled);

  struct Entry {
    std::string partition_key;  // display text of the values (S as is, N canonical, B base64)
    std::string sort_key;       // "" for partition-key rules and hash-only keys
    double count = 0;
  };
  struct Top {
    std::vector<Entry> partition_accessed, key_accessed, partition_throttled, key_throttled;
  };
  // The top `n` of each rule over the last minute.
  Top TopN(const std::string& table_id, std::string_view index, size_t n) const;
  // Drops what was tracked for a table or index (insights disabled, table deleted).
  void Forget(const std::string& table_id, std::string_view index);

 private:
  struct Sketch {
    std::map<std::string, double> counts;  // key text (partition and sort joined by \x1f)
    void Add(const std::string& key, double amount);
  };
  struct Bucket {
    int64_t slot = -1;  // now / kBucketSeconds when it was started
    std::array<Sketch, 4> rules;
  };
  struct Tracked {
    std::array<Bucket, kBuckets> buckets;
  };

  const Clock* clock_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Tracked> tracked_;  // GUARDED_BY(mu_)
};

}  // namespace ddbd::engine
