// DynamoDB Streams over the change log (docs/streams.md).
//
// A stream is a view of its table's change log: from the record after it was enabled to the
// last one before it was disabled. It is a consumer of the log through a 24-hour hold
// ("stream/<label>"), so its records stay readable for 24 hours and are trimmed after.
//
// Shards follow the table's partitions: enabling a stream opens one shard per partition; when a
// partition splits, SyncShards closes its shard at the log's last sequence and opens a shard per
// new partition with the closed one as parent. A record belongs to the shard whose hash range
// holds its item's partition key and whose sequence window holds its sequence number, so one
// item's records are in one shard at a time, in the order of its writes, each exactly once.
//
// Stream sequence numbers are the log's sequence numbers followed by 20 zeros (numeric strings
// of 21+ digits, increasing within a shard).
// Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

#include "changelog/record.h"
#include "engine/catalog.h"
#include "engine/table_meta.h"

namespace ddbd::engine {

constexpr int64_t kStreamRetentionSeconds = 24 * 3600;

// yyyy-MM-ddTHH:mm:ss.SSS (UTC) of a time in milliseconds since the epoch.
std::string StreamLabel(int64_t ms);
std::string StreamSequenceNumber(uint64_t log_sequence);
// The log sequence of a stream sequence number; nullopt if it is not one of ours.
std::optional<uint64_t> ParseStreamSequenceNumber(std::string_view text);
// The consumer name of a stream's hold on the change log.
std::string StreamConsumer(const StreamMeta& stream);

// Adds an enabled stream to `meta` (inside Catalog::Modify; `batch` gets the log hold).
// REQUIRES: no stream enabled.
Status EnableStream(Catalog& catalog, Table& table, TableMeta* meta, storage::WriteBatch* batch,
                    StreamViewType view_type);
// Disables the enabled stream of `meta` (inside Catalog::Modify): its shards close at the log's
// last record; it stays readable for 24 hours.
Status DisableStream(Catalog& catalog, Table& table, TableMeta* meta);
// Brings the enabled stream's shards in line with the table's partitions (after a split).
Status SyncShards(Catalog& catalog, Table& table);
// Forgets streams disabled more than 24 hours ago, releasing their holds.
Status PruneStreams(Catalog& catalog, Table& table);

// One record of a shard, as a stream shows it.
struct StreamRecord {
  changelog::Record record;
  size_t size_bytes = 0;  // Keys + the images the view type shows, by item size
};

// What reading a shard returned.
struct ShardRead {
  std::vector<StreamRecord> records;
  uint64_t position = 0;         // the last sequence examined: the next read starts after it
  bool closed_and_done = false;  // a closed shard read to its end: no next iterator
};

// The first sequence a read of `shard` can start after at TRIM_HORIZON.
Result<uint64_t> ShardHorizon(const Table& table, const ShardMeta& shard);
// Reads the records of `shard` after `position`: at most `limit` records and about 1 MB.
// TrimmedDataAccessException if records after `position` were trimmed.
Result<ShardRead> ReadShard(const Table& table, const StreamMeta& stream, const ShardMeta& shard,
                            uint64_t position, size_t limit);
// Shards whose records are all trimmed are no longer shown.
Result<bool> ShardTrimmed(const Table& table, const ShardMeta& shard);

}  // namespace ddbd::engine
