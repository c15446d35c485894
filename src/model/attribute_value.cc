#include "model/attribute_value.h"

#include <algorithm>

namespace ddbd::model {

std::string_view AttrTypeName(AttrType type) {
  switch (type) {
    case AttrType::kS:
      return "S";
    case AttrType::kN:
      return "N";
    case AttrType::kB:
      return "B";
    case AttrType::kBool:
      return "BOOL";
    case AttrType::kNull:
      return "NULL";
    case AttrType::kM:
      return "M";
    case AttrType::kL:
      return "L";
    case AttrType::kSS:
      return "SS";
    case AttrType::kNS:
      return "NS";
    case AttrType::kBS:
      return "BS";
  }
  return "?";
}

AttributeValue AttributeValue::String(std::string s) {
  AttributeValue v;
  v.type = AttrType::kS;
  v.str = std::move(s);
  return v;
}
AttributeValue AttributeValue::Binary(std::string bytes) {
  AttributeValue v;
  v.type = AttrType::kB;
  v.str = std::move(bytes);
  return v;
}
AttributeValue AttributeValue::Num(Number n) {
  AttributeValue v;
  v.type = AttrType::kN;
  v.num = std::move(n);
  return v;
}
AttributeValue AttributeValue::Bool(bool b) {
  AttributeValue v;
  v.type = AttrType::kBool;
  v.boolean = b;
  return v;
}
AttributeValue AttributeValue::Null() { return AttributeValue(); }

bool Equal(const AttributeValue& a, const AttributeValue& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case AttrType::kS:
    case AttrType::kB:
      return a.str == b.str;
    case AttrType::kN:
      return a.num == b.num;
    case AttrType::kBool:
      return a.boolean == b.boolean;
    case AttrType::kNull:
      return true;
    case AttrType::kSS:
    case AttrType::kBS: {
      if (a.strings.size() != b.strings.size()) return false;
      for (const auto& s : a.strings) {
        if (std::find(b.strings.begin(), b.strings.end(), s) == b.strings.end()) return false;
      }
      return true;
    }
    case AttrType::kNS: {
      if (a.numbers.size() != b.numbers.size()) return false;
      for (const auto& n : a.numbers) {
        if (std::find(b.numbers.begin(), b.numbers.end(), n) == b.numbers.end()) return false;
      }
      return true;
    }
    case AttrType::kL:
      if (a.list.size() != b.list.size()) return false;
      for (size_t i = 0; i < a.list.size(); ++i) {
        if (!Equal(a.list[i], b.list[i])) return false;
      }
      return true;
    case AttrType::kM:
      if (a.map.size() != b.map.size()) return false;
      for (const auto& [name, value] : a.map) {
        auto it = b.map.find(name);
        if (it == b.map.end() || !Equal(value, it->second)) return false;
      }
      return true;
  }
  return false;
}

}  // namespace ddbd::model
