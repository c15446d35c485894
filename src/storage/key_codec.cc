#include "storage/key_codec.h"

#include "common/coding.h"
#include "common/hash.h"

namespace ddbd::storage {
namespace {

void AppendEscaped(std::string* out, std::string_view bytes) {
  for (char c : bytes) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xFF');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

}  // namespace

void AppendKeyComponent(std::string* out, const model::AttributeValue& value) {
  if (value.type == model::AttrType::kN) {
    value.num.AppendOrdered(out);
  } else {
    AppendEscaped(out, value.str);
  }
}

uint64_t PartitionHash(const model::AttributeValue& partition_key) {
  std::string canonical;
  AppendKeyComponent(&canonical, partition_key);
  return StableHash64(canonical);
}

std::string EncodePrimaryKey(uint32_t index_id, const model::AttributeValue& partition_key,
                             const model::AttributeValue* sort_key) {
  std::string out;
  out.reserve(16 + partition_key.str.size() + (sort_key ? sort_key->str.size() + 4 : 0));
  PutFixed32BE(&out, index_id);
  std::string component;
  AppendKeyComponent(&component, partition_key);
  PutFixed64BE(&out, StableHash64(component));
  out += component;
  if (sort_key != nullptr) AppendKeyComponent(&out, *sort_key);
  return out;
}

std::string EncodePartitionPrefix(uint32_t index_id, const model::AttributeValue& partition_key) {
  return EncodePrimaryKey(index_id, partition_key, nullptr);
}

void AppendKeyPrefixComponent(std::string* out, const model::AttributeValue& prefix) {
  for (char c : prefix.str) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xFF');
  }
}

std::string PrefixEnd(std::string prefix) {
  while (!prefix.empty() && static_cast<unsigned char>(prefix.back()) == 0xFF) prefix.pop_back();
  if (!prefix.empty())
    prefix.back() = static_cast<char>(static_cast<unsigned char>(prefix.back()) + 1);
  return prefix;
}

std::pair<std::string, std::string> HashRange(uint32_t index_id, uint64_t hash_begin,
                                              uint64_t hash_end) {
  std::string lower, upper;
  PutFixed32BE(&lower, index_id);
  PutFixed64BE(&lower, hash_begin);
  if (hash_end == 0) {
    upper = IndexUpperBound(index_id);
  } else {
    PutFixed32BE(&upper, index_id);
    PutFixed64BE(&upper, hash_end);
  }
  return {lower, upper};
}

std::string IndexLowerBound(uint32_t index_id) {
  std::string out;
  PutFixed32BE(&out, index_id);
  return out;
}

std::string IndexUpperBound(uint32_t index_id) {
  std::string out;
  PutFixed32BE(&out, index_id + 1);
  return out;
}

}  // namespace ddbd::storage
