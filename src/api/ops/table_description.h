// The TableDescription shape (CreateTable, DescribeTable, UpdateTable, DeleteTable) and the
// small pieces the table operations share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json_util.h"
#include "engine/catalog.h"

namespace ddbd::api {

// Writes a TableDescription object with status `status`; `table` (may be null) supplies live
// index states and counters.
void WriteTableDescription(JsonWriter& w, const engine::TableMeta& m,
                           const engine::TableStats& stats, std::string_view status,
                           const engine::Catalog& catalog, const engine::Table* table);

// TableName, required and valid (constraint errors otherwise).
Result<std::string> RequireTableName(const Json& request);

// ResourceNotFoundException with the table operations' wording.
Status TableNotFound(const std::string& name);

// "[a, b, c]", as the service lists names in messages.
std::string NameList(const std::vector<std::string>& names);

}  // namespace ddbd::api
