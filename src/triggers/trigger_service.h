// Lambda triggers: delivers the records of DynamoDB streams to functions, per event source
// mapping (docs/streams.md, "Triggers").
//
// One worker thread per mapping reads the stream's shards as a consumer would (a child shard
// only after its parent is done), builds batches (BatchSize, MaximumBatchingWindowInSeconds,
// FilterCriteria, MaximumRecordAgeInSeconds, the 6 MB payload limit), invokes the function
// synchronously (triggers/invoker.h) and, once the batch succeeded, was discarded after its
// retries, or was filtered out, writes the shard's checkpoint (triggers/mapping.h). A crash
// between an invocation and its checkpoint re-delivers that one batch, as Lambda may; nothing
// acknowledged is lost. A failed batch is retried (100 ms, doubling up to 5 s) until it
// succeeds, its records expire, or MaximumRetryAttempts is reached; with
// BisectBatchOnFunctionError it is split in halves first (splits do not count as retries);
// with ReportBatchItemFailures the batch resumes at the lowest failed sequence number.
// Records are trimmed from the stream after 24 hours whether or not a trigger delivered them,
// as with the service.
//
// Thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "engine/catalog.h"
#include "triggers/invoker.h"
#include "triggers/mapping.h"

namespace ddbd::triggers {

// What a mapping's worker has done since the server started (/metrics).
struct TriggerStats {
  std::string uuid;
  std::string function;
  uint64_t records_delivered = 0;
  uint64_t records_discarded = 0;  // retries or record age exhausted
  uint64_t invocations = 0;
  uint64_t failed_invocations = 0;
  double iterator_age_seconds = 0;  // age of the newest record of the last batch
};

class TriggerService {
 public:
  // REQUIRES: catalog and store outlive the service.
  TriggerService(engine::Catalog* catalog, MappingStore* store, FunctionDirectory functions);
  ~TriggerService();  // stops the workers

  // Starts or stops workers to match the stored mappings (at start and after every change).
  void Sync();
  // Stops every worker (interrupting invocations in flight). Idempotent.
  void Stop();

  MappingStore& store() { return *store_; }
  const FunctionDirectory& functions() const { return functions_; }
  // "No records processed", "OK" or "PROBLEM: ...".
  std::string LastProcessingResult(const std::string& uuid) const;
  std::vector<TriggerStats> Stats() const;

 private:
  struct Worker;
  struct Source;
  void Run(Worker* worker);
  std::optional<Source> Prepare(Worker* worker, const EventSourceMapping& mapping);
  bool Pass(Worker* worker, const EventSourceMapping& mapping);
  bool PassShard(Worker* worker, const EventSourceMapping& mapping, const Source& source,
                 const engine::ShardMeta& shard);
  void WakeAll();

  engine::Catalog* catalog_;
  MappingStore* store_;
  const FunctionDirectory functions_;
  uint64_t subscription_ = 0;
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Worker>> workers_;  // GUARDED_BY(mu_)
  bool stopped_ = false;                                    // GUARDED_BY(mu_)
};

}  // namespace ddbd::triggers
