#include "transfer/item_formats.h"

#include "common/base64.h"
#include "model/json_codec.h"

namespace ddbd::transfer {

namespace {

// A JSON (and Ion) string literal.
void AppendQuoted(std::string* out, std::string_view s) {
  static constexpr char kHex[] = "0123456789abcdef";
  out->push_back('"');
  for (unsigned char c : s) {
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c < 0x20) {
          out->append("\\x");
          out->push_back(kHex[c >> 4]);
          out->push_back(kHex[c & 15]);
        } else {
          out->push_back(static_cast<char>(c));
        }
    }
  }
  out->push_back('"');
}

// A struct field name: an identifier symbol as the service writes them, else a quoted string.
void AppendIonField(std::string* out, std::string_view name) {
  bool identifier = !name.empty() && !(name[0] >= '0' && name[0] <= '9') && name != "true" &&
                    name != "false" && name != "null" && name != "nan";
  for (char c : name) {
    identifier &= (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '$';
  }
  if (identifier) {
    out->append(name);
  } else {
    AppendQuoted(out, name);
  }
  out->push_back(':');
}

void AppendIonMap(std::string* out, const model::AttributeMap& map);

void AppendIonValue(std::string* out, const model::AttributeValue& v) {
  using model::AttrType;
  switch (v.type) {
    case AttrType::kS:
      AppendQuoted(out, v.str);
      return;
    case AttrType::kN:
      out->append(IonDecimal(v.num));
      return;
    case AttrType::kB:
      out->append("{{" + Base64Encode(v.str) + "}}");
      return;
    case AttrType::kBool:
      out->append(v.boolean ? "true" : "false");
      return;
    case AttrType::kNull:
      out->append("null");
      return;
    case AttrType::kM:
      AppendIonMap(out, v.map);
      return;
    case AttrType::kL:
      out->push_back('[');
      for (size_t i = 0; i < v.list.size(); ++i) {
        if (i) out->push_back(',');
        AppendIonValue(out, v.list[i]);
      }
      out->push_back(']');
      return;
    case AttrType::kSS:
    case AttrType::kBS:
      out->append(v.type == AttrType::kSS ? "$dynamodb_SS::[" : "$dynamodb_BS::[");
      for (size_t i = 0; i < v.strings.size(); ++i) {
        if (i) out->push_back(',');
        if (v.type == AttrType::kSS) {
          AppendQuoted(out, v.strings[i]);
        } else {
          out->append("{{" + Base64Encode(v.strings[i]) + "}}");
        }
      }
      out->push_back(']');
      return;
    case AttrType::kNS:
      out->append("$dynamodb_NS::[");
      for (size_t i = 0; i < v.numbers.size(); ++i) {
        if (i) out->push_back(',');
        out->append(IonDecimal(v.numbers[i]));
      }
      out->push_back(']');
      return;
  }
}

void AppendIonMap(std::string* out, const model::AttributeMap& map) {
  out->push_back('{');
  bool first = true;
  for (const auto& [name, value] : map) {
    if (!first) out->push_back(',');
    first = false;
    AppendIonField(out, name);
    AppendIonValue(out, value);
  }
  out->push_back('}');
}

void WriteJsonMember(model::JsonWriter& w, const char* name, const model::Item& item) {
  w.Key(name);
  model::WriteAttributeMap(w, item);
}

}  // namespace

std::string IonDecimal(const model::Number& number) {
  std::string text = number.ToString();
  std::string out = number.IsNegative() ? "-" : "";
  if (!text.empty() && text[0] == '-') text.erase(0, 1);
  const size_t point = text.find('.');
  int64_t exponent = 0;
  std::string digits = text;
  if (point != std::string::npos) {
    exponent = -static_cast<int64_t>(text.size() - point - 1);
    digits = text.substr(0, point) + text.substr(point + 1);
  }
  const size_t first = digits.find_first_not_of('0');
  if (first == std::string::npos) return "0.";
  digits.erase(0, first);
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  out += digits;
  out += exponent == 0 ? std::string(".") : "d" + std::to_string(exponent);
  return out;
}

std::string ItemLine(LineFormat format, const model::Item& item) {
  if (format == LineFormat::kIon) {
    std::string out = "$ion_1_0 {Item:";
    AppendIonMap(&out, item);
    out.push_back('}');
    return out;
  }
  rapidjson::StringBuffer buffer;
  model::JsonWriter w(buffer);
  w.StartObject();
  WriteJsonMember(w, "Item", item);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::string ChangeLine(LineFormat format, int64_t write_time_us, const model::Item& keys,
                       const model::Item* old_image, const model::Item* new_image) {
  if (format == LineFormat::kIon) {
    std::string out = "$ion_1_0 {Metadata:{WriteTimestampMicros:" +
                      IonDecimal(*model::Number::Parse(std::to_string(write_time_us))) + "},Keys:";
    AppendIonMap(&out, keys);
    if (old_image != nullptr) {
      out += ",OldImage:";
      AppendIonMap(&out, *old_image);
    }
    if (new_image != nullptr) {
      out += ",NewImage:";
      AppendIonMap(&out, *new_image);
    }
    out.push_back('}');
    return out;
  }
  rapidjson::StringBuffer buffer;
  model::JsonWriter w(buffer);
  w.StartObject();
  w.Key("Metadata");
  w.StartObject();
  w.Key("WriteTimestampMicros");
  w.StartObject();
  w.Key("N");
  w.String(std::to_string(write_time_us));
  w.EndObject();
  w.EndObject();
  WriteJsonMember(w, "Keys", keys);
  if (old_image != nullptr) WriteJsonMember(w, "OldImage", *old_image);
  if (new_image != nullptr) WriteJsonMember(w, "NewImage", *new_image);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

}  // namespace ddbd::transfer
