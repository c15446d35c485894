#include "api/ops/index_defs.h"

#include <set>

#include "api/ops/shapes.h"
#include "api/ops/table_description.h"

namespace ddbd::api {
namespace {

using engine::IndexMeta;
using engine::KeyElement;
using engine::ProjectionType;

// A GSI's partition key and sort key may each have up to four attributes.
constexpr size_t kMaxKeyAttributes = 4;

Status Invalid(const std::string& what) {
  return Status::Validation("One or more parameter values were invalid: " + what);
}

}  // namespace

Result<IndexSpec> ParseIndexSpec(const Json& json, bool global, const std::string& path,
                                 ConstraintErrors& errors) {
  if (!json.IsObject()) return Status::Serialization("Unexpected value type in payload");
  IndexSpec spec;
  spec.meta.global = global;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(json, "IndexName"));
  if (!name) {
    errors.NotNull((path + ".indexName").c_str());
  } else {
    std::string p = path + ".indexName";
    errors.TableName(&*name, p.c_str());
    spec.meta.name = *name;
  }
  DDBD_ASSIGN_OR_RETURN(const Json* schema, GetArray(json, "KeySchema"));
  if (schema == nullptr) {
    errors.NotNull((path + ".keySchema").c_str());
  } else {
    size_t hash_count = 0, range_count = 0;
    for (rapidjson::SizeType i = 0; i < schema->Size(); ++i) {
      const Json& e = (*schema)[i];
      if (!e.IsObject()) return Status::Serialization("Unexpected value type in payload");
      DDBD_ASSIGN_OR_RETURN(auto attr, GetString(e, "AttributeName"));
      DDBD_ASSIGN_OR_RETURN(auto type, GetString(e, "KeyType"));
      if (!attr || !type) {
        errors.NotNull((path + ".keySchema.member").c_str());
        continue;
      }
      errors.Length(
          *attr, (path + ".keySchema." + std::to_string(i + 1) + ".member.attributeName").c_str(),
          1, 255);
      if (global && i > 0 && (*type == "HASH" || *type == "RANGE")) {
        // Multi-attribute keys: up to four HASH elements, then up to four RANGE elements.
        // (messages unverified)
        if (*type == "HASH" && range_count > 0) {
          return Status::Validation(
              "Invalid KeySchema: All HASH key attributes must precede RANGE key attributes in "
              "the KeySchema");
        }
        size_t& count = *type == "HASH" ? hash_count : range_count;
        if (++count > (*type == "HASH" ? kMaxKeyAttributes - 1 : kMaxKeyAttributes)) {
          return Status::Validation(
              "Invalid KeySchema: The KeySchema exceeds the maximum allowed number of " + *type +
              " key attributes");
        }
        if (*type == "HASH") {
          spec.more_hash_names.push_back(*attr);
        } else if (!spec.range_name) {
          spec.range_name = *attr;
        } else {
          spec.more_range_names.push_back(*attr);
        }
      } else if (*type == "HASH" && i == 0) {
        spec.hash_name = *attr;
      } else if (*type == "RANGE" && i == 1) {
        spec.range_name = *attr;
      } else if (*type != "HASH" && *type != "RANGE") {
        errors.Enum(*type, (path + ".keySchema.member.keyType").c_str(), "[HASH, RANGE]");
      } else {
        return Status::Validation(i == 0 ? "Invalid KeySchema: The first KeySchemaElement is not "
                                           "a HASH key type"
                                         : "Invalid KeySchema: The second KeySchemaElement is "
                                           "not a RANGE key type");
      }
    }
    if (schema->Empty() || (!global && schema->Size() > 2)) {
      errors.Add("Value '[]' at '" + path +
                 ".keySchema' failed to satisfy constraint: Member must have length " +
                 (schema->Empty() ? "greater than or equal to 1" : "less than or equal to 2"));
    }
  }
  DDBD_ASSIGN_OR_RETURN(const Json* projection, GetObject(json, "Projection"));
  if (projection == nullptr) {
    errors.NotNull((path + ".projection").c_str());
  } else {
    DDBD_ASSIGN_OR_RETURN(auto type, GetString(*projection, "ProjectionType"));
    DDBD_ASSIGN_OR_RETURN(const Json* attrs, GetArray(*projection, "NonKeyAttributes"));
    std::string t = type.value_or("");
    if (t == "ALL") {
      spec.meta.projection = ProjectionType::kAll;
    } else if (t == "KEYS_ONLY") {
      spec.meta.projection = ProjectionType::kKeysOnly;
    } else if (t == "INCLUDE") {
      spec.meta.projection = ProjectionType::kInclude;
    } else if (type) {
      errors.Enum(t, (path + ".projection.projectionType").c_str(), "[ALL, KEYS_ONLY, INCLUDE]");
    } else {
      return Invalid("Unknown ProjectionType: null");
    }
    if (attrs != nullptr) {
      for (const auto& a : attrs->GetArray()) {
        if (!a.IsString()) return Status::Serialization("Unexpected value type in payload");
        spec.meta.non_key_attributes.emplace_back(a.GetString(), a.GetStringLength());
      }
      if (type && t != "INCLUDE") {
        return Invalid("ProjectionType is " + t + ", but NonKeyAttributes is specified");
      }
    } else if (t == "INCLUDE") {
      return Invalid("ProjectionType is INCLUDE, but NonKeyAttributes is not specified");
    }
  }
  if (global) {
    DDBD_ASSIGN_OR_RETURN(const Json* pt, GetObject(json, "ProvisionedThroughput"));
    if (pt != nullptr) {
      DDBD_ASSIGN_OR_RETURN(auto read, GetInt(*pt, "ReadCapacityUnits"));
      DDBD_ASSIGN_OR_RETURN(auto write, GetInt(*pt, "WriteCapacityUnits"));
      spec.has_throughput = true;
      spec.meta.read_capacity = read.value_or(0);
      spec.meta.write_capacity = write.value_or(0);
      errors.Min(spec.meta.read_capacity,
                 (path + ".provisionedThroughput.readCapacityUnits").c_str(), 1);
      errors.Min(spec.meta.write_capacity,
                 (path + ".provisionedThroughput.writeCapacityUnits").c_str(), 1);
    }
    DDBD_ASSIGN_OR_RETURN(spec.warm, ParseWarmThroughput(json));
  }
  return spec;
}

Result<std::vector<IndexSpec>> ParseIndexSpecs(const Json* json, bool global, const char* path,
                                               ConstraintErrors& errors) {
  std::vector<IndexSpec> specs;
  if (json == nullptr) return specs;
  for (rapidjson::SizeType i = 0; i < json->Size(); ++i) {
    DDBD_ASSIGN_OR_RETURN(
        IndexSpec spec,
        ParseIndexSpec((*json)[i], global,
                       std::string(path) + "." + std::to_string(i + 1) + ".member", errors));
    specs.push_back(std::move(spec));
  }
  return specs;
}

void WriteIndexShape(JsonWriter& w, const engine::IndexMeta& index) {
  WriteKey(w, "IndexName");
  WriteString(w, index.name);
  WriteKey(w, "KeySchema");
  w.StartArray();
  const size_t hash_keys = 1 + index.more_hash_keys.size();
  const std::vector<const KeyElement*> keys = index.KeyElements();
  for (size_t i = 0; i < keys.size(); ++i) {
    const KeyElement* k = keys[i];
    if (k == nullptr) continue;
    w.StartObject();
    WriteKey(w, "AttributeName");
    WriteString(w, k->name);
    WriteKey(w, "KeyType");
    WriteString(w, i < hash_keys ? "HASH" : "RANGE");
    w.EndObject();
  }
  w.EndArray();
  WriteKey(w, "Projection");
  w.StartObject();
  WriteKey(w, "ProjectionType");
  WriteString(w, index.projection == ProjectionType::kAll        ? "ALL"
                 : index.projection == ProjectionType::kKeysOnly ? "KEYS_ONLY"
                                                                 : "INCLUDE");
  if (index.projection == ProjectionType::kInclude) {
    WriteKey(w, "NonKeyAttributes");
    w.StartArray();
    for (const auto& a : index.non_key_attributes) WriteString(w, a);
    w.EndArray();
  }
  w.EndObject();
}

void WriteIndexDescriptions(JsonWriter& w, const engine::TableMeta& meta,
                            const engine::Catalog& catalog, const engine::Table* table,
                            const WarmView& warm, bool table_creating) {
  for (bool global : {false, true}) {
    bool any = false;
    for (const auto& index : meta.indexes) any |= index.global == global;
    if (!any) continue;
    WriteKey(w, global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
    w.StartArray();
    for (const auto& index : meta.indexes) {
      if (index.global != global) continue;
      w.StartObject();
      WriteIndexShape(w, index);
      if (global) {
        WriteKey(w, "IndexStatus");
        WriteString(w, table_creating                                   ? "CREATING"
                       : index.status == engine::IndexStatus::kActive   ? "ACTIVE"
                       : index.status == engine::IndexStatus::kCreating ? "CREATING"
                                                                        : "DELETING");
        if (index.backfilling) {
          WriteKey(w, "Backfilling");
          w.Bool(true);
        }
        WriteKey(w, "ProvisionedThroughput");
        w.StartObject();
        WriteKey(w, "NumberOfDecreasesToday");
        w.Int64(0);
        bool provisioned = meta.billing_mode == engine::BillingMode::kProvisioned;
        WriteKey(w, "ReadCapacityUnits");
        w.Int64(provisioned ? index.read_capacity : 0);
        WriteKey(w, "WriteCapacityUnits");
        w.Int64(provisioned ? index.write_capacity : 0);
        w.EndObject();
        if (warm.Shows(index.name)) {
          WriteWarmThroughput(w, index.warm_read, index.warm_write, warm.Status(index.name));
        }
      }
      engine::TableStats stats;
      if (table != nullptr) stats = catalog.IndexStats(*table, index.id);
      WriteKey(w, "IndexSizeBytes");
      w.Int64(stats.size_bytes);
      WriteKey(w, "ItemCount");
      w.Int64(stats.item_count);
      WriteKey(w, "IndexArn");
      WriteString(w, meta.Arn() + "/index/" + index.name);
      w.EndObject();
    }
    w.EndArray();
  }
}

}  // namespace ddbd::api
