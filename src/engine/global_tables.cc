#include "engine/global_tables.h"

#include "common/coding.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

constexpr char kPrefix[] = "global/";
constexpr uint64_t kFormatVersion = 1;

}  // namespace

const char* ReplicaStateName(ReplicaState state) {
  switch (state) {
    case ReplicaState::kCreating:
      return "CREATING";
    case ReplicaState::kDeleting:
      return "DELETING";
    case ReplicaState::kActive:
      break;
  }
  return "ACTIVE";
}

const ReplicaMeta* GlobalTableMeta::Find(std::string_view region) const {
  for (const auto& r : replicas) {
    if (r.region == region) return &r;
  }
  return nullptr;
}

ReplicaMeta* GlobalTableMeta::Find(std::string_view region) {
  for (auto& r : replicas) {
    if (r.region == region) return &r;
  }
  return nullptr;
}

std::string EncodeGlobalTable(const GlobalTableMeta& m) {
  std::string out;
  PutVarint64(&out, kFormatVersion);
  PutLengthPrefixed(&out, m.account);
  PutLengthPrefixed(&out, m.name);
  PutLengthPrefixed(&out, m.version);
  PutVarint64(&out, static_cast<uint64_t>(m.created_ms));
  PutVarint64(&out, m.replicas.size());
  for (const auto& r : m.replicas) {
    PutLengthPrefixed(&out, r.region);
    out.push_back(static_cast<char>(r.state));
    PutVarint64(&out, static_cast<uint64_t>(r.created_ms));
    PutLengthPrefixed(&out, r.source_region);
    PutVarint64(&out, r.source_sequence);
    PutVarint64(&out, static_cast<uint64_t>(r.read_capacity_override));
    PutVarint64(&out, static_cast<uint64_t>(r.max_read_override));
    PutLengthPrefixed(&out, r.table_class);
    PutLengthPrefixed(&out, r.kms_key);
    PutVarint64(&out, r.index_read_overrides.size());
    for (const auto& [index, units] : r.index_read_overrides) {
      PutLengthPrefixed(&out, index);
      PutVarint64(&out, static_cast<uint64_t>(units));
    }
  }
  return out;
}

bool DecodeGlobalTable(std::string_view in, GlobalTableMeta* m) {
  FieldReader r{in};
  if (r.Int() != static_cast<int64_t>(kFormatVersion)) return false;
  m->account = r.String();
  m->name = r.String();
  m->version = r.String();
  m->created_ms = r.Int();
  const int64_t count = r.Int();
  for (int64_t i = 0; r.ok && i < count; ++i) {
    ReplicaMeta rep;
    rep.region = r.String();
    rep.state = static_cast<ReplicaState>(r.Byte());
    rep.created_ms = r.Int();
    rep.source_region = r.String();
    rep.source_sequence = static_cast<uint64_t>(r.Int());
    rep.read_capacity_override = r.Int();
    rep.max_read_override = r.Int();
    rep.table_class = r.String();
    rep.kms_key = r.String();
    const int64_t overrides = r.Int();
    for (int64_t j = 0; r.ok && j < overrides; ++j) {
      std::string index = r.String();
      rep.index_read_overrides.emplace_back(std::move(index), r.Int());
    }
    m->replicas.push_back(std::move(rep));
  }
  return r.ok && r.in.empty();
}

std::string GlobalTables::Key(const std::string& account, const std::string& name) {
  std::string key = kPrefix;
  key += account;
  key.push_back('\0');
  key += name;
  return key;
}

Status GlobalTables::Load(storage::Store* store) {
  store_ = store;
  auto it = store->NewIterator(store->catalog(), kPrefix, storage::PrefixEnd(kPrefix));
  std::lock_guard lock(mu_);
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    GlobalTableMeta meta;
    if (!DecodeGlobalTable(it->value(), &meta)) {
      return Status::Internal("corrupt global table record in catalog");
    }
    auto key = std::make_pair(meta.account, meta.name);
    tables_[key] = std::move(meta);
  }
  return it->status();
}

std::optional<GlobalTableMeta> GlobalTables::Find(const std::string& account,
                                                  const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find({account, name});
  if (it == tables_.end()) return std::nullopt;
  return it->second;
}

std::vector<GlobalTableMeta> GlobalTables::All() const {
  std::lock_guard lock(mu_);
  std::vector<GlobalTableMeta> out;
  out.reserve(tables_.size());
  for (const auto& [key, meta] : tables_) out.push_back(meta);
  return out;
}

bool GlobalTables::IsMember(const std::string& account, const std::string& region,
                            const std::string& name) const {
  std::lock_guard lock(mu_);
  auto it = tables_.find({account, name});
  if (it == tables_.end()) return false;
  const ReplicaMeta* r = it->second.Find(region);
  return r != nullptr && r->state != ReplicaState::kDeleting;
}

void GlobalTables::Stage(storage::WriteBatch* batch, const GlobalTableMeta& meta) const {
  if (meta.replicas.empty()) {
    batch->Delete(store_->catalog(), Key(meta.account, meta.name));
  } else {
    batch->Put(store_->catalog(), Key(meta.account, meta.name), EncodeGlobalTable(meta));
  }
}

void GlobalTables::Publish(const GlobalTableMeta& meta) {
  std::lock_guard lock(mu_);
  if (meta.replicas.empty()) {
    tables_.erase({meta.account, meta.name});
  } else {
    tables_[{meta.account, meta.name}] = meta;
  }
}

Status GlobalTables::Write(const GlobalTableMeta& meta) {
  storage::WriteBatch batch;
  Stage(&batch, meta);
  DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  Publish(meta);
  return Status::OK();
}

}  // namespace ddbd::engine
