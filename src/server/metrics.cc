#include "server/metrics.h"

#include <cstdio>

#include "engine/catalog.h"
#include "engine/gsi_applier.h"
#include "engine/replication.h"
#include "triggers/trigger_service.h"

namespace ddbd {
namespace {

std::string Number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%.10g", v);
  return buf;
}

std::string Labels(std::initializer_list<std::pair<const char*, std::string>> labels) {
  std::string out = "{";
  bool first = true;
  for (const auto& [k, v] : labels) {
    if (!first) out += ",";
    first = false;
    out += k;
    out += "=\"";
    for (char c : v) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += "\"";
  }
  return out + "}";
}

std::string Hex(uint64_t v) {
  char buf[24];
  std::snprintf(buf, sizeof(buf), "0x%016llx", static_cast<unsigned long long>(v));
  return buf;
}

}  // namespace

void RequestMetrics::Record(const std::string& operation, const std::string& outcome,
                            double seconds) {
  std::lock_guard lock(mu_);
  Series& s = series_[{operation, outcome}];
  ++s.count;
  s.sum += seconds;
  for (size_t i = 0; i < kBuckets.size(); ++i) {
    if (seconds <= kBuckets[i]) ++s.buckets[i];
  }
}

std::string RequestMetrics::Prometheus(const engine::Catalog& catalog,
                                       const engine::GsiApplier& applier) const {
  std::string out;
  out += "# HELP ddbd_requests_total Requests by operation and outcome (OK or error type).\n";
  out += "# TYPE ddbd_requests_total counter\n";
  std::map<std::pair<std::string, std::string>, Series> series;
  {
    std::lock_guard lock(mu_);
    series = series_;
  }
  for (const auto& [key, s] : series) {
    out += "ddbd_requests_total" + Labels({{"operation", key.first}, {"outcome", key.second}}) +
           " " + std::to_string(s.count) + "\n";
  }
  out += "# HELP ddbd_request_duration_seconds Request latency by operation.\n";
  out += "# TYPE ddbd_request_duration_seconds histogram\n";
  std::map<std::string, Series> per_op;
  for (const auto& [key, s] : series) {
    Series& t = per_op[key.first];
    t.count += s.count;
    t.sum += s.sum;
    for (size_t i = 0; i < kBuckets.size(); ++i) t.buckets[i] += s.buckets[i];
  }
  for (const auto& [op, s] : per_op) {
    for (size_t i = 0; i < kBuckets.size(); ++i) {
      out += "ddbd_request_duration_seconds_bucket" +
             Labels({{"operation", op}, {"le", Number(kBuckets[i])}}) + " " +
             std::to_string(s.buckets[i]) + "\n";
    }
    out += "ddbd_request_duration_seconds_bucket" + Labels({{"operation", op}, {"le", "+Inf"}}) +
           " " + std::to_string(s.count) + "\n";
    out += "ddbd_request_duration_seconds_sum" + Labels({{"operation", op}}) + " " + Number(s.sum) +
           "\n";
    out += "ddbd_request_duration_seconds_count" + Labels({{"operation", op}}) + " " +
           std::to_string(s.count) + "\n";
  }

  auto tables = catalog.AllTables();
  out += "# HELP ddbd_tables Number of tables.\n# TYPE ddbd_tables gauge\n";
  out += "ddbd_tables " + std::to_string(tables.size()) + "\n";
  std::string partitions, consumed_read, consumed_write, throttles, sizes, table_items;
  for (const auto& table : tables) {
    auto stats = catalog.Stats(*table);
    table_items += "ddbd_table_items" + Labels({{"table", table->name()}}) + " " +
                   std::to_string(stats.item_count) + "\n";
    auto views = table->partitions().Snapshot();
    partitions += "ddbd_table_partitions" + Labels({{"table", table->name()}}) + " " +
                  std::to_string(views.size()) + "\n";
    for (size_t i = 0; i < views.size(); ++i) {
      const auto& v = views[i];
      std::string p = std::to_string(i);
      consumed_read += "ddbd_consumed_read_units_total" +
                       Labels({{"table", table->name()}, {"partition", p}}) + " " +
                       Number(v.consumed_read_units) + "\n";
      consumed_write += "ddbd_consumed_write_units_total" +
                        Labels({{"table", table->name()}, {"partition", p}}) + " " +
                        Number(v.consumed_write_units) + "\n";
      throttles += "ddbd_throttled_requests_total" +
                   Labels({{"table", table->name()}, {"partition", p}, {"kind", "read"}}) + " " +
                   std::to_string(v.throttled_reads) + "\n";
      throttles += "ddbd_throttled_requests_total" +
                   Labels({{"table", table->name()}, {"partition", p}, {"kind", "write"}}) + " " +
                   std::to_string(v.throttled_writes) + "\n";
      sizes += "ddbd_partition_bytes" + Labels({{"table", table->name()}, {"partition", p}}) + " " +
               std::to_string(v.bytes) + "\n";
    }
  }
  out += "# HELP ddbd_table_items Items per table.\n# TYPE ddbd_table_items gauge\n" + table_items;
  out +=
      "# HELP ddbd_table_partitions Partitions per table.\n# TYPE ddbd_table_partitions gauge\n" +
      partitions;
  out += "# HELP ddbd_partition_bytes Bytes per partition.\n# TYPE ddbd_partition_bytes gauge\n" +
         sizes;
  out +=
      "# HELP ddbd_consumed_read_units_total Read capacity units consumed.\n"
      "# TYPE ddbd_consumed_read_units_total counter\n" +
      consumed_read;
  out +=
      "# HELP ddbd_consumed_write_units_total Write capacity units consumed.\n"
      "# TYPE ddbd_consumed_write_units_total counter\n" +
      consumed_write;
  out +=
      "# HELP ddbd_throttled_requests_total Requests throttled.\n"
      "# TYPE ddbd_throttled_requests_total counter\n" +
      throttles;

  // The change log: what each table's log keeps, and where its consumers are.
  std::string log_records, log_first, log_last, log_cursors;
  for (const auto& table : tables) {
    auto state = table->log().State();
    if (!state.ok()) continue;
    auto labels = Labels({{"table", table->name()}});
    log_records += "ddbd_change_log_records" + labels + " " + std::to_string(state->records) + "\n";
    log_first += "ddbd_change_log_first_sequence" + labels + " " +
                 std::to_string(state->first_sequence) + "\n";
    log_last += "ddbd_change_log_last_sequence" + labels + " " +
                std::to_string(state->last_sequence) + "\n";
    for (const auto& cursor : state->cursors) {
      log_cursors += "ddbd_change_log_cursor" +
                     Labels({{"table", table->name()}, {"consumer", cursor.consumer}}) + " " +
                     std::to_string(cursor.sequence) + "\n";
    }
  }
  out +=
      "# HELP ddbd_change_log_records Change-log records kept.\n"
      "# TYPE ddbd_change_log_records gauge\n" +
      log_records;
  out +=
      "# HELP ddbd_change_log_first_sequence Oldest change-log record kept (0: none).\n"
      "# TYPE ddbd_change_log_first_sequence gauge\n" +
      log_first;
  out +=
      "# HELP ddbd_change_log_last_sequence Newest change-log sequence number.\n"
      "# TYPE ddbd_change_log_last_sequence gauge\n" +
      log_last;
  out +=
      "# HELP ddbd_change_log_cursor Last record each consumer has consumed.\n"
      "# TYPE ddbd_change_log_cursor gauge\n" +
      log_cursors;

  // The write path's health (disk space, failed writes).
  auto health = catalog.store()->health();
  out +=
      "# HELP ddbd_storage_writable 1 while writes are accepted (0: disk full or storage "
      "error, recovering).\n# TYPE ddbd_storage_writable gauge\n";
  out += "ddbd_storage_writable " + std::string(health.writable ? "1" : "0") + "\n";
  out +=
      "# HELP ddbd_storage_free_bytes Free space of the data directory's file system.\n"
      "# TYPE ddbd_storage_free_bytes gauge\n";
  out += "ddbd_storage_free_bytes " + std::to_string(health.free_bytes) + "\n";
  out +=
      "# HELP ddbd_storage_failed_writes_total Writes refused or failed by the storage.\n"
      "# TYPE ddbd_storage_failed_writes_total counter\n";
  out += "ddbd_storage_failed_writes_total " + std::to_string(health.failed_writes) + "\n";

  // Long background jobs.
  auto jobs = catalog.jobs().List();
  out +=
      "# HELP ddbd_background_job_done Units done by a running background job.\n"
      "# TYPE ddbd_background_job_done gauge\n";
  for (const auto& job : jobs) {
    out += "ddbd_background_job_done" +
           Labels({{"kind", job.kind}, {"table", job.table}, {"detail", job.detail}}) + " " +
           std::to_string(job.done) + "\n";
  }
  out +=
      "# HELP ddbd_background_job_total Units a running background job expects (0: unknown).\n"
      "# TYPE ddbd_background_job_total gauge\n";
  for (const auto& job : jobs) {
    out += "ddbd_background_job_total" +
           Labels({{"kind", job.kind}, {"table", job.table}, {"detail", job.detail}}) + " " +
           std::to_string(job.total) + "\n";
  }

  auto lags = applier.Lags();
  out +=
      "# HELP ddbd_gsi_lag_records Change-log records not yet applied to a global secondary "
      "index.\n# TYPE ddbd_gsi_lag_records gauge\n";
  for (const auto& lag : lags) {
    out += "ddbd_gsi_lag_records" + Labels({{"table", lag.table}, {"index", lag.index}}) + " " +
           std::to_string(lag.records) + "\n";
  }
  out +=
      "# HELP ddbd_gsi_lag_seconds Age of the oldest change not yet applied to a global "
      "secondary index.\n# TYPE ddbd_gsi_lag_seconds gauge\n";
  for (const auto& lag : lags) {
    out += "ddbd_gsi_lag_seconds" + Labels({{"table", lag.table}, {"index", lag.index}}) + " " +
           Number(lag.oldest_seconds) + "\n";
  }
  out +=
      "# HELP ddbd_gsi_backfilling 1 while a global secondary index is backfilling.\n"
      "# TYPE ddbd_gsi_backfilling gauge\n";
  for (const auto& lag : lags) {
    out += "ddbd_gsi_backfilling" + Labels({{"table", lag.table}, {"index", lag.index}}) + " " +
           (lag.backfilling ? "1" : "0") + "\n";
  }
  return out;
}

std::string PartitionsJson(const engine::Catalog& catalog, const std::string& table_name) {
  auto view_json = [](const engine::PartitionView& v) {
    std::string out = "{";
    out += "\"begin\":\"" + Hex(v.begin) + "\",\"end\":\"" +
           (v.end == 0 ? std::string("0x10000000000000000") : Hex(v.end)) + "\"";
    out += ",\"items\":" + std::to_string(v.items) + ",\"bytes\":" + std::to_string(v.bytes);
    out += ",\"readCapacityPerSecond\":" + Number(v.read_rate) +
           ",\"writeCapacityPerSecond\":" + Number(v.write_rate);
    out +=
        ",\"readTokens\":" + Number(v.read_tokens) + ",\"writeTokens\":" + Number(v.write_tokens);
    out += ",\"consumedReadUnits\":" + Number(v.consumed_read_units) +
           ",\"consumedWriteUnits\":" + Number(v.consumed_write_units);
    out += ",\"recentWriteUnitsPerSecond\":" + Number(v.recent_write_units_per_second);
    out += ",\"throttledReads\":" + std::to_string(v.throttled_reads) +
           ",\"throttledWrites\":" + std::to_string(v.throttled_writes) + "}";
    return out;
  };
  std::string out = "{\"tables\":[";
  bool first_table = true;
  for (const auto& table : catalog.AllTables()) {
    if (!table_name.empty() && table->name() != table_name) continue;
    auto meta = table->meta();
    if (!first_table) out += ",";
    first_table = false;
    out += "{\"table\":\"" + meta.name + "\",\"account\":\"" + meta.account + "\",\"region\":\"" +
           meta.region + "\",\"partitions\":[";
    auto views = table->partitions().Snapshot();
    for (size_t i = 0; i < views.size(); ++i) out += (i ? "," : "") + view_json(views[i]);
    out += "],\"globalSecondaryIndexes\":[";
    bool first_index = true;
    for (const auto& index : meta.indexes) {
      if (!index.global) continue;
      auto* map = table->IndexPartitions(index.id);
      if (map == nullptr) continue;
      if (!first_index) out += ",";
      first_index = false;
      out += "{\"index\":\"" + index.name + "\",\"partitions\":[";
      auto index_views = map->Snapshot();
      for (size_t i = 0; i < index_views.size(); ++i) {
        out += (i ? "," : "") + view_json(index_views[i]);
      }
      out += "]}";
    }
    out += "]}";
  }
  return out + "]}";
}

std::string TriggersPrometheus(const triggers::TriggerService& triggers) {
  const auto stats = triggers.Stats();
  std::string out;
  auto series = [&](const char* name, const char* type, const char* help, auto value) {
    out += std::string("# HELP ") + name + " " + help + "\n";
    out += std::string("# TYPE ") + name + " " + type + "\n";
    for (const auto& s : stats) {
      out += name + Labels({{"mapping", s.uuid}, {"function", s.function}}) + " " + value(s) + "\n";
    }
  };
  series("ddbd_trigger_records_delivered_total", "counter",
         "Stream records a trigger's function accepted.",
         [](const auto& s) { return std::to_string(s.records_delivered); });
  series("ddbd_trigger_records_discarded_total", "counter",
         "Stream records a trigger gave up on (retries or record age exhausted).",
         [](const auto& s) { return std::to_string(s.records_discarded); });
  series("ddbd_trigger_invocations_total", "counter", "Invocations of a trigger's function.",
         [](const auto& s) { return std::to_string(s.invocations); });
  series("ddbd_trigger_invocations_failed_total", "counter",
         "Invocations that failed (errors, function errors, reported item failures).",
         [](const auto& s) { return std::to_string(s.failed_invocations); });
  series("ddbd_trigger_iterator_age_seconds", "gauge",
         "Age of the newest record of a trigger's last batch when it was sent.",
         [](const auto& s) { return std::to_string(s.iterator_age_seconds); });
  return out;
}

namespace {

std::string JsonString(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20) {
      char buf[8];
      std::snprintf(buf, sizeof(buf), "\\u%04x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  return out + "\"";
}

constexpr size_t kInsightsTop = 10;

}  // namespace

std::string ContributorInsightsJson(const engine::Catalog& catalog, const std::string& table_name,
                                    const std::string& index_name) {
  std::string out = "{\"tables\":[";
  bool first_table = true;
  for (const auto& table : catalog.AllTables()) {
    if (table->name() != table_name) continue;
    auto meta = table->shared_meta();
    const auto* setting = meta->FindInsights(index_name);
    if (!first_table) out += ",";
    first_table = false;
    out += "{\"table\":" + JsonString(meta->name) + ",\"account\":" + JsonString(meta->account) +
           ",\"region\":" + JsonString(meta->region);
    if (!index_name.empty()) out += ",\"index\":" + JsonString(index_name);
    out += ",\"enabled\":";
    out += setting != nullptr && setting->enabled ? "true" : "false";
    out += ",\"windowSeconds\":" + std::to_string(engine::InsightsTracker::kBuckets *
                                                  engine::InsightsTracker::kBucketSeconds);
    auto top = catalog.insights().TopN(meta->table_id, index_name, kInsightsTop);
    auto list = [&](const char* name, const std::vector<engine::InsightsTracker::Entry>& entries,
                    bool with_sort) {
      out += std::string(",\"") + name + "\":[";
      for (size_t i = 0; i < entries.size(); ++i) {
        out += i ? "," : "";
        out += "{\"partitionKey\":" + JsonString(entries[i].partition_key);
        if (with_sort && !entries[i].sort_key.empty()) {
          out += ",\"sortKey\":" + JsonString(entries[i].sort_key);
        }
        out += ",\"count\":" + Number(entries[i].count) + "}";
      }
      out += "]";
    };
    list("mostAccessedPartitionKeys", top.partition_accessed, false);
    list("mostAccessedKeys", top.key_accessed, true);
    list("mostThrottledPartitionKeys", top.partition_throttled, false);
    list("mostThrottledKeys", top.key_throttled, true);
    out += "}";
  }
  return out + "]}";
}

std::string InsightsPrometheus(const engine::Catalog& catalog) {
  std::string out =
      "# HELP ddbd_contributor_insights_top Most accessed (capacity units) and throttled "
      "(requests) partition keys over the last minute, where contributor insights are on.\n"
      "# TYPE ddbd_contributor_insights_top gauge\n";
  for (const auto& table : catalog.AllTables()) {
    auto meta = table->shared_meta();
    for (const auto& setting : meta->insights) {
      if (!setting.enabled) continue;
      auto top = catalog.insights().TopN(meta->table_id, setting.index, kInsightsTop);
      auto emit = [&](const char* rule, const std::vector<engine::InsightsTracker::Entry>& e) {
        for (size_t i = 0; i < e.size(); ++i) {
          out += "ddbd_contributor_insights_top" +
                 Labels({{"table", meta->name},
                         {"index", setting.index},
                         {"rule", rule},
                         {"rank", std::to_string(i + 1)},
                         {"key", e[i].partition_key}}) +
                 " " + Number(e[i].count) + "\n";
        }
      };
      emit("accessed", top.partition_accessed);
      emit("throttled", top.partition_throttled);
    }
  }
  return out;
}

std::string ReplicationPrometheus(const engine::ReplicationService& replication) {
  std::string out =
      "# HELP ddbd_replication_latency_seconds Global tables: time from a write's commit in its "
      "region to its commit in another (the service's ReplicationLatency), over the last 1000 "
      "records replicated.\n"
      "# TYPE ddbd_replication_latency_seconds gauge\n";
  std::string pending =
      "# HELP ddbd_replication_pending_records Global tables: change-log records of a region "
      "not yet replicated to another.\n"
      "# TYPE ddbd_replication_pending_records gauge\n";
  std::string total =
      "# HELP ddbd_replication_records_total Global tables: records replicated from a region "
      "to another since start.\n"
      "# TYPE ddbd_replication_records_total counter\n";
  for (const auto& lag : replication.Lags()) {
    const std::string labels = Labels({{"account", lag.account},
                                       {"table", lag.table},
                                       {"source_region", lag.source},
                                       {"target_region", lag.target}});
    const std::string quantile = Labels({{"account", lag.account},
                                         {"table", lag.table},
                                         {"source_region", lag.source},
                                         {"target_region", lag.target},
                                         {"quantile", "0.99"}});
    out += "ddbd_replication_latency_seconds" + quantile + " " + Number(lag.p99_seconds) + "\n";
    pending +=
        "ddbd_replication_pending_records" + labels + " " + std::to_string(lag.pending) + "\n";
    total +=
        "ddbd_replication_records_total" + labels + " " + std::to_string(lag.replicated) + "\n";
  }
  return out + pending + total;
}

}  // namespace ddbd
