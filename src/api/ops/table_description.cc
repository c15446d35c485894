#include "api/ops/table_description.h"

#include <algorithm>
#include <ctime>

#include "api/ops/index_defs.h"
#include "engine/table_admin.h"

namespace ddbd::api {
namespace {

using engine::BillingMode;
using engine::TableMeta;

}  // namespace

void WriteEpoch(JsonWriter& w, int64_t ms) { w.Double(static_cast<double>(ms) / 1000.0); }

std::string IsoSeconds(int64_t ms) {
  std::time_t t = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char out[32];
  std::strftime(out, sizeof(out), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return out;
}

void WriteKeySchema(JsonWriter& w, const TableMeta& m) {
  w.StartArray();
  w.StartObject();
  WriteKey(w, "AttributeName");
  WriteString(w, m.hash_key.name);
  WriteKey(w, "KeyType");
  WriteString(w, "HASH");
  w.EndObject();
  if (m.range_key) {
    w.StartObject();
    WriteKey(w, "AttributeName");
    WriteString(w, m.range_key->name);
    WriteKey(w, "KeyType");
    WriteString(w, "RANGE");
    w.EndObject();
  }
  w.EndArray();
}

bool WarmView::Shows(const std::string& index) const {
  return !omit_others || std::find(updating.begin(), updating.end(), index) != updating.end();
}

const char* WarmView::Status(const std::string& index) const {
  return std::find(updating.begin(), updating.end(), index) != updating.end() ? "UPDATING"
                                                                              : "ACTIVE";
}

void WriteWarmThroughput(JsonWriter& w, int64_t read, int64_t write, const char* status) {
  WriteKey(w, "WarmThroughput");
  w.StartObject();
  WriteKey(w, "ReadUnitsPerSecond");
  w.Int64(read);
  WriteKey(w, "WriteUnitsPerSecond");
  w.Int64(write);
  WriteKey(w, "Status");
  WriteString(w, status);
  w.EndObject();
}

void WriteProvisionedThroughput(JsonWriter& w, const engine::TableMeta& m) {
  WriteKey(w, "ProvisionedThroughput");
  w.StartObject();
  if (m.last_increase_ms) {
    WriteKey(w, "LastIncreaseDateTime");
    WriteEpoch(w, m.last_increase_ms);
  }
  if (m.last_decrease_ms) {
    WriteKey(w, "LastDecreaseDateTime");
    WriteEpoch(w, m.last_decrease_ms);
  }
  WriteKey(w, "NumberOfDecreasesToday");
  w.Int64(m.decreases_today);
  WriteKey(w, "ReadCapacityUnits");
  w.Int64(m.billing_mode == BillingMode::kProvisioned ? m.read_capacity : 0);
  WriteKey(w, "WriteCapacityUnits");
  w.Int64(m.billing_mode == BillingMode::kProvisioned ? m.write_capacity : 0);
  w.EndObject();
}

namespace {

// ProvisionedThroughput, TableSizeBytes, ItemCount and TableArn, in the service's order.
void WriteThroughputSizeAndArn(JsonWriter& w, const engine::TableMeta& m,
                               const engine::TableStats& stats) {
  WriteProvisionedThroughput(w, m);
  WriteKey(w, "TableSizeBytes");
  w.Int64(stats.size_bytes);
  WriteKey(w, "ItemCount");
  w.Int64(stats.item_count);
  WriteKey(w, "TableArn");
  WriteString(w, m.Arn());
}

}  // namespace

void WriteDeletingTableDescription(JsonWriter& w, const engine::TableMeta& m,
                                   const engine::TableStats& stats) {
  w.StartObject();
  WriteKey(w, "TableName");
  WriteString(w, m.name);
  WriteKey(w, "TableStatus");
  WriteString(w, "DELETING");
  WriteThroughputSizeAndArn(w, m, stats);
  w.EndObject();
}

namespace {

// A replica of a global table: GlobalTableVersion and the other regions' replicas (the
// service lists the other regions only). Members of a version 2017.11.29 group show neither
// (DescribeGlobalTable describes those).
void WriteReplicas(JsonWriter& w, const engine::TableMeta& m, const engine::Catalog& catalog) {
  if (!m.replicated()) return;
  auto global = catalog.global_tables().Find(m.account, m.name);
  if (!global || global->legacy() || global->Find(m.region) == nullptr) return;
  WriteKey(w, "GlobalTableVersion");
  WriteString(w, global->version);
  WriteKey(w, "Replicas");
  w.StartArray();
  for (const auto& r : global->replicas) {
    if (r.region == m.region) continue;
    w.StartObject();
    WriteKey(w, "RegionName");
    WriteString(w, r.region);
    WriteKey(w, "ReplicaStatus");
    WriteString(w, engine::ReplicaStateName(r.state));
    if (!r.kms_key.empty()) {
      WriteKey(w, "KMSMasterKeyId");
      WriteString(w, r.kms_key);
    }
    if (r.read_capacity_override > 0) {
      WriteKey(w, "ProvisionedThroughputOverride");
      w.StartObject();
      WriteKey(w, "ReadCapacityUnits");
      w.Int64(r.read_capacity_override);
      w.EndObject();
    }
    if (r.max_read_override != -1) {
      WriteKey(w, "OnDemandThroughputOverride");
      w.StartObject();
      WriteKey(w, "MaxReadRequestUnits");
      w.Int64(r.max_read_override);
      w.EndObject();
    }
    if (!r.index_read_overrides.empty()) {
      WriteKey(w, "GlobalSecondaryIndexes");
      w.StartArray();
      for (const auto& [index, units] : r.index_read_overrides) {
        w.StartObject();
        WriteKey(w, "IndexName");
        WriteString(w, index);
        WriteKey(w, "ProvisionedThroughputOverride");
        w.StartObject();
        WriteKey(w, "ReadCapacityUnits");
        w.Int64(units);
        w.EndObject();
        w.EndObject();
      }
      w.EndArray();
    }
    if (!r.table_class.empty()) {
      WriteKey(w, "ReplicaTableClassSummary");
      w.StartObject();
      WriteKey(w, "TableClass");
      WriteString(w, r.table_class);
      w.EndObject();
    }
    w.EndObject();
  }
  w.EndArray();
}

}  // namespace

void WriteTableDescription(JsonWriter& w, const TableMeta& m, const engine::TableStats& stats,
                           std::string_view status, const engine::Catalog& catalog,
                           const engine::Table* table, const WarmView& warm) {
  w.StartObject();
  WriteKey(w, "AttributeDefinitions");
  w.StartArray();
  for (const auto& d : m.attribute_definitions) {
    w.StartObject();
    WriteKey(w, "AttributeName");
    WriteString(w, d.name);
    WriteKey(w, "AttributeType");
    WriteString(w, model::AttrTypeName(d.type));
    w.EndObject();
  }
  w.EndArray();
  WriteKey(w, "TableName");
  WriteString(w, m.name);
  WriteKey(w, "KeySchema");
  WriteKeySchema(w, m);
  WriteKey(w, "TableStatus");
  WriteString(w, m.restore.in_progress && status == "ACTIVE" ? "CREATING" : status);
  WriteKey(w, "CreationDateTime");
  WriteEpoch(w, m.creation_time_ms);
  WriteThroughputSizeAndArn(w, m, stats);
  WriteKey(w, "TableId");
  WriteString(w, m.table_id);
  if (m.billing_mode == BillingMode::kPayPerRequest || m.billing_mode_update_ms) {
    WriteKey(w, "BillingModeSummary");
    w.StartObject();
    WriteKey(w, "BillingMode");
    WriteString(w,
                m.billing_mode == BillingMode::kPayPerRequest ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (m.billing_mode == BillingMode::kPayPerRequest) {
      WriteKey(w, "LastUpdateToPayPerRequestDateTime");
      WriteEpoch(w, m.billing_mode_update_ms ? m.billing_mode_update_ms : m.creation_time_ms);
    }
    w.EndObject();
  }
  if (m.billing_mode == BillingMode::kPayPerRequest &&
      (m.max_read_request_units != -1 || m.max_write_request_units != -1)) {
    WriteKey(w, "OnDemandThroughput");
    w.StartObject();
    WriteKey(w, "MaxReadRequestUnits");
    w.Int64(m.max_read_request_units);
    WriteKey(w, "MaxWriteRequestUnits");
    w.Int64(m.max_write_request_units);
    w.EndObject();
  }
  if (!m.table_class.empty()) {
    WriteKey(w, "TableClassSummary");
    w.StartObject();
    WriteKey(w, "TableClass");
    WriteString(w, m.table_class);
    w.EndObject();
  }
  WriteIndexDescriptions(w, m, catalog, table, warm,
                         status == "CREATING" || (m.restore.in_progress && status == "ACTIVE"));
  // A disabled stream leaves StreamSpecification out but stays the latest stream.
  if (const engine::StreamMeta* stream = m.EnabledStream()) {
    WriteKey(w, "StreamSpecification");
    w.StartObject();
    WriteKey(w, "StreamEnabled");
    w.Bool(true);
    WriteKey(w, "StreamViewType");
    WriteString(w, engine::StreamViewTypeName(stream->view_type));
    w.EndObject();
  }
  if (!m.streams.empty()) {
    WriteKey(w, "LatestStreamLabel");
    WriteString(w, m.streams.back().label);
    WriteKey(w, "LatestStreamArn");
    WriteString(w, m.StreamArn(m.streams.back()));
  }
  WriteReplicas(w, m, catalog);
  if (!m.sse_kms_key_arn.empty()) {
    WriteKey(w, "SSEDescription");
    w.StartObject();
    WriteKey(w, "Status");
    WriteString(w, "ENABLED");
    WriteKey(w, "SSEType");
    WriteString(w, "KMS");
    WriteKey(w, "KMSMasterKeyArn");
    WriteString(w, m.sse_kms_key_arn);
    w.EndObject();
  }
  WriteKey(w, "DeletionProtectionEnabled");
  w.Bool(m.deletion_protection);
  if (warm.Shows("")) WriteWarmThroughput(w, m.warm_read, m.warm_write, warm.Status(""));
  // While a restore runs (the service leaves it out once the table is ACTIVE).
  if (m.restore.in_progress && m.restore.import_id.empty() && m.replica_source.empty()) {
    WriteKey(w, "RestoreSummary");
    w.StartObject();
    if (!m.restore.source_backup_arn.empty()) {
      WriteKey(w, "SourceBackupArn");
      WriteString(w, m.restore.source_backup_arn);
    }
    WriteKey(w, "SourceTableArn");
    WriteString(w, m.restore.source_table_arn);
    WriteKey(w, "RestoreDateTime");
    WriteEpoch(w, m.restore.time_ms);
    WriteKey(w, "RestoreInProgress");
    w.Bool(true);
    w.EndObject();
  }
  w.EndObject();
}

Result<std::string> RequireTableName(const Json& request) {
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  ConstraintErrors errors;
  errors.TableName(name ? &*name : nullptr);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  return *name;
}

Status TableNotFound(const std::string& name) {
  return Status::ResourceNotFound("Requested resource not found: Table: " + name + " not found");
}

std::string NameList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out + "]";
}

}  // namespace ddbd::api
