#include "engine/insights.h"

#include <algorithm>

#include "common/base64.h"
#include "engine/table_meta.h"

namespace ddbd::engine {
namespace {

enum Rule { kPartitionAccessed = 0, kKeyAccessed = 1, kPartitionThrottled = 2, kKeyThrottled = 3 };
constexpr char kSeparator = '\x1f';

std::string Display(const model::AttributeValue& v) {
  switch (v.type) {
    case model::AttrType::kS:
      return v.str;
    case model::AttrType::kN:
      return v.num.ToString();
    case model::AttrType::kB:
      return Base64Encode(v.str);
    default:
      return "";
  }
}

}  // namespace

void InsightsTracker::Sketch::Add(const std::string& key, double amount) {
  auto it = counts.find(key);
  if (it != counts.end()) {
    it->second += amount;
    return;
  }
  if (counts.size() < kSketchSize) {
    counts.emplace(key, amount);
    return;
  }
  // Space-Saving: the new key takes the place (and the count) of the smallest counter.
  auto smallest = std::min_element(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
    return a.second < b.second;
  });
  const double floor = smallest->second;
  counts.erase(smallest);
  counts.emplace(key, floor + amount);
}

void InsightsTracker::Note(const TableMeta& meta, std::string_view index,
                           const model::AttributeValue& partition_key,
                           const model::AttributeValue* sort_key, double units, bool throttled) {
  const TableMeta::InsightsSetting* setting = meta.FindInsights(index);
  if (setting == nullptr || !setting->enabled) return;
  if (!throttled && setting->mode == "THROTTLED_KEYS") return;
  const std::string partition = Display(partition_key);
  std::string key = partition;
  key += kSeparator;
  if (sort_key != nullptr) key += Display(*sort_key);
  const int64_t slot = clock_->NowSeconds() / kBucketSeconds;
  std::lock_guard<std::mutex> lock(mu_);
  Tracked& t = tracked_[{meta.table_id, std::string(index)}];
  Bucket& b = t.buckets[static_cast<size_t>(slot % kBuckets)];
  if (b.slot != slot) {
    b = Bucket();
    b.slot = slot;
  }
  const double amount = throttled ? 1.0 : units;
  b.rules[throttled ? kPartitionThrottled : kPartitionAccessed].Add(partition + kSeparator, amount);
  b.rules[throttled ? kKeyThrottled : kKeyAccessed].Add(key, amount);
}

InsightsTracker::Top InsightsTracker::TopN(const std::string& table_id, std::string_view index,
                                           size_t n) const {
  std::array<std::map<std::string, double>, 4> sums;
  {
    const int64_t slot = clock_->NowSeconds() / kBucketSeconds;
    std::lock_guard<std::mutex> lock(mu_);
    auto it = tracked_.find({table_id, std::string(index)});
    if (it != tracked_.end()) {
      for (const Bucket& b : it->second.buckets) {
        if (b.slot < 0 || slot - b.slot >= kBuckets) continue;  // older than a minute
        for (size_t r = 0; r < 4; ++r) {
          for (const auto& [key, count] : b.rules[r].counts) sums[r][key] += count;
        }
      }
    }
  }
  auto top = [&](const std::map<std::string, double>& counts) {
    std::vector<Entry> out;
    for (const auto& [key, count] : counts) {
      const size_t cut = key.find(kSeparator);
      out.push_back({key.substr(0, cut), key.substr(cut + 1), count});
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
      return a.count != b.count ? a.count > b.count : a.partition_key < b.partition_key;
    });
    if (out.size() > n) out.resize(n);
    return out;
  };
  return Top{top(sums[kPartitionAccessed]), top(sums[kKeyAccessed]), top(sums[kPartitionThrottled]),
             top(sums[kKeyThrottled])};
}

void InsightsTracker::Forget(const std::string& table_id, std::string_view index) {
  std::lock_guard<std::mutex> lock(mu_);
  tracked_.erase({table_id, std::string(index)});
}

}  // namespace ddbd::engine
