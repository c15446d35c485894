// Changes to a table's definition (CreateTable's indexes, UpdateTable): the service's rules
// and messages for index definitions, and each UpdateTable change as one descriptor change
// through Catalog::Modify, so that it is checked against, and applied to, the current
// descriptor (never a stale copy that would undo a concurrent change such as a backfill
// finishing). Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "ddbd/status.h"

#include "engine/catalog.h"
#include "engine/table_meta.h"

namespace ddbd::engine {

// The service's answer to OnDemandThroughput (max read, max write; -1 = not given) on a
// provisioned table, naming the first maximum given: CreateTable's wording (`creating`) or
// UpdateTable's.
Status OnDemandOnProvisioned(const std::pair<int64_t, int64_t>& on_demand, bool creating);

// A WarmThroughput as requested (either member may be absent).
struct WarmSpec {
  std::optional<int64_t> read;
  std::optional<int64_t> write;
};
// Sets the warm throughput of the table (`index` empty) or of its GSI `index` to `spec`, with
// the service's checks: at creation (`creating`) no lower than the initial throughput of the
// billing mode and capacity, later never lower than the current value; at most the account's
// per-table maximum (40,000 units).
Status SetWarmThroughput(TableMeta* meta, const std::string& index, const WarmSpec& spec,
                         bool creating);

// An index as written in a request, before its key types are looked up.
struct IndexSpec {
  IndexMeta meta;  // name, projection, throughput filled
  std::string hash_name;
  std::optional<std::string> range_name;
  // GSIs with multi-attribute keys: the further partition-key and sort-key attributes.
  std::vector<std::string> more_hash_names;
  std::vector<std::string> more_range_names;
  bool has_throughput = false;
  // Every key attribute in key-schema order.
  std::vector<std::string> KeyNames() const {
    std::vector<std::string> out{hash_name};
    out.insert(out.end(), more_hash_names.begin(), more_hash_names.end());
    if (range_name) out.push_back(*range_name);
    out.insert(out.end(), more_range_names.begin(), more_range_names.end());
    return out;
  }
  std::optional<WarmSpec> warm;  // GSIs: WarmThroughput
};

// Checks the index definitions against the table (key schema, attribute definitions,
// billing) with the service's messages, fills key types and ids, and appends them to `meta`.
Status AddIndexes(std::vector<IndexSpec> specs, TableMeta* meta);

// Adds a GSI to a live table (UpdateTable's GlobalSecondaryIndexUpdates Create). `definitions`
// are the request's AttributeDefinitions: new ones are added to the table's. The index starts
// CREATING and backfilling; the GSI applier builds it and turns it ACTIVE.
Status CreateGlobalIndex(Catalog& catalog, Table& table, IndexSpec spec,
                         const std::vector<KeyElement>& definitions);
// Deletes a GSI (its entries are deleted in the background).
Status DeleteGlobalIndex(Catalog& catalog, Table& table, const std::string& name);
// Changes a GSI's provisioned throughput.
struct Throughput {
  int64_t read = 0;
  int64_t write = 0;
};
Status UpdateGlobalIndex(Catalog& catalog, Table& table, const std::string& name,
                         std::optional<Throughput> throughput,
                         const std::optional<WarmSpec>& warm = std::nullopt);

// A StreamSpecification as requested.
struct StreamChange {
  bool enabled = false;
  std::optional<StreamViewType> view_type;
};
// The name of a view type ("NEW_AND_OLD_IMAGES", ...).
const char* StreamViewTypeName(StreamViewType type);

// Checks a CreateTable's StreamSpecification (before the table exists).
Status CheckNewTableStream(const StreamChange& change);
// Enables a stream on a table just created (CreateTable with StreamSpecification).
Status EnableNewTableStream(Catalog& catalog, Table& table, StreamViewType view_type);

// UpdateTable's table-level settings; absent fields stay as they are.
struct TableSettings {
  std::optional<BillingMode> billing_mode;
  std::optional<Throughput> throughput;
  std::optional<std::pair<int64_t, int64_t>> on_demand;  // max read, max write (-1 = none)
  std::optional<bool> deletion_protection;
  std::optional<std::string> table_class;
  std::optional<StreamChange> stream;          // StreamSpecification
  std::optional<std::string> sse_kms_key_arn;  // SSESpecification ("" = the AWS-owned key)
  std::optional<WarmSpec> warm;                // WarmThroughput (the request's only change)
};
// Applies `settings` with the service's checks against the current descriptor; returns the
// new descriptor.
Result<TableMeta> UpdateTableSettings(Catalog& catalog, Table& table,
                                      const TableSettings& settings);

}  // namespace ddbd::engine
