#include "changelog/record.h"

#include "common/coding.h"
#include "model/value_codec.h"

namespace ddbd::changelog {
namespace {

constexpr uint8_t kVersion1 = 1;  // time, origin, key, images
constexpr uint8_t kVersion2 = 2;  // + origin detail, principal

bool ReadString(std::string_view* in, std::string* out) {
  std::string_view s;
  if (!GetLengthPrefixed(in, &s)) return false;
  out->assign(s);
  return true;
}

}  // namespace

std::string_view OriginName(Origin origin) {
  switch (origin) {
    case Origin::kUser:
      return "user";
    case Origin::kTtl:
      return "ttl";
    case Origin::kReplication:
      return "replication";
    case Origin::kRestore:
      return "restore";
    case Origin::kTransaction:
      return "transaction";
  }
  return "unknown";
}

std::string EncodeRecord(const RecordInfo& info, std::string_view key, const std::string* old_image,
                         const std::string* new_image) {
  std::string out;
  out.reserve(32 + key.size() + info.access_key.size() + info.account.size() +
              (old_image ? old_image->size() : 0) + (new_image ? new_image->size() : 0));
  out.push_back(static_cast<char>(kVersion2));
  PutVarint64(&out, static_cast<uint64_t>(info.time_us));
  out.push_back(static_cast<char>(info.origin));
  PutLengthPrefixed(&out, info.origin_detail);
  PutLengthPrefixed(&out, info.access_key);
  PutLengthPrefixed(&out, info.account);
  PutLengthPrefixed(&out, key);
  for (const std::string* image : {old_image, new_image}) {
    out.push_back(image ? 1 : 0);
    if (image) PutLengthPrefixed(&out, *image);
  }
  return out;
}

bool DecodeRecordTime(std::string_view in, int64_t* time_us) {
  if (in.empty() || (in[0] != kVersion1 && in[0] != kVersion2)) return false;
  in.remove_prefix(1);
  uint64_t time = 0;
  if (!GetVarint64(&in, &time)) return false;
  *time_us = static_cast<int64_t>(time);
  return true;
}

bool DecodeRecord(std::string_view in, Record* out) {
  if (in.empty()) return false;
  const uint8_t version = static_cast<uint8_t>(in[0]);
  if (version != kVersion1 && version != kVersion2) return false;
  in.remove_prefix(1);
  uint64_t time = 0;
  if (!GetVarint64(&in, &time) || in.empty()) return false;
  out->time_us = static_cast<int64_t>(time);
  out->origin = static_cast<Origin>(in[0]);
  in.remove_prefix(1);
  if (version >= kVersion2) {
    if (!ReadString(&in, &out->origin_detail) || !ReadString(&in, &out->principal.access_key) ||
        !ReadString(&in, &out->principal.account)) {
      return false;
    }
  }
  if (!ReadString(&in, &out->key)) return false;
  for (auto* image : {&out->old_image, &out->new_image}) {
    image->reset();
    if (in.empty()) return false;
    bool present = in[0] != 0;
    in.remove_prefix(1);
    if (!present) continue;
    std::string_view bytes;
    if (!GetLengthPrefixed(&in, &bytes)) return false;
    image->emplace();
    if (!model::DecodeItem(bytes, &**image)) return false;
  }
  return in.empty();
}

uint64_t Record::partition_hash() const {
  // key = index id (4 bytes) | partition hash (8 bytes, big-endian) | ...
  return key.size() >= 12 ? DecodeFixed64BE(key.data() + 4) : 0;
}

}  // namespace ddbd::changelog
