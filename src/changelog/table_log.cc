#include "changelog/table_log.h"

#include <algorithm>

#include "common/coding.h"
#include "common/logging.h"
#include "storage/key_codec.h"

namespace ddbd::changelog {
namespace {

std::string U64(uint64_t v) {
  std::string out;
  PutFixed64BE(&out, v);
  return out;
}

std::optional<uint64_t> ParseU64(std::string_view value) {
  if (value.size() != 8) return std::nullopt;
  return DecodeFixed64BE(value.data());
}

}  // namespace

std::string SequenceKey(uint64_t sequence) { return U64(sequence); }

TableLog::TableLog(storage::Store* store, storage::KeySpace space, std::string table_id)
    : store_(store), space_(std::move(space)), table_id_(std::move(table_id)) {}

std::string TableLog::MetaKey(std::string_view kind, std::string_view name) const {
  std::string key = "log/" + table_id_ + "/";
  key.append(kind);
  if (!name.empty()) {
    key.push_back('/');
    key.append(name);
  }
  return key;
}

Result<std::unique_ptr<TableLog>> TableLog::Open(storage::Store* store, storage::KeySpace space,
                                                 std::string table_id) {
  std::unique_ptr<TableLog> log(new TableLog(store, std::move(space), std::move(table_id)));
  uint64_t last = 0;
  auto it = store->NewIterator(log->space_, "", "");
  it->SeekToLast();
  if (it->Valid() && it->key().size() == 8) last = DecodeFixed64BE(it->key().data());
  DDBD_RETURN_IF_ERROR(it->status());
  // A log trimmed empty continues after its high-water mark, never from 1 again.
  std::string value;
  bool found = false;
  DDBD_RETURN_IF_ERROR(store->Get(store->catalog(), log->MetaKey("trimmed"), &value, &found));
  if (found) last = std::max(last, ParseU64(value).value_or(0));
  log->last_.store(last);
  return log;
}

void TableLog::Append(storage::WriteBatch* batch, uint64_t sequence,
                      std::string_view record) const {
  batch->Put(space_, U64(sequence), record);
}

Status TableLog::Read(uint64_t after, size_t max, std::vector<Record>* out, const HashRange* range,
                      const storage::Snapshot* snapshot) const {
  const uint64_t last = last_sequence();
  if (after >= last && snapshot == nullptr) return Status::OK();
  auto it = snapshot != nullptr ? store_->NewIterator(space_, U64(after + 1), "", snapshot)
                                : store_->NewIterator(space_, U64(after + 1), U64(last + 1));
  size_t taken = 0;
  for (it->SeekToFirst(); it->Valid() && taken < max; it->Next()) {
    if (it->key().size() != 8) continue;
    Record record;
    if (!DecodeRecord(it->value(), &record)) {
      DDBD_LOG_ERROR("change log: corrupt record {} of table {}", DecodeFixed64BE(it->key().data()),
                     table_id_);
      return Status::Internal("corrupt change-log record");
    }
    record.sequence = DecodeFixed64BE(it->key().data());
    if (range != nullptr && !range->Contains(record.partition_hash())) continue;
    out->push_back(std::move(record));
    ++taken;
  }
  return it->status();
}

Result<TableLog::ScanResult> TableLog::Scan(uint64_t after, uint64_t upto, size_t max_records,
                                            size_t max_scan, const HashRange* range) const {
  ScanResult result;
  result.scanned_through = after;
  const uint64_t last = std::min(upto, last_sequence());
  if (after >= last) return result;
  auto it = store_->NewIterator(space_, U64(after + 1), U64(last + 1));
  size_t scanned = 0;
  for (it->SeekToFirst(); it->Valid() && scanned < max_scan && result.records.size() < max_records;
       it->Next()) {
    if (it->key().size() != 8) continue;
    ++scanned;
    const uint64_t sequence = DecodeFixed64BE(it->key().data());
    result.scanned_through = sequence;
    Record record;
    if (!DecodeRecord(it->value(), &record)) return Status::Internal("corrupt change-log record");
    record.sequence = sequence;
    if (range != nullptr && !range->Contains(record.partition_hash())) continue;
    result.records.push_back(std::move(record));
  }
  DDBD_RETURN_IF_ERROR(it->status());
  // Nothing more in the window: everything up to it has been examined.
  if (!it->Valid() && scanned < max_scan && result.records.size() < max_records) {
    result.scanned_through = last;
  }
  return result;
}

Result<std::optional<int64_t>> TableLog::RecordTime(uint64_t sequence) const {
  std::string value;
  bool found = false;
  DDBD_RETURN_IF_ERROR(store_->Get(space_, U64(sequence), &value, &found));
  if (!found) return std::optional<int64_t>();
  int64_t time = 0;
  if (!DecodeRecordTime(value, &time)) return Status::Internal("corrupt change-log record");
  return std::optional<int64_t>(time);
}

void TableLog::SetCursor(storage::WriteBatch* batch, std::string_view consumer,
                         uint64_t sequence) const {
  batch->Put(store_->catalog(), MetaKey("cursor", consumer), U64(sequence));
}

Result<std::optional<uint64_t>> TableLog::Cursor(std::string_view consumer) const {
  std::string value;
  bool found = false;
  DDBD_RETURN_IF_ERROR(store_->Get(store_->catalog(), MetaKey("cursor", consumer), &value, &found));
  if (!found) return std::optional<uint64_t>();
  auto parsed = ParseU64(value);
  if (!parsed) return Status::Internal("corrupt change-log cursor");
  return parsed;
}

void TableLog::DropCursor(storage::WriteBatch* batch, std::string_view consumer) const {
  batch->Delete(store_->catalog(), MetaKey("cursor", consumer));
}

void TableLog::SetHold(storage::WriteBatch* batch, std::string_view consumer,
                       int64_t seconds) const {
  batch->Put(store_->catalog(), MetaKey("hold", consumer), U64(static_cast<uint64_t>(seconds)));
}

void TableLog::DropHold(storage::WriteBatch* batch, std::string_view consumer) const {
  batch->Delete(store_->catalog(), MetaKey("hold", consumer));
}

Result<uint64_t> TableLog::FirstSequence() const {
  auto it = store_->NewIterator(space_, "", "");
  it->SeekToFirst();
  DDBD_RETURN_IF_ERROR(it->status());
  if (!it->Valid() || it->key().size() != 8) return uint64_t{0};
  return DecodeFixed64BE(it->key().data());
}

Result<LogState> TableLog::State() const {
  LogState state;
  state.last_sequence = last_sequence();
  DDBD_ASSIGN_OR_RETURN(state.first_sequence, FirstSequence());
  if (state.first_sequence != 0 && state.first_sequence <= state.last_sequence) {
    // Trims delete a prefix of the log and failed batches leave no gaps: records are
    // contiguous.
    state.records = state.last_sequence - state.first_sequence + 1;
  } else {
    state.first_sequence = 0;
  }
  for (const char* kind : {"cursor", "hold"}) {
    std::string prefix = MetaKey(kind) + "/";
    auto it = store_->NewIterator(store_->catalog(), prefix, storage::PrefixEnd(prefix));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      std::string name(it->key().substr(prefix.size()));
      uint64_t value = ParseU64(it->value()).value_or(0);
      if (kind[0] == 'c') {
        state.cursors.push_back({std::move(name), value});
      } else {
        state.holds.push_back({std::move(name), static_cast<int64_t>(value)});
      }
    }
    DDBD_RETURN_IF_ERROR(it->status());
  }
  return state;
}

Result<uint64_t> TableLog::Trim(int64_t now_us, int64_t min_retention_us, uint64_t max_records) {
  std::lock_guard lock(trim_mu_);
  DDBD_ASSIGN_OR_RETURN(LogState state, State());
  if (state.records == 0) return uint64_t{0};
  // Records every consumer has consumed (all of them when there is none) ...
  uint64_t consumed = state.last_sequence;
  for (const auto& cursor : state.cursors) consumed = std::min(consumed, cursor.sequence);
  // ... and older than every hold and the minimum retention.
  int64_t keep_us = min_retention_us;
  for (const auto& hold : state.holds) keep_us = std::max(keep_us, hold.seconds * 1000000);
  const int64_t cutoff_us = now_us - keep_us;
  if (consumed < state.first_sequence) return uint64_t{0};
  auto it = store_->NewIterator(space_, U64(state.first_sequence), U64(consumed + 1));
  uint64_t through = 0, count = 0;
  for (it->SeekToFirst(); it->Valid() && count < max_records; it->Next()) {
    int64_t time = 0;
    if (it->key().size() != 8 || !DecodeRecordTime(it->value(), &time)) {
      return Status::Internal("corrupt change-log record");
    }
    if (time >= cutoff_us) break;
    through = DecodeFixed64BE(it->key().data());
    ++count;
  }
  DDBD_RETURN_IF_ERROR(it->status());
  if (count == 0) return uint64_t{0};
  storage::WriteBatch batch;
  batch.DeleteRange(space_, U64(state.first_sequence), U64(through + 1));
  // The durable high-water mark: the next sequence is never at or below a trimmed one.
  batch.Put(store_->catalog(), MetaKey("trimmed"), U64(through));
  DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  return count;
}

void TableLog::DeleteAll(storage::WriteBatch* batch) const {
  if (!space_.prefix.empty()) batch->DeleteRange(space_, "", "");
  std::string meta = "log/" + table_id_ + "/";
  batch->DeleteRange(store_->catalog(), meta, storage::PrefixEnd(meta));
}

uint64_t Notifier::Subscribe(Callback callback) {
  std::unique_lock lock(mu_);
  uint64_t id = next_id_++;
  callbacks_.emplace_back(id, std::move(callback));
  return id;
}

void Notifier::Unsubscribe(uint64_t id) {
  std::unique_lock lock(mu_);
  callbacks_.erase(std::remove_if(callbacks_.begin(), callbacks_.end(),
                                  [id](const auto& entry) { return entry.first == id; }),
                   callbacks_.end());
}

void Notifier::Notify(const std::string& table_id) const {
  std::shared_lock lock(mu_);
  for (const auto& [id, callback] : callbacks_) callback(table_id);
}

}  // namespace ddbd::changelog
