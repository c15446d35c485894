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
  ProjectionType projection = ProjectionType::kAll;
  std::vector<std::string> non_key_attributes;  // for kInclude
  int64_t read_capacity = 0;                    // GSIs of provisioned tables
  int64_t write_capacity = 0;
  IndexStatus status = IndexStatus::kActive;
  bool backfilling = false;
  uint64_t backfill_start_sequence = 0;  // first change-log record the applier owes the index
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

  const IndexMeta* FindIndex(std::string_view index_name) const {
    for (const auto& index : indexes) {
      if (index.name == index_name) return &index;
    }
    return nullptr;
  }

  // True if something follows the table's change log (GSIs today; streams, replicas next),
  // so that writes wake the log's subscribers.
  bool HasLogConsumers() const {
    for (const auto& index : indexes) {
      if (index.global) return true;
    }
    return false;
  }

  std::string Arn() const {
    return "arn:aws:dynamodb:" + region + ":" + account + ":table/" + name;
  }
};

std::string EncodeTableMeta(const TableMeta& meta);
bool DecodeTableMeta(std::string_view in, TableMeta* out);

}  // namespace ddbd::engine
