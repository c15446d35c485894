#include "engine/backups.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>
#include <thread>

#include "common/coding.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "engine/commit.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {

namespace {

constexpr char kBackupPrefix[] = "backup/";  // + account \0 region \0 id
constexpr uint64_t kBackupFormatVersion = 1;
constexpr int64_t kDayMs = 86400 * 1000;
constexpr size_t kRestoreChunk = 100;        // items per restore commit
constexpr size_t kCopyBatchBytes = 1 << 20;  // bytes per backup copy batch
constexpr int64_t kGsiCatchUpWaitMs = 60 * 1000;

std::string BackupConsumer(const std::string& id) { return "backup/" + id; }
std::string RestoreConsumer(const std::string& target_table_id) {
  return "restore/" + target_table_id;
}

std::string U32(uint32_t v) {
  std::string out;
  PutFixed32BE(&out, v);
  return out;
}

std::string EncodeBackup(const BackupMeta& b) {
  std::string out;
  PutVarint64(&out, kBackupFormatVersion);
  PutLengthPrefixed(&out, b.id);
  PutLengthPrefixed(&out, b.name);
  out.push_back(static_cast<char>(b.type));
  out.push_back(static_cast<char>(b.status));
  PutVarint64(&out, static_cast<uint64_t>(b.created_ms));
  PutVarint64(&out, static_cast<uint64_t>(b.expiry_ms));
  PutVarint64(&out, b.key_prefix);
  PutVarint64(&out, b.sequence);
  PutVarint64(&out, static_cast<uint64_t>(b.item_count));
  PutVarint64(&out, static_cast<uint64_t>(b.size_bytes));
  PutLengthPrefixed(&out, EncodeTableMeta(b.source));
  return out;
}

bool DecodeBackup(std::string_view in, BackupMeta* b) {
  uint64_t version = 0, created = 0, expiry = 0, items = 0, bytes = 0;
  std::string_view id, name, source;
  if (!GetVarint64(&in, &version) || version != kBackupFormatVersion) return false;
  if (!GetLengthPrefixed(&in, &id) || !GetLengthPrefixed(&in, &name) || in.size() < 2) {
    return false;
  }
  b->id = id;
  b->name = name;
  b->type = static_cast<BackupType>(in[0]);
  b->status = static_cast<BackupStatus>(in[1]);
  in.remove_prefix(2);
  if (!GetVarint64(&in, &created) || !GetVarint64(&in, &expiry) ||
      !GetVarint64(&in, &b->key_prefix) || !GetVarint64(&in, &b->sequence) ||
      !GetVarint64(&in, &items) || !GetVarint64(&in, &bytes) || !GetLengthPrefixed(&in, &source) ||
      !in.empty()) {
    return false;
  }
  b->created_ms = static_cast<int64_t>(created);
  b->expiry_ms = static_cast<int64_t>(expiry);
  b->item_count = static_cast<int64_t>(items);
  b->size_bytes = static_cast<int64_t>(bytes);
  return DecodeTableMeta(source, &b->source);
}

// Every stored backup (all accounts), in key order.
Result<std::vector<BackupMeta>> LoadBackups(storage::Store* store, const std::string& prefix) {
  std::vector<BackupMeta> out;
  auto it = store->NewIterator(store->catalog(), prefix, storage::PrefixEnd(prefix));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    BackupMeta b;
    if (!DecodeBackup(it->value(), &b)) return Status::Internal("corrupt backup record");
    out.push_back(std::move(b));
  }
  DDBD_RETURN_IF_ERROR(it->status());
  return out;
}

// The table a backup or restore names, if it is still the same table (not a later one of
// the same name).
std::shared_ptr<Table> SameTable(Catalog& catalog, const std::string& account,
                                 const std::string& region, const std::string& name,
                                 const std::string& table_id) {
  auto table = catalog.FindAny(account, region, name);
  return table && table->table_id() == table_id ? table : nullptr;
}

}  // namespace

std::string TimedId(int64_t ms, const std::string& suffix) {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%014lld", static_cast<long long>(ms));
  return std::string(digits) + "-" + suffix;
}

std::string ScopedKey(std::string_view kind, const std::string& account, const std::string& region,
                      const std::string& id) {
  std::string key(kind);
  key += account;
  key.push_back('\0');
  key += region;
  key.push_back('\0');
  key += id;
  return key;
}

std::optional<TableArn> ParseBackupArn(std::string_view arn, std::string* id) {
  auto parsed = ParseTableArn(arn);
  if (!parsed || parsed->sub.rfind("backup/", 0) != 0 || parsed->sub.size() == 7) {
    return std::nullopt;
  }
  *id = parsed->sub.substr(7);
  if (id->find('/') != std::string::npos) return std::nullopt;
  return parsed;
}

Result<int64_t> TableAt(Catalog& catalog, const Table& table, uint64_t sequence,
                        const ItemSink& sink) {
  storage::Store* store = catalog.store();
  auto snapshot = store->NewSnapshot();
  // The first change after `sequence` of each item knows what the item was at `sequence`.
  std::map<std::string, std::optional<model::Item>> undo;
  uint64_t after = sequence;
  for (;;) {
    std::vector<changelog::Record> records;
    DDBD_RETURN_IF_ERROR(table.log().Read(after, 1000, &records, nullptr, snapshot.get()));
    if (records.empty()) break;
    for (auto& record : records) {
      if (record.sequence <= after) continue;
      undo.try_emplace(record.key, std::move(record.old_image));
    }
    after = records.back().sequence;
  }
  int64_t count = 0;
  auto it = store->NewIterator(table.data(), U32(0), U32(1), snapshot.get());
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string key(it->key());
    auto changed = undo.find(key);
    if (changed != undo.end()) {
      if (changed->second) {
        DDBD_RETURN_IF_ERROR(sink(key, model::EncodeItem(*changed->second)));
        ++count;
      }
      undo.erase(changed);
      continue;
    }
    DDBD_RETURN_IF_ERROR(sink(key, it->value()));  // unchanged since: the stored bytes
    ++count;
  }
  DDBD_RETURN_IF_ERROR(it->status());
  // Items deleted since.
  for (const auto& [key, item] : undo) {
    if (!item) continue;
    DDBD_RETURN_IF_ERROR(sink(key, model::EncodeItem(*item)));
    ++count;
  }
  return count;
}

Status WaitForGsis(const Table& table, std::chrono::milliseconds limit) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  for (const auto& index : table.shared_meta()->indexes) {
    if (!index.global) continue;
    for (;;) {
      DDBD_ASSIGN_OR_RETURN(auto cursor, table.log().Cursor(GsiConsumer(index.id)));
      if (!cursor || *cursor >= table.log().last_sequence() ||
          std::chrono::steady_clock::now() > deadline) {
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
  }
  return Status::OK();
}

Result<uint64_t> SequenceAt(const Table& table, int64_t time_us) {
  const changelog::TableLog& log = table.log();
  const uint64_t last = log.last_sequence();
  DDBD_ASSIGN_OR_RETURN(uint64_t first, log.FirstSequence());
  if (first == 0 || first > last) return last;  // every record was trimmed: all are older
  auto at_or_before = [&](uint64_t sequence) -> Result<bool> {
    DDBD_ASSIGN_OR_RETURN(auto time, log.RecordTime(sequence));
    return !time || *time <= time_us;  // a record trimmed meanwhile is old
  };
  DDBD_ASSIGN_OR_RETURN(bool first_before, at_or_before(first));
  if (!first_before) return first - 1;
  // Largest sequence in [first, last] committed at or before time_us.
  uint64_t lo = first, hi = last;
  while (lo < hi) {
    const uint64_t mid = lo + (hi - lo + 1) / 2;
    DDBD_ASSIGN_OR_RETURN(bool before, at_or_before(mid));
    if (before) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

BackupService::BackupService(Catalog* catalog, int64_t pitr_lag_seconds, int copy_share_percent)
    : BackgroundService(std::chrono::milliseconds(1000)),
      catalog_(catalog),
      pitr_lag_ms_(pitr_lag_seconds * 1000),
      copy_share_percent_(std::clamp(copy_share_percent, 1, 100)) {}

void BackupService::Pace(std::chrono::steady_clock::time_point chunk_start) const {
  if (copy_share_percent_ >= 100) return;
  const auto worked = std::chrono::steady_clock::now() - chunk_start;
  auto rest = worked * (100 - copy_share_percent_) / copy_share_percent_;
  std::this_thread::sleep_for(
      std::min<std::chrono::steady_clock::duration>(rest, std::chrono::milliseconds(500)));
}

BackupService::~BackupService() { Stop(); }

std::string BackupService::Key(const std::string& account, const std::string& region,
                               const std::string& id) const {
  return ScopedKey(kBackupPrefix, account, region, id);
}

Status BackupService::Put(storage::WriteBatch* batch, const BackupMeta& backup) const {
  batch->Put(catalog_->store()->catalog(),
             Key(backup.source.account, backup.source.region, backup.id), EncodeBackup(backup));
  return Status::OK();
}

Result<BackupMeta> BackupService::Create(Table& table, const std::string& name) {
  storage::Store* store = catalog_->store();
  DDBD_RETURN_IF_ERROR(store->EnsureSharedFamilies());
  BackupMeta backup;
  backup.created_ms = catalog_->clock().NowMillis();
  backup.id = TimedId(backup.created_ms, NewUuid().substr(0, 8));
  backup.name = name;
  backup.source = table.meta();
  // Every write acknowledged before this request has published its record.
  backup.sequence = table.log().last_sequence();
  storage::WriteBatch batch;
  backup.key_prefix = catalog_->AllocateKeyPrefix(&batch);
  batch.Put(store->catalog(), Catalog::KeptPrefixKey(backup.key_prefix), "");
  DDBD_RETURN_IF_ERROR(Put(&batch, backup));
  // Keeps the records after the backup's point until the copy is done.
  table.log().SetCursor(&batch, BackupConsumer(backup.id), backup.sequence);
  DDBD_RETURN_IF_ERROR(store->Write(&batch));
  Notify();
  return backup;
}

Result<std::optional<BackupMeta>> BackupService::Find(const std::string& account,
                                                      const std::string& region,
                                                      const std::string& id) const {
  std::string value;
  bool found = false;
  storage::Store* store = catalog_->store();
  DDBD_RETURN_IF_ERROR(store->Get(store->catalog(), Key(account, region, id), &value, &found));
  if (!found) return std::optional<BackupMeta>();
  BackupMeta backup;
  if (!DecodeBackup(value, &backup)) return Status::Internal("corrupt backup record");
  return std::optional<BackupMeta>(std::move(backup));
}

Result<std::vector<BackupMeta>> BackupService::List(const std::string& account,
                                                    const std::string& region) const {
  return LoadBackups(catalog_->store(), Key(account, region, ""));
}

Status BackupService::Delete(const BackupMeta& backup) {
  std::lock_guard copy_lock(copy_mu_);
  if (InUse(backup)) {
    return Status(ErrorCode::kBackupInUse,
                  "Backup is being used to restore table: " + backup.Arn());
  }
  storage::Store* store = catalog_->store();
  storage::WriteBatch batch;
  batch.Delete(store->catalog(), Key(backup.source.account, backup.source.region, backup.id));
  batch.Delete(store->catalog(), Catalog::KeptPrefixKey(backup.key_prefix));
  batch.DeleteRange(catalog_->ItemsSpace(backup.key_prefix), "", "");
  if (backup.status == BackupStatus::kCreating) {
    if (auto table = SameTable(*catalog_, backup.source.account, backup.source.region,
                               backup.source.name, backup.source.table_id)) {
      table->log().DropCursor(&batch, BackupConsumer(backup.id));
    }
  }
  return store->Write(&batch);
}

Status BackupService::CopyBackup(BackupMeta backup) {
  std::lock_guard copy_lock(copy_mu_);
  // Deleted meanwhile?
  DDBD_ASSIGN_OR_RETURN(auto current, Find(backup.source.account, backup.source.region, backup.id));
  if (!current || current->status != BackupStatus::kCreating) return Status::OK();
  storage::Store* store = catalog_->store();
  auto table = SameTable(*catalog_, backup.source.account, backup.source.region, backup.source.name,
                         backup.source.table_id);
  if (!table) {
    // Only a crash between DeleteTable and the copy gets here (DropTable copies first).
    DDBD_LOG_ERROR("backups: the table of backup {} is gone; the backup is deleted", backup.Arn());
    storage::WriteBatch batch;
    batch.Delete(store->catalog(), Key(backup.source.account, backup.source.region, backup.id));
    batch.Delete(store->catalog(), Catalog::KeptPrefixKey(backup.key_prefix));
    batch.DeleteRange(catalog_->ItemsSpace(backup.key_prefix), "", "");
    return store->Write(&batch);
  }
  const storage::KeySpace space = catalog_->ItemsSpace(backup.key_prefix);
  const std::string job = "backup/" + backup.id;
  JobProgress progress{"backup", backup.source.name,           backup.Arn(), 0,
                       0,        catalog_->clock().NowMicros()};
  catalog_->jobs().Update(job, progress);
  auto batch = std::make_unique<storage::WriteBatch>();
  size_t batch_bytes = 0;
  int64_t bytes = 0;
  auto chunk_start = std::chrono::steady_clock::now();
  auto count = TableAt(*catalog_, *table, backup.sequence,
                       [&](const std::string& key, std::string_view encoded) -> Status {
                         bytes += static_cast<int64_t>(model::StoredItemBody(encoded).size());
                         batch_bytes += key.size() + encoded.size();
                         batch->Put(space, key, encoded);
                         ++progress.done;
                         if (batch_bytes < kCopyBatchBytes) return Status::OK();
                         DDBD_RETURN_IF_ERROR(store->Write(batch.get()));
                         batch = std::make_unique<storage::WriteBatch>();
                         batch_bytes = 0;
                         catalog_->jobs().Update(job, progress);
                         Pace(chunk_start);
                         chunk_start = std::chrono::steady_clock::now();
                         return Status::OK();
                       });
  catalog_->jobs().Finish(job);
  DDBD_RETURN_IF_ERROR(count.status());
  backup.status = BackupStatus::kAvailable;
  backup.item_count = *count;
  backup.size_bytes = bytes;
  DDBD_RETURN_IF_ERROR(Put(batch.get(), backup));
  table->log().DropCursor(batch.get(), BackupConsumer(backup.id));
  return store->Write(batch.get());
}

Status BackupService::FinishBackupsOf(const Table& table) {
  const TableMeta meta = table.meta();
  DDBD_ASSIGN_OR_RETURN(auto backups, List(meta.account, meta.region));
  for (auto& backup : backups) {
    if (backup.status == BackupStatus::kCreating && backup.source.table_id == meta.table_id) {
      DDBD_RETURN_IF_ERROR(CopyBackup(std::move(backup)));
    }
  }
  return Status::OK();
}

Result<TableMeta> BackupService::DropTable(Table& table) {
  DDBD_RETURN_IF_ERROR(FinishBackupsOf(table));
  const TableStats stats = catalog_->Stats(table);
  const int64_t now_ms = catalog_->clock().NowMillis();
  const TableMeta current = table.meta();
  return catalog_->Drop(current.account, current.region, current.name,
                        [&](const TableMeta& meta, storage::WriteBatch* batch) -> Result<bool> {
                          if (!meta.pitr_enabled || meta.key_prefix == 0) return false;
                          // The SYSTEM backup: the table's items space, as it is at deletion.
                          BackupMeta backup;
                          backup.id = TimedId(now_ms, "00000000");
                          backup.name = meta.name + "$DeletedTableBackup";
                          backup.type = BackupType::kSystem;
                          backup.status = BackupStatus::kAvailable;
                          backup.created_ms = now_ms;
                          backup.expiry_ms = now_ms + kSystemBackupDays * kDayMs;
                          backup.key_prefix = meta.key_prefix;
                          backup.item_count = stats.item_count;
                          backup.size_bytes = stats.size_bytes;
                          backup.source = meta;
                          batch->Put(catalog_->store()->catalog(),
                                     Catalog::KeptPrefixKey(meta.key_prefix), "");
                          DDBD_RETURN_IF_ERROR(Put(batch, backup));
                          return true;
                        });
}

std::optional<std::string> BackupService::RestoringFrom(const std::string& account,
                                                        const std::string& region,
                                                        const std::string& table_name) const {
  auto table = catalog_->FindAny(account, region, table_name);
  if (!table || !table->restoring()) return std::nullopt;
  auto meta = table->shared_meta();
  return meta->restore.source_backup_arn.empty() ? meta->restore.source_table_arn
                                                 : meta->restore.source_backup_arn;
}

bool BackupService::InUse(const BackupMeta& backup) const {
  for (const auto& table : catalog_->AllTables()) {
    if (!table->restoring()) continue;
    auto meta = table->shared_meta();
    if (meta->account == backup.source.account && meta->region == backup.source.region &&
        meta->restore.backup_id == backup.id) {
      return true;
    }
  }
  return false;
}

Result<std::shared_ptr<Table>> BackupService::RestoreFromBackup(const BackupMeta& backup,
                                                                TableMeta target) {
  std::lock_guard lock(mu_);  // check and create together
  target.restore = TableMeta::Restore();
  target.restore.in_progress = true;
  target.restore.backup_id = backup.id;
  target.restore.source_table_arn = backup.source.Arn();
  target.restore.source_backup_arn = backup.Arn();
  target.restore.time_ms = catalog_->clock().NowMillis();
  if (InUse(backup)) {
    return Status(ErrorCode::kBackupInUse,
                  "Backup is being used to restore another table: " + backup.Arn());
  }
  auto table = catalog_->Create(std::move(target));
  if (!table.ok() && table.status().code() == ErrorCode::kResourceInUse) {
    return Status(ErrorCode::kTableAlreadyExists, table.status().message());
  }
  Notify();
  return table;
}

Result<std::shared_ptr<Table>> BackupService::RestoreToTime(Table& source, TableMeta target,
                                                            int64_t time_us) {
  std::lock_guard lock(mu_);
  DDBD_ASSIGN_OR_RETURN(uint64_t sequence, SequenceAt(source, time_us));
  const TableMeta source_meta = source.meta();
  target.restore = TableMeta::Restore();
  target.restore.in_progress = true;
  target.restore.source_table_id = source_meta.table_id;
  target.restore.sequence = sequence;
  target.restore.source_table_arn = source_meta.Arn();
  target.restore.time_ms = time_us / 1000;
  auto table = catalog_->Create(std::move(target));
  if (!table.ok() && table.status().code() == ErrorCode::kResourceInUse) {
    return Status(ErrorCode::kTableAlreadyExists, table.status().message());
  }
  DDBD_RETURN_IF_ERROR(table.status());
  // The source's log keeps what the restore undoes until it is done (the PITR hold may go).
  storage::WriteBatch batch;
  source.log().SetCursor(&batch, RestoreConsumer((*table)->table_id()), sequence);
  DDBD_RETURN_IF_ERROR(catalog_->store()->Write(&batch));
  Notify();
  return table;
}

Status BackupService::RunRestore(const std::shared_ptr<Table>& table) {
  const TableMeta meta = table->meta();
  const TableMeta::Restore& restore = meta.restore;
  const std::string job = "restore/" + meta.table_id;
  CommitOptions options;
  options.origin = changelog::Origin::kRestore;
  options.service_write = true;
  options.fail_on_conflict = false;
  BatchedCommitter writer(*catalog_, options, kRestoreChunk, job,
                          JobProgress{"restore", meta.name, restore.source_table_arn, 0, 0,
                                      catalog_->clock().NowMicros()});
  ItemSink sink = [&](const std::string&, std::string_view encoded) -> Status {
    model::Item item;
    if (!model::DecodeItem(encoded, &item)) return Status::Internal("corrupt item");
    DDBD_ASSIGN_OR_RETURN(PrimaryKey key, ValidateItemKey(*table, item));
    return writer.Add(WriteOp{table.get(), std::move(key),
                              [item](const model::Item*) -> Result<MutationDecision> {
                                return MutationDecision{MutationDecision::Kind::kPut, item};
                              }});
  };
  Status copied;
  std::shared_ptr<Table> source;
  if (!restore.backup_id.empty()) {
    DDBD_ASSIGN_OR_RETURN(auto backup, Find(meta.account, meta.region, restore.backup_id));
    if (!backup) {
      copied = Status::Internal("the backup is gone");
    } else {
      writer.progress().total = backup->item_count;
      writer.Publish();
      auto it =
          catalog_->store()->NewIterator(catalog_->ItemsSpace(backup->key_prefix), U32(0), U32(1));
      for (it->SeekToFirst(); copied.ok() && it->Valid(); it->Next()) {
        copied = sink(std::string(it->key()), it->value());
      }
      if (copied.ok()) copied = it->status();
    }
  } else {
    auto arn = ParseTableArn(restore.source_table_arn);
    if (arn)
      source = SameTable(*catalog_, arn->account, arn->region, arn->table, restore.source_table_id);
    if (!source) {
      copied = Status::Internal("the source table is gone");
    } else {
      writer.Publish();
      copied = TableAt(*catalog_, *source, restore.sequence, sink).status();
    }
  }
  if (copied.ok()) copied = writer.Flush();
  if (!copied.ok()) {
    catalog_->jobs().Finish(job);
    DDBD_LOG_ERROR("backups: restoring table {} failed ({}); the table is deleted", meta.name,
                   copied.message());
    return catalog_->Drop(meta.account, meta.region, meta.name).status();
  }
  // The table turns ACTIVE with its GSIs complete.
  DDBD_RETURN_IF_ERROR(WaitForGsis(*table, std::chrono::milliseconds(kGsiCatchUpWaitMs)));
  catalog_->jobs().Finish(job);
  DDBD_RETURN_IF_ERROR(catalog_
                           ->Modify(*table,
                                    [&](TableMeta* m, storage::WriteBatch* batch) {
                                      m->restore = TableMeta::Restore();
                                      if (source) {
                                        source->log().DropCursor(batch,
                                                                 RestoreConsumer(m->table_id));
                                      }
                                      return Status::OK();
                                    })
                           .status());
  return Status::OK();
}

Status BackupService::SetPointInTimeRecovery(Table& table, bool enabled, int64_t days) {
  const int64_t now_ms = catalog_->clock().NowMillis();
  return catalog_
      ->Modify(table,
               [&](TableMeta* meta, storage::WriteBatch* batch) {
                 if (!enabled) {
                   meta->pitr_enabled = false;
                   meta->pitr_days = 0;
                   meta->pitr_since_ms = 0;
                   table.log().DropHold(batch, "pitr");
                   return Status::OK();
                 }
                 if (!meta->pitr_enabled) meta->pitr_since_ms = now_ms;
                 meta->pitr_enabled = true;
                 meta->pitr_days = days;
                 table.log().SetHold(batch, "pitr", days * 86400);
                 return Status::OK();
               })
      .status();
}

std::pair<int64_t, int64_t> BackupService::RestorableWindow(const TableMeta& meta) const {
  const int64_t now_ms = catalog_->clock().NowMillis();
  // Whole seconds, as the service reports them; never before PITR was turned on.
  const int64_t since = (meta.pitr_since_ms + 999) / 1000 * 1000;
  const int64_t earliest = std::max(since, (now_ms - meta.pitr_days * kDayMs + 999) / 1000 * 1000);
  const int64_t latest = std::max(earliest, (now_ms - pitr_lag_ms_) / 1000 * 1000);
  return {earliest, latest};
}

bool BackupService::Step() {
  auto backups = LoadBackups(catalog_->store(), kBackupPrefix);
  if (!backups.ok()) {
    DDBD_LOG_ERROR("backups: {}", backups.status().message());
    return false;
  }
  const int64_t now_ms = catalog_->clock().NowMillis();
  for (auto& backup : *backups) {
    if (backup.status == BackupStatus::kCreating) {
      Status s = CopyBackup(backup);
      if (!s.ok()) DDBD_LOG_ERROR("backups: copying {}: {}", backup.Arn(), s.message());
    } else if (backup.expiry_ms != 0 && backup.expiry_ms <= now_ms) {
      DDBD_LOG_INFO("backups: {} expired", backup.Arn());
      Status s = Delete(backup);
      if (!s.ok()) DDBD_LOG_ERROR("backups: expiring {}: {}", backup.Arn(), s.message());
    }
  }
  for (const auto& table : catalog_->AllTables()) {
    if (!table->restoring()) continue;
    // Imports and new replicas of global tables are filled by their own services.
    auto meta = table->shared_meta();
    if (!meta->restore.import_id.empty() || !meta->replica_source.empty()) continue;
    Status s = RunRestore(table);
    if (!s.ok()) DDBD_LOG_ERROR("backups: restore of {}: {}", table->name(), s.message());
  }
  return false;  // every job found ran to its end
}

}  // namespace ddbd::engine
