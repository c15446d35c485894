// Global tables (docs/global-tables.md): replicas of one table in several regions of an
// account, kept alike by the replication service (engine/replication.h).
//
// A global table is one catalog record, "global/<account>\0<name>", listing every region that
// holds a replica (the region it began in too) and each replica's state and settings. The
// tables themselves are ordinary tables of their regions whose descriptors say they are
// replicas (TableMeta::global_version), which makes the commit path keep what last writer
// wins needs (write times and deletion tombstones). One record makes every membership change
// one write, so a crash never leaves two regions disagreeing about who belongs.
//
// Thread-safety: every method may be called concurrently; changes are made under
// change_mutex() by the one who stages them (Stage, then Publish once the batch is written).
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbd/status.h"

#include "storage/rocks.h"

namespace ddbd::engine {

// The version of global tables the service calls 2019.11.21 (the current one).
inline constexpr std::string_view kGlobalTableVersion = "2019.11.21";
// The legacy version (CreateGlobalTable and its family): the user creates an empty table with a
// stream in each region, then joins them; a group keeps existing down to one region.
inline constexpr std::string_view kLegacyGlobalTableVersion = "2017.11.29";

// Part of the stored record: DO NOT CHANGE values.
enum class ReplicaState : uint8_t { kCreating = 0, kActive = 1, kDeleting = 2 };
const char* ReplicaStateName(ReplicaState state);

struct ReplicaMeta {
  std::string region;
  ReplicaState state = ReplicaState::kActive;
  int64_t created_ms = 0;
  // A replica being created is copied from the table of `source_region` as it was at that
  // table's change-log sequence `source_sequence`, then follows every member's log.
  std::string source_region;
  uint64_t source_sequence = 0;
  // The replica's own settings (ReplicaUpdates' overrides): 0 / -1 / "" = the table's.
  int64_t read_capacity_override = 0;
  int64_t max_read_override = -1;
  std::string table_class;
  std::string kms_key;
  std::vector<std::pair<std::string, int64_t>> index_read_overrides;  // GSI name -> RCU
};

struct GlobalTableMeta {
  std::string account;
  std::string name;
  std::string version;  // kGlobalTableVersion
  int64_t created_ms = 0;
  std::vector<ReplicaMeta> replicas;  // every region, in the order they joined

  bool legacy() const { return version == kLegacyGlobalTableVersion; }
  const ReplicaMeta* Find(std::string_view region) const;
  ReplicaMeta* Find(std::string_view region);
};

std::string EncodeGlobalTable(const GlobalTableMeta& meta);
bool DecodeGlobalTable(std::string_view in, GlobalTableMeta* out);

class GlobalTables {
 public:
  // Loads every record. REQUIRES: store outlives this.
  Status Load(storage::Store* store);

  std::optional<GlobalTableMeta> Find(const std::string& account, const std::string& name) const;
  std::vector<GlobalTableMeta> All() const;
  // True if the table of (account, region, name) is an ACTIVE or CREATING member of a global
  // table.
  bool IsMember(const std::string& account, const std::string& region,
                const std::string& name) const;

  // Serializes changes: hold it from reading the record to Publish.
  std::mutex& change_mutex() { return change_mu_; }
  // Adds the record's new version to `batch` (its deletion when it has no replicas left).
  void Stage(storage::WriteBatch* batch, const GlobalTableMeta& meta) const;
  // After the batch is written.
  void Publish(const GlobalTableMeta& meta);
  // Stages and writes at once.
  Status Write(const GlobalTableMeta& meta);

 private:
  static std::string Key(const std::string& account, const std::string& name);

  storage::Store* store_ = nullptr;
  std::mutex change_mu_;
  mutable std::mutex mu_;
  std::map<std::pair<std::string, std::string>, GlobalTableMeta> tables_;  // GUARDED_BY(mu_)
};

}  // namespace ddbd::engine
