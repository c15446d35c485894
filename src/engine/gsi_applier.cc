#include "engine/gsi_applier.h"

#include <algorithm>
#include <thread>

#include "common/coding.h"
#include "common/logging.h"
#include "engine/index.h"
#include "engine/item_ops.h"
#include "engine/streams.h"
#include "model/item_size.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

constexpr size_t kRecordsPerBatch = 512;
constexpr size_t kBackfillItemsPerBatch = 1000;
constexpr uint64_t kMaxTrimPerPass = 100000;
// The longest a GSI read waits for the applier (under a write load heavier than the applier
// keeps up with, reads go ahead after this).
constexpr auto kMaxReadWait = std::chrono::seconds(2);

std::string BackfillJobId(const Table& table, uint32_t index_id) {
  return "backfill/" + table.table_id() + "/" + std::to_string(index_id);
}

}  // namespace

GsiApplier::GsiApplier(Catalog* catalog, int backfill_pause_ms, int propagation_delay_ms)
    : BackgroundService(std::chrono::milliseconds(
          propagation_delay_ms > 0 ? std::clamp(propagation_delay_ms / 4, 5, 200) : 200)),
      catalog_(catalog),
      backfill_pause_ms_(backfill_pause_ms),
      propagation_delay_ms_(propagation_delay_ms) {
  subscription_ = catalog_->notifier().Subscribe([this](const std::string&) { Notify(); });
  if (propagation_delay_ms_ <= 0) {
    catalog_->SetGsiBarrier([this](const Table& table, uint32_t index_id, uint64_t sequence) {
      WaitApplied(table, index_id, sequence);
    });
  }
  Start();
}

GsiApplier::~GsiApplier() {
  if (propagation_delay_ms_ <= 0) catalog_->SetGsiBarrier(nullptr);
  catalog_->notifier().Unsubscribe(subscription_);
  Stop();
}

void GsiApplier::SetApplied(const Table& table, uint32_t index_id, uint64_t sequence) {
  {
    std::lock_guard<std::mutex> lock(applied_mu_);
    uint64_t& applied = applied_[{table.table_id(), index_id}];
    if (sequence <= applied) return;
    applied = sequence;
  }
  applied_cv_.notify_all();
}

void GsiApplier::WaitApplied(const Table& table, uint32_t index_id, uint64_t sequence) {
  const auto key = std::make_pair(table.table_id(), index_id);
  const auto deadline = std::chrono::steady_clock::now() + kMaxReadWait;
  std::unique_lock<std::mutex> lock(applied_mu_);
  auto caught_up = [&] {
    auto it = applied_.find(key);
    return it != applied_.end() && it->second >= sequence;
  };
  if (caught_up()) return;
  lock.unlock();
  Notify();  // the applier may be asleep with the notifier not firing for this table yet
  lock.lock();
  applied_cv_.wait_until(lock, deadline, caught_up);
}

std::vector<GsiApplier::Lag> GsiApplier::Lags() const {
  std::lock_guard lock(lag_mu_);
  return lags_;
}

bool GsiApplier::Step() {
  bool worked = false;
  std::vector<Lag> lags;
  for (const auto& table : catalog_->AllTables()) {
    DeleteRetiredSpaces(*table);
    TableMeta meta = table->meta();
    for (const auto& index : meta.indexes) {
      if (!index.global || index.status == IndexStatus::kDeleting) continue;
      if (index.backfilling) {
        worked |= Backfill(*table, index);
        if (backfill_pause_ms_ > 0) {
          std::this_thread::sleep_for(std::chrono::milliseconds(backfill_pause_ms_));
        }
      } else {
        worked |= ApplyLog(*table, meta, index);
        if (index.status == IndexStatus::kCreating) worked |= MaybeActivate(*table, index);
      }
      Lag lag;
      lag.table = meta.name;
      lag.index = index.name;
      lag.backfilling = index.backfilling;
      auto cursor = table->log().Cursor(GsiConsumer(index.id));
      uint64_t applied = cursor.ok() && *cursor ? **cursor : 0;
      uint64_t last = table->log().last_sequence();
      lag.records = last > applied ? last - applied : 0;
      if (lag.records > 0) {
        auto time = table->log().RecordTime(applied + 1);
        if (time.ok() && *time) {
          lag.oldest_seconds = static_cast<double>(catalog_->clock().NowMicros() - **time) / 1e6;
        }
      }
      lags.push_back(std::move(lag));
    }
  }
  std::lock_guard lock(lag_mu_);
  lags_ = std::move(lags);
  return worked;
}

void GsiApplier::DeleteRetiredSpaces(Table& table) {
  auto spaces = table.TakeRetiredIndexSpaces();
  if (spaces.empty()) return;
  storage::WriteBatch batch;
  for (const auto& space : spaces) batch.DeleteRange(space, "", "");
  Status s = catalog_->store()->Write(&batch);
  if (!s.ok()) DDBD_LOG_ERROR("gsi applier: deleting a dropped index: {}", s.ToString());
}

Status GsiApplier::Recount(Table& table, const IndexMeta& index) {
  // The replay after a backfill counts an item's entry again when the scan had already seen
  // its newer version, so the counters are set from what the index holds. Only this thread
  // writes the index, so nothing changes it meanwhile.
  storage::Store* store = catalog_->store();
  auto space = table.IndexSpace(index.id);
  if (!space) return Status::OK();
  int64_t count = 0, bytes = 0;
  auto it = store->NewIterator(*space, "", "");
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    model::Item entry;
    if (!model::DecodeItem(it->value(), &entry)) continue;
    ++count;
    bytes += static_cast<int64_t>(model::ItemSize(entry));
  }
  DDBD_RETURN_IF_ERROR(it->status());
  TableStats now = catalog_->IndexStats(table, index.id);
  if (now.item_count == count && now.size_bytes == bytes) return Status::OK();
  storage::WriteBatch batch;
  batch.AddStats(IndexStatsKey(table.table_id(), index.id), count - now.item_count,
                 bytes - now.size_bytes);
  return store->Write(&batch);
}

bool GsiApplier::MaybeActivate(Table& table, const IndexMeta& index) {
  auto cursor = table.log().Cursor(GsiConsumer(index.id));
  if (!cursor.ok() || !*cursor || **cursor < table.log().last_sequence()) return false;
  if (Status s = Recount(table, index); !s.ok()) {
    DDBD_LOG_ERROR("gsi applier: counting index {}: {}", index.name, s.ToString());
    return false;
  }
  auto updated = catalog_->Modify(table, [&](TableMeta* current) {
    for (auto& i : current->indexes) {
      if (i.global && i.id == index.id) i.status = IndexStatus::kActive;
    }
    return Status::OK();
  });
  if (!updated.ok()) DDBD_LOG_ERROR("gsi applier: {}", updated.status().ToString());
  return true;
}

bool GsiApplier::ApplyLog(Table& table, const TableMeta& meta, const IndexMeta& index) {
  auto space = table.IndexSpace(index.id);
  if (!space) return false;
  const std::string consumer = GsiConsumer(index.id);
  auto cursor = table.log().Cursor(consumer);
  if (!cursor.ok()) {
    DDBD_LOG_ERROR("gsi applier: {}", cursor.status().ToString());
    return false;
  }
  uint64_t applied = cursor->value_or(0);
  if (applied >= table.log().last_sequence()) {
    SetApplied(table, index.id, applied);
    return false;
  }
  std::vector<changelog::Record> records;
  if (Status s = table.log().Read(applied, kRecordsPerBatch, &records); !s.ok()) {
    DDBD_LOG_ERROR("gsi applier: table {}: {}", meta.name, s.ToString());
    return false;
  }
  if (propagation_delay_ms_ > 0) {
    // Only records older than the delay reach the index yet.
    const int64_t horizon = catalog_->clock().NowMicros() - int64_t{propagation_delay_ms_} * 1000;
    size_t ready = 0;
    while (ready < records.size() && records[ready].time_us <= horizon) ++ready;
    records.resize(ready);
  }
  if (records.empty()) return false;
  storage::WriteBatch batch;
  for (const auto& record : records) {
    AddIndexChanges(meta, index, *space, table.table_id(), record.old_image, record.new_image,
                    &batch);
  }
  table.log().SetCursor(&batch, consumer, records.back().sequence);
  Status s = catalog_->store()->Write(&batch);
  if (!s.ok()) {
    // The storage logs its own failures once; the applier retries on its next step.
    if (catalog_->store()->health().writable) DDBD_LOG_ERROR("gsi applier: {}", s.ToString());
    return false;
  }
  SetApplied(table, index.id, records.back().sequence);
  return true;
}

bool GsiApplier::Backfill(Table& table, const IndexMeta& index) {
  storage::Store* store = catalog_->store();
  auto space = table.IndexSpace(index.id);
  if (!space) return false;
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
      batch.Put(*space, *key, model::EncodeItem(projected));
      batch.AddStats(IndexStatsKey(table.table_id(), index.id), 1,
                     static_cast<int64_t>(model::ItemSize(projected)));
    }
    last_key.assign(it->key());
    ++scanned;
  }
  bool done = !it->Valid();
  if (scanned > 0) batch.Put(store->catalog(), progress_key, last_key);
  if (done) {
    // The log from the start sequence on is now owed to the index (its cursor was registered
    // there when the index was added).
    table.log().SetCursor(&batch, GsiConsumer(index.id), index.backfill_start_sequence - 1);
  }
  Status s = store->Write(&batch);
  if (!s.ok()) {
    if (store->health().writable) DDBD_LOG_ERROR("gsi backfill: {}", s.ToString());
    return false;
  }
  const std::string job_id = BackfillJobId(table, index.id);
  JobProgress job;
  catalog_->jobs().Find(job_id, &job);
  job.kind = "backfill";
  job.table = meta.name;
  job.detail = index.name;
  job.done += static_cast<int64_t>(scanned);
  if (job.total == 0) job.total = catalog_->Stats(table).item_count;
  if (job.started_us == 0) job.started_us = catalog_->clock().NowMicros();
  catalog_->jobs().Update(job_id, job);
  if (done) {
    // The index turns ACTIVE once the log replay has caught up (Step).
    auto updated = catalog_->Modify(table, [&](TableMeta* current) {
      for (auto& i : current->indexes) {
        if (i.global && i.id == index.id) i.backfilling = false;
      }
      return Status::OK();
    });
    if (!updated.ok()) DDBD_LOG_ERROR("gsi backfill: {}", updated.status().ToString());
    catalog_->jobs().Finish(job_id);
    DDBD_LOG_INFO("gsi {} of table {}: backfill scan done, replaying changes", index.name,
                  meta.name);
  }
  return true;
}

LogTrimmer::LogTrimmer(Catalog* catalog, int64_t min_retention_seconds)
    : BackgroundService(std::chrono::milliseconds(1000)),
      catalog_(catalog),
      min_retention_us_(min_retention_seconds * 1000000) {
  Start();
}

LogTrimmer::~LogTrimmer() { Stop(); }

bool LogTrimmer::Step() {
  bool more = false;
  for (const auto& table : catalog_->AllTables()) {
    // Streams disabled more than 24 hours ago let go of the log.
    if (Status s = PruneStreams(*catalog_, *table); !s.ok()) {
      DDBD_LOG_ERROR("streams of table {}: {}", table->name(), s.ToString());
    }
    auto trimmed =
        table->log().Trim(catalog_->clock().NowMicros(), min_retention_us_, kMaxTrimPerPass);
    if (!trimmed.ok()) {
      DDBD_LOG_ERROR("change-log trim of table {}: {}", table->name(), trimmed.status().ToString());
      continue;
    }
    more |= *trimmed == kMaxTrimPerPass;
  }
  return more;
}

}  // namespace ddbd::engine
