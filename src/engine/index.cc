#include "engine/index.h"

#include <algorithm>

#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

const model::AttributeValue* KeyValue(const model::Item& item, const KeyElement& key) {
  auto it = item.find(key.name);
  if (it == item.end() || it->second.type != key.type) return nullptr;
  return &it->second;
}

// An index key value, or nullptr if the item cannot be in the index: missing, of another type,
// empty, or longer than an index key may be (a backfill skips such items, as the service does;
// writes are refused by ValidateIndexKeys first).
const model::AttributeValue* IndexKeyValue(const model::Item& item, const KeyElement& key,
                                           size_t max_size) {
  const model::AttributeValue* v = KeyValue(item, key);
  if (v != nullptr && (v->type == model::AttrType::kS || v->type == model::AttrType::kB) &&
      (v->str.empty() || v->str.size() > max_size)) {
    return nullptr;
  }
  return v;
}

// Calls f(key, is_partition_key) for each key attribute of the index in key-schema order,
// without the vectors IndexMeta::KeyElements() builds (these run on every write).
template <typename F>
void ForEachKey(const IndexMeta& index, F&& f) {
  f(index.hash_key, true);
  for (const auto& key : index.more_hash_keys) f(key, true);
  if (index.range_key) f(*index.range_key, false);
  for (const auto& key : index.more_range_keys) f(key, false);
}

}  // namespace

model::AttributeValue ComposeKeyValues(const std::vector<const model::AttributeValue*>& values) {
  std::string bytes;
  for (const auto* value : values) storage::AppendKeyComponent(&bytes, *value);
  return model::AttributeValue::Binary(std::move(bytes));
}

namespace {

// The key component of one role (partition or sort key) of an index entry: the attribute's
// value, or the composite of several; nullopt if one is missing or unusable.
std::optional<model::AttributeValue> RoleValue(const std::vector<const KeyElement*>& keys,
                                               const model::Item& item, size_t max_size) {
  std::vector<const model::AttributeValue*> values;
  for (const KeyElement* key : keys) {
    const model::AttributeValue* v = IndexKeyValue(item, *key, max_size);
    if (v == nullptr) return std::nullopt;
    values.push_back(v);
  }
  if (values.size() == 1) return *values[0];
  return ComposeKeyValues(values);
}

}  // namespace

std::optional<model::AttributeValue> IndexHashValue(const IndexMeta& index,
                                                    const model::Item& item) {
  if (index.more_hash_keys.empty()) {
    const model::AttributeValue* v = IndexKeyValue(item, index.hash_key, 2048);
    if (v == nullptr) return std::nullopt;
    return *v;
  }
  return RoleValue(index.HashKeys(), item, 2048);
}

std::optional<model::AttributeValue> IndexRangeValue(const IndexMeta& index,
                                                     const model::Item& item) {
  if (!index.range_key) return std::nullopt;
  return RoleValue(index.RangeKeys(), item, 1024);
}

std::optional<std::string> IndexEntryKey(const TableMeta& table, const IndexMeta& index,
                                         const model::Item& item) {
  const auto* table_hash = KeyValue(item, table.hash_key);
  const auto* table_range = table.range_key ? KeyValue(item, *table.range_key) : nullptr;
  if (!table_hash || (table.range_key && !table_range)) return std::nullopt;
  if (!index.multi_attribute()) {
    // The common case, without copies.
    const auto* hash = IndexKeyValue(item, index.hash_key, 2048);
    const auto* range = index.range_key ? IndexKeyValue(item, *index.range_key, 1024) : nullptr;
    if (!hash || (index.range_key && !range)) return std::nullopt;
    std::string key;
    if (index.global) {
      key = storage::EncodePrimaryKey(storage::kBaseIndexId, *hash, range);
      storage::AppendKeyComponent(&key, *table_hash);
    } else {
      key = storage::EncodePrimaryKey(index.id, *table_hash, range);
    }
    if (table_range) storage::AppendKeyComponent(&key, *table_range);
    return key;
  }
  std::optional<model::AttributeValue> hash = IndexHashValue(index, item);
  if (!hash) return std::nullopt;
  std::optional<model::AttributeValue> index_range;
  if (index.range_key) {
    index_range = IndexRangeValue(index, item);
    if (!index_range) return std::nullopt;
  }
  std::string key = storage::EncodePrimaryKey(storage::kBaseIndexId, *hash,
                                              index_range ? &*index_range : nullptr);
  storage::AppendKeyComponent(&key, *table_hash);
  if (table_range) storage::AppendKeyComponent(&key, *table_range);
  return key;
}

bool IndexHasAttribute(const TableMeta& table, const IndexMeta& index,
                       const std::string& attribute) {
  if (index.projection == ProjectionType::kAll) return true;
  if (attribute == table.hash_key.name || (table.range_key && attribute == table.range_key->name)) {
    return true;
  }
  bool key = false;
  ForEachKey(index, [&](const KeyElement& k, bool) { key |= attribute == k.name; });
  if (key) return true;
  return index.projection == ProjectionType::kInclude &&
         std::find(index.non_key_attributes.begin(), index.non_key_attributes.end(), attribute) !=
             index.non_key_attributes.end();
}

model::Item ProjectForIndex(const TableMeta& table, const IndexMeta& index,
                            const model::Item& item) {
  if (index.projection == ProjectionType::kAll) return item;
  model::Item out;
  for (const auto& [name, value] : item) {
    if (IndexHasAttribute(table, index, name)) out.emplace(name, value);
  }
  return out;
}

Status ValidateIndexKeys(const TableMeta& table, const model::Item& item) {
  Status status;
  for (const auto& index : table.indexes) {
    if (index.status == IndexStatus::kDeleting) continue;
    ForEachKey(index, [&](const KeyElement& key, bool partition_key) {
      if (!status.ok()) return;
      auto it = item.find(key.name);
      if (it == item.end()) return;
      const auto& v = it->second;
      if (v.type != key.type) {
        status = Status::Validation(
            "One or more parameter values were invalid: Type mismatch for Index Key " + key.name +
            " Expected: " + std::string(model::AttrTypeName(key.type)) +
            " Actual: " + std::string(model::AttrTypeName(v.type)) + " IndexName: " + index.name);
        return;
      }
      const size_t max_size = partition_key ? 2048 : 1024;
      if ((v.type == model::AttrType::kS || v.type == model::AttrType::kB) &&
          v.str.size() > max_size) {
        status = Status::Validation(
            "One or more parameter values were invalid: Size limit exceeded for Index Key " +
            key.name + " Actual Size: " + std::to_string(v.str.size()) +
            " bytes Max Size: " + std::to_string(max_size) + " bytes IndexName: " + index.name);
        return;
      }
      if ((v.type == model::AttrType::kS || v.type == model::AttrType::kB) && v.str.empty()) {
        status = Status::Validation(
            "One or more parameter values are not valid. A value specified for a secondary index "
            "key is not supported. The AttributeValue for a key attribute cannot contain an "
            "empty " +
            std::string(v.type == model::AttrType::kS ? "string" : "binary") +
            " value. IndexName: " + index.name + ", IndexKey: " + key.name);
      }
    });
    if (!status.ok()) return status;
  }
  return Status::OK();
}

model::Item IndexKeyOf(const TableMeta& table, const IndexMeta* index, const model::Item& item) {
  model::Item out;
  auto copy = [&](const KeyElement& key) {
    auto it = item.find(key.name);
    if (it != item.end()) out.insert(*it);
  };
  copy(table.hash_key);
  if (table.range_key) copy(*table.range_key);
  if (index != nullptr) {
    ForEachKey(*index, [&](const KeyElement& key, bool) { copy(key); });
  }
  return out;
}

}  // namespace ddbd::engine
