#include "model/item_size.h"

namespace ddbd::model {

size_t ValueSize(const AttributeValue& value) {
  switch (value.type) {
    case AttrType::kS:
    case AttrType::kB:
      return value.str.size();
    case AttrType::kN:
      return value.num.SizeBytes();
    case AttrType::kBool:
    case AttrType::kNull:
      return 1;
    case AttrType::kSS:
    case AttrType::kBS: {
      size_t n = 0;
      for (const auto& s : value.strings) n += s.size();
      return n;
    }
    case AttrType::kNS: {
      size_t n = 0;
      for (const auto& num : value.numbers) n += num.SizeBytes();
      return n;
    }
    case AttrType::kL: {
      size_t n = 3 + value.list.size();
      for (const auto& element : value.list) n += ValueSize(element);
      return n;
    }
    case AttrType::kM: {
      size_t n = 3 + value.map.size();
      for (const auto& [name, element] : value.map) n += name.size() + ValueSize(element);
      return n;
    }
  }
  return 0;
}

size_t ItemSize(const Item& item) {
  size_t n = 0;
  for (const auto& [name, value] : item) n += name.size() + ValueSize(value);
  return n;
}

}  // namespace ddbd::model
