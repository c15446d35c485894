#include "triggers/mapping.h"

#include <algorithm>

#include "common/coding.h"
#include "common/rapidjson.h"

namespace ddbd::triggers {
namespace {

constexpr char kMappingPrefix[] = "esm/";
constexpr char kCheckpointPrefix[] = "esm-cp/";

std::string CheckpointPrefix(const std::string& uuid) { return kCheckpointPrefix + uuid + "/"; }

// The end of the key range of `prefix` (the prefix with its last byte incremented).
std::string PrefixEnd(std::string prefix) {
  prefix.back() = static_cast<char>(prefix.back() + 1);
  return prefix;
}

}  // namespace

std::string EncodeMapping(const EventSourceMapping& m) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> w(buffer);
  w.StartObject();
  auto str = [&](const char* key, const std::string& value) {
    w.Key(key);
    w.String(value.data(), static_cast<rapidjson::SizeType>(value.size()));
  };
  auto num = [&](const char* key, int64_t value) {
    w.Key(key);
    w.Int64(value);
  };
  str("uuid", m.uuid);
  str("account", m.account);
  str("region", m.region);
  str("event_source_arn", m.event_source_arn);
  str("function_name", m.function_name);
  str("function_arn", m.function_arn);
  w.Key("enabled");
  w.Bool(m.enabled);
  num("batch_size", m.batch_size);
  num("batching_window_seconds", m.batching_window_seconds);
  str("starting_position", m.starting_position);
  num("parallelization_factor", m.parallelization_factor);
  num("maximum_retry_attempts", m.maximum_retry_attempts);
  num("maximum_record_age_seconds", m.maximum_record_age_seconds);
  w.Key("bisect_batch_on_function_error");
  w.Bool(m.bisect_batch_on_function_error);
  num("tumbling_window_seconds", m.tumbling_window_seconds);
  w.Key("report_batch_item_failures");
  w.Bool(m.report_batch_item_failures);
  w.Key("filter_patterns");
  w.StartArray();
  for (const auto& p : m.filter_patterns)
    w.String(p.data(), static_cast<rapidjson::SizeType>(p.size()));
  w.EndArray();
  num("created_ms", m.created_ms);
  num("last_modified_ms", m.last_modified_ms);
  w.Key("latest_position");
  w.Uint64(m.latest_position);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<EventSourceMapping> DecodeMapping(std::string_view json) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  if (doc.HasParseError() || !doc.IsObject())
    return Status::Internal("corrupt event source mapping");
  EventSourceMapping m;
  auto str = [&](const char* key, std::string* out) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsString()) {
      *out = std::string(it->value.GetString(), it->value.GetStringLength());
    }
  };
  auto num = [&](const char* key, int64_t* out) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsInt64()) *out = it->value.GetInt64();
  };
  auto flag = [&](const char* key, bool* out) {
    auto it = doc.FindMember(key);
    if (it != doc.MemberEnd() && it->value.IsBool()) *out = it->value.GetBool();
  };
  str("uuid", &m.uuid);
  str("account", &m.account);
  str("region", &m.region);
  str("event_source_arn", &m.event_source_arn);
  str("function_name", &m.function_name);
  str("function_arn", &m.function_arn);
  flag("enabled", &m.enabled);
  num("batch_size", &m.batch_size);
  num("batching_window_seconds", &m.batching_window_seconds);
  str("starting_position", &m.starting_position);
  num("parallelization_factor", &m.parallelization_factor);
  num("maximum_retry_attempts", &m.maximum_retry_attempts);
  num("maximum_record_age_seconds", &m.maximum_record_age_seconds);
  flag("bisect_batch_on_function_error", &m.bisect_batch_on_function_error);
  num("tumbling_window_seconds", &m.tumbling_window_seconds);
  flag("report_batch_item_failures", &m.report_batch_item_failures);
  if (auto it = doc.FindMember("filter_patterns"); it != doc.MemberEnd() && it->value.IsArray()) {
    for (const auto& p : it->value.GetArray()) {
      if (p.IsString()) m.filter_patterns.emplace_back(p.GetString(), p.GetStringLength());
    }
  }
  num("created_ms", &m.created_ms);
  num("last_modified_ms", &m.last_modified_ms);
  if (auto it = doc.FindMember("latest_position"); it != doc.MemberEnd() && it->value.IsUint64()) {
    m.latest_position = it->value.GetUint64();
  }
  if (m.uuid.empty()) return Status::Internal("corrupt event source mapping: no uuid");
  return m;
}

Result<std::unique_ptr<MappingStore>> MappingStore::Open(storage::Store* store) {
  std::unique_ptr<MappingStore> out(new MappingStore(store));
  auto it = store->NewIterator(store->catalog(), kMappingPrefix, PrefixEnd(kMappingPrefix));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    DDBD_ASSIGN_OR_RETURN(EventSourceMapping m, DecodeMapping(it->value()));
    out->mappings_[m.uuid] = std::move(m);
  }
  DDBD_RETURN_IF_ERROR(it->status());
  return out;
}

Status MappingStore::Put(const EventSourceMapping& mapping) {
  std::lock_guard<std::mutex> lock(mu_);
  storage::WriteBatch batch;
  batch.Put(store_->catalog(), kMappingPrefix + mapping.uuid, EncodeMapping(mapping));
  DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  mappings_[mapping.uuid] = mapping;
  ++version_;
  return Status::OK();
}

Status MappingStore::Delete(const std::string& uuid) {
  std::lock_guard<std::mutex> lock(mu_);
  storage::WriteBatch batch;
  batch.Delete(store_->catalog(), kMappingPrefix + uuid);
  const std::string prefix = CheckpointPrefix(uuid);
  batch.DeleteRange(store_->catalog(), prefix, PrefixEnd(prefix));
  DDBD_RETURN_IF_ERROR(store_->Write(&batch));
  mappings_.erase(uuid);
  ++version_;
  return Status::OK();
}

std::optional<EventSourceMapping> MappingStore::Get(const std::string& uuid) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = mappings_.find(uuid);
  if (it == mappings_.end()) return std::nullopt;
  return it->second;
}

std::vector<EventSourceMapping> MappingStore::List() const {
  std::vector<EventSourceMapping> out;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& [uuid, m] : mappings_) out.push_back(m);
  }
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.created_ms != b.created_ms ? a.created_ms < b.created_ms : a.uuid < b.uuid;
  });
  return out;
}

uint64_t MappingStore::version() const {
  std::lock_guard<std::mutex> lock(mu_);
  return version_;
}

Result<std::map<std::string, Checkpoint>> MappingStore::Checkpoints(const std::string& uuid) const {
  std::map<std::string, Checkpoint> out;
  const std::string prefix = CheckpointPrefix(uuid);
  auto it = store_->NewIterator(store_->catalog(), prefix, PrefixEnd(prefix));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    std::string_view value = it->value();
    if (value.size() != 9) return Status::Internal("corrupt trigger checkpoint");
    Checkpoint cp;
    cp.position = DecodeFixed64BE(value.data());
    cp.done = value[8] != 0;
    out[std::string(it->key().substr(prefix.size()))] = cp;
  }
  DDBD_RETURN_IF_ERROR(it->status());
  return out;
}

Status MappingStore::SaveCheckpoint(const std::string& uuid, const std::string& shard_id,
                                    const Checkpoint& checkpoint) {
  std::string value;
  PutFixed64BE(&value, checkpoint.position);
  value.push_back(checkpoint.done ? 1 : 0);
  storage::WriteBatch batch;
  {
    // A checkpoint of a mapping deleted meanwhile is not written back.
    std::lock_guard<std::mutex> lock(mu_);
    if (!mappings_.count(uuid)) return Status::OK();
    batch.Put(store_->catalog(), CheckpointPrefix(uuid) + shard_id, value);
    return store_->Write(&batch);
  }
}

}  // namespace ddbd::triggers
