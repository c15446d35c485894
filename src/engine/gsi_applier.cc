#include "engine/gsi_applier.h"

#include <chrono>

#include "common/coding.h"
#include "common/logging.h"
#include "engine/index.h"
#include "engine/item_ops.h"
#include "model/item_size.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

constexpr size_t kRecordsPerBatch = 512;
constexpr size_t kBackfillItemsPerBatch = 1000;

struct ChangeRecord {
  int64_t time_us = 0;
  std::optional<model::Item> old_item, new_item;
};

// Decodes a record of docs/formats/change-log.md.
bool DecodeChange(std::string_view in, ChangeRecord* out) {
  if (in.empty() || in[0] != 1) return false;
  in.remove_prefix(1);
  uint64_t time;
  if (!GetVarint64(&in, &time) || in.empty()) return false;
  out->time_us = static_cast<int64_t>(time);
  in.remove_prefix(1);  // origin
  std::string_view key;
  if (!GetLengthPrefixed(&in, &key)) return false;
  for (auto* image : {&out->old_item, &out->new_item}) {
    if (in.empty()) return false;
    bool present = in[0] != 0;
    in.remove_prefix(1);
    if (!present) continue;
    std::string_view bytes;
    if (!GetLengthPrefixed(&in, &bytes)) return false;
    image->emplace();
    if (!model::DecodeItem(bytes, &**image)) return false;
  }
  return true;
}

uint64_t ReadU64(storage::Store* store, const std::string& key, uint64_t fallback) {
  std::string value;
  bool found = false;
  if (!store->Get(store->catalog(), key, &value, &found).ok() || !found || value.size() != 8) {
    return fallback;
  }
  return DecodeFixed64BE(value.data());
}

std::string U64(uint64_t v) {
  std::string out;
  PutFixed64BE(&out, v);
  return out;
}

int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace

std::string GsiCursorKey(const std::string& table_id, uint32_t index_id) {
  return "gsi-cursor/" + table_id + "/" + std::to_string(index_id);
}
std::string GsiBackfillKey(const std::string& table_id, uint32_t index_id) {
  return "gsi-backfill/" + table_id + "/" + std::to_string(index_id);
}

GsiApplier::GsiApplier(Catalog* catalog, int backfill_pause_ms, int64_t log_retention_seconds)
    : catalog_(catalog),
      backfill_pause_ms_(backfill_pause_ms),
      log_retention_seconds_(log_retention_seconds) {
  catalog_->SetWriteListener([this] { Notify(); });
  thread_ = std::thread([this] { Loop(); });
}

GsiApplier::~GsiApplier() {
  Stop();
  catalog_->SetWriteListener(nullptr);
}

void GsiApplier::Notify() {
  std::lock_guard lock(mu_);
  notified_ = true;
  cv_.notify_one();
}

void GsiApplier::Stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
    cv_.notify_one();
  }
  if (thread_.joinable()) thread_.join();
}

std::vector<GsiApplier::Lag> GsiApplier::Lags() const {
  std::lock_guard lock(lag_mu_);
  return lags_;
}

void GsiApplier::RunOnceForTest() {
  while (Step()) {
  }
}

void GsiApplier::Loop() {
  while (true) {
    bool worked = Step();
    std::unique_lock lock(mu_);
    if (stop_) return;
    if (worked) continue;
    cv_.wait_for(lock, std::chrono::milliseconds(200), [this] { return notified_ || stop_; });
    notified_ = false;
    if (stop_) return;
  }
}

bool GsiApplier::Step() {
  std::lock_guard step(step_mu_);
  bool worked = false;
  std::vector<Lag> lags;
  for (const auto& table : catalog_->AllTables()) {
    TableMeta meta = table->meta();
    worked |= TrimLog(*table, meta);
    for (const auto& index : meta.indexes) {
      if (!index.global || index.status == IndexStatus::kDeleting) continue;
      if (index.backfilling) {
        worked |= Backfill(*table, index);
        if (backfill_pause_ms_ > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(backfill_pause_ms_));
        }
      } else {
        worked |= ApplyLog(*table, meta, index);
        if (index.status == IndexStatus::kCreating &&
            ReadU64(catalog_->store(), GsiCursorKey(table->table_id(), index.id), 0) >=
                table->LastSequence()) {
          auto updated = catalog_->Modify(*table, [&](TableMeta* current) {
            for (auto& i : current->indexes) {
              if (i.global && i.id == index.id) i.status = IndexStatus::kActive;
            }
            return Status::OK();
          });
          if (!updated.ok()) DDBD_LOG_ERROR("gsi applier: {}", updated.status().ToString());
          worked = true;
        }
      }
      Lag lag;
      lag.table = meta.name;
      lag.index = index.name;
      lag.backfilling = index.backfilling;
      uint64_t cursor = ReadU64(catalog_->store(), GsiCursorKey(table->table_id(), index.id), 0);
      uint64_t last = table->LastSequence();
      lag.records = last > cursor ? last - cursor : 0;
      if (lag.records > 0) {
        std::string value;
        bool found = false;
        if (catalog_->store()->Get(table->log(), U64(cursor + 1), &value, &found).ok() && found) {
          ChangeRecord record;
          if (DecodeChange(value, &record)) {
            lag.oldest_seconds = static_cast<double>(NowMicros() - record.time_us) / 1e6;
          }
        }
      }
      lags.push_back(std::move(lag));
    }
  }
  std::lock_guard lock(lag_mu_);
  lags_ = std::move(lags);
  return worked;
}

bool GsiApplier::TrimLog(Table& table, const TableMeta& meta) {
  constexpr size_t kMaxDeletesPerStep = 10000;
  storage::Store* store = catalog_->store();
  // Records every GSI has applied (all of them when there is none).
  uint64_t consumed = table.LastSequence();
  for (const auto& index : meta.indexes) {
    if (!index.global) continue;
    if (index.backfilling) {
      consumed = std::min(consumed, index.backfill_start_sequence - 1);
    } else {
      consumed = std::min(consumed, ReadU64(store, GsiCursorKey(table.table_id(), index.id), 0));
    }
  }
  int64_t cutoff_us = NowMicros() - log_retention_seconds_ * 1000000;
  auto it = store->NewIterator(table.log(), "", "");
  storage::WriteBatch batch;
  size_t deleted = 0;
  for (it->SeekToFirst(); it->Valid() && deleted < kMaxDeletesPerStep; it->Next()) {
    if (it->key().size() != 8 || DecodeFixed64BE(it->key().data()) > consumed) break;
    ChangeRecord record;
    if (DecodeChange(it->value(), &record) && record.time_us >= cutoff_us) break;
    batch.Delete(table.log(), it->key());
    ++deleted;
  }
  if (deleted == 0) return false;
  Status s = store->Write(&batch);
  if (!s.ok()) DDBD_LOG_ERROR("change-log trim: {}", s.ToString());
  return s.ok() && deleted == kMaxDeletesPerStep;
}

bool GsiApplier::ApplyLog(Table& table, const TableMeta& meta, const IndexMeta& index) {
  storage::Store* store = catalog_->store();
  storage::ColumnFamily* cf = table.IndexFamily(index.id);
  if (cf == nullptr) return false;
  const std::string cursor_key = GsiCursorKey(table.table_id(), index.id);
  uint64_t cursor = ReadU64(store, cursor_key, 0);
  if (cursor >= table.LastSequence()) return false;
  auto it = store->NewIterator(table.log(), U64(cursor + 1), "");
  storage::WriteBatch batch;
  size_t applied = 0;
  for (it->Seek(U64(cursor + 1)); it->Valid() && applied < kRecordsPerBatch; it->Next()) {
    if (it->key().size() != 8) break;
    uint64_t sequence = DecodeFixed64BE(it->key().data());
    if (sequence != cursor + 1) break;  // not yet visible: wait for it
    ChangeRecord record;
    if (!DecodeChange(it->value(), &record)) {
      DDBD_LOG_ERROR("gsi applier: corrupt change record {} of table {}", sequence, meta.name);
      return false;
    }
    AddIndexChanges(meta, index, cf, table.table_id(), record.old_item, record.new_item, &batch);
    cursor = sequence;
    ++applied;
  }
  if (applied == 0) return false;
  batch.Put(store->catalog(), cursor_key, U64(cursor));
  Status s = store->Write(&batch);
  if (!s.ok()) {
    DDBD_LOG_ERROR("gsi applier: {}", s.ToString());
    return false;
  }
  return true;
}

bool GsiApplier::Backfill(Table& table, const IndexMeta& index) {
  storage::Store* store = catalog_->store();
  storage::ColumnFamily* cf = table.IndexFamily(index.id);
  if (cf == nullptr) return false;
  TableMeta meta = table.meta();
  const std::string progress_key = GsiBackfillKey(table.table_id(), index.id);
  std::string progress;
  bool found = false;
  if (!store->Get(store->catalog(), progress_key, &progress, &found).ok()) return false;
  auto it = store->NewIterator(table.data(), storage::IndexLowerBound(storage::kBaseIndexId),
                               storage::IndexUpperBound(storage::kBaseIndexId));
  if (found) {
    it->Seek(progress);
    if (it->Valid() && it->key() == progress) it->Next();
  } else {
    it->SeekToFirst();
  }
  storage::WriteBatch batch;
  size_t scanned = 0;
  std::string last_key;
  for (; it->Valid() && scanned < kBackfillItemsPerBatch; it->Next()) {
    model::Item item;
    if (!model::DecodeItem(it->value(), &item)) continue;
    // Entries are written as puts; replaying the log afterwards removes stale ones.
    auto key = IndexEntryKey(meta, index, item);
    if (key) {
      model::Item projected = ProjectForIndex(meta, index, item);
      batch.Put(cf, *key, model::EncodeItem(projected));
      batch.AddStats(IndexStatsKey(table.table_id(), index.id), 1,
                     static_cast<int64_t>(model::ItemSize(projected)));
    }
    last_key.assign(it->key());
    ++scanned;
  }
  bool done = !it->Valid();
  if (scanned > 0) batch.Put(store->catalog(), progress_key, last_key);
  if (done) {
    // The log from the start sequence on is now owed to the index.
    batch.Put(store->catalog(), GsiCursorKey(table.table_id(), index.id),
              U64(index.backfill_start_sequence - 1));
  }
  Status s = store->Write(&batch);
  if (!s.ok()) {
    DDBD_LOG_ERROR("gsi backfill: {}", s.ToString());
    return false;
  }
  if (done) {
    // The index turns ACTIVE once the log replay has caught up (Step).
    auto updated = catalog_->Modify(table, [&](TableMeta* current) {
      for (auto& i : current->indexes) {
        if (i.global && i.id == index.id) i.backfilling = false;
      }
      return Status::OK();
    });
    if (!updated.ok()) DDBD_LOG_ERROR("gsi backfill: {}", updated.status().ToString());
    DDBD_LOG_INFO("gsi {} of table {}: backfill scan done, replaying changes", index.name,
                  meta.name);
  }
  return true;
}

}  // namespace ddbd::engine
