// Compact binary encoding of attribute values and items, as stored in RocksDB (not JSON text).
// Format: docs/formats/value-encoding.md. Pure functions, thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/attribute_value.h"

namespace ddbd::model {

void AppendValue(std::string* out, const AttributeValue& value);
// Decodes one value from the front of *in; false on malformed bytes (never crashes).
bool ConsumeValue(std::string_view* in, AttributeValue* out, int depth = 0);

// An item: varint attribute count, then (length-prefixed name, value) pairs.
std::string EncodeItem(const Item& item);
void AppendItem(std::string* out, const Item& item);
// Decodes an item in either form: plain (EncodeItem) or stored (EncodeStoredItem).
bool DecodeItem(std::string_view in, Item* out);

// A table's stored item: a header (0x00, format version, last-write time in microseconds
// since the epoch) before the plain encoding. Items always hold their key attributes, so a
// plain encoding never starts with 0x00 followed by more bytes: both forms decode, and
// items written before the header existed still read.
std::string EncodeStoredItem(const Item& item, int64_t write_time_us);
// The last-write time of a stored item; nullopt for items written before the header existed
// (or for plain encodings).
std::optional<int64_t> StoredItemWriteTime(std::string_view in);
// The plain encoding inside a stored item (the input itself if it has no header).
std::string_view StoredItemBody(std::string_view in);

}  // namespace ddbd::model
