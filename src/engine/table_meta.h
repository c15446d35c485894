// A table's descriptor: everything CreateTable/UpdateTable define and DescribeTable reports
// (except live counters). Persisted in the catalog family with a versioned binary encoding.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "model/attribute_value.h"

namespace ddbd::engine {

enum class BillingMode : uint8_t { kProvisioned = 0, kPayPerRequest = 1 };  // DO NOT CHANGE

struct KeyElement {
  std::string name;
  model::AttrType type = model::AttrType::kS;  // S, N or B
};

// Part of the stored descriptor: DO NOT CHANGE values.
enum class ProjectionType : uint8_t { kAll = 0, kKeysOnly = 1, kInclude = 2 };
enum class IndexStatus : uint8_t { kActive = 0, kCreating = 1, kDeleting = 2 };

// A local or global secondary index.
struct IndexMeta {
  bool global = false;
  std::string name;
  // LSIs: the index id of their entries in the table's data family (1..5).
  // GSIs: names the index's own column family.
  uint32_t id = 0;
  KeyElement hash_key;
  std::optional<KeyElement> range_key;
  // GSIs with multi-attribute keys: the second to fourth partition-key attributes and the
  // second to fourth sort-key attributes, in key-schema order (engine/index.h composes them).
  std::vector<KeyElement> more_hash_keys;
  std::vector<KeyElement> more_range_keys;
  ProjectionType projection = ProjectionType::kAll;
  std::vector<std::string> non_key_attributes;  // for kInclude
  int64_t read_capacity = 0;                    // GSIs of provisioned tables
  int64_t write_capacity = 0;
  IndexStatus status = IndexStatus::kActive;
  bool backfilling = false;
  uint64_t backfill_start_sequence = 0;  // first change-log record the applier owes the index
  int64_t warm_read = 0;                 // GSIs: warm throughput (TableMeta::warm_read)
  int64_t warm_write = 0;

  bool multi_attribute() const { return !more_hash_keys.empty() || !more_range_keys.empty(); }
  // Every key attribute in key-schema order: the partition-key ones, then the sort-key ones.
  std::vector<const KeyElement*> KeyElements() const;
  std::vector<const KeyElement*> HashKeys() const;
  std::vector<const KeyElement*> RangeKeys() const;
};

// Part of the stored descriptor: DO NOT CHANGE values.
enum class StreamViewType : uint8_t {
  kKeysOnly = 0,
  kNewImage = 1,
  kOldImage = 2,
  kNewAndOldImages = 3
};

// A shard of a stream: the change-log records of one range of partition-key hashes between two
// sequence numbers. Shards follow the table's partitions: a partition split closes its shard
// and opens one per new partition, with the closed one as parent.
struct ShardMeta {
  std::string id;           // shardId-<20-digit ms>-<8 hex>
  uint64_t hash_begin = 0;  // [hash_begin, hash_end); hash_end 0 = 2^64
  uint64_t hash_end = 0;
  uint64_t start_sequence = 0;  // first change-log record that can belong to the shard
  uint64_t end_sequence = 0;    // last one once closed
  std::string parent_id;        // "" for the stream's first shards
  int64_t created_ms = 0;
  int64_t closed_ms = 0;  // 0 while open
  bool closed() const { return closed_ms != 0; }
};

// A DynamoDB stream of the table: enabled (end_sequence 0) or disabled and still readable for
// 24 hours.
struct StreamMeta {
  std::string label;  // creation time, yyyy-MM-ddTHH:mm:ss.SSS (UTC)
  int64_t created_ms = 0;
  StreamViewType view_type = StreamViewType::kNewAndOldImages;
  uint64_t start_sequence = 0;    // first change-log record of the stream
  uint64_t end_sequence = 0;      // last one once disabled
  int64_t disabled_ms = 0;        // 0 while enabled
  std::vector<ShardMeta> shards;  // in creation order
  bool enabled() const { return disabled_ms == 0; }
};

struct TableMeta {
  std::string account;  // 12 digits
  std::string region;   // e.g. us-east-1
  std::string name;
  std::string table_id;  // UUID; names the table's column families
  KeyElement hash_key;
  std::optional<KeyElement> range_key;
  std::vector<KeyElement> attribute_definitions;  // in the order given at creation
  BillingMode billing_mode = BillingMode::kProvisioned;
  int64_t read_capacity = 0;
  int64_t write_capacity = 0;
  int64_t creation_time_ms = 0;
  int64_t last_increase_ms = 0;
  int64_t last_decrease_ms = 0;
  int64_t decreases_today = 0;
  int64_t billing_mode_update_ms = 0;
  bool deletion_protection = false;
  std::string table_class;  // empty = STANDARD, never set explicitly
  std::vector<std::pair<std::string, std::string>> tags;
  std::vector<IndexMeta> indexes;       // LSIs and GSIs, in creation order
  int64_t max_read_request_units = -1;  // OnDemandThroughput; -1 = no maximum
  int64_t max_write_request_units = -1;
  uint32_t next_index_id = 1;
  // Where the table's data lives (docs/formats/key-encoding.md, "Layout"): a number naming
  // its key prefix in the shared column families; 0 for tables created before the shared
  // layout, which keep column families of their own.
  uint64_t key_prefix = 0;
  // Streams: the latest last; disabled ones stay 24 hours (format version 4).
  std::vector<StreamMeta> streams;
  // Time to Live (format version 5): the attribute holding items' expiry times, whether TTL is
  // on, when it last changed (the service refuses another change within an hour), and whether
  // the expiry index (engine/ttl.h) holds every item yet.
  std::string ttl_attribute;
  bool ttl_enabled = false;
  int64_t ttl_modified_ms = 0;
  bool ttl_indexed = false;
  // Contributor insights (format version 5), of the table ("") and of its GSIs by name.
  struct InsightsSetting {
    std::string index;  // "" = the table
    bool enabled = false;
    std::string mode;  // ACCESSED_AND_THROTTLED_KEYS | THROTTLED_KEYS
    int64_t updated_ms = 0;
  };
  std::vector<InsightsSetting> insights;
  // Encryption at rest with a KMS key (SSESpecification Enabled, format version 5): recorded and
  // described; "" = the AWS-owned key (the default, no SSEDescription).
  std::string sse_kms_key_arn;
  // Warm throughput (format version 6): the reads and writes per second the table can serve at
  // once, which sizes its partitions (engine/partition_map.h). A high-water mark: at least what
  // the billing mode and capacity give (RaiseWarmThroughput), raised by WarmThroughput, never
  // lowered.
  int64_t warm_read = 0;
  int64_t warm_write = 0;
  // Point-in-time recovery (format version 7): whether it is on, the recovery period in days,
  // and since when the table can be restored (each enable resets it; engine/backups.h).
  bool pitr_enabled = false;
  int64_t pitr_days = 0;
  int64_t pitr_since_ms = 0;
  // A table being restored (format version 7): CREATING, and hidden from every operation but
  // DescribeTable and ListTables, until the restore job has written every item.
  struct Restore {
    bool in_progress = false;
    std::string backup_id;        // from this backup (same account and region), or else
    std::string source_table_id;  // from this table as it was at change-log `sequence`
    uint64_t sequence = 0;
    std::string source_table_arn;
    std::string source_backup_arn;  // "" for a point-in-time restore
    int64_t time_ms = 0;            // the RestoreDateTime reported
    std::string import_id;          // not a restore: ImportTable is filling the table (v8)
  };
  Restore restore;
  // Global tables (format version 10): the version of the global table this table is a replica
  // of ("" = none; engine/global_tables.h). The commit path then keeps, for last writer wins,
  // deletion tombstones and write times later than the item's last.
  std::string global_version;
  bool replicated() const { return !global_version.empty(); }
  // A replica being created in this region (hidden like a restore until copied): the region
  // of the table it is copied from.
  std::string replica_source;
  const InsightsSetting* FindInsights(std::string_view index) const {
    for (const auto& i : insights) {
      if (i.index == index) return &i;
    }
    return nullptr;
  }

  // The enabled stream, if any.
  const StreamMeta* EnabledStream() const {
    return !streams.empty() && streams.back().enabled() ? &streams.back() : nullptr;
  }
  std::string StreamArn(const StreamMeta& stream) const {
    return Arn() + "/stream/" + stream.label;
  }

  const IndexMeta* FindIndex(std::string_view index_name) const {
    for (const auto& index : indexes) {
      if (index.name == index_name) return &index;
    }
    return nullptr;
  }

  // True if a background consumer follows the table's change log as it grows (GSIs and
  // replication to other regions), so that writes wake the log's subscribers. Streams are read
  // on demand and need no wake-up.
  bool HasLogConsumers() const {
    if (replicated()) return true;
    for (const auto& index : indexes) {
      if (index.global) return true;
    }
    return false;
  }

  std::string Arn() const {
    return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name;
  }
};

// The parts of a DynamoDB table ARN, arn:aws:dynamodb:REGION:ACCOUNT:table/NAME[/SUB] (SUB is
// e.g. "stream/LABEL"), the inverse of TableMeta::Arn() and StreamArn().
struct TableArn {
  std::string region;
  std::string account;
  std::string table;
  std::string sub;  // what follows "table/NAME/", or empty

  bool Of(std::string_view caller_account, std::string_view caller_region) const {
    return account == caller_account && region == caller_region;
  }
  // The label of a stream ARN, or nullopt if the ARN names something else.
  std::optional<std::string> StreamLabel() const {
    if (sub.rfind("stream/", 0) != 0 || sub.size() == 7) return std::nullopt;
    return sub.substr(7);
  }
};
// Nullopt unless `arn` has that form with a non-empty table name.
std::optional<TableArn> ParseTableArn(std::string_view arn);

// The warm throughput a new on-demand table or GSI starts with.
constexpr int64_t kOnDemandWarmReads = 12000;
constexpr int64_t kOnDemandWarmWrites = 4000;
// The warm throughput the billing mode and capacity of the table (`index` null) or of its GSI
// give: on-demand 12,000 / 4,000, provisioned its RCU / WCU.
std::pair<int64_t, int64_t> InitialWarmThroughput(const TableMeta& meta, const IndexMeta* index);
// Raises the warm throughput of the table and its GSIs to at least InitialWarmThroughput (the
// catalog does this on every descriptor change; it never lowers one).
void RaiseWarmThroughput(TableMeta* meta);

std::string EncodeTableMeta(const TableMeta& meta);
bool DecodeTableMeta(std::string_view in, TableMeta* out);

}  // namespace ddbd::engine
