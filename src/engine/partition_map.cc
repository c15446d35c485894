#include "engine/partition_map.h"

#include <algorithm>
#include <cmath>

namespace ddbd::engine {
namespace {

constexpr int kHotSecondsBeforeSplit = 10;
constexpr double kHotFraction = 0.8;

}  // namespace

PartitionMap::PartitionMap(std::vector<uint64_t> starts, const Clock* clock) : clock_(clock) {
  if (starts.empty() || starts[0] != 0) starts.insert(starts.begin(), 0);
  for (size_t i = 0; i < starts.size(); ++i) {
    Partition p;
    p.begin = starts[i];
    p.end = i + 1 < starts.size() ? starts[i + 1] : 0;
    partitions_.push_back(std::move(p));
  }
}

size_t PartitionMap::InitialPartitions(bool provisioned, int64_t rcu, int64_t wcu) {
  if (!provisioned) return 4;  // 12,000 RCU / 4,000 WCU of initial on-demand capacity
  double n = std::max(static_cast<double>(rcu) / kPartitionMaxReadUnits,
                      static_cast<double>(wcu) / kPartitionMaxWriteUnits);
  return std::max<size_t>(1, static_cast<size_t>(std::ceil(n)));
}

std::vector<uint64_t> PartitionMap::EvenStarts(size_t n) {
  std::vector<uint64_t> starts;
  for (size_t i = 0; i < n; ++i) {
    starts.push_back(static_cast<uint64_t>((static_cast<unsigned __int128>(i) << 64) / n));
  }
  return starts;
}

void PartitionMap::Configure(bool provisioned, int64_t rcu, int64_t wcu, bool throttling,
                             double burst_seconds) {
  std::lock_guard lock(mu_);
  burst_seconds_ = burst_seconds;
  provisioned_ = provisioned;
  rcu_ = rcu;
  wcu_ = wcu;
  throttling_ = throttling;
  ConfigureLocked();
}

void PartitionMap::ConfigureLocked() {
  int64_t now = clock_->MonotonicMicros();
  double n = static_cast<double>(partitions_.size());
  for (auto& p : partitions_) {
    if (!throttling_) {
      p.read.Configure(0, 0, now);
      p.write.Configure(0, 0, now);
    } else if (provisioned_) {
      p.read.Configure(std::min(kPartitionMaxReadUnits, static_cast<double>(rcu_) / n),
                       burst_seconds_, now);
      p.write.Configure(std::min(kPartitionMaxWriteUnits, static_cast<double>(wcu_) / n),
                        burst_seconds_, now);
    } else {
      // On-demand partitions bank unused capacity like provisioned ones, so a bulk load into
      // a new table goes through as on the service; a hot key still meets the per-key
      // ceiling (KeyAt).
      p.read.Configure(kPartitionMaxReadUnits, burst_seconds_, now);
      p.write.Configure(kPartitionMaxWriteUnits, burst_seconds_, now);
    }
  }
  keys_.clear();
}

PartitionMap::KeyBuckets* PartitionMap::KeyAt(uint64_t hash, int64_t now) {
  auto it = keys_.find(hash);
  if (it == keys_.end()) {
    if (keys_.size() >= kMaxTrackedKeys) {
      std::erase_if(keys_, [&](const auto& entry) {
        return now - entry.second.last_us > static_cast<int64_t>(kOnDemandBurstSeconds * 1e6);
      });
      if (keys_.size() >= kMaxTrackedKeys) return nullptr;
    }
    it = keys_.emplace(hash, KeyBuckets()).first;
    it->second.read.Configure(kPartitionMaxReadUnits, kOnDemandBurstSeconds, now);
    it->second.write.Configure(kPartitionMaxWriteUnits, kOnDemandBurstSeconds, now);
  }
  it->second.last_us = now;
  return &it->second;
}

PartitionMap::Partition& PartitionMap::At(uint64_t hash) {
  auto it = std::upper_bound(partitions_.begin(), partitions_.end(), hash,
                             [](uint64_t h, const Partition& p) { return h < p.begin; });
  return *(it - 1);
}

void PartitionMap::SetMaximums(int64_t max_read_units, int64_t max_write_units) {
  std::lock_guard lock(mu_);
  int64_t now = clock_->MonotonicMicros();
  max_read_units_ = throttling_ ? max_read_units : 0;
  max_write_units_ = throttling_ ? max_write_units : 0;
  max_read_.Configure(static_cast<double>(std::max<int64_t>(max_read_units_, 0)),
                      kOnDemandBurstSeconds, now);
  max_write_.Configure(static_cast<double>(std::max<int64_t>(max_write_units_, 0)),
                       kOnDemandBurstSeconds, now);
}

PartitionMap::Admission PartitionMap::AdmitRead(uint64_t hash, bool per_key) {
  std::lock_guard lock(mu_);
  int64_t now = clock_->MonotonicMicros();
  if (max_read_units_ > 0 && !max_read_.Admit(now)) return Admission::kTableMaximum;
  if (throttling_ && per_key) {
    KeyBuckets* key = KeyAt(hash, now);
    if (key != nullptr && !key->read.Admit(now)) return Admission::kPartitionLimit;
  }
  return At(hash).read.Admit(now) ? Admission::kAdmitted : Admission::kPartitionLimit;
}

PartitionMap::Admission PartitionMap::AdmitWrite(uint64_t hash) {
  std::lock_guard lock(mu_);
  int64_t now = clock_->MonotonicMicros();
  if (max_write_units_ > 0 && !max_write_.Admit(now)) return Admission::kTableMaximum;
  if (throttling_) {
    KeyBuckets* key = KeyAt(hash, now);
    if (key != nullptr && !key->write.Admit(now)) return Admission::kPartitionLimit;
  }
  return At(hash).write.Admit(now) ? Admission::kAdmitted : Admission::kPartitionLimit;
}

void PartitionMap::ChargeRead(uint64_t hash, double units, bool per_key) {
  std::lock_guard lock(mu_);
  Partition& p = At(hash);
  int64_t now = clock_->MonotonicMicros();
  p.read.Consume(units, now);
  if (max_read_units_ > 0) max_read_.Consume(units, now);
  if (throttling_ && per_key) {
    if (KeyBuckets* key = KeyAt(hash, now)) key->read.Consume(units, now);
  }
  p.consumed_read += units;
}

void PartitionMap::ChargeWrite(uint64_t hash, double units) {
  std::lock_guard lock(mu_);
  Partition& p = At(hash);
  int64_t now = clock_->MonotonicMicros();
  p.write.Consume(units, now);
  if (max_write_units_ > 0) max_write_.Consume(units, now);
  if (throttling_) {
    if (KeyBuckets* key = KeyAt(hash, now)) key->write.Consume(units, now);
  }
  p.consumed_write += units;
  if (now - p.window_start_us >= 1000000) {
    // Close the previous one-second window.
    p.last_rate = p.window_units;
    p.hot_seconds =
        p.window_units >= kHotFraction * kPartitionMaxWriteUnits ? p.hot_seconds + 1 : 0;
    p.window_start_us = now;
    p.window_units = 0;
  }
  p.window_units += units;
}

void PartitionMap::NoteThrottledRead(uint64_t hash) {
  std::lock_guard lock(mu_);
  ++At(hash).throttled_reads;
}

void PartitionMap::NoteThrottledWrite(uint64_t hash) {
  std::lock_guard lock(mu_);
  ++At(hash).throttled_writes;
}

void PartitionMap::AddContent(uint64_t hash, int64_t items, int64_t bytes) {
  std::lock_guard lock(mu_);
  Partition& p = At(hash);
  p.items += items;
  p.bytes += bytes;
}

unsigned __int128 PartitionMap::Span(const Partition& p) {
  unsigned __int128 end = p.end == 0 ? (static_cast<unsigned __int128>(1) << 64) : p.end;
  return end - p.begin;
}

void PartitionMap::SplitAt(size_t i) {
  Partition& p = partitions_[i];
  uint64_t mid = static_cast<uint64_t>(p.begin + Span(p) / 2);
  Partition upper;
  upper.begin = mid;
  upper.end = p.end;
  // Counters are split evenly: the hash spreads keys uniformly across the range.
  upper.items = p.items / 2;
  upper.bytes = p.bytes / 2;
  p.items -= upper.items;
  p.bytes -= upper.bytes;
  p.end = mid;
  p.hot_seconds = 0;
  partitions_.insert(partitions_.begin() + static_cast<long>(i) + 1, std::move(upper));
}

bool PartitionMap::MaybeSplit(int64_t split_bytes) {
  std::lock_guard lock(mu_);
  bool changed = false;
  for (size_t i = 0; i < partitions_.size(); ++i) {
    const Partition& p = partitions_[i];
    bool too_big = split_bytes > 0 && p.bytes > split_bytes;
    bool hot = p.hot_seconds >= kHotSecondsBeforeSplit;
    if ((!too_big && !hot) || Span(p) < 2) continue;
    SplitAt(i);
    changed = true;
    ++i;  // the upper half is checked on the next write
  }
  if (changed) ConfigureLocked();
  return changed;
}

bool PartitionMap::EnsurePartitions(size_t n) {
  std::lock_guard lock(mu_);
  bool changed = false;
  while (partitions_.size() < n) {
    size_t widest = 0;
    for (size_t i = 1; i < partitions_.size(); ++i) {
      if (Span(partitions_[i]) > Span(partitions_[widest])) widest = i;
    }
    if (Span(partitions_[widest]) < 2) break;
    SplitAt(widest);
    changed = true;
  }
  if (changed) ConfigureLocked();
  return changed;
}

std::vector<uint64_t> PartitionMap::starts() const {
  std::lock_guard lock(mu_);
  std::vector<uint64_t> out;
  for (const auto& p : partitions_) out.push_back(p.begin);
  return out;
}

std::vector<PartitionView> PartitionMap::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<PartitionView> out;
  for (const auto& p : partitions_) {
    PartitionView v;
    v.begin = p.begin;
    v.end = p.end;
    v.items = p.items;
    v.bytes = p.bytes;
    v.read_rate = p.read.rate();
    v.write_rate = p.write.rate();
    v.read_tokens = p.read.tokens();
    v.write_tokens = p.write.tokens();
    v.consumed_read_units = p.consumed_read;
    v.consumed_write_units = p.consumed_write;
    v.throttled_reads = p.throttled_reads;
    v.throttled_writes = p.throttled_writes;
    v.recent_write_units_per_second = p.last_rate;
    out.push_back(v);
  }
  return out;
}

size_t PartitionMap::size() const {
  std::lock_guard lock(mu_);
  return partitions_.size();
}

}  // namespace ddbd::engine
