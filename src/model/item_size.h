// Item size by the service's rules (developer guide, "Item sizes and formats"): the sum over
// attributes of the UTF-8 length of the name plus the size of the value, where
//   S: UTF-8 bytes; B: raw bytes; N: Number::SizeBytes(); BOOL, NULL: 1 byte;
//   SS/NS/BS: the sum of the members' sizes;
//   M, L: 3 bytes + 1 byte per element + the elements' sizes (and names, for M).
// It drives the 400 KB item limit and read/write capacity units; it is independent of how
// ddbd stores the item.
#pragma once

#include <cstddef>

#include "model/attribute_value.h"

namespace ddbd::model {

size_t ValueSize(const AttributeValue& value);
size_t ItemSize(const Item& item);

constexpr size_t kMaxItemSize = 400 * 1024;

}  // namespace ddbd::model
