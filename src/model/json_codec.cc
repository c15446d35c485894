#include "model/json_codec.h"

#include <set>
#include <string>

#include "common/base64.h"

namespace ddbd::model {
namespace {

using rapidjson::Value;

Status WrongType(const Value& json, const char* target) {
  return Status::Serialization(std::string(JsonTokenName(json)) + " cannot be converted to " +
                               target);
}

Status DecodeString(const Value& json, std::string* out) {
  if (!json.IsString()) return WrongType(json, "String");
  out->assign(json.GetString(), json.GetStringLength());
  return Status::OK();
}

Status DecodeBinary(const Value& json, std::string* out) {
  if (!json.IsString()) return WrongType(json, "Blob");
  std::string_view text(json.GetString(), json.GetStringLength());
  if (!Base64Decode(text, out)) {
    return Status::Serialization(
        "Base64 encoded length is expected a multiple of 4 bytes but found: " +
        std::to_string(text.size()));
  }
  return Status::OK();
}

Status DecodeNumber(const Value& json, Number* out) {
  if (!json.IsString()) return WrongType(json, "String");
  DDBD_ASSIGN_OR_RETURN(*out, Number::Parse({json.GetString(), json.GetStringLength()}));
  return Status::OK();
}

// "[a, b, a]" as the service prints a collection in its duplicate message.
std::string CollectionText(const Value& array) {
  std::string out = "[";
  for (rapidjson::SizeType i = 0; i < array.Size(); ++i) {
    if (i) out += ", ";
    if (array[i].IsString()) out.append(array[i].GetString(), array[i].GetStringLength());
  }
  return out + "]";
}

Status DuplicatesError(const Value& array) {
  return Status::Validation("One or more parameter values were invalid: Input collection " +
                            CollectionText(array) + " contains duplicates.");
}

Status DecodeSet(AttrType type, const Value& json, AttributeValue* out) {
  if (!json.IsArray()) return WrongType(json, "List");
  if (json.Empty()) {
    switch (type) {
      case AttrType::kSS:
        return Status::Validation(
            "One or more parameter values were invalid: An string set  may not be empty");
      case AttrType::kNS:
        return Status::Validation(
            "One or more parameter values were invalid: An number set  may not be empty");
      default:
        return Status::Validation(
            "One or more parameter values were invalid: Binary sets should not be empty");
    }
  }
  if (type == AttrType::kNS) {
    out->numbers.reserve(json.Size());
    for (const auto& member : json.GetArray()) {
      Number n;
      DDBD_RETURN_IF_ERROR(DecodeNumber(member, &n));
      out->numbers.push_back(std::move(n));
    }
    std::set<std::string> seen;
    for (const auto& n : out->numbers) {
      if (!seen.insert(n.ToString()).second) return DuplicatesError(json);
    }
    return Status::OK();
  }
  out->strings.reserve(json.Size());
  for (const auto& member : json.GetArray()) {
    std::string s;
    DDBD_RETURN_IF_ERROR(type == AttrType::kSS ? DecodeString(member, &s)
                                               : DecodeBinary(member, &s));
    out->strings.push_back(std::move(s));
  }
  std::set<std::string_view> seen;
  for (const auto& s : out->strings) {
    if (!seen.insert(s).second) return DuplicatesError(json);
  }
  return Status::OK();
}

struct TypeKey {
  const char* name;
  AttrType type;
};
constexpr TypeKey kTypeKeys[] = {
    {"S", AttrType::kS},       {"N", AttrType::kN},       {"B", AttrType::kB},
    {"BOOL", AttrType::kBool}, {"NULL", AttrType::kNull}, {"M", AttrType::kM},
    {"L", AttrType::kL},       {"SS", AttrType::kSS},     {"NS", AttrType::kNS},
    {"BS", AttrType::kBS},
};

}  // namespace

const char* JsonTokenName(const Value& json) {
  if (json.IsString()) return "VALUE_STRING";
  if (json.IsNumber()) return json.IsDouble() ? "VALUE_NUMBER_FLOAT" : "VALUE_NUMBER_INT";
  if (json.IsBool()) return json.GetBool() ? "VALUE_TRUE" : "VALUE_FALSE";
  if (json.IsNull()) return "VALUE_NULL";
  if (json.IsArray()) return "START_ARRAY";
  return "START_OBJECT";
}

// Attribute names (top level and map keys) are at most 65535 bytes, as the service answers
// (measured against it: ExtendDB issue 365, scylladb pull request 23097).
static Status CheckAttributeName(const Value& name) {
  if (name.GetStringLength() > 65535) {
    return Status::Validation(
        "1 validation error detected: Attribute name is too large, must be less than 65536 bytes");
  }
  return Status::OK();
}

Status DecodeAttributeValue(const Value& json, AttributeValue* out, int depth) {
  if (!json.IsObject()) return WrongType(json, "AttributeValue");
  const Value* payload = nullptr;
  int found = 0;
  for (const auto& key : kTypeKeys) {
    auto it = json.FindMember(key.name);
    if (it == json.MemberEnd() || it->value.IsNull()) continue;
    ++found;
    payload = &it->value;
    out->type = key.type;
  }
  if (found == 0) {
    return Status::Validation(
        "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes");
  }
  if (found > 1) {
    return Status::Validation(
        "Supplied AttributeValue has more than one datatypes set, must contain exactly one of "
        "the supported datatypes");
  }
  // The top-level attribute's container is level 1; the service allows 31 nested containers
  // (JsonCodecTest.NestingDepthMatchesService).
  if ((out->type == AttrType::kM || out->type == AttrType::kL) && depth >= kMaxNestingDepth - 1) {
    return Status::Validation(
        "Nesting Levels have exceeded supported limits: Attributes in the item have nested levels "
        "beyond supported limit");
  }
  switch (out->type) {
    case AttrType::kS:
      return DecodeString(*payload, &out->str);
    case AttrType::kB:
      return DecodeBinary(*payload, &out->str);
    case AttrType::kN:
      return DecodeNumber(*payload, &out->num);
    case AttrType::kBool:
      if (!payload->IsBool()) return WrongType(*payload, "Boolean");
      out->boolean = payload->GetBool();
      return Status::OK();
    case AttrType::kNull:
      if (!payload->IsBool()) return WrongType(*payload, "Boolean");
      if (!payload->GetBool()) {
        return Status::Validation(
            "One or more parameter values were invalid: Null attribute value types must have "
            "the value of true");
      }
      out->boolean = true;
      return Status::OK();
    case AttrType::kSS:
    case AttrType::kNS:
    case AttrType::kBS:
      return DecodeSet(out->type, *payload, out);
    case AttrType::kL:
      if (!payload->IsArray()) return WrongType(*payload, "List");
      out->list.resize(payload->Size());
      for (rapidjson::SizeType i = 0; i < payload->Size(); ++i) {
        DDBD_RETURN_IF_ERROR(DecodeAttributeValue((*payload)[i], &out->list[i], depth + 1));
      }
      return Status::OK();
    case AttrType::kM:
      if (!payload->IsObject()) return WrongType(*payload, "Map");
      for (const auto& member : payload->GetObject()) {
        DDBD_RETURN_IF_ERROR(CheckAttributeName(member.name));
        AttributeValue element;
        DDBD_RETURN_IF_ERROR(DecodeAttributeValue(member.value, &element, depth + 1));
        out->map.insert_or_assign(
            std::string(member.name.GetString(), member.name.GetStringLength()),
            std::move(element));
      }
      return Status::OK();
  }
  return Status::Internal("unreachable attribute type");
}

Status DecodeAttributeMap(const Value& json, AttributeMap* out) {
  if (!json.IsObject()) return WrongType(json, "Map");
  for (const auto& member : json.GetObject()) {
    DDBD_RETURN_IF_ERROR(CheckAttributeName(member.name));
    AttributeValue value;
    DDBD_RETURN_IF_ERROR(DecodeAttributeValue(member.value, &value, 0));
    out->insert_or_assign(std::string(member.name.GetString(), member.name.GetStringLength()),
                          std::move(value));
  }
  return Status::OK();
}

void WriteAttributeValue(JsonWriter& w, const AttributeValue& value) {
  w.StartObject();
  std::string_view type = AttrTypeName(value.type);
  w.Key(type.data(), static_cast<rapidjson::SizeType>(type.size()));
  switch (value.type) {
    case AttrType::kS:
      w.String(value.str.data(), static_cast<rapidjson::SizeType>(value.str.size()));
      break;
    case AttrType::kB: {
      std::string b64 = Base64Encode(value.str);
      w.String(b64.data(), static_cast<rapidjson::SizeType>(b64.size()));
      break;
    }
    case AttrType::kN: {
      std::string text = value.num.ToString();
      w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      break;
    }
    case AttrType::kBool:
      w.Bool(value.boolean);
      break;
    case AttrType::kNull:
      w.Bool(true);
      break;
    case AttrType::kSS:
      w.StartArray();
      for (const auto& s : value.strings) {
        w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
      }
      w.EndArray();
      break;
    case AttrType::kBS:
      w.StartArray();
      for (const auto& s : value.strings) {
        std::string b64 = Base64Encode(s);
        w.String(b64.data(), static_cast<rapidjson::SizeType>(b64.size()));
      }
      w.EndArray();
      break;
    case AttrType::kNS:
      w.StartArray();
      for (const auto& n : value.numbers) {
        std::string text = n.ToString();
        w.String(text.data(), static_cast<rapidjson::SizeType>(text.size()));
      }
      w.EndArray();
      break;
    case AttrType::kL:
      w.StartArray();
      for (const auto& element : value.list) WriteAttributeValue(w, element);
      w.EndArray();
      break;
    case AttrType::kM:
      WriteAttributeMap(w, value.map);
      break;
  }
  w.EndObject();
}

void WriteAttributeMap(JsonWriter& w, const AttributeMap& map) {
  w.StartObject();
  for (const auto& [name, value] : map) {
    w.Key(name.data(), static_cast<rapidjson::SizeType>(name.size()));
    WriteAttributeValue(w, value);
  }
  w.EndObject();
}

namespace {

// An encoded UTF-16 surrogate (U+D800..U+DFFF): 0xED 0xA0..0xBF 0x80..0xBF. RapidJSON turns an
// escaped lone surrogate into these bytes.
bool HasEncodedSurrogate(const char* s, size_t n) {
  for (size_t i = 0; i + 1 < n; ++i) {
    if (static_cast<unsigned char>(s[i]) == 0xED && static_cast<unsigned char>(s[i + 1]) >= 0xA0) {
      return true;
    }
  }
  return false;
}

bool AnySurrogate(const Value& v) {
  if (v.IsString()) return HasEncodedSurrogate(v.GetString(), v.GetStringLength());
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) {
      if (AnySurrogate(e)) return true;
    }
  } else if (v.IsObject()) {
    for (const auto& m : v.GetObject()) {
      if (HasEncodedSurrogate(m.name.GetString(), m.name.GetStringLength()) ||
          AnySurrogate(m.value)) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

Status ParseRequestJson(std::string_view body, rapidjson::Document* doc) {
  doc->Parse<rapidjson::kParseIterativeFlag | rapidjson::kParseValidateEncodingFlag>(body.data(),
                                                                                     body.size());
  if (doc->HasParseError() || !doc->IsObject()) return Status::Serialization("");
  // Raw bytes were validated by the parser; only an escape can make a lone surrogate.
  if (body.find("\\u") != std::string_view::npos && AnySurrogate(*doc)) {
    return Status::Serialization("");
  }
  return Status::OK();
}

bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  const size_t n = text.size();
  while (i < n) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    size_t len = c < 0x80           ? 1
                 : (c >> 5) == 0x6  ? 2
                 : (c >> 4) == 0xE  ? 3
                 : (c >> 3) == 0x1E ? 4
                                    : 0;
    if (len == 0 || i + len > n) return false;
    uint32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < len; ++k) {
      unsigned char cc = static_cast<unsigned char>(text[i + k]);
      if ((cc >> 6) != 0x2) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

}  // namespace ddbd::model
