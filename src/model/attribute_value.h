// The typed attribute-value tree: DynamoDB's ten types (S, N, B, BOOL, NULL, M, L, SS, NS, BS).
//
// An AttributeValue owns its children. Values are plain data: copyable, movable,
// thread-compatible. Binary values (B, BS members) hold raw bytes, not base64. Numbers are exact
// (model::Number), never double. Sets keep the members in the order the client sent them; they
// never hold duplicates once validated by the json codec.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "model/number.h"

namespace ddbd::model {

// Type tags. Part of the on-disk value encoding (docs/formats/value-encoding.md): DO NOT CHANGE.
enum class AttrType : uint8_t {
  kS = 1,
  kN = 2,
  kB = 3,
  kBool = 4,
  kNull = 5,
  kM = 6,
  kL = 7,
  kSS = 8,
  kNS = 9,
  kBS = 10,
};

// "S", "N", ... as on the wire.
std::string_view AttrTypeName(AttrType type);

struct AttributeValue;
// Attribute name -> value. Ordered so encodings and outputs are deterministic.
using AttributeMap = std::map<std::string, AttributeValue, std::less<>>;
// An item is a top-level map of attributes.
using Item = AttributeMap;

struct AttributeValue {
  AttrType type = AttrType::kNull;
  std::string str;                   // S (UTF-8) or B (raw bytes)
  Number num;                        // N
  bool boolean = true;               // BOOL (NULL always true)
  std::vector<std::string> strings;  // SS or BS members
  std::vector<Number> numbers;       // NS members
  std::vector<AttributeValue> list;  // L
  AttributeMap map;                  // M

  static AttributeValue String(std::string s);
  static AttributeValue Binary(std::string bytes);
  static AttributeValue Num(Number n);
  static AttributeValue Bool(bool b);
  static AttributeValue Null();

  bool is_scalar_key_type() const {
    return type == AttrType::kS || type == AttrType::kN || type == AttrType::kB;
  }
};

// Exact equality as DynamoDB compares values: numbers numerically, sets regardless of order.
bool Equal(const AttributeValue& a, const AttributeValue& b);

}  // namespace ddbd::model
