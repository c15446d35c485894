#include "storage/rocks.h"

#include <atomic>
#include <chrono>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <map>
#include <mutex>
#include <shared_mutex>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/merge_operator.h>
#include <rocksdb/options.h>
#include <rocksdb/table.h>
#include <rocksdb/write_batch.h>
#include <sys/statvfs.h>

#include "common/logging.h"
#include "storage/key_codec.h"

namespace ddbd::storage {
namespace {

constexpr char kStatsFamily[] = "stats";

Status FromRocks(const rocksdb::Status& s, std::string_view what) {
  if (s.ok()) return Status::OK();
  DDBD_LOG_ERROR("storage: {} failed: {}", what, s.ToString());
  return Status::Internal("Internal server error");
}

// Two little-endian int64 counters; merge adds them. Used for item count and table size so
// concurrent writers never contend on a read-modify-write of the stats key.
class AddCountersOperator : public rocksdb::AssociativeMergeOperator {
 public:
  bool Merge(const rocksdb::Slice&, const rocksdb::Slice* existing, const rocksdb::Slice& value,
             std::string* new_value, rocksdb::Logger*) const noexcept override {
    int64_t a = 0, b = 0;
    Decode(existing, &a, &b);
    int64_t da = 0, db = 0;
    Decode(&value, &da, &db);
    Encode(a + da, b + db, new_value);
    return true;
  }
  const char* Name() const noexcept override { return "ddbd.AddCounters"; }

  static void Decode(const rocksdb::Slice* s, int64_t* a, int64_t* b) {
    if (s == nullptr || s->size() != 16) return;
    std::memcpy(a, s->data(), 8);
    std::memcpy(b, s->data() + 8, 8);
  }
  static void Encode(int64_t a, int64_t b, std::string* out) {
    out->resize(16);
    std::memcpy(out->data(), &a, 8);
    std::memcpy(out->data() + 8, &b, 8);
  }
};

rocksdb::Slice ToSlice(std::string_view s) { return rocksdb::Slice(s.data(), s.size()); }

// RocksDB's messages go to ddbd's log, not to a LOG file in the data directory: a log file on a
// full disk fails, and the next line written to it trips an assertion in some RocksDB builds
// (Debian's among them), which would abort the process.
class RocksLogger final : public rocksdb::Logger {
 public:
  explicit RocksLogger(rocksdb::InfoLogLevel level) : rocksdb::Logger(level) {}
  using rocksdb::Logger::Logv;
  void Logv(const char* format, va_list ap) override {
    Logv(rocksdb::InfoLogLevel::INFO_LEVEL, format, ap);
  }
  void Logv(const rocksdb::InfoLogLevel level, const char* format, va_list ap) override {
    if (level < GetInfoLogLevel()) return;
    char buffer[1024];
    vsnprintf(buffer, sizeof(buffer), format, ap);
    if (level >= rocksdb::InfoLogLevel::ERROR_LEVEL) {
      DDBD_LOG_ERROR("rocksdb: {}", buffer);
    } else {
      DDBD_LOG_WARN("rocksdb: {}", buffer);
    }
  }
};

class RocksSnapshot final : public Snapshot {
 public:
  RocksSnapshot(rocksdb::DB* db) : db_(db), snapshot_(db->GetSnapshot()) {}
  ~RocksSnapshot() override { db_->ReleaseSnapshot(snapshot_); }
  const rocksdb::Snapshot* get() const { return snapshot_; }

 private:
  rocksdb::DB* db_;
  const rocksdb::Snapshot* snapshot_;
};

// Iterates [lower, upper) of a family; with a prefix, bounds and seek targets are given
// relative to it and keys are returned without it.
class RocksIterator final : public Iterator {
 public:
  RocksIterator(rocksdb::DB* db, rocksdb::ColumnFamilyHandle* cf, std::string prefix,
                std::string lower, std::string upper, const rocksdb::Snapshot* snapshot = nullptr)
      : prefix_(std::move(prefix)) {
    lower_ = prefix_ + lower;
    if (!upper.empty()) {
      upper_ = prefix_ + upper;
    } else if (!prefix_.empty()) {
      upper_ = PrefixEnd(prefix_);
    }
    rocksdb::ReadOptions options;
    options.snapshot = snapshot;
    lower_slice_ = rocksdb::Slice(lower_);
    upper_slice_ = rocksdb::Slice(upper_);
    options.iterate_lower_bound = &lower_slice_;
    if (!upper_.empty()) options.iterate_upper_bound = &upper_slice_;
    it_.reset(db->NewIterator(options, cf));
  }
  void SeekToFirst() override { it_->Seek(lower_slice_); }
  void SeekToLast() override { it_->SeekToLast(); }
  void Seek(std::string_view key) override { it_->Seek(Target(key)); }
  void SeekForPrev(std::string_view key) override { it_->SeekForPrev(Target(key)); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  void Prev() override { it_->Prev(); }
  std::string_view key() const override {
    return std::string_view(it_->key().data(), it_->key().size()).substr(prefix_.size());
  }
  std::string_view value() const override { return {it_->value().data(), it_->value().size()}; }
  Status status() const override { return FromRocks(it_->status(), "iterate"); }

 private:
  rocksdb::Slice Target(std::string_view key) {
    if (prefix_.empty()) return ToSlice(key);
    target_.assign(prefix_);
    target_.append(key);
    return rocksdb::Slice(target_);
  }

  std::string prefix_, lower_, upper_, target_;
  rocksdb::Slice lower_slice_, upper_slice_;
  std::unique_ptr<rocksdb::Iterator> it_;
};

// prefix + key without copying (for WriteBatch's SliceParts).
struct PrefixedKey {
  PrefixedKey(const KeySpace& space, std::string_view key)
      : slices{ToSlice(space.prefix), ToSlice(key)}, parts(slices, 2) {}
  rocksdb::Slice slices[2];
  rocksdb::SliceParts parts;
};

bool IsBuiltInFamily(std::string_view name) {
  return name == rocksdb::kDefaultColumnFamilyName || name == kStatsFamily ||
         name == kItemsFamily || name == kIndexesFamily || name == kChangesFamily;
}

}  // namespace

class ColumnFamily {
 public:
  rocksdb::ColumnFamilyHandle* handle = nullptr;
};

struct WriteBatch::Rep {
  rocksdb::WriteBatch batch;
  std::vector<std::pair<std::string, std::pair<int64_t, int64_t>>> stats;
};

WriteBatch::WriteBatch() : rep_(std::make_unique<Rep>()) {}
WriteBatch::~WriteBatch() = default;

void WriteBatch::Put(ColumnFamily* cf, std::string_view key, std::string_view value) {
  rep_->batch.Put(cf->handle, ToSlice(key), ToSlice(value));
}
void WriteBatch::Delete(ColumnFamily* cf, std::string_view key) {
  rep_->batch.Delete(cf->handle, ToSlice(key));
}
void WriteBatch::Put(const KeySpace& space, std::string_view key, std::string_view value) {
  PrefixedKey k(space, key);
  rocksdb::Slice v = ToSlice(value);
  rep_->batch.Put(space.cf->handle, k.parts, rocksdb::SliceParts(&v, 1));
}
void WriteBatch::Delete(const KeySpace& space, std::string_view key) {
  PrefixedKey k(space, key);
  rep_->batch.Delete(space.cf->handle, k.parts);
}
void WriteBatch::DeleteRange(const KeySpace& space, std::string_view begin, std::string_view end) {
  std::string b = space.prefix + std::string(begin);
  std::string e = end.empty() ? PrefixEnd(space.prefix) : space.prefix + std::string(end);
  rep_->batch.DeleteRange(space.cf->handle, b, e);
}
void WriteBatch::DeleteRange(ColumnFamily* cf, std::string_view begin, std::string_view end) {
  rep_->batch.DeleteRange(cf->handle, ToSlice(begin), ToSlice(end));
}
bool WriteBatch::empty() const { return rep_->batch.Count() == 0 && rep_->stats.empty(); }

void WriteBatch::AddStats(std::string_view key, int64_t delta_a, int64_t delta_b) {
  rep_->stats.emplace_back(std::string(key), std::make_pair(delta_a, delta_b));
}

struct Store::Rep {
  StoreOptions options;
  std::unique_ptr<rocksdb::Env> mem_env;
  rocksdb::ColumnFamilyOptions cf_options;
  std::unique_ptr<rocksdb::DB> db;
  mutable std::shared_mutex mu;  // guards families
  std::map<std::string, std::unique_ptr<ColumnFamily>, std::less<>> families;
  ColumnFamily* catalog = nullptr;
  ColumnFamily* stats = nullptr;
  std::map<std::string, ColumnFamily*, std::less<>> shared;
  rocksdb::WriteOptions write_options;

  // The write path's health (see Store::Write).
  std::mutex health_mu;             // serializes recovery
  std::atomic<bool> failed{false};  // a write failed; not recovered yet
  std::atomic<int64_t> last_resume_us{0};
  std::atomic<int64_t> free_bytes{-1};
  std::atomic<int64_t> free_checked_us{0};
  std::atomic<uint64_t> failed_writes{0};
  std::atomic<bool> logged{false};  // one log line per episode
};

namespace {

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

Store::Store(std::unique_ptr<Rep> rep) : rep_(std::move(rep)) {}

Store::~Store() {
  if (!rep_->db) return;
  for (auto& [name, cf] : rep_->families) {
    rep_->db->DestroyColumnFamilyHandle(cf->handle).PermitUncheckedError();
  }
  rep_->db->Close().PermitUncheckedError();
}

Result<std::unique_ptr<Store>> Store::Open(const StoreOptions& options) {
  auto rep = std::make_unique<Rep>();
  rep->options = options;
  rocksdb::DBOptions db_options;
  db_options.create_if_missing = true;
  db_options.create_missing_column_families = true;
  db_options.max_background_jobs = 2;
  db_options.keep_log_file_num = 3;
  db_options.max_open_files = options.max_open_files;
  // A WAL file is deleted once every family's data in it is flushed; a family that is rarely
  // written (the catalog) would keep old WAL files forever. Past this total, RocksDB flushes
  // the families that hold the oldest one, so the WAL stays bounded whatever the table count.
  db_options.max_total_wal_size = 64 << 20;
  db_options.info_log_level = rocksdb::InfoLogLevel::WARN_LEVEL;
  db_options.info_log = std::make_shared<RocksLogger>(rocksdb::InfoLogLevel::WARN_LEVEL);
  std::string path = options.path;
  if (options.in_memory) {
    rep->mem_env.reset(rocksdb::NewMemEnv(rocksdb::Env::Default()));
    db_options.env = rep->mem_env.get();
    path = "/ddbd-in-memory";
    rep->mem_env->CreateDirIfMissing(path).PermitUncheckedError();
  }
  rep->cf_options.merge_operator = std::make_shared<AddCountersOperator>();
  rep->cf_options.write_buffer_size = 16 << 20;
  // Counters are merge operands written on every write; folding them in the memtable after a
  // few keeps reads of a counter (DescribeTable, /metrics) cheap after millions of writes.
  rep->cf_options.max_successive_merges = 64;
  rep->write_options.sync = options.sync_writes;

  std::vector<std::string> names;
  // (A new in-memory store has nothing to list; asking would log a spurious error.)
  auto list_status = options.in_memory ? rocksdb::Status::NotFound()
                                       : rocksdb::DB::ListColumnFamilies(db_options, path, &names);
  if (!list_status.ok() || names.empty()) names = {rocksdb::kDefaultColumnFamilyName};
  // The shared families are created with the first table that uses them.
  bool has_stats = false;
  for (const auto& n : names) has_stats |= (n == kStatsFamily);
  if (!has_stats) names.push_back(kStatsFamily);

  std::vector<rocksdb::ColumnFamilyDescriptor> descriptors;
  for (const auto& n : names) descriptors.emplace_back(n, rep->cf_options);
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  rocksdb::DB* db = nullptr;
  auto s = rocksdb::DB::Open(db_options, path, descriptors, &handles, &db);
  if (!s.ok()) {
    DDBD_LOG_ERROR("storage: cannot open {}: {}", path, s.ToString());
    return Status::Internal("cannot open data directory " + path + ": " + s.ToString());
  }
  rep->db.reset(db);
  for (size_t i = 0; i < names.size(); ++i) {
    auto cf = std::make_unique<ColumnFamily>();
    cf->handle = handles[i];
    if (names[i] == rocksdb::kDefaultColumnFamilyName) rep->catalog = cf.get();
    if (names[i] == kStatsFamily) rep->stats = cf.get();
    if (IsBuiltInFamily(names[i])) rep->shared[names[i]] = cf.get();
    rep->families.emplace(names[i], std::move(cf));
  }
  return std::unique_ptr<Store>(new Store(std::move(rep)));
}

std::vector<std::string> Store::ColumnFamilyNames() const {
  std::shared_lock lock(rep_->mu);
  std::vector<std::string> out;
  for (const auto& [name, cf] : rep_->families) {
    if (!IsBuiltInFamily(name)) out.push_back(name);
  }
  return out;
}

ColumnFamily* Store::Find(std::string_view name) const {
  std::shared_lock lock(rep_->mu);
  auto it = rep_->families.find(name);
  return it == rep_->families.end() ? nullptr : it->second.get();
}

ColumnFamily* Store::catalog() const { return rep_->catalog; }
ColumnFamily* Store::stats() const { return rep_->stats; }
ColumnFamily* Store::shared(std::string_view name) const {
  std::shared_lock lock(rep_->mu);
  auto it = rep_->shared.find(name);
  return it == rep_->shared.end() ? nullptr : it->second;
}

Status Store::EnsureSharedFamilies() {
  std::unique_lock lock(rep_->mu);
  std::vector<std::string> missing;
  for (const char* name : {kItemsFamily, kIndexesFamily, kChangesFamily}) {
    if (!rep_->shared.count(name)) missing.push_back(name);
  }
  if (missing.empty()) return Status::OK();
  std::vector<rocksdb::ColumnFamilyHandle*> handles;
  DDBD_RETURN_IF_ERROR(
      FromRocks(rep_->db->CreateColumnFamilies(rep_->cf_options, missing, &handles),
                "create shared families"));
  for (size_t i = 0; i < missing.size(); ++i) {
    auto cf = std::make_unique<ColumnFamily>();
    cf->handle = handles[i];
    rep_->shared[missing[i]] = cf.get();
    rep_->families.emplace(missing[i], std::move(cf));
  }
  return Status::OK();
}

Result<ColumnFamily*> Store::CreateColumnFamily(const std::string& name) {
  std::unique_lock lock(rep_->mu);
  auto it = rep_->families.find(name);
  if (it != rep_->families.end()) return it->second.get();
  rocksdb::ColumnFamilyHandle* handle = nullptr;
  DDBD_RETURN_IF_ERROR(
      FromRocks(rep_->db->CreateColumnFamily(rep_->cf_options, name, &handle), "create family"));
  auto cf = std::make_unique<ColumnFamily>();
  cf->handle = handle;
  ColumnFamily* raw = cf.get();
  rep_->families.emplace(name, std::move(cf));
  return raw;
}

Status Store::DropColumnFamily(ColumnFamily* cf) {
  std::unique_lock lock(rep_->mu);
  for (auto it = rep_->families.begin(); it != rep_->families.end(); ++it) {
    if (it->second.get() != cf) continue;
    DDBD_RETURN_IF_ERROR(FromRocks(rep_->db->DropColumnFamily(cf->handle), "drop family"));
    rep_->db->DestroyColumnFamilyHandle(cf->handle).PermitUncheckedError();
    rep_->families.erase(it);
    return Status::OK();
  }
  return Status::OK();
}

namespace {}  // namespace

std::shared_ptr<const Snapshot> Store::NewSnapshot() const {
  return std::make_shared<RocksSnapshot>(rep_->db.get());
}

Status Store::Get(ColumnFamily* cf, std::string_view key, std::string* value, bool* found,
                  const Snapshot* snapshot) const {
  rocksdb::ReadOptions options;
  if (snapshot != nullptr) options.snapshot = static_cast<const RocksSnapshot*>(snapshot)->get();
  auto s = rep_->db->Get(options, cf->handle, ToSlice(key), value);
  if (s.IsNotFound()) {
    *found = false;
    return Status::OK();
  }
  *found = s.ok();
  return FromRocks(s, "get");
}

Status Store::Get(const KeySpace& space, std::string_view key, std::string* value, bool* found,
                  const Snapshot* snapshot) const {
  if (space.prefix.empty()) return Get(space.cf, key, value, found, snapshot);
  // prefix + key, in a per-thread buffer: point reads allocate nothing for the key.
  static thread_local std::string full;
  full.assign(space.prefix);
  full.append(key);
  return Get(space.cf, full, value, found, snapshot);
}

Status Store::Write(WriteBatch* batch) {
  Rep& r = *rep_;
  const int64_t now = SteadyMicros();
  // Free space, checked at most every 100 ms: refuse writes before RocksDB would fail them.
  if (!r.options.in_memory && r.options.min_free_bytes > 0 &&
      now - r.free_checked_us.load(std::memory_order_relaxed) > 100000) {
    r.free_checked_us = now;
    struct statvfs fs;
    if (statvfs(r.options.path.c_str(), &fs) == 0) {
      r.free_bytes = static_cast<int64_t>(fs.f_bavail) * static_cast<int64_t>(fs.f_frsize);
    }
  }
  const int64_t free = r.free_bytes.load(std::memory_order_relaxed);
  if (free >= 0 && static_cast<uint64_t>(free) < r.options.min_free_bytes) {
    ++r.failed_writes;
    if (!r.logged.exchange(true)) {
      DDBD_LOG_ERROR("storage: {} bytes free in {}; writes are refused until {} are free", free,
                     r.options.path, r.options.min_free_bytes);
    }
    return Status::Internal("Internal server error");
  }
  if (r.failed.load()) {
    // After a failed write RocksDB must recover first; a write to its failed log would not
    // be durable (and trips an assertion in some builds).
    std::lock_guard lock(r.health_mu);
    if (r.failed.load()) {
      if (now - r.last_resume_us.load() < 1000000) {
        ++r.failed_writes;
        return Status::Internal("Internal server error");
      }
      r.last_resume_us = now;
      rocksdb::Status resumed = r.db->Resume();
      if (!resumed.ok()) {
        ++r.failed_writes;
        return Status::Internal("Internal server error");
      }
      DDBD_LOG_INFO("storage: writes resumed");
      r.failed = false;
    }
  }
  if (free >= 0 && r.logged.load() && !r.failed.load()) {
    r.logged = false;
    DDBD_LOG_INFO("storage: enough free space again in {}", r.options.path);
  }
  for (const auto& [key, delta] : batch->rep_->stats) {
    std::string operand;
    AddCountersOperator::Encode(delta.first, delta.second, &operand);
    batch->rep_->batch.Merge(rep_->stats->handle, ToSlice(key), operand);
  }
  batch->rep_->stats.clear();
  rocksdb::Status written = r.db->Write(r.write_options, &batch->rep_->batch);
  if (!written.ok()) {
    ++r.failed_writes;
    r.failed = true;
    r.last_resume_us = now;
    if (!r.logged.exchange(true)) DDBD_LOG_ERROR("storage: write failed: {}", written.ToString());
    return Status::Internal("Internal server error");
  }
  return Status::OK();
}

Store::Health Store::health() const {
  Health h;
  h.writable = !rep_->failed.load() &&
               (rep_->free_bytes.load() < 0 ||
                static_cast<uint64_t>(rep_->free_bytes.load()) >= rep_->options.min_free_bytes);
  h.free_bytes = rep_->free_bytes.load();
  h.failed_writes = rep_->failed_writes.load();
  return h;
}

std::unique_ptr<Iterator> Store::NewIterator(ColumnFamily* cf, std::string lower,
                                             std::string upper) const {
  return std::make_unique<RocksIterator>(rep_->db.get(), cf->handle, std::string(),
                                         std::move(lower), std::move(upper));
}

std::unique_ptr<Iterator> Store::NewIterator(const KeySpace& space, std::string lower,
                                             std::string upper, const Snapshot* snapshot) const {
  return std::make_unique<RocksIterator>(
      rep_->db.get(), space.cf->handle, space.prefix, std::move(lower), std::move(upper),
      snapshot != nullptr ? static_cast<const RocksSnapshot*>(snapshot)->get() : nullptr);
}

Status Store::GetStats(std::string_view key, int64_t* a, int64_t* b) const {
  *a = 0;
  *b = 0;
  std::string value;
  auto s = rep_->db->Get(rocksdb::ReadOptions(), rep_->stats->handle, ToSlice(key), &value);
  if (s.IsNotFound()) return Status::OK();
  DDBD_RETURN_IF_ERROR(FromRocks(s, "get stats"));
  rocksdb::Slice slice(value);
  AddCountersOperator::Decode(&slice, a, b);
  return Status::OK();
}

Result<std::vector<Store::StatsEntry>> Store::StatsWithPrefix(std::string_view prefix) const {
  std::vector<StatsEntry> out;
  std::unique_ptr<rocksdb::Iterator> it(
      rep_->db->NewIterator(rocksdb::ReadOptions(), rep_->stats->handle));
  for (it->Seek(ToSlice(prefix)); it->Valid() && it->key().starts_with(ToSlice(prefix));
       it->Next()) {
    StatsEntry e;
    e.key = it->key().ToString();
    rocksdb::Slice value = it->value();
    AddCountersOperator::Decode(&value, &e.a, &e.b);
    out.push_back(std::move(e));
  }
  DDBD_RETURN_IF_ERROR(FromRocks(it->status(), "scan stats"));
  return out;
}

}  // namespace ddbd::storage
