// Secondary-index definitions in CreateTable and UpdateTable requests, and their part of
// TableDescription.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/json_util.h"
#include "engine/catalog.h"
#include "engine/table_admin.h"
#include "engine/table_meta.h"

namespace ddbd::api {

using engine::IndexSpec;

// Parses LocalSecondaryIndexes or GlobalSecondaryIndexes (an array) or one
// GlobalSecondaryIndexUpdates Create (an object when `single`).
Result<std::vector<IndexSpec>> ParseIndexSpecs(const Json* json, bool global, const char* path,
                                               ConstraintErrors& errors);
Result<IndexSpec> ParseIndexSpec(const Json& json, bool global, const std::string& path,
                                 ConstraintErrors& errors);

// An index's IndexName, KeySchema and Projection members (descriptions, backups' index infos).
void WriteIndexShape(JsonWriter& w, const engine::IndexMeta& index);

struct WarmView;
// While the table is CREATING, so are its GSIs (as the service describes a new table).
void WriteIndexDescriptions(JsonWriter& w, const engine::TableMeta& meta,
                            const engine::Catalog& catalog, const engine::Table* table,
                            const WarmView& warm, bool table_creating);

}  // namespace ddbd::api
