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

}  // namespace

std::optional<std::string> IndexEntryKey(const TableMeta& table, const IndexMeta& index,
                                         const model::Item& item) {
  const auto* table_hash = KeyValue(item, table.hash_key);
  const auto* table_range = table.range_key ? KeyValue(item, *table.range_key) : nullptr;
  const auto* index_hash = IndexKeyValue(item, index.hash_key, 2048);
  const auto* index_range = index.range_key ? IndexKeyValue(item, *index.range_key, 1024) : nullptr;
  if (!table_hash || (table.range_key && !table_range) || !index_hash ||
      (index.range_key && !index_range)) {
    return std::nullopt;
  }
  std::string key;
  if (index.global) {
    key = storage::EncodePrimaryKey(storage::kBaseIndexId, *index_hash, index_range);
    storage::AppendKeyComponent(&key, *table_hash);
  } else {
    key = storage::EncodePrimaryKey(index.id, *table_hash, index_range);
  }
  if (table_range) storage::AppendKeyComponent(&key, *table_range);
  return key;
}

bool IndexHasAttribute(const TableMeta& table, const IndexMeta& index,
                       const std::string& attribute) {
  if (index.projection == ProjectionType::kAll) return true;
  if (attribute == table.hash_key.name || (table.range_key && attribute == table.range_key->name) ||
      attribute == index.hash_key.name || (index.range_key && attribute == index.range_key->name)) {
    return true;
  }
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
  for (const auto& index : table.indexes) {
    if (index.status == IndexStatus::kDeleting) continue;
    for (const KeyElement* key : {&index.hash_key, index.range_key ? &*index.range_key : nullptr}) {
      if (key == nullptr) continue;
      auto it = item.find(key->name);
      if (it == item.end()) continue;
      const auto& v = it->second;
      if (v.type != key->type) {
        return Status::Validation(
            "One or more parameter values were invalid: Type mismatch for Index Key " + key->name +
            " Expected: " + std::string(model::AttrTypeName(key->type)) +
            " Actual: " + std::string(model::AttrTypeName(v.type)) + " IndexName: " + index.name);
      }
      const size_t max_size = key == &index.hash_key ? 2048 : 1024;
      if ((v.type == model::AttrType::kS || v.type == model::AttrType::kB) &&
          v.str.size() > max_size) {
        return Status::Validation(
            "One or more parameter values were invalid: Size limit exceeded for Index Key " +
            key->name + " Actual Size: " + std::to_string(v.str.size()) +
            " bytes Max Size: " + std::to_string(max_size) + " bytes IndexName: " + index.name);
      }
      if ((v.type == model::AttrType::kS || v.type == model::AttrType::kB) && v.str.empty()) {
        return Status::Validation(
            "One or more parameter values are not valid. A value specified for a secondary index "
            "key is not supported. The AttributeValue for a key attribute cannot contain an "
            "empty " +
            std::string(v.type == model::AttrType::kS ? "string" : "binary") +
            " value. IndexName: " + index.name + ", IndexKey: " + key->name);
      }
    }
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
    copy(index->hash_key);
    if (index->range_key) copy(*index->range_key);
  }
  return out;
}

}  // namespace ddbd::engine
