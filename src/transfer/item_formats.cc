#include "transfer/item_formats.h"

#include <cctype>

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

namespace ddbd::transfer {

namespace {

// Amazon Ion text, the subset DynamoDB's exports write (amazon-ion.github.io/ion-docs): strings,
// ints and decimals, blobs, bools, nulls, lists, structs, and type annotations.
class IonReader {
 public:
  explicit IonReader(std::string_view text) : t_(text) {}

  Result<model::AttributeValue> Value(int depth = 0) {
    if (depth > model::kMaxNestingDepth) return Bad("too deeply nested");
    Skip();
    std::string annotation;
    if (size_t end = IdentifierEnd(); end > i_ && t_.substr(end, 2) == "::") {
      annotation = std::string(t_.substr(i_, end - i_));
      i_ = end + 2;
      Skip();
    }
    if (i_ >= t_.size()) return Bad("value expected");
    const char c = t_[i_];
    if (c == '"') {
      DDBD_ASSIGN_OR_RETURN(std::string s, String('"'));
      return model::AttributeValue::String(std::move(s));
    }
    if (t_.substr(i_, 2) == "{{") {
      const size_t end = t_.find("}}", i_);
      if (end == std::string_view::npos) return Bad("unterminated blob");
      std::string b64;
      for (char ch : t_.substr(i_ + 2, end - i_ - 2)) {
        if (ch != ' ' && ch != '\n' && ch != '\t') b64.push_back(ch);
      }
      i_ = end + 2;
      std::string bytes;
      if (!Base64Decode(b64, &bytes)) return Bad("bad blob");
      return model::AttributeValue::Binary(std::move(bytes));
    }
    if (c == '{') return Struct(depth);
    if (c == '[') return List(annotation, depth);
    const size_t end = IdentifierEnd();
    const std::string_view word = t_.substr(i_, std::max(end, i_) - i_);
    if (word == "true" || word == "false") {
      i_ = end;
      return model::AttributeValue::Bool(word == "true");
    }
    if (word.rfind("null", 0) == 0) {
      i_ = end;
      return model::AttributeValue::Null();
    }
    return Decimal();
  }

  Result<model::Item> Line() {
    Skip();
    if (t_.substr(i_, 8) == "$ion_1_0") i_ += 8;
    DDBD_ASSIGN_OR_RETURN(model::AttributeValue top, Value());
    Skip();
    if (i_ != t_.size()) return Bad("more than one value");
    auto item = top.map.find("Item");
    if (top.type != model::AttrType::kM || item == top.map.end() ||
        item->second.type != model::AttrType::kM) {
      return Bad("no Item struct");
    }
    return std::move(item->second.map);
  }

 private:
  static Status Bad(const std::string& what) { return Status::Validation("Invalid Ion: " + what); }
  void Skip() {
    while (i_ < t_.size() && (t_[i_] == ' ' || t_[i_] == '\t' || t_[i_] == '\r' || t_[i_] == '\n'))
      ++i_;
  }
  size_t IdentifierEnd() const {
    size_t j = i_;
    while (j < t_.size() &&
           (std::isalnum(static_cast<unsigned char>(t_[j])) || t_[j] == '_' || t_[j] == '$')) {
      ++j;
    }
    return j;
  }
  Result<std::string> String(char quote) {
    std::string out;
    ++i_;
    while (i_ < t_.size() && t_[i_] != quote) {
      char c = t_[i_++];
      if (c != '\\') {
        out.push_back(c);
        continue;
      }
      if (i_ >= t_.size()) break;
      char e = t_[i_++];
      switch (e) {
        case 'n':
          out.push_back('\n');
          break;
        case 't':
          out.push_back('\t');
          break;
        case 'r':
          out.push_back('\r');
          break;
        case '0':
          out.push_back('\0');
          break;
        case 'x':
        case 'u': {
          const size_t digits = e == 'x' ? 2 : 4;
          if (i_ + digits > t_.size()) return Bad("bad escape");
          const uint32_t code = std::stoul(std::string(t_.substr(i_, digits)), nullptr, 16);
          i_ += digits;
          if (code < 0x80) {
            out.push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            out.push_back(static_cast<char>(0xC0 | (code >> 6)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            out.push_back(static_cast<char>(0xE0 | (code >> 12)));
            out.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            out.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          break;
        }
        default:
          out.push_back(e);
      }
    }
    if (i_ >= t_.size()) return Bad("unterminated string");
    ++i_;
    return out;
  }
  Result<model::AttributeValue> Struct(int depth) {
    model::AttributeValue v;
    v.type = model::AttrType::kM;
    ++i_;
    for (Skip(); i_ < t_.size() && t_[i_] != '}'; Skip()) {
      std::string name;
      if (t_[i_] == '"' || t_[i_] == '\'') {
        DDBD_ASSIGN_OR_RETURN(name, String(t_[i_]));
      } else {
        const size_t end = IdentifierEnd();
        if (end == i_) return Bad("field name expected");
        name = std::string(t_.substr(i_, end - i_));
        i_ = end;
      }
      Skip();
      if (i_ >= t_.size() || t_[i_] != ':') return Bad("':' expected");
      ++i_;
      DDBD_ASSIGN_OR_RETURN(model::AttributeValue field, Value(depth + 1));
      v.map[std::move(name)] = std::move(field);
      Skip();
      if (i_ < t_.size() && t_[i_] == ',') ++i_;
    }
    if (i_ >= t_.size()) return Bad("unterminated struct");
    ++i_;
    return v;
  }
  Result<model::AttributeValue> List(const std::string& annotation, int depth) {
    std::vector<model::AttributeValue> items;
    ++i_;
    for (Skip(); i_ < t_.size() && t_[i_] != ']'; Skip()) {
      DDBD_ASSIGN_OR_RETURN(model::AttributeValue item, Value(depth + 1));
      items.push_back(std::move(item));
      Skip();
      if (i_ < t_.size() && t_[i_] == ',') ++i_;
    }
    if (i_ >= t_.size()) return Bad("unterminated list");
    ++i_;
    model::AttributeValue v;
    using model::AttrType;
    const std::pair<const char*, AttrType> sets[] = {{"$dynamodb_SS", AttrType::kSS},
                                                     {"$dynamodb_NS", AttrType::kNS},
                                                     {"$dynamodb_BS", AttrType::kBS}};
    for (const auto& [name, type] : sets) {
      if (annotation != name) continue;
      const AttrType member = type == AttrType::kSS   ? AttrType::kS
                              : type == AttrType::kNS ? AttrType::kN
                                                      : AttrType::kB;
      v.type = type;
      for (auto& item : items) {
        if (item.type != member) return Bad("set member of the wrong type");
        if (type == AttrType::kNS) {
          v.numbers.push_back(item.num);
        } else {
          v.strings.push_back(std::move(item.str));
        }
      }
      return v;
    }
    v.type = AttrType::kL;
    v.list = std::move(items);
    return v;
  }
  Result<model::AttributeValue> Decimal() {
    size_t j = i_;
    std::string text;
    while (j < t_.size() && (std::isdigit(static_cast<unsigned char>(t_[j])) || t_[j] == '-' ||
                             t_[j] == '+' || t_[j] == '.' || t_[j] == 'd' || t_[j] == 'D' ||
                             t_[j] == 'e' || t_[j] == 'E' || t_[j] == '_')) {
      const char c = t_[j++];
      if (c == '_') continue;
      text.push_back(c == 'd' || c == 'D' ? 'E' : c);
    }
    if (text.empty()) return Bad("value expected");
    i_ = j;
    auto number = model::Number::Parse(text);
    if (!number.ok()) return number.status();
    return model::AttributeValue::Num(std::move(*number));
  }

  std::string_view t_;
  size_t i_ = 0;
};

}  // namespace

Result<model::Item> ParseItemLine(LineFormat format, std::string_view line) {
  if (format == LineFormat::kIon) return IonReader(line).Line();
  rapidjson::Document doc;
  doc.Parse(line.data(), line.size());
  if (doc.HasParseError() || !doc.IsObject()) {
    return Status::Validation("Invalid JSON: the line is not a JSON object");
  }
  auto item = doc.FindMember("Item");
  if (item == doc.MemberEnd() || !item->value.IsObject()) {
    return Status::Validation("Invalid JSON: no Item object");
  }
  model::Item out;
  DDBD_RETURN_IF_ERROR(model::DecodeAttributeMap(item->value, &out));
  return out;
}

std::vector<std::string> SplitCsvLine(std::string_view line, char delimiter) {
  std::vector<std::string> fields(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (quoted) {
      if (c == '"' && i + 1 < line.size() && line[i + 1] == '"') {
        fields.back().push_back('"');
        ++i;
      } else if (c == '"') {
        quoted = false;
      } else {
        fields.back().push_back(c);
      }
    } else if (c == '"') {
      quoted = true;
    } else if (c == delimiter) {
      fields.emplace_back();
    } else if (c != '\r' || i + 1 != line.size()) {
      fields.back().push_back(c);
    }
  }
  return fields;
}

}  // namespace ddbd::transfer
