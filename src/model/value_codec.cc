#include "model/value_codec.h"

#include "common/coding.h"

namespace ddbd::model {
namespace {

constexpr int kMaxDecodeDepth = 64;

}  // namespace

void AppendValue(std::string* out, const AttributeValue& value) {
  out->push_back(static_cast<char>(value.type));
  switch (value.type) {
    case AttrType::kS:
    case AttrType::kB:
      PutLengthPrefixed(out, value.str);
      break;
    case AttrType::kN:
      value.num.AppendOrdered(out);
      break;
    case AttrType::kBool:
      out->push_back(value.boolean ? 1 : 0);
      break;
    case AttrType::kNull:
      break;
    case AttrType::kSS:
    case AttrType::kBS:
      PutVarint64(out, value.strings.size());
      for (const auto& s : value.strings) PutLengthPrefixed(out, s);
      break;
    case AttrType::kNS:
      PutVarint64(out, value.numbers.size());
      for (const auto& n : value.numbers) n.AppendOrdered(out);
      break;
    case AttrType::kL:
      PutVarint64(out, value.list.size());
      for (const auto& element : value.list) AppendValue(out, element);
      break;
    case AttrType::kM:
      PutVarint64(out, value.map.size());
      for (const auto& [name, element] : value.map) {
        PutLengthPrefixed(out, name);
        AppendValue(out, element);
      }
      break;
  }
}

bool ConsumeValue(std::string_view* in, AttributeValue* out, int depth) {
  if (in->empty() || depth > kMaxDecodeDepth) return false;
  *out = AttributeValue();
  out->type = static_cast<AttrType>(in->front());
  in->remove_prefix(1);
  std::string_view bytes;
  uint64_t count;
  switch (out->type) {
    case AttrType::kS:
    case AttrType::kB:
      if (!GetLengthPrefixed(in, &bytes)) return false;
      out->str.assign(bytes);
      return true;
    case AttrType::kN:
      return Number::ConsumeOrdered(in, &out->num);
    case AttrType::kBool:
      if (in->empty()) return false;
      out->boolean = in->front() != 0;
      in->remove_prefix(1);
      return true;
    case AttrType::kNull:
      out->boolean = true;
      return true;
    case AttrType::kSS:
    case AttrType::kBS:
      if (!GetVarint64(in, &count) || count > in->size()) return false;
      out->strings.resize(count);
      for (auto& s : out->strings) {
        if (!GetLengthPrefixed(in, &bytes)) return false;
        s.assign(bytes);
      }
      return true;
    case AttrType::kNS:
      if (!GetVarint64(in, &count) || count > in->size()) return false;
      out->numbers.resize(count);
      for (auto& n : out->numbers) {
        if (!Number::ConsumeOrdered(in, &n)) return false;
      }
      return true;
    case AttrType::kL:
      if (!GetVarint64(in, &count) || count > in->size()) return false;
      out->list.resize(count);
      for (auto& element : out->list) {
        if (!ConsumeValue(in, &element, depth + 1)) return false;
      }
      return true;
    case AttrType::kM:
      if (!GetVarint64(in, &count) || count > in->size()) return false;
      for (uint64_t i = 0; i < count; ++i) {
        if (!GetLengthPrefixed(in, &bytes)) return false;
        AttributeValue element;
        if (!ConsumeValue(in, &element, depth + 1)) return false;
        out->map.emplace(std::string(bytes), std::move(element));
      }
      return true;
  }
  return false;
}

void AppendItem(std::string* out, const Item& item) {
  PutVarint64(out, item.size());
  for (const auto& [name, value] : item) {
    PutLengthPrefixed(out, name);
    AppendValue(out, value);
  }
}

std::string EncodeItem(const Item& item) {
  std::string out;
  AppendItem(&out, item);
  return out;
}

namespace {
constexpr char kStoredItemMarker = 0x00;
constexpr char kStoredItemVersion = 0x01;  // DO NOT CHANGE: part of the stored format

// Splits a stored item into its write time and body; false if `in` has no header.
bool SplitStored(std::string_view in, int64_t* time_us, std::string_view* body) {
  if (in.size() < 3 || in[0] != kStoredItemMarker || in[1] != kStoredItemVersion) return false;
  in.remove_prefix(2);
  uint64_t time = 0;
  if (!GetVarint64(&in, &time)) return false;
  *time_us = static_cast<int64_t>(time);
  *body = in;
  return true;
}

}  // namespace

std::string EncodeStoredItem(const Item& item, int64_t write_time_us) {
  std::string out;
  out.push_back(kStoredItemMarker);
  out.push_back(kStoredItemVersion);
  PutVarint64(&out, static_cast<uint64_t>(write_time_us));
  AppendItem(&out, item);
  return out;
}

std::optional<int64_t> StoredItemWriteTime(std::string_view in) {
  int64_t time = 0;
  std::string_view body;
  if (!SplitStored(in, &time, &body)) return std::nullopt;
  return time;
}

std::string_view StoredItemBody(std::string_view in) {
  int64_t time = 0;
  std::string_view body;
  return SplitStored(in, &time, &body) ? body : in;
}

bool DecodeItem(std::string_view in, Item* out) {
  in = StoredItemBody(in);
  out->clear();
  uint64_t count;
  if (!GetVarint64(&in, &count) || count > in.size()) return false;
  for (uint64_t i = 0; i < count; ++i) {
    std::string_view name;
    if (!GetLengthPrefixed(&in, &name)) return false;
    AttributeValue value;
    if (!ConsumeValue(&in, &value)) return false;
    out->emplace(std::string(name), std::move(value));
  }
  return in.empty();
}

}  // namespace ddbd::model
