// Compact binary encoding of attribute values and items, as stored in RocksDB (not JSON text).
// Format: docs/formats/value-encoding.md. Pure functions, thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "model/attribute_value.h"

namespace ddbd::model {

void AppendValue(std::string* out, const AttributeValue& value);
// Decodes one value from the front of *in; false on malformed bytes (never crashes).
bool ConsumeValue(std::string_view* in, AttributeValue* out, int depth = 0);

// An item: varint attribute count, then (length-prefixed name, value) pairs.
std::string EncodeItem(const Item& item);
bool DecodeItem(std::string_view in, Item* out);

}  // namespace ddbd::model
