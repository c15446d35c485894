// Secondary-index entries: which items an index holds, under which storage key, with which
// attributes. Used by the write path (LSI entries go into the base WriteBatch), the GSI
// applier and backfill, and Query/Scan on indexes. Pure functions, thread-safe.
//
// Entry keys (docs/formats/key-encoding.md):
//   LSI (table's data family):  lsi_id | hash64(table pk) | table pk | lsi sk | table sk
//   GSI (its own family):       0      | hash64(gsi pk)   | gsi pk | [gsi sk] | table pk | [table
//   sk]
// An item without every index key attribute has no entry (sparse indexes).
#pragma once

#include <optional>
#include <string>

#include "ddbd/status.h"

#include "engine/table_meta.h"
#include "model/attribute_value.h"

namespace ddbd::engine {

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
