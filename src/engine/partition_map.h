// The partitions of a table (or of a global secondary index): ranges of the 64-bit partition
// key hash, each with read and write token buckets and live counters.
//
// A table starts with the partitions the service would give it (provisioned: enough for its
// RCU/WCU at 3000/1000 per partition; on-demand: 4, for 12,000 RCU / 4,000 WCU). A partition
// splits in two at the middle of its hash range when it grows past the size limit or stays
// at its throughput ceiling; the hash is part of every key, so a split moves no data, and the
// new boundaries are persisted by the owner.
//
// Capacity: provisioned tables divide their RCU/WCU evenly across partitions, capped at
// 3000 RCU / 1000 WCU per partition, with up to 300 s of unused capacity as burst credit;
// on-demand tables have no table quota but the same per-partition ceilings.
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "capacity/token_bucket.h"
#include "common/clock.h"

namespace ddbd::engine {

constexpr double kPartitionMaxReadUnits = 3000;
constexpr double kPartitionMaxWriteUnits = 1000;
constexpr double kBurstSeconds = 300;
// Table-wide on-demand maximums and single partition-key values bank one second.
constexpr double kOnDemandBurstSeconds = 1;
// Partition-key values tracked for the per-key ceiling at most (idle ones are forgotten: their
// one-second bucket would be full again anyway).
constexpr size_t kMaxTrackedKeys = 4096;

struct PartitionView {
  uint64_t begin = 0;
  uint64_t end = 0;  // exclusive; 0 means 2^64
  int64_t items = 0;
  int64_t bytes = 0;
  double read_rate = 0, write_rate = 0;  // configured units per second (0 = unlimited)
  double read_tokens = 0, write_tokens = 0;
  double consumed_read_units = 0, consumed_write_units = 0;
  uint64_t throttled_reads = 0, throttled_writes = 0;
  double recent_write_units_per_second = 0;
};

class PartitionMap {
 public:
  // `starts`: sorted partition start hashes, starts[0] == 0. `clock` (never null) times
  // the token buckets.
  explicit PartitionMap(std::vector<uint64_t> starts, const Clock* clock = Clock::System());

  // How many partitions a new table gets.
  static size_t InitialPartitions(bool provisioned, int64_t rcu, int64_t wcu);
  // Evenly spaced starts for `n` partitions.
  static std::vector<uint64_t> EvenStarts(size_t n);

  // Sets the buckets for the table's mode and throughput. `throttling` false = unlimited.
  void Configure(bool provisioned, int64_t rcu, int64_t wcu, bool throttling,
                 double burst_seconds = kBurstSeconds);

  // On-demand maximums (OnDemandThroughput) for the whole table; <= 0 = none.
  void SetMaximums(int64_t max_read_units, int64_t max_write_units);

  // Admission and charging of the partition holding `hash`.
  enum class Admission { kAdmitted, kPartitionLimit, kTableMaximum };
  // `hash` is the partition key's hash: the key's own ceiling applies too, unless `per_key` is
  // false (a Scan, which reads many keys).
  Admission AdmitRead(uint64_t hash, bool per_key = true);
  Admission AdmitWrite(uint64_t hash);
  void ChargeRead(uint64_t hash, double units, bool per_key = true);
  void ChargeWrite(uint64_t hash, double units);
  void NoteThrottledRead(uint64_t hash);
  void NoteThrottledWrite(uint64_t hash);
  void AddContent(uint64_t hash, int64_t items, int64_t bytes);

  // Splits partitions over `split_bytes` or hot at their write ceiling for a while.
  // Returns true if the boundaries changed (the owner persists starts()).
  bool MaybeSplit(int64_t split_bytes);
  // Splits the widest partitions until there are at least `n` (throughput increases).
  bool EnsurePartitions(size_t n);

  std::vector<uint64_t> starts() const;
  std::vector<PartitionView> Snapshot() const;
  size_t size() const;

 private:
  struct Partition {
    uint64_t begin = 0, end = 0;
    capacity::TokenBucket read, write;
    int64_t items = 0, bytes = 0;
    double consumed_read = 0, consumed_write = 0;
    uint64_t throttled_reads = 0, throttled_writes = 0;
    // Write units in the current one-second window, and how long it has been near the ceiling.
    int64_t window_start_us = 0;
    double window_units = 0;
    double last_rate = 0;
    int hot_seconds = 0;
  };
  Partition& At(uint64_t hash);  // REQUIRES: mu_ held
  // One partition-key value's buckets: a single key never gets more than a partition's
  // ceiling, whatever burst credit its partition has.
  struct KeyBuckets {
    capacity::TokenBucket read, write;
    int64_t last_us = 0;
  };
  // The buckets of the key with `hash`, or nullptr if too many keys are active to track
  // another. REQUIRES: mu_ held, throttling_.
  KeyBuckets* KeyAt(uint64_t hash, int64_t now);
  // Width of a partition's hash range (up to 2^64).
  static unsigned __int128 Span(const Partition& p);
  // Splits partition `i` at the middle of its range. REQUIRES: mu_ held, Span >= 2.
  void SplitAt(size_t i);
  void ConfigureLocked();

  const Clock* const clock_;
  mutable std::mutex mu_;
  std::vector<Partition> partitions_;           // GUARDED_BY(mu_), sorted by begin
  capacity::TokenBucket max_read_, max_write_;  // table-wide on-demand maximums
  int64_t max_read_units_ = 0, max_write_units_ = 0;
  bool provisioned_ = false;
  int64_t rcu_ = 0, wcu_ = 0;
  bool throttling_ = true;
  double burst_seconds_ = kBurstSeconds;
  std::unordered_map<uint64_t, KeyBuckets> keys_;  // GUARDED_BY(mu_)
};

}  // namespace ddbd::engine
