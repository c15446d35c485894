// Secondary-index definitions in CreateTable and UpdateTable requests, and their part of
// TableDescription.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/json_util.h"
#include "engine/catalog.h"
#include "engine/table_meta.h"

namespace ddbd::api {

// An index as written in a request, before its key types are looked up.
struct IndexSpec {
  engine::IndexMeta meta;  // name, projection, throughput filled
  std::string hash_name;
  std::optional<std::string> range_name;
  bool has_throughput = false;
};

// Parses LocalSecondaryIndexes or GlobalSecondaryIndexes (an array) or one
// GlobalSecondaryIndexUpdates Create (an object when `single`).
Result<std::vector<IndexSpec>> ParseIndexSpecs(const Json* json, bool global, const char* path,
                                               ConstraintErrors& errors);
Result<IndexSpec> ParseIndexSpec(const Json& json, bool global, const std::string& path,
                                 ConstraintErrors& errors);

// Checks the index definitions against the table (key schema, attribute definitions, billing)
// with the service's messages, fills key types and ids, and appends them to `meta`.
Status AddIndexes(std::vector<IndexSpec> specs, engine::TableMeta* meta);

void WriteIndexDescriptions(JsonWriter& w, const engine::TableMeta& meta,
                            const engine::Catalog& catalog, const engine::Table* table);

}  // namespace ddbd::api
