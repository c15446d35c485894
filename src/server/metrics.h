// Request metrics of the server (counts and latency histograms per operation and outcome),
// rendered with the engine's gauges (tables, partitions, capacity, GSI lag) as Prometheus
// text at GET /metrics, and the per-partition JSON view at GET /partitions.
// Thread-safe.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace ddbd::engine {
class Catalog;
class GsiApplier;
class ReplicationService;
}  // namespace ddbd::engine

namespace ddbd::triggers {
class TriggerService;
}  // namespace ddbd::triggers

namespace ddbd {

class RequestMetrics {
 public:
  // Upper bounds of the latency histogram buckets, in seconds.
  static constexpr std::array<double, 12> kBuckets = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005,
                                                      0.01,   0.025,   0.05,   0.1,   0.25,   1.0};

  void Record(const std::string& operation, const std::string& outcome, double seconds);
  std::string Prometheus(const engine::Catalog& catalog, const engine::GsiApplier& applier) const;

 private:
  struct Series {
    uint64_t count = 0;
    double sum = 0;
    std::array<uint64_t, kBuckets.size()> buckets{};
  };
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, Series> series_;  // (operation, outcome)
};

// The triggers' counters and gauges per event source mapping (Prometheus text).
std::string TriggersPrometheus(const triggers::TriggerService& triggers);

// GET /contributor-insights?table=NAME[&index=NAME]: the top keys of each rule over the last
// minute, as JSON; and the same (partition keys) for /metrics.
std::string ContributorInsightsJson(const engine::Catalog& catalog, const std::string& table_name,
                                    const std::string& index_name);
std::string InsightsPrometheus(const engine::Catalog& catalog);
// Global tables' replication latency, pending records and records replicated, per region pair.
std::string ReplicationPrometheus(const engine::ReplicationService& replication);

// {"tables":[{"table":..,"region":..,"account":..,"partitions":[{...}], "indexes":[...]}]}
// for every table, or only `table_name` when not empty.
std::string PartitionsJson(const engine::Catalog& catalog, const std::string& table_name);

}  // namespace ddbd
