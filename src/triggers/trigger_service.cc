#include "triggers/trigger_service.h"

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <thread>

#include "common/logging.h"
#include "common/rapidjson.h"
#include "engine/streams.h"
#include "engine/table_meta.h"
#include "triggers/filter.h"
#include "triggers/stream_record_json.h"

namespace ddbd::triggers {
namespace {

constexpr int64_t kRetryBaseUs = 100 * 1000;
constexpr int64_t kRetryMaxUs = 5 * 1000 * 1000;
constexpr size_t kMaxPayloadBytes = 6 * 1024 * 1024;        // synchronous invocation limit
constexpr auto kInvokeTimeout = std::chrono::seconds(900);  // Lambda's longest timeout
constexpr auto kIdlePoll = std::chrono::milliseconds(250);  // Lambda polls 4 times a second

// The table name and label of a stream ARN of (account, region).
bool ParseStreamArn(const EventSourceMapping& m, std::string* table, std::string* label) {
  auto arn = engine::ParseTableArn(m.event_source_arn);
  auto stream_label = arn ? arn->StreamLabel() : std::nullopt;
  if (!stream_label || !arn->Of(m.account, m.region)) return false;
  *table = arn->table;
  *label = *stream_label;
  return true;
}

// The qualifier of a function ARN with a version or alias ("" if none).
std::string QualifierOf(const std::string& function_arn) {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  size_t colons = 0, at = std::string::npos;
  for (size_t i = 0; i < function_arn.size(); ++i) {
    if (function_arn[i] == ':' && ++colons == 7) at = i;
  }
  return at == std::string::npos ? "" : function_arn.substr(at + 1);
}

// The in-memory state of one shard of a worker.
struct ShardState {
  Checkpoint checkpoint;
  bool positioned = false;  // checkpoint.position is known (stored, or set from the start)
  // Sub-batches still owed of a failed batch, as record counts from the checkpoint on (a retry
  // delivers the same records; bisecting splits the front one).
  std::deque<size_t> pending;
  int64_t attempts = 0;  // failed attempts of pending.front()
  int64_t retry_at_us = 0;
  int64_t window_start_us = 0;  // first time a short batch was seen (batching window)
};

}  // namespace

struct TriggerService::Worker {
  std::string uuid;
  std::thread thread;
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::condition_variable cv;
  bool wake = false;  // GUARDED_BY(mu)
  // Written by the worker's thread, read by LastProcessingResult and Stats.
  mutable std::mutex stats_mu;
  TriggerStats stats;                                // GUARDED_BY(stats_mu)
  std::string last_result = "No records processed";  // GUARDED_BY(stats_mu)
  // Owned by the worker's thread.
  std::map<std::string, ShardState> shards;
  bool loaded = false;
  std::string filters_of;  // the patterns `filters` was parsed from
  std::unique_ptr<FilterSet> filters;

  void SetResult(std::string result) {
    std::lock_guard<std::mutex> lock(stats_mu);
    last_result = std::move(result);
  }
};

TriggerService::TriggerService(engine::Catalog* catalog, MappingStore* store,
                               FunctionDirectory functions)
    : catalog_(catalog), store_(store), functions_(std::move(functions)) {
  subscription_ = catalog_->notifier().Subscribe([this](const std::string&) { WakeAll(); });
}

TriggerService::~TriggerService() {
  catalog_->notifier().Unsubscribe(subscription_);
  Stop();
}

void TriggerService::Stop() {
  std::map<std::string, std::unique_ptr<Worker>> workers;
  {
    std::lock_guard<std::mutex> lock(mu_);
    stopped_ = true;
    workers.swap(workers_);
  }
  for (auto& [uuid, w] : workers) {
    w->stop = true;
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->wake = true;
    }
    w->cv.notify_all();
  }
  for (auto& [uuid, w] : workers) {
    if (w->thread.joinable()) w->thread.join();
  }
}

void TriggerService::Sync() {
  std::vector<std::unique_ptr<Worker>> retired;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopped_) return;
    std::map<std::string, bool> wanted;
    for (const auto& m : store_->List()) wanted[m.uuid] = true;
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (!wanted.count(it->first)) {
        it->second->stop = true;
        retired.push_back(std::move(it->second));
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    for (const auto& [uuid, unused] : wanted) {
      if (workers_.count(uuid)) continue;
      auto w = std::make_unique<Worker>();
      w->uuid = uuid;
      Worker* raw = w.get();
      workers_[uuid] = std::move(w);
      raw->thread = std::thread([this, raw] { Run(raw); });
    }
  }
  for (auto& w : retired) {
    {
      std::lock_guard<std::mutex> lock(w->mu);
      w->wake = true;
    }
    w->cv.notify_all();
    if (w->thread.joinable()) w->thread.join();
  }
  WakeAll();  // an updated mapping applies at once
}

void TriggerService::WakeAll() {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto& [uuid, w] : workers_) {
    {
      std::lock_guard<std::mutex> wlock(w->mu);
      w->wake = true;
    }
    w->cv.notify_one();
  }
}

std::string TriggerService::LastProcessingResult(const std::string& uuid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = workers_.find(uuid);
  if (it == workers_.end()) return "No records processed";
  std::lock_guard<std::mutex> slock(it->second->stats_mu);
  return it->second->last_result;
}

std::vector<TriggerStats> TriggerService::Stats() const {
  std::vector<TriggerStats> out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [uuid, w] : workers_) {
    std::lock_guard<std::mutex> slock(w->stats_mu);
    out.push_back(w->stats);
  }
  return out;
}

void TriggerService::Run(Worker* w) {
  while (!w->stop) {
    auto mapping = store_->Get(w->uuid);
    if (!mapping) break;
    {
      std::lock_guard<std::mutex> lock(w->stats_mu);
      w->stats.uuid = mapping->uuid;
      w->stats.function = mapping->function_name;
    }
    bool worked = false;
    if (mapping->enabled) {
      try {
        worked = Pass(w, *mapping);
      } catch (const std::exception& e) {
        DDBD_LOG_ERROR("trigger {}: {}", w->uuid, e.what());
        w->SetResult(std::string("PROBLEM: ") + e.what());
      }
    }
    if (worked) continue;
    std::unique_lock<std::mutex> lock(w->mu);
    w->cv.wait_for(lock, kIdlePoll, [w] { return w->wake || w->stop.load(); });
    w->wake = false;
  }
}

// What a pass reads from and delivers to.
struct TriggerService::Source {
  std::shared_ptr<engine::Table> table;
  std::shared_ptr<const engine::TableMeta> meta;
  const engine::StreamMeta* stream = nullptr;
  FunctionTarget target;
};

namespace {

// A record to deliver, as its event JSON.
struct Candidate {
  uint64_t sequence;
  int64_t time_us;
  std::string json;
};

// The event of the first `*n` records of `batch`, halving `*n` until it fits Lambda's payload
// limit (a single record is sent whatever its size).
std::string BuildEvent(const std::vector<Candidate>& batch, size_t* n) {
  while (true) {
    std::string event = "{\"Records\":[";
    for (size_t i = 0; i < *n; ++i) {
      if (i) event += ',';
      event += batch[i].json;
    }
    event += "]}";
    if (event.size() <= kMaxPayloadBytes || *n == 1) return event;
    *n = std::max<size_t>(1, *n / 2);
  }
}

// How many of the first `n` records of `batch` an invocation delivered: all, a prefix (the
// function's batchItemFailures, when the mapping reports them) or none. Sets `*problem`
// unless all.
size_t CountSucceeded(const Result<InvokeOutcome>& outcome, bool report_batch_item_failures,
                      const std::vector<Candidate>& batch, size_t n, std::string* problem) {
  if (!outcome.ok()) {
    *problem = outcome.status().message();
    return 0;
  }
  if (outcome->function_error) {
    *problem = outcome->problem;
    return 0;
  }
  if (!report_batch_item_failures) return n;
  rapidjson::Document response;
  response.Parse(outcome->payload.data(), outcome->payload.size());
  if (response.HasParseError() || !response.IsObject()) return n;
  auto failures = response.FindMember("batchItemFailures");
  if (failures == response.MemberEnd() || !failures->value.IsArray()) return n;
  size_t succeeded = n;
  for (const auto& f : failures->value.GetArray()) {
    size_t index = 0;  // a failure that names no record of the batch fails it all
    if (f.IsObject()) {
      auto id = f.FindMember("itemIdentifier");
      if (id != f.MemberEnd() && id->value.IsString()) {
        auto seq = engine::ParseStreamSequenceNumber(
            std::string_view(id->value.GetString(), id->value.GetStringLength()));
        for (size_t i = 0; seq && i < n; ++i) {
          if (batch[i].sequence == *seq) index = i;
        }
      }
    }
    succeeded = std::min(succeeded, index);
  }
  if (succeeded < n) *problem = "function reported batch item failures";
  return succeeded;
}

}  // namespace

// The stream, its table and the function of a mapping, with the worker's checkpoints loaded
// and filters parsed; nullopt (and the problem recorded) if one is missing.
std::optional<TriggerService::Source> TriggerService::Prepare(Worker* w,
                                                              const EventSourceMapping& m) {
  std::string table_name, label;
  Source source;
  if (ParseStreamArn(m, &table_name, &label)) {
    source.table = catalog_->Find(m.account, m.region, table_name);
  }
  if (source.table) {
    source.meta = source.table->shared_meta();
    for (const auto& s : source.meta->streams) {
      if (s.label == label) source.stream = &s;
    }
  }
  if (source.stream == nullptr) {
    w->SetResult("PROBLEM: Stream not found");
    return std::nullopt;
  }
  std::optional<FunctionTarget> target = functions_.Find(m.function_name);
  if (!target) {
    w->SetResult("PROBLEM: Function not found");
    return std::nullopt;
  }
  source.target = std::move(*target);
  if (!w->loaded) {
    auto stored = store_->Checkpoints(m.uuid);
    if (!stored.ok()) {
      w->SetResult("PROBLEM: " + stored.status().message());
      return std::nullopt;
    }
    for (const auto& [shard_id, cp] : *stored) {
      w->shards[shard_id].checkpoint = cp;
      w->shards[shard_id].positioned = true;
    }
    w->loaded = true;
  }
  std::string patterns;
  for (const auto& p : m.filter_patterns) patterns += p + '\n';
  if (!w->filters || patterns != w->filters_of) {
    auto parsed = FilterSet::Parse(m.filter_patterns);
    if (!parsed.ok()) {
      w->SetResult("PROBLEM: " + parsed.status().message());
      return std::nullopt;
    }
    w->filters = std::move(*parsed);
    w->filters_of = patterns;
  }
  return source;
}

// One pass over the stream's shards; true if it delivered, skipped or checkpointed anything.
bool TriggerService::Pass(Worker* w, const EventSourceMapping& m) {
  std::optional<Source> source = Prepare(w, m);
  if (!source) return false;
  const auto& shards = source->stream->shards;
  bool worked = false;
  for (const engine::ShardMeta& shard : shards) {
    if (w->stop) return worked;
    if (w->shards[shard.id].checkpoint.done) continue;
    if (!shard.parent_id.empty()) {
      auto parent = w->shards.find(shard.parent_id);
      bool parent_listed = std::any_of(shards.begin(), shards.end(),
                                       [&](const auto& s) { return s.id == shard.parent_id; });
      if (parent_listed && (parent == w->shards.end() || !parent->second.checkpoint.done)) {
        continue;  // parents first: one key's records stay in order
      }
    }
    worked |= PassShard(w, m, *source, shard);
  }
  return worked;
}

// Reads the shard from its checkpoint and delivers one batch, if one is due.
bool TriggerService::PassShard(Worker* w, const EventSourceMapping& m, const Source& source,
                               const engine::ShardMeta& shard) {
  ShardState& st = w->shards[shard.id];
  auto save = [&]() {
    Status s = store_->SaveCheckpoint(m.uuid, shard.id, st.checkpoint);
    if (!s.ok()) DDBD_LOG_ERROR("trigger {}: checkpoint not saved: {}", m.uuid, s.ToString());
    return s.ok();
  };
  if (!st.positioned) {
    auto horizon = engine::ShardHorizon(*source.table, shard);
    if (!horizon.ok()) return false;
    st.checkpoint.position = *horizon;
    if (m.starting_position == "LATEST") {
      st.checkpoint.position = std::max(st.checkpoint.position, m.latest_position);
    }
    st.positioned = true;
    if (!save()) return false;
  }
  const int64_t now = catalog_->clock().NowMicros();
  if (now < st.retry_at_us) return false;

  auto read = engine::ReadShard(*source.table, *source.stream, shard, st.checkpoint.position,
                                static_cast<size_t>(m.batch_size));
  if (!read.ok()) {
    if (read.status().code() != ErrorCode::kTrimmedDataAccess) {
      w->SetResult("PROBLEM: " + read.status().message());
      return false;
    }
    // Fell more than 24 hours behind: those records are gone from the stream.
    auto horizon = engine::ShardHorizon(*source.table, shard);
    if (!horizon.ok()) return false;
    DDBD_LOG_WARN("trigger {}: shard {} records trimmed before delivery", m.uuid, shard.id);
    st.checkpoint.position = *horizon;
    st.pending.clear();
    st.attempts = 0;
    return save();
  }

  // The records to deliver: matching the filters and young enough.
  std::vector<Candidate> batch;
  size_t too_old = 0;
  for (const auto& record : read->records) {
    if (m.maximum_record_age_seconds >= 0 &&
        now - record.record.time_us > m.maximum_record_age_seconds * 1000000) {
      ++too_old;
      continue;
    }
    rapidjson::StringBuffer buffer;
    model::JsonWriter writer(buffer);
    WriteStreamRecord(writer, *source.meta, *source.stream, record, RecordReader::kLambda);
    std::string json(buffer.GetString(), buffer.GetSize());
    if (!w->filters->Matches(json)) continue;
    batch.push_back({record.record.sequence, record.record.time_us, std::move(json)});
  }
  if (too_old > 0) {
    std::lock_guard<std::mutex> lock(w->stats_mu);
    w->stats.records_discarded += too_old;
    st.pending.clear();  // the retried batch is not the same any more
    st.attempts = 0;
  }
  if (batch.empty()) {
    if (read->closed_and_done) st.checkpoint.done = true;
    if (read->position == st.checkpoint.position && !st.checkpoint.done) return false;
    st.checkpoint.position = read->position;
    return save();
  }
  // The batching window: a short batch waits for more records, up to the window.
  if (st.pending.empty() && m.batching_window_seconds > 0 &&
      read->records.size() < static_cast<size_t>(m.batch_size) && !read->closed_and_done) {
    if (st.window_start_us == 0) st.window_start_us = now;
    if (now - st.window_start_us < m.batching_window_seconds * 1000000) return false;
  }
  st.window_start_us = 0;
  size_t n = st.pending.empty() ? batch.size() : std::min(st.pending.front(), batch.size());
  const std::string event = BuildEvent(batch, &n);
  const bool whole_read = n == batch.size();
  {
    std::lock_guard<std::mutex> lock(w->stats_mu);
    w->stats.invocations++;
    w->stats.iterator_age_seconds = static_cast<double>(now - batch[n - 1].time_us) / 1e6;
  }
  auto outcome = Invoke(source.target, m.function_name, QualifierOf(m.function_arn), event,
                        kInvokeTimeout, &w->stop);
  if (w->stop) return false;  // abandoned: the batch is delivered again after a restart

  std::string problem;
  const size_t succeeded =
      CountSucceeded(outcome, m.report_batch_item_failures, batch, n, &problem);
  {
    std::lock_guard<std::mutex> lock(w->stats_mu);
    w->stats.records_delivered += succeeded;
    if (succeeded < n) w->stats.failed_invocations++;
    w->last_result = succeeded == n ? "OK" : "PROBLEM: Function call failed";
  }
  if (succeeded == n) {
    st.checkpoint.position =
        whole_read && st.pending.empty() ? read->position : batch[n - 1].sequence;
    if (!st.pending.empty()) st.pending.pop_front();
    st.attempts = 0;
    save();
    return true;
  }
  DDBD_LOG_INFO("trigger {}: batch of {} records failed: {}", m.uuid, n, problem);
  if (succeeded > 0) {
    st.checkpoint.position = batch[succeeded - 1].sequence;
    save();
  }
  const size_t remaining = n - succeeded;
  if (!st.pending.empty()) st.pending.pop_front();
  if (succeeded == 0 && m.bisect_batch_on_function_error && remaining > 1) {
    // Split in halves and retry each; a split is not a retry.
    st.pending.push_front(remaining / 2);
    st.pending.push_front((remaining + 1) / 2);
    st.attempts = 0;
    return true;
  }
  st.pending.push_front(remaining);
  st.attempts++;
  if (m.maximum_retry_attempts >= 0 && st.attempts > m.maximum_retry_attempts) {
    // Retries exhausted: the records are discarded, as Lambda does without an on-failure
    // destination.
    DDBD_LOG_WARN("trigger {}: discarding {} records after {} attempts", m.uuid, remaining,
                  st.attempts);
    st.checkpoint.position = batch[n - 1].sequence;
    st.pending.pop_front();
    st.attempts = 0;
    {
      std::lock_guard<std::mutex> lock(w->stats_mu);
      w->stats.records_discarded += remaining;
    }
    save();
    return true;
  }
  st.retry_at_us =
      now + std::min(kRetryMaxUs, kRetryBaseUs << std::min<int64_t>(st.attempts - 1, 6));
  return true;
}

}  // namespace ddbd::triggers
