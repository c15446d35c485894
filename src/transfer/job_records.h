// The JSON records of export and import jobs in the catalog family: writing and reading their
// members, and loading the records under a key prefix. Included by transfer/ .cc files only
// (it brings RapidJSON).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

#include "common/rapidjson.h"
#include "model/json_codec.h"
#include "storage/key_codec.h"
#include "storage/rocks.h"
#include "transfer/job.h"

namespace ddbd::transfer {

inline void Put(model::JsonWriter& w, const char* key, const std::string& value) {
  w.Key(key);
  w.String(value);
}
inline void Put(model::JsonWriter& w, const char* key, int64_t value) {
  w.Key(key);
  w.Int64(value);
}

// The members of a stored record; absent ones read as "" and 0.
class RecordFields {
 public:
  explicit RecordFields(std::string_view text) { doc_.Parse(text.data(), text.size()); }
  bool ok() const { return !doc_.HasParseError() && doc_.IsObject(); }
  const rapidjson::Value* Find(const char* key) const {
    auto it = doc_.FindMember(key);
    return it == doc_.MemberEnd() ? nullptr : &it->value;
  }
  std::string Str(const char* key) const {
    const rapidjson::Value* v = Find(key);
    return v != nullptr && v->IsString() ? std::string(v->GetString(), v->GetStringLength())
                                         : std::string();
  }
  int64_t Int(const char* key) const {
    const rapidjson::Value* v = Find(key);
    return v != nullptr && v->IsInt64() ? v->GetInt64() : 0;
  }

 private:
  rapidjson::Document doc_;
};

// The JobMeta members of a record.
inline void PutJob(model::JsonWriter& w, const JobMeta& m) {
  Put(w, "id", m.id);
  Put(w, "account", m.account);
  Put(w, "region", m.region);
  Put(w, "table", m.table_name);
  Put(w, "tableId", m.table_id);
  Put(w, "status", m.status);
  Put(w, "start", m.start_ms);
  Put(w, "end", m.end_ms);
  Put(w, "clientToken", m.client_token);
  Put(w, "bucket", m.bucket);
  Put(w, "bucketOwner", m.bucket_owner);
  Put(w, "failureCode", m.failure_code);
  Put(w, "failureMessage", m.failure_message);
}
inline bool ReadJob(const RecordFields& r, JobMeta* m) {
  m->id = r.Str("id");
  m->account = r.Str("account");
  m->region = r.Str("region");
  m->table_name = r.Str("table");
  m->table_id = r.Str("tableId");
  m->status = r.Str("status");
  m->start_ms = r.Int("start");
  m->end_ms = r.Int("end");
  m->client_token = r.Str("clientToken");
  m->bucket = r.Str("bucket");
  m->bucket_owner = r.Str("bucketOwner");
  m->failure_code = r.Str("failureCode");
  m->failure_message = r.Str("failureMessage");
  return !m->id.empty();
}

// The records under `prefix` of the catalog family, in key order, decoded by
// `decode(std::string_view, T*) -> bool`. Internal error on a record that does not decode.
template <typename T, typename DecodeFn>
Result<std::vector<T>> LoadRecords(storage::Store* store, const std::string& prefix,
                                   DecodeFn decode) {
  std::vector<T> out;
  auto it = store->NewIterator(store->catalog(), prefix, storage::PrefixEnd(prefix));
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    T record;
    if (!decode(it->value(), &record)) return Status::Internal("corrupt job record");
    out.push_back(std::move(record));
  }
  DDBD_RETURN_IF_ERROR(it->status());
  return out;
}

}  // namespace ddbd::transfer
