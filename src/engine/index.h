// Secondary-index entries: which items an index holds, under which storage key, with which
// attributes. Used by the write path (LSI entries go into the base WriteBatch), the GSI
// applier and backfill, and Query/Scan on indexes. Pure functions, thread-safe.
//
// Entry keys (docs/formats/key-encoding.md):
//   LSI (table's data family):  lsi_id | hash64(table pk) | table pk | lsi sk | table sk
//   GSI (its own family):       0      | hash64(gsi pk)   | gsi pk | [gsi sk] | table pk | [table
//   sk]
// An item without every index key attribute has no entry (sparse indexes).
//
// Multi-attribute GSI keys (up to four partition-key and four sort-key attributes): where an
// index has several attributes in one role, the key component of that role is a B value
// composed of each attribute's order-preserving, self-delimiting encoding
// (storage::AppendKeyComponent) in key-schema order. The composite partition key hashes all
// of them together; composite sort keys order by the first attribute, then the second, and so
// on, each by its own type, and a Query narrows them with byte ranges (ComposeKeyValues).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "engine/table_meta.h"
#include "model/attribute_value.h"

namespace ddbd::engine {

// The B value composed of the values' key encodings (see above).
model::AttributeValue ComposeKeyValues(const std::vector<const model::AttributeValue*>& values);

// The value of `item` that `index` partitions by (its partition-key attribute, or the
// composite of them), or nullopt if the item has not every one with the schema's type.
std::optional<model::AttributeValue> IndexHashValue(const IndexMeta& index,
                                                    const model::Item& item);

// The same for the index's sort key (nullopt also if the index has none).
std::optional<model::AttributeValue> IndexRangeValue(const IndexMeta& index,
                                                     const model::Item& item);

// The storage key of `item`'s entry in `index`, or nullopt if the item is not in the index.
// `item` may also be an ExclusiveStartKey (only key attributes).
std::optional<std::string> IndexEntryKey(const TableMeta& table, const IndexMeta& index,
                                         const model::Item& item);

// The attributes the index stores for `item`: table keys, index keys, and the projection.
model::Item ProjectForIndex(const TableMeta& table, const IndexMeta& index,
                            const model::Item& item);

// True if `attribute` is stored in the index (keys or projected).
bool IndexHasAttribute(const TableMeta& table, const IndexMeta& index,
                       const std::string& attribute);

// Checks an item's index key attributes (types, empty values) before a write.
// ValidationException with the service's messages.
Status ValidateIndexKeys(const TableMeta& table, const model::Item& item);

// The key attributes of an item as an index returns them in LastEvaluatedKey: the table's
// keys plus the index's keys.
model::Item IndexKeyOf(const TableMeta& table, const IndexMeta* index, const model::Item& item);

}  // namespace ddbd::engine
