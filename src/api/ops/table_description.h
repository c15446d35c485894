// The TableDescription shape (CreateTable, DescribeTable, UpdateTable, DeleteTable) and the
// small pieces the table operations share.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/json_util.h"
#include "engine/catalog.h"

namespace ddbd::api {

// How WarmThroughput appears in a description: DescribeTable shows it for the table and each
// GSI as ACTIVE; a reply to a request that set it shows that one UPDATING, and CreateTable's
// reply shows only what the request set.
struct WarmView {
  bool omit_others = false;
  std::vector<std::string> updating;  // "" = the table, else GSI names
  // Whether to show the warm throughput of the table ("") or of a GSI, and its status.
  bool Shows(const std::string& index) const;
  const char* Status(const std::string& index) const;
};
void WriteWarmThroughput(JsonWriter& w, int64_t read, int64_t write, const char* status);
// A timestamp in ms as the service's epoch seconds (with a fraction).
void WriteEpoch(JsonWriter& w, int64_t ms);
// "2026-10-08T23:04:41Z", as the service writes times in messages.
std::string IsoSeconds(int64_t ms);
// The table's KeySchema array.
void WriteKeySchema(JsonWriter& w, const engine::TableMeta& m);

// Writes a TableDescription object with status `status`; `table` (may be null) supplies live
// index states and counters.
// The ProvisionedThroughput member of a table's description.
void WriteProvisionedThroughput(JsonWriter& w, const engine::TableMeta& m);

// DeleteTable's TableDescription: as the service answers it (a reply pasted from the service in
// architect/dynalite issue 60, and the CLI reference's delete-table example), only the name,
// DELETING, ProvisionedThroughput, TableSizeBytes, ItemCount and TableArn.
void WriteDeletingTableDescription(JsonWriter& w, const engine::TableMeta& m,
                                   const engine::TableStats& stats);

void WriteTableDescription(JsonWriter& w, const engine::TableMeta& m,
                           const engine::TableStats& stats, std::string_view status,
                           const engine::Catalog& catalog, const engine::Table* table,
                           const WarmView& warm = {});

// TableName, required and valid (constraint errors otherwise).
Result<std::string> RequireTableName(const Json& request);

// ResourceNotFoundException with the table operations' wording.
Status TableNotFound(const std::string& name);

// "[a, b, c]", as the service lists names in messages.
std::string NameList(const std::vector<std::string>& names);

}  // namespace ddbd::api
