#include "engine/ttl.h"

#include <cmath>
#include <cstdlib>

#include "common/coding.h"
#include "common/logging.h"
#include "engine/commit.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

constexpr size_t kSweepChunk = 1000;
constexpr size_t kIndexChunk = 2000;

std::string EntryPrefix() { return storage::IndexLowerBound(kTtlIndexId); }

std::string EntryKey(int64_t expiry, std::string_view storage_key) {
  std::string key = EntryPrefix();
  PutFixed64BE(&key, static_cast<uint64_t>(expiry));
  key.append(storage_key);
  return key;
}

std::string KeyAttributes(const TableMeta& meta, const model::Item& item) {
  model::Item key;
  for (const KeyElement* k : {&meta.hash_key, meta.range_key ? &*meta.range_key : nullptr}) {
    if (k == nullptr) continue;
    auto it = item.find(k->name);
    if (it != item.end()) key.insert(*it);
  }
  return model::EncodeItem(key);
}

std::string ProgressKey(const std::string& table_id) { return "ttl-progress/" + table_id; }

}  // namespace

std::optional<int64_t> ItemExpiry(const TableMeta& meta, const model::Item& item) {
  if (!meta.ttl_enabled || meta.ttl_attribute.empty()) return std::nullopt;
  auto it = item.find(meta.ttl_attribute);
  if (it == item.end() || it->second.type != model::AttrType::kN) return std::nullopt;
  const std::string text = it->second.num.ToString();
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value) || value < 0 || value > 9.0e15) {
    return std::nullopt;
  }
  return static_cast<int64_t>(std::floor(value));
}

void AddTtlChanges(const TableMeta& meta, const storage::KeySpace& space,
                   std::string_view storage_key, const model::Item* old_item,
                   const model::Item* new_item, storage::WriteBatch* batch) {
  if (!meta.ttl_enabled) return;
  std::optional<int64_t> before = old_item ? ItemExpiry(meta, *old_item) : std::nullopt;
  std::optional<int64_t> after = new_item ? ItemExpiry(meta, *new_item) : std::nullopt;
  if (before == after) return;
  if (before) batch->Delete(space, EntryKey(*before, storage_key));
  if (after) batch->Put(space, EntryKey(*after, storage_key), KeyAttributes(meta, *new_item));
}

Status ChangeTimeToLive(TableMeta* meta, storage::WriteBatch* batch, const storage::KeySpace& space,
                        bool enabled, const std::string& attribute, int64_t now_ms) {
  if (enabled && meta->ttl_enabled) {
    if (meta->ttl_attribute != attribute) {
      return Status::Validation(
          "TimeToLive is active on a different AttributeName: current "
          "AttributeName is " +
          meta->ttl_attribute);
    }
    return Status::Validation("TimeToLive is already enabled");
  }
  if (!enabled && !meta->ttl_enabled) {
    return Status::Validation("TimeToLive is already disabled");
  }
  if (!enabled && meta->ttl_attribute != attribute) {
    return Status::Validation(
        "TimeToLive is active on a different AttributeName: current "
        "AttributeName is " +
        meta->ttl_attribute);
  }
  if (meta->ttl_modified_ms != 0 && now_ms - meta->ttl_modified_ms < kTtlChangeIntervalMs) {
    // Quoted from the service (aws/aws-cdk pull request 13720).
    return Status::Validation(
        "Time to live has been modified multiple times within a fixed interval");
  }
  // The expiry index starts over: dropped now, rebuilt by the sweeper when enabled.
  batch->DeleteRange(space, storage::IndexLowerBound(kTtlIndexId),
                     storage::IndexUpperBound(kTtlIndexId));
  meta->ttl_enabled = enabled;
  meta->ttl_attribute = attribute;
  meta->ttl_modified_ms = now_ms;
  meta->ttl_indexed = false;
  return Status::OK();
}

TtlSweeper::TtlSweeper(Catalog* catalog, int interval_seconds)
    : BackgroundService(std::chrono::milliseconds(std::max(1, interval_seconds) * 1000)),
      catalog_(catalog) {
  Start();
}

TtlSweeper::~TtlSweeper() { Stop(); }

bool TtlSweeper::Step() {
  bool worked = false;
  for (const auto& table : catalog_->AllTables()) {
    std::shared_ptr<const TableMeta> meta = table->shared_meta();
    if (!meta->ttl_enabled) continue;
    if (!meta->ttl_indexed) {
      worked |= IndexChunk(*table, *meta);
      continue;
    }
    worked |= SweepChunk(*table, *meta);
  }
  return worked;
}

bool TtlSweeper::IndexChunk(Table& table, const TableMeta& meta) {
  storage::Store* store = catalog_->store();
  const std::string progress_key = ProgressKey(table.table_id());
  std::string progress;
  bool found = false;
  if (!store->Get(store->catalog(), progress_key, &progress, &found).ok()) return false;
  // The progress names the settings it was made for, the pass, then the last key indexed.
  // Two passes: the second starts once writes that began before TTL was enabled (and so wrote
  // no expiry entry) have long committed, and indexes whatever the first pass missed.
  const std::string stamp = std::to_string(meta.ttl_modified_ms) + "/";
  char pass = '1';
  std::string after;
  if (found && progress.rfind(stamp, 0) == 0 && progress.size() > stamp.size()) {
    pass = progress[stamp.size()];
    after = progress.substr(stamp.size() + 1);
  }
  const int64_t now_ms = catalog_->clock().NowMicros() / 1000;
  if (pass == '2' && after.empty() && now_ms < meta.ttl_modified_ms + 1000) return false;
  auto it = store->NewIterator(table.data(), storage::IndexLowerBound(storage::kBaseIndexId),
                               storage::IndexUpperBound(storage::kBaseIndexId));
  if (after.empty()) {
    it->SeekToFirst();
  } else {
    it->Seek(after);
    if (it->Valid() && it->key() == after) it->Next();
  }
  storage::WriteBatch batch;
  size_t scanned = 0;
  std::string last;
  for (; it->Valid() && scanned < kIndexChunk; it->Next(), ++scanned) {
    model::Item item;
    if (!model::DecodeItem(it->value(), &item)) continue;
    last.assign(it->key());
    if (auto expiry = ItemExpiry(meta, item)) {
      batch.Put(table.data(), EntryKey(*expiry, it->key()), KeyAttributes(meta, item));
    }
  }
  const bool done = !it->Valid();
  if (!it->status().ok()) return false;
  if (!done) {
    batch.Put(store->catalog(), progress_key, stamp + pass + last);
    return store->Write(&batch).ok() && scanned > 0;
  }
  if (pass == '1') {
    batch.Put(store->catalog(), progress_key, stamp + "2");
    return store->Write(&batch).ok();
  }
  batch.Delete(store->catalog(), progress_key);
  if (!store->Write(&batch).ok()) return false;
  auto marked = catalog_->Modify(table, [&](TableMeta* current) {
    // Only for the settings this index was built for.
    if (current->ttl_enabled && current->ttl_modified_ms == meta.ttl_modified_ms) {
      current->ttl_indexed = true;
    }
    return Status::OK();
  });
  if (!marked.ok()) DDBD_LOG_ERROR("ttl: {}", marked.status().ToString());
  return true;
}

bool TtlSweeper::SweepChunk(Table& table, const TableMeta& meta) {
  storage::Store* store = catalog_->store();
  const int64_t now = catalog_->clock().NowSeconds();
  // Entries of items that expired (before now) and not more than five years ago.
  const int64_t oldest = std::max<int64_t>(0, now - kTtlMaxPastSeconds);
  std::string lower = EntryPrefix(), upper = EntryPrefix();
  PutFixed64BE(&lower, static_cast<uint64_t>(oldest));
  PutFixed64BE(&upper, static_cast<uint64_t>(now));
  auto it = store->NewIterator(table.data(), lower, upper);
  struct Expired {
    std::string entry;
    int64_t expiry;
    PrimaryKey key;
  };
  std::vector<Expired> expired;
  for (it->SeekToFirst(); it->Valid() && expired.size() < kSweepChunk; it->Next()) {
    model::Item key_item;
    if (it->key().size() < EntryPrefix().size() + 8 || !model::DecodeItem(it->value(), &key_item)) {
      continue;
    }
    Expired e;
    e.entry.assign(it->key());
    e.expiry = static_cast<int64_t>(DecodeFixed64BE(e.entry.data() + EntryPrefix().size()));
    auto hash = key_item.find(meta.hash_key.name);
    if (hash == key_item.end()) continue;
    e.key.hash = hash->second;
    if (meta.range_key) {
      auto range = key_item.find(meta.range_key->name);
      if (range == key_item.end()) continue;
      e.key.range = range->second;
    }
    expired.push_back(std::move(e));
  }
  if (expired.empty()) return false;
  CommitOptions options;
  options.origin = changelog::Origin::kTtl;
  options.service_write = true;
  options.fail_on_conflict = false;
  for (const auto& e : expired) {
    bool stale = false;
    auto result = Mutate(
        *catalog_, table, e.key,
        [&](const model::Item* current) -> Result<MutationDecision> {
          std::optional<int64_t> expiry =
              current ? ItemExpiry(*table.shared_meta(), *current) : std::nullopt;
          if (expiry && *expiry == e.expiry && *expiry < now && *expiry >= oldest) {
            return MutationDecision{MutationDecision::Kind::kDelete, {}};
          }
          stale = true;  // the item changed since: its entry (if any) is elsewhere
          return MutationDecision{MutationDecision::Kind::kNoChange, {}};
        },
        options);
    if (!result.ok()) {
      DDBD_LOG_WARN("ttl: deleting an expired item of {}: {}", meta.name,
                    result.status().ToString());
      continue;
    }
    if (stale) {
      storage::WriteBatch batch;
      batch.Delete(table.data(), e.entry);
      if (!store->Write(&batch).ok()) continue;
    } else {
      deleted_++;
    }
  }
  return true;
}

}  // namespace ddbd::engine
