// On-demand backups, point-in-time recovery and restores (docs/backups.md).
//
// A backup is a copy of a table's items in an items space of its own (a key prefix number of
// the items family, kept by Catalog::KeptPrefixKey), with the table's descriptor as it was
// when the backup was requested. Indexes are not copied: a restore rebuilds its LSI entries in
// each item's batch and its GSIs through their appliers, from the same items.
//
// "The table as it was at change-log sequence S" (TableAt) is the one way a past state is
// read: a RocksDB snapshot of the table now, its items read from the snapshot, and for every
// item the change log changed after S (read from the same snapshot) the old image of its
// first change after S instead. Backups use it for S = the table's last sequence when the
// backup was requested, with a change-log cursor at S until the copy is done, so a copy cut
// short by a crash is redone exactly; point-in-time restores use it for S = the last record
// committed at or before the restore time. Point-in-time recovery is a hold on the change log
// of the recovery period: what it keeps is what can be undone.
//
// A table deleted while point-in-time recovery is on leaves a SYSTEM backup that takes over
// its items space (no copy).
//
// The BackupService runs the copies and restores (one thread) and expires SYSTEM backups.
// Every job is found from stored state (a CREATING backup, a table whose descriptor says it is
// being restored), so a job a crash interrupted is redone at the next start.
// Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

#include "engine/background.h"
#include "engine/catalog.h"
#include "engine/table_meta.h"
#include "model/attribute_value.h"

namespace ddbd::engine {

// Part of the stored backup record: DO NOT CHANGE values.
enum class BackupType : uint8_t { kUser = 0, kSystem = 1 };
enum class BackupStatus : uint8_t { kCreating = 0, kAvailable = 1 };

struct BackupMeta {
  std::string id;  // <14-digit creation time in ms>-<8 hex> (SYSTEM backups: -00000000)
  std::string name;
  BackupType type = BackupType::kUser;
  BackupStatus status = BackupStatus::kCreating;
  int64_t created_ms = 0;
  int64_t expiry_ms = 0;    // SYSTEM backups: creation + 35 days; 0 = kept until deleted
  uint64_t key_prefix = 0;  // the items space holding the backup's items
  uint64_t sequence = 0;    // the source's change-log sequence the backup is the table at
  int64_t item_count = 0;   // once AVAILABLE
  int64_t size_bytes = 0;
  TableMeta source;  // the table when the backup was requested

  std::string Arn() const { return source.Arn() + "/backup/" + id; }
};

// The id of a backup, export or import: "<14-digit ms>-<suffix>" (suffix: 8 hex, or 00000000
// for SYSTEM backups), so that ids sort by creation time.
std::string TimedId(int64_t ms, const std::string& suffix);
// A catalog-family key of a per-account, per-region record: kind + account \0 region \0 id.
std::string ScopedKey(std::string_view kind, const std::string& account, const std::string& region,
                      const std::string& id);

// The id in a backup ARN (arn:aws:dynamodb:REGION:ACCOUNT:table/NAME/backup/ID), or nullopt
// if `arn` is not a backup ARN.
std::optional<TableArn> ParseBackupArn(std::string_view arn, std::string* id);

// How long a SYSTEM backup is kept.
constexpr int64_t kSystemBackupDays = 35;

// Where a restore's items come from and where they go.
// `encoded`: the item's stored or plain encoding (model/value_codec.h).
using ItemSink = std::function<Status(const std::string& key, std::string_view encoded)>;

// Calls `sink` with every item of `table` as it was at change-log sequence `sequence`
// (REQUIRES: the log keeps every record after it), in key order except for items deleted since,
// which come last. Returns the number of items.
Result<int64_t> TableAt(Catalog& catalog, const Table& table, uint64_t sequence,
                        const ItemSink& sink);

// The sequence number of the last change-log record of `table` committed at or before
// `time_us` (0 if none; records before the log's first kept record count as before).
Result<uint64_t> SequenceAt(const Table& table, int64_t time_us);

// Waits, at most `limit`, until every GSI of `table` has applied its whole change log (a restored
// or imported table turns ACTIVE with its indexes complete).
Status WaitForGsis(const Table& table, std::chrono::milliseconds limit);

class BackupService : public BackgroundService {
 public:
  // `pitr_lag_seconds`: how far LatestRestorableDateTime trails the clock (the service: 300).
  // `copy_share_percent`: the share of its thread's time a backup copy may use (it sleeps the
  // rest), so that copies do not slow the table's load down.
  BackupService(Catalog* catalog, int64_t pitr_lag_seconds, int copy_share_percent = 100);
  ~BackupService() override;

  Catalog& catalog() const { return *catalog_; }

  // ---- Backups ----

  // Records a CREATING USER backup of `table` as it is now; the service thread copies it.
  Result<BackupMeta> Create(Table& table, const std::string& name);
  // The backup `id` of the account and region, or nullopt.
  Result<std::optional<BackupMeta>> Find(const std::string& account, const std::string& region,
                                         const std::string& id) const;
  // Every backup of the account and region, in creation order.
  Result<std::vector<BackupMeta>> List(const std::string& account, const std::string& region) const;
  // Deletes a backup and its items. BackupInUseException while a restore reads it.
  Status Delete(const BackupMeta& backup);
  // Deletes the table (Catalog::Drop), first finishing its CREATING backups; with
  // point-in-time recovery on, a SYSTEM backup takes over its items.
  Result<TableMeta> DropTable(Table& table);

  // ---- Restores ----

  // Creates `target` (a descriptor the caller built: name, settings, indexes) as a table being
  // restored from `backup`. TableAlreadyExistsException if the name is taken,
  // BackupInUseException while another restore reads the backup.
  Result<std::shared_ptr<Table>> RestoreFromBackup(const BackupMeta& backup, TableMeta target);
  // Creates `target` as a table being restored from `source` as it was at `time_us`.
  Result<std::shared_ptr<Table>> RestoreToTime(Table& source, TableMeta target, int64_t time_us);
  // The backup (or table) ARN a running restore into `table_name` reads, if any.
  std::optional<std::string> RestoringFrom(const std::string& account, const std::string& region,
                                           const std::string& table_name) const;

  // ---- Point-in-time recovery ----

  // Turns point-in-time recovery on (with a period of `days`, 1-35) or off.
  Status SetPointInTimeRecovery(Table& table, bool enabled, int64_t days);
  // EarliestRestorableDateTime and LatestRestorableDateTime of a table with PITR on (ms).
  std::pair<int64_t, int64_t> RestorableWindow(const TableMeta& meta) const;

 protected:
  bool Step() override;

 private:
  // Copies a CREATING backup (its table must be loaded) and makes it AVAILABLE; a backup
  // whose table is gone is deleted.
  Status CopyBackup(BackupMeta backup);
  // Writes the items of a restore into `table` and makes it ACTIVE.
  Status RunRestore(const std::shared_ptr<Table>& table);
  // Runs every CREATING backup of the table now (before it is deleted).
  Status FinishBackupsOf(const Table& table);
  Status Put(storage::WriteBatch* batch, const BackupMeta& backup) const;
  // Sleeps after a chunk of a copy that took since `chunk_start`, to keep to the copy share.
  void Pace(std::chrono::steady_clock::time_point chunk_start) const;
  // True while a restore reads the backup.
  bool InUse(const BackupMeta& backup) const;
  std::string Key(const std::string& account, const std::string& region,
                  const std::string& id) const;

  Catalog* const catalog_;
  const int64_t pitr_lag_ms_;
  const int copy_share_percent_;
  std::mutex copy_mu_;  // one copy at a time (the service thread or DropTable)
  std::mutex mu_;       // restores: checking the backup or name and creating the table
};

}  // namespace ddbd::engine
