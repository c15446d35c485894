// The one source of time for everything time-based in ddbd: token buckets, change-log record
// times and retention, creation times, and later TTL, PITR windows and iterator expiry.
// Components take a `const Clock*` (never owned); production code passes Clock::System(),
// tests pass a ManualClock and move time instead of sleeping.
// Thread-safe: both implementations may be read from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>

namespace ddbd {

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time: microseconds since the Unix epoch (what records and descriptors store).
  virtual int64_t NowMicros() const = 0;
  // Monotonic time in microseconds from an arbitrary origin (rates, timeouts); never goes back.
  virtual int64_t MonotonicMicros() const = 0;

  int64_t NowMillis() const { return NowMicros() / 1000; }
  int64_t NowSeconds() const { return NowMicros() / 1000000; }

  // The real clock. Never null; lives for the whole process.
  static const Clock* System();
};

class SystemClock final : public Clock {
 public:
  int64_t NowMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  int64_t MonotonicMicros() const override {
    return std::chrono::duration_cast<std::chrono::microseconds>(
               std::chrono::steady_clock::now().time_since_epoch())
        .count();
  }
};

inline const Clock* Clock::System() {
  static const SystemClock clock;
  return &clock;
}

// A clock that moves only when told (tests). Wall and monotonic time move together.
class ManualClock final : public Clock {
 public:
  explicit ManualClock(int64_t now_us = 1700000000LL * 1000000) : now_us_(now_us) {}
  int64_t NowMicros() const override { return now_us_.load(); }
  int64_t MonotonicMicros() const override { return now_us_.load(); }
  void Advance(int64_t us) { now_us_ += us; }
  void AdvanceSeconds(int64_t s) { now_us_ += s * 1000000; }
  void Set(int64_t now_us) { now_us_ = now_us; }

 private:
  std::atomic<int64_t> now_us_;
};

// The real clock plus an offset that only grows (the server's --test-hooks: conformance tests
// move a running server's time forward instead of sleeping).
class OffsetClock final : public Clock {
 public:
  int64_t NowMicros() const override { return system_.NowMicros() + offset_us_.load(); }
  int64_t MonotonicMicros() const override { return system_.MonotonicMicros() + offset_us_.load(); }
  void Advance(int64_t us) {
    if (us > 0) offset_us_ += us;
  }

 private:
  SystemClock system_;
  std::atomic<int64_t> offset_us_{0};
};

}  // namespace ddbd
