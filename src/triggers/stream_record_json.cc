#include "triggers/stream_record_json.h"

#include <cstdio>

#include "common/hash.h"
#include "engine/table_admin.h"

namespace ddbd::triggers {
namespace {

void WriteKey(model::JsonWriter& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void WriteString(model::JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

std::string EventId(const engine::TableMeta& meta, const engine::StreamMeta& stream,
                    uint64_t sequence) {
  std::string seed = meta.table_id + "/" + stream.label + "/" + std::to_string(sequence);
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx",
                static_cast<unsigned long long>(StableHash64(seed)),
                static_cast<unsigned long long>(StableHash64(seed + "#")));
  return buf;
}

}  // namespace

void WriteStreamRecord(model::JsonWriter& w, const engine::TableMeta& meta,
                       const engine::StreamMeta& stream, const engine::StreamRecord& sr,
                       RecordReader reader) {
  const bool lambda = reader == RecordReader::kLambda;
  const changelog::Record& r = sr.record;
  const bool show_new = stream.view_type == engine::StreamViewType::kNewImage ||
                        stream.view_type == engine::StreamViewType::kNewAndOldImages;
  const bool show_old = stream.view_type == engine::StreamViewType::kOldImage ||
                        stream.view_type == engine::StreamViewType::kNewAndOldImages;
  w.StartObject();
  WriteKey(w, "awsRegion");
  WriteString(w, meta.region);
  WriteKey(w, "dynamodb");
  w.StartObject();
  WriteKey(w, "ApproximateCreationDateTime");
  w.Double(static_cast<double>(r.time_us / 1000000));
  WriteKey(w, "Keys");
  const model::Item& any = r.new_image ? *r.new_image : *r.old_image;
  model::Item keys;
  for (const engine::KeyElement* key :
       {&meta.hash_key, meta.range_key ? &*meta.range_key : nullptr}) {
    if (key == nullptr) continue;
    auto it = any.find(key->name);
    if (it != any.end()) keys.insert(*it);
  }
  model::WriteAttributeMap(w, keys);
  if (show_new && r.new_image) {
    WriteKey(w, "NewImage");
    model::WriteAttributeMap(w, *r.new_image);
  }
  if (show_old && r.old_image) {
    WriteKey(w, "OldImage");
    model::WriteAttributeMap(w, *r.old_image);
  }
  WriteKey(w, "SequenceNumber");
  WriteString(w, engine::StreamSequenceNumber(r.sequence));
  WriteKey(w, "SizeBytes");
  w.Uint64(sr.size_bytes);
  WriteKey(w, "StreamViewType");
  WriteString(w, engine::StreamViewTypeName(stream.view_type));
  w.EndObject();
  WriteKey(w, "eventID");
  WriteString(w, EventId(meta, stream, r.sequence));
  WriteKey(w, "eventName");
  WriteString(w, !r.old_image ? "INSERT" : !r.new_image ? "REMOVE" : "MODIFY");
  WriteKey(w, "eventSource");
  WriteString(w, "aws:dynamodb");
  WriteKey(w, "eventVersion");
  WriteString(w, "1.1");
  if (r.origin == changelog::Origin::kTtl) {
    // The service's own deletions (TTL). The Streams API names the members as its model does
    // (PrincipalId, Type), which is what the SDKs read; Lambda's events spell them in lower
    // camel case.
    WriteKey(w, "userIdentity");
    w.StartObject();
    WriteKey(w, lambda ? "principalId" : "PrincipalId");
    WriteString(w, "dynamodb.amazonaws.com");
    WriteKey(w, lambda ? "type" : "Type");
    WriteString(w, "Service");
    w.EndObject();
  }
  if (lambda) {
    WriteKey(w, "eventSourceARN");
    WriteString(w, meta.StreamArn(stream));
  }
  w.EndObject();
}

}  // namespace ddbd::triggers
