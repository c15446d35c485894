// Event source mappings (Lambda triggers on DynamoDB streams): what one is, and where it is
// kept (docs/streams.md).
//
// A mapping names a stream (by ARN), a function (by name; the server's --lambda-endpoint and
// --lambda-function options say where it runs) and how batches are made and retried. Mappings
// and their per-shard checkpoints live in the catalog family:
//   esm/<uuid>                 the mapping, as JSON
//   esm-cp/<uuid>/<shard id>   the shard's checkpoint: fixed64 position (the last change-log
//                              sequence delivered or skipped) + 1 byte, 1 once the shard is done
// Thread-compatible values; MappingStore is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "storage/rocks.h"

namespace ddbd::triggers {

struct EventSourceMapping {
  std::string uuid;
  std::string account;
  std::string region;
  std::string event_source_arn;  // arn:aws:dynamodb:REGION:ACCOUNT:table/T/stream/LABEL
  std::string function_name;     // the bare name: what --lambda-function names
  std::string function_arn;      // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  bool enabled = true;
  int64_t batch_size = 100;
  int64_t batching_window_seconds = 0;
  std::string starting_position;  // TRIM_HORIZON | LATEST
  int64_t parallelization_factor = 1;
  int64_t maximum_retry_attempts = -1;      // -1: until the records expire
  int64_t maximum_record_age_seconds = -1;  // -1: until the records expire
  bool bisect_batch_on_function_error = false;
  int64_t tumbling_window_seconds = 0;
  bool report_batch_item_failures = false;   // FunctionResponseTypes
  std::vector<std::string> filter_patterns;  // FilterCriteria.Filters[].Pattern, as given
  int64_t created_ms = 0;
  int64_t last_modified_ms = 0;
  // With LATEST: the stream's position when the mapping was made (later records only).
  uint64_t latest_position = 0;

  std::string Arn() const {
    return "arn:aws:lambda:" + region + ":" + account + ":event-source-mapping:" + uuid;
  }
};

std::string EncodeMapping(const EventSourceMapping& mapping);
Result<EventSourceMapping> DecodeMapping(std::string_view json);

struct Checkpoint {
  uint64_t position = 0;
  bool done = false;
};

// The mappings of every account and region, cached in memory, written through to the store.
class MappingStore {
 public:
  // Loads every mapping. REQUIRES: store outlives this.
  static Result<std::unique_ptr<MappingStore>> Open(storage::Store* store);

  Status Put(const EventSourceMapping& mapping);
  // Deletes the mapping and its checkpoints.
  Status Delete(const std::string& uuid);
  std::optional<EventSourceMapping> Get(const std::string& uuid) const;
  // Every mapping, oldest first.
  std::vector<EventSourceMapping> List() const;
  // Bumped by every Put and Delete (workers notice changes).
  uint64_t version() const;

  Result<std::map<std::string, Checkpoint>> Checkpoints(const std::string& uuid) const;
  Status SaveCheckpoint(const std::string& uuid, const std::string& shard_id,
                        const Checkpoint& checkpoint);

 private:
  explicit MappingStore(storage::Store* store) : store_(store) {}

  storage::Store* store_;
  mutable std::mutex mu_;
  std::map<std::string, EventSourceMapping> mappings_;  // GUARDED_BY(mu_)
  uint64_t version_ = 0;                                // GUARDED_BY(mu_)
};

}  // namespace ddbd::triggers
