// A token bucket for read or write capacity units, as the service meters a partition:
// tokens accrue at `rate` units per second up to `burst_seconds` of unused capacity; a
// request is admitted while the balance is positive and then pays what it actually
// consumed (so the balance may go negative, and later requests wait for it to refill).
// Not thread-safe: the owner (a partition) locks.
#pragma once

#include <algorithm>
#include <cstdint>

namespace ddbd::capacity {

class TokenBucket {
 public:
  TokenBucket() = default;

  // Sets the refill rate and the burst allowance. A new bucket starts full. `rate` <= 0
  // means unlimited.
  void Configure(double rate, double burst_seconds, int64_t now_us) {
    Refill(now_us);
    rate_ = rate;
    capacity_ = rate * burst_seconds;
    if (!configured_) tokens_ = capacity_;
    tokens_ = std::min(tokens_, capacity_);
    configured_ = true;
  }

  // True if a request may start now.
  bool Admit(int64_t now_us) {
    if (rate_ <= 0) return true;
    Refill(now_us);
    return tokens_ > 0;
  }

  // Pays for consumed units.
  void Consume(double units, int64_t now_us) {
    if (rate_ <= 0) return;
    Refill(now_us);
    tokens_ -= units;
  }

  double tokens() const { return tokens_; }
  double rate() const { return rate_; }

 private:
  void Refill(int64_t now_us) {
    if (last_us_ != 0 && now_us > last_us_) {
      tokens_ = std::min(capacity_, tokens_ + rate_ * static_cast<double>(now_us - last_us_) / 1e6);
    }
    last_us_ = now_us;
  }

  bool configured_ = false;
  double rate_ = 0;
  double capacity_ = 0;
  double tokens_ = 0;
  int64_t last_us_ = 0;
};

}  // namespace ddbd::capacity
