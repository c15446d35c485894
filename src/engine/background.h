// The base of ddbd's background work.
//
// BackgroundService: one thread that runs Step() until stopped; it runs again at once while
// Step() reports work done, and otherwise sleeps until Notify() or its period passes. The GSI
// applier and the change-log trimmer are services; TTL sweeps, restores and exports follow.
//
// JobRegistry: long jobs (a GSI backfill now; sweeps, restores, exports next) report their
// progress here, where DescribeTable-like views and /metrics read it.
//
// Thread-safety: Notify, Stop and the registry may be called from any thread.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace ddbd::engine {

class BackgroundService {
 public:
  explicit BackgroundService(std::chrono::milliseconds period) : period_(period) {}
  virtual ~BackgroundService();  // REQUIRES: Stop() called by the derived destructor
  BackgroundService(const BackgroundService&) = delete;
  BackgroundService& operator=(const BackgroundService&) = delete;

  // Starts the thread. Call once, after the derived object is fully constructed.
  void Start();
  // Wakes the thread (new work).
  void Notify();
  // Stops and joins the thread after its current Step. Idempotent.
  void Stop();

  // Runs Step() until it reports no more work, on the calling thread (tests).
  void RunUntilIdleForTest();

 protected:
  // One unit of work; true if it did some (Step runs again at once). Steps never overlap.
  virtual bool Step() = 0;

 private:
  void Loop();
  bool StepLocked();

  const std::chrono::milliseconds period_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool notified_ = false;  // GUARDED_BY(mu_)
  bool stop_ = false;      // GUARDED_BY(mu_)
  std::mutex step_mu_;     // one Step at a time (thread and tests)
  std::thread thread_;
};

// Progress of a long job.
struct JobProgress {
  std::string kind;    // "backfill"
  std::string table;   // table name
  std::string detail;  // e.g. the index name
  int64_t done = 0;    // units done (items scanned)
  int64_t total = 0;   // units expected (0 if unknown)
  int64_t started_us = 0;
};

class JobRegistry {
 public:
  // Creates or updates the job `id` (unique per job, e.g. "backfill/<table id>/<index id>").
  void Update(const std::string& id, JobProgress progress);
  void Finish(const std::string& id);
  // A copy of the job's progress, if it is running.
  bool Find(const std::string& id, JobProgress* out) const;
  std::vector<JobProgress> List() const;

 private:
  mutable std::mutex mu_;
  std::map<std::string, JobProgress> jobs_;  // GUARDED_BY(mu_)
};

}  // namespace ddbd::engine
