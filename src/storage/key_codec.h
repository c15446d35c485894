// Order-preserving encoding of primary keys into RocksDB keys (docs/formats/key-encoding.md).
//
//   key = index_id (u32, big-endian) | hash64(partition key) (big-endian)
//         | escaped partition key | escaped sort key (if the table has one)
//
// All items of one partition key are contiguous and ordered by sort key, so a Query is one
// range scan; partitions are ranges of the hash, so splitting one copies no data.
// Escaping of S and B: 0x00 -> 0x00 0xFF, then the terminator 0x00 0x01 (keeps byte order and
// makes the component self-delimiting). N uses Number's order-preserving encoding.
// Pure functions; DO NOT CHANGE the format without a migration.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>

#include "model/attribute_value.h"

namespace ddbd::storage {

constexpr uint32_t kBaseIndexId = 0;  // the table itself; LSIs get 1..5

// Appends the order-preserving encoding of a key attribute (S, N or B).
// REQUIRES: value.is_scalar_key_type().
void AppendKeyComponent(std::string* out, const model::AttributeValue& value);

// Hash of the partition key's canonical bytes (numbers hash by value: 1 and 1.0 agree).
uint64_t PartitionHash(const model::AttributeValue& partition_key);

// The full storage key. `sort_key` may be null for hash-only tables.
std::string EncodePrimaryKey(uint32_t index_id, const model::AttributeValue& partition_key,
                             const model::AttributeValue* sort_key);

// index_id | hash | partition key component: the common prefix of one partition key's items.
std::string EncodePartitionPrefix(uint32_t index_id, const model::AttributeValue& partition_key);

// Appends the escaped bytes of an S or B value without the terminator: every encoded key
// component whose value starts with `prefix` starts with these bytes (begins_with ranges).
void AppendKeyPrefixComponent(std::string* out, const model::AttributeValue& prefix);

// The smallest string greater than every string that starts with `prefix` ("" if none).
std::string PrefixEnd(std::string prefix);

// [lower, upper) of the keys of `index_id` whose partition hash lies in
// [hash_begin, hash_end); hash_end == 0 means "to the end of the hash space".
std::pair<std::string, std::string> HashRange(uint32_t index_id, uint64_t hash_begin,
                                              uint64_t hash_end);

// [lower, upper) bounds covering every key of one index.
std::string IndexLowerBound(uint32_t index_id);
std::string IndexUpperBound(uint32_t index_id);

}  // namespace ddbd::storage
