// Global tables version 2017.11.29 (docs/global-tables.md): CreateGlobalTable,
// UpdateGlobalTable, DescribeGlobalTable, ListGlobalTables, DescribeGlobalTableSettings and
// UpdateGlobalTableSettings. The group is the same record as version 2019.11.21's
// (engine/global_tables.h), marked legacy; replication is the same service.
#include <algorithm>
#include <set>

#include "api/ops/ops.h"
#include "engine/replication.h"
#include "engine/table_admin.h"

namespace ddbd::api {
namespace {

constexpr int64_t kMaxListLimit = 100;

std::string GlobalTableArn(const std::string& account, const std::string& name) {
  return "arn:aws:dynamodb::" + account + ":global-table/" + name;
}

// ReplicationGroup: [{RegionName}], in the order the regions joined.
void WriteReplicationGroup(JsonWriter& out, const engine::GlobalTableMeta& global) {
  WriteKey(out, "ReplicationGroup");
  out.StartArray();
  for (const auto& replica : global.replicas) {
    out.StartObject();
    WriteKey(out, "RegionName");
    WriteString(out, replica.region);
    out.EndObject();
  }
  out.EndArray();
}

void WriteGlobalTableDescription(JsonWriter& out, const engine::GlobalTableMeta& global,
                                 const char* status) {
  WriteKey(out, "GlobalTableDescription");
  out.StartObject();
  WriteReplicationGroup(out, global);
  WriteKey(out, "GlobalTableArn");
  WriteString(out, GlobalTableArn(global.account, global.name));
  WriteKey(out, "CreationDateTime");
  WriteEpoch(out, global.created_ms);
  WriteKey(out, "GlobalTableStatus");
  WriteString(out, status);
  WriteKey(out, "GlobalTableName");
  WriteString(out, global.name);
  out.EndObject();
}

// GlobalTableName, required and valid.
Result<std::string> RequireGlobalTableName(const Json& request) {
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "GlobalTableName"));
  ConstraintErrors errors;
  errors.TableName(name ? &*name : nullptr, "globalTableName", false);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  return *name;
}

// A list of {RegionName} objects (ReplicationGroup), or a ReplicaUpdates action's region.
Result<std::string> RegionOf(const Json& replica, const std::string& path,
                             ConstraintErrors& errors) {
  if (!replica.IsObject()) return Status::Serialization("Unexpected value type in payload");
  DDBD_ASSIGN_OR_RETURN(auto region, GetString(replica, "RegionName"));
  if (!region) {
    errors.NotNull((path + ".regionName").c_str());
    return std::string();
  }
  return *region;
}

void WriteReplicaSettings(JsonWriter& out, const engine::Catalog& catalog,
                          const engine::GlobalTableMeta& global) {
  WriteKey(out, "GlobalTableName");
  WriteString(out, global.name);
  WriteKey(out, "ReplicaSettings");
  out.StartArray();
  for (const auto& replica : global.replicas) {
    auto table = catalog.Find(global.account, replica.region, global.name);
    out.StartObject();
    WriteKey(out, "RegionName");
    WriteString(out, replica.region);
    if (!table) {
      out.EndObject();
      continue;
    }
    const auto meta = table->shared_meta();
    const bool provisioned = meta->billing_mode == engine::BillingMode::kProvisioned;
    WriteKey(out, "ReplicaStatus");
    WriteString(out, "ACTIVE");
    WriteKey(out, "ReplicaBillingModeSummary");
    out.StartObject();
    WriteKey(out, "BillingMode");
    WriteString(out, provisioned ? "PROVISIONED" : "PAY_PER_REQUEST");
    if (meta->billing_mode_update_ms != 0 && !provisioned) {
      WriteKey(out, "LastUpdateToPayPerRequestDateTime");
      WriteEpoch(out, meta->billing_mode_update_ms);
    }
    out.EndObject();
    WriteKey(out, "ReplicaProvisionedReadCapacityUnits");
    out.Int64(provisioned ? meta->read_capacity : 0);
    WriteKey(out, "ReplicaProvisionedWriteCapacityUnits");
    out.Int64(provisioned ? meta->write_capacity : 0);
    bool any_gsi = false;
    for (const auto& index : meta->indexes) {
      if (!index.global) continue;
      if (!any_gsi) {
        WriteKey(out, "ReplicaGlobalSecondaryIndexSettings");
        out.StartArray();
        any_gsi = true;
      }
      out.StartObject();
      WriteKey(out, "IndexName");
      WriteString(out, index.name);
      WriteKey(out, "IndexStatus");
      WriteString(out, index.status == engine::IndexStatus::kCreating   ? "CREATING"
                       : index.status == engine::IndexStatus::kDeleting ? "DELETING"
                                                                        : "ACTIVE");
      if (provisioned) {
        WriteKey(out, "ProvisionedReadCapacityUnits");
        out.Int64(index.read_capacity);
        WriteKey(out, "ProvisionedWriteCapacityUnits");
        out.Int64(index.write_capacity);
      }
      out.EndObject();
    }
    if (any_gsi) out.EndArray();
    WriteKey(out, "ReplicaTableClassSummary");
    out.StartObject();
    WriteKey(out, "TableClass");
    WriteString(out, meta->table_class.empty() ? "STANDARD" : meta->table_class);
    out.EndObject();
    out.EndObject();
  }
  out.EndArray();
}

// Auto scaling is not built: a request asking for it is refused, not ignored.
Status NoAutoScaling(const Json& owner, const char* member) {
  if (owner.IsObject() && owner.HasMember(member)) {
    return Status::Validation(std::string("ddbd does not support auto scaling (") + member +
                              ") yet");
  }
  return Status::OK();
}

}  // namespace

Status CreateGlobalTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireGlobalTableName(request));
  if (!ctx.catalog.options().legacy_global_tables) {
    // The service's answer since 2026 (crossplane-contrib/provider-aws issue 2308).
    return Status::Validation(
        "One or more parameter values were invalid: DynamoDB global tables version 2017.11.29 "
        "is not supported. We recommend using DynamoDB global tables version 2019.11.21, "
        "instead of version 2017.11.29 (Legacy).");
  }
  DDBD_ASSIGN_OR_RETURN(const Json* group, GetArray(request, "ReplicationGroup"));
  ConstraintErrors errors;
  if (group == nullptr) errors.NotNull("replicationGroup");
  std::vector<std::string> regions;
  if (group != nullptr) {
    for (size_t i = 0; i < group->Size(); ++i) {
      DDBD_ASSIGN_OR_RETURN(
          std::string region,
          RegionOf((*group)[i], "replicationGroup." + std::to_string(i + 1) + ".member", errors));
      regions.push_back(std::move(region));
    }
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (std::set<std::string>(regions.begin(), regions.end()).size() != regions.size()) {
    return Status::Validation(
        "One or more parameter values were invalid: Duplicate regions in the replication "
        "group");  // message unverified
  }
  DDBD_ASSIGN_OR_RETURN(
      engine::GlobalTableMeta global,
      engine::CreateLegacyGlobalTable(ctx.catalog, ctx.caller.account, name, regions));
  out.StartObject();
  WriteGlobalTableDescription(out, global, "CREATING");
  out.EndObject();
  return Status::OK();
}

Status UpdateGlobalTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireGlobalTableName(request));
  DDBD_ASSIGN_OR_RETURN(const Json* updates, GetArray(request, "ReplicaUpdates"));
  ConstraintErrors errors;
  if (updates == nullptr) errors.NotNull("replicaUpdates");
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_RETURN_IF_ERROR(
      engine::FindLegacyGlobalTable(ctx.catalog, ctx.caller.account, name).status());
  for (size_t i = 0; i < updates->Size(); ++i) {
    const Json& update = (*updates)[i];
    if (!update.IsObject()) return Status::Serialization("Unexpected value type in payload");
    DDBD_ASSIGN_OR_RETURN(const Json* create, GetObject(update, "Create"));
    DDBD_ASSIGN_OR_RETURN(const Json* remove, GetObject(update, "Delete"));
    if ((create != nullptr) == (remove != nullptr)) {
      return Status::Validation(
          "One or more parameter values were invalid: One of ReplicaUpdate.Create or "
          "ReplicaUpdate.Delete must be specified");  // message unverified
    }
    const std::string path = "replicaUpdates." + std::to_string(i + 1) + ".member." +
                             (create != nullptr ? "create" : "delete");
    DDBD_ASSIGN_OR_RETURN(std::string region,
                          RegionOf(create != nullptr ? *create : *remove, path, errors));
    DDBD_RETURN_IF_ERROR(errors.ToStatus());
    if (create != nullptr) {
      DDBD_RETURN_IF_ERROR(
          engine::AddLegacyReplica(ctx.catalog, ctx.caller.account, name, region).status());
    } else {
      DDBD_RETURN_IF_ERROR(
          engine::RemoveLegacyReplica(ctx.catalog, ctx.caller.account, name, region).status());
    }
  }
  auto global = ctx.catalog.global_tables().Find(ctx.caller.account, name);
  out.StartObject();
  WriteGlobalTableDescription(
      out, global ? *global : engine::GlobalTableMeta{ctx.caller.account, name, "", 0, {}},
      "UPDATING");
  out.EndObject();
  return Status::OK();
}

Status DescribeGlobalTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireGlobalTableName(request));
  DDBD_ASSIGN_OR_RETURN(engine::GlobalTableMeta global,
                        engine::FindLegacyGlobalTable(ctx.catalog, ctx.caller.account, name));
  out.StartObject();
  WriteGlobalTableDescription(out, global, "ACTIVE");
  out.EndObject();
  return Status::OK();
}

Status ListGlobalTables(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(auto start, GetString(request, "ExclusiveStartGlobalTableName"));
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  DDBD_ASSIGN_OR_RETURN(auto region, GetString(request, "RegionName"));
  ConstraintErrors errors;
  if (start) errors.TableName(&*start, "exclusiveStartGlobalTableName", false);
  if (limit) errors.Min(*limit, "limit", 1);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  const int64_t page = std::min(limit.value_or(kMaxListLimit), kMaxListLimit);
  std::vector<engine::GlobalTableMeta> found;
  for (auto& global : ctx.catalog.global_tables().All()) {
    if (!global.legacy() || global.account != ctx.caller.account) continue;
    if (start && global.name <= *start) continue;
    if (region && global.Find(*region) == nullptr) continue;
    found.push_back(std::move(global));
  }
  std::sort(found.begin(), found.end(),
            [](const auto& a, const auto& b) { return a.name < b.name; });
  out.StartObject();
  WriteKey(out, "GlobalTables");
  out.StartArray();
  for (size_t i = 0; i < found.size() && static_cast<int64_t>(i) < page; ++i) {
    out.StartObject();
    WriteKey(out, "GlobalTableName");
    WriteString(out, found[i].name);
    WriteReplicationGroup(out, found[i]);
    out.EndObject();
  }
  out.EndArray();
  if (static_cast<int64_t>(found.size()) > page) {
    WriteKey(out, "LastEvaluatedGlobalTableName");
    WriteString(out, found[page - 1].name);
  }
  out.EndObject();
  return Status::OK();
}

Status DescribeGlobalTableSettings(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireGlobalTableName(request));
  DDBD_ASSIGN_OR_RETURN(engine::GlobalTableMeta global,
                        engine::FindLegacyGlobalTable(ctx.catalog, ctx.caller.account, name));
  out.StartObject();
  WriteReplicaSettings(out, ctx.catalog, global);
  out.EndObject();
  return Status::OK();
}

Status UpdateGlobalTableSettings(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireGlobalTableName(request));
  ConstraintErrors errors;
  engine::TableSettings common;
  {
    DDBD_ASSIGN_OR_RETURN(auto mode, GetString(request, "GlobalTableBillingMode"));
    if (mode && *mode == "PROVISIONED") common.billing_mode = engine::BillingMode::kProvisioned;
    if (mode && *mode == "PAY_PER_REQUEST") {
      common.billing_mode = engine::BillingMode::kPayPerRequest;
    }
    if (mode && !common.billing_mode) {
      errors.Enum(*mode, "globalTableBillingMode", "[PROVISIONED, PAY_PER_REQUEST]");
    }
  }
  DDBD_ASSIGN_OR_RETURN(auto write_units,
                        GetInt(request, "GlobalTableProvisionedWriteCapacityUnits"));
  if (write_units) errors.Min(*write_units, "globalTableProvisionedWriteCapacityUnits", 1);
  DDBD_ASSIGN_OR_RETURN(const Json* gsi_updates,
                        GetArray(request, "GlobalTableGlobalSecondaryIndexSettingsUpdate"));
  DDBD_ASSIGN_OR_RETURN(const Json* replica_updates, GetArray(request, "ReplicaSettingsUpdate"));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_RETURN_IF_ERROR(
      NoAutoScaling(request, "GlobalTableProvisionedWriteCapacityAutoScalingSettingsUpdate"));
  DDBD_ASSIGN_OR_RETURN(engine::GlobalTableMeta global,
                        engine::FindLegacyGlobalTable(ctx.catalog, ctx.caller.account, name));

  // Every replica in the request must belong to the group, and every index named must exist,
  // before anything changes.
  struct ReplicaChange {
    std::optional<int64_t> read_units;
    std::optional<std::string> table_class;
    std::vector<std::pair<std::string, int64_t>> index_reads;
  };
  std::map<std::string, ReplicaChange> per_region;
  if (replica_updates != nullptr) {
    for (size_t i = 0; i < replica_updates->Size(); ++i) {
      const Json& update = (*replica_updates)[i];
      const std::string path = "replicaSettingsUpdate." + std::to_string(i + 1) + ".member";
      DDBD_ASSIGN_OR_RETURN(std::string region, RegionOf(update, path, errors));
      DDBD_RETURN_IF_ERROR(errors.ToStatus());
      DDBD_RETURN_IF_ERROR(
          NoAutoScaling(update, "ReplicaProvisionedReadCapacityAutoScalingSettingsUpdate"));
      if (global.Find(region) == nullptr) {
        return Status(ErrorCode::kReplicaNotFound,
                      "Replica not found in region: " + region);  // message unverified
      }
      ReplicaChange& change = per_region[region];
      DDBD_ASSIGN_OR_RETURN(change.read_units,
                            GetInt(update, "ReplicaProvisionedReadCapacityUnits"));
      DDBD_ASSIGN_OR_RETURN(change.table_class, GetString(update, "ReplicaTableClass"));
      DDBD_ASSIGN_OR_RETURN(const Json* indexes,
                            GetArray(update, "ReplicaGlobalSecondaryIndexSettingsUpdate"));
      if (indexes != nullptr) {
        for (size_t k = 0; k < indexes->Size(); ++k) {
          const Json& index = (*indexes)[k];
          if (!index.IsObject()) return Status::Serialization("Unexpected value type in payload");
          DDBD_RETURN_IF_ERROR(
              NoAutoScaling(index, "ProvisionedReadCapacityAutoScalingSettingsUpdate"));
          DDBD_ASSIGN_OR_RETURN(auto index_name, GetString(index, "IndexName"));
          DDBD_ASSIGN_OR_RETURN(auto units, GetInt(index, "ProvisionedReadCapacityUnits"));
          if (index_name && units) change.index_reads.emplace_back(*index_name, *units);
        }
      }
    }
  }
  std::vector<std::pair<std::string, int64_t>> index_writes;
  if (gsi_updates != nullptr) {
    for (size_t k = 0; k < gsi_updates->Size(); ++k) {
      const Json& index = (*gsi_updates)[k];
      if (!index.IsObject()) return Status::Serialization("Unexpected value type in payload");
      DDBD_RETURN_IF_ERROR(
          NoAutoScaling(index, "ProvisionedWriteCapacityAutoScalingSettingsUpdate"));
      DDBD_ASSIGN_OR_RETURN(auto index_name, GetString(index, "IndexName"));
      DDBD_ASSIGN_OR_RETURN(auto units, GetInt(index, "ProvisionedWriteCapacityUnits"));
      if (index_name && units) index_writes.emplace_back(*index_name, *units);
    }
  }
  std::vector<std::shared_ptr<engine::Table>> tables;
  for (const auto& replica : global.replicas) {
    auto table = ctx.catalog.Find(global.account, replica.region, name);
    if (!table) continue;
    auto change = per_region.find(replica.region);
    for (const auto& [index_name, units] :
         change == per_region.end() ? index_writes : change->second.index_reads) {
      if (table->shared_meta()->FindIndex(index_name) == nullptr) {
        return Status(ErrorCode::kIndexNotFound,
                      "Requested resource not found: Index: " + index_name +
                          " not found for table: " + name);  // message unverified
      }
    }
    tables.push_back(std::move(table));
  }

  for (const auto& table : tables) {
    const auto meta = table->shared_meta();
    auto change = per_region.find(meta->region);
    engine::TableSettings settings = common;
    const bool provisioned = settings.billing_mode
                                 ? *settings.billing_mode == engine::BillingMode::kProvisioned
                                 : meta->billing_mode == engine::BillingMode::kProvisioned;
    std::optional<int64_t> read_units;
    if (change != per_region.end()) {
      read_units = change->second.read_units;
      settings.table_class = change->second.table_class;
    }
    if (provisioned && (write_units || read_units)) {
      settings.throughput = engine::Throughput{read_units.value_or(meta->read_capacity),
                                               write_units.value_or(meta->write_capacity)};
    }
    if (settings.billing_mode && *settings.billing_mode == meta->billing_mode &&
        !settings.throughput) {
      settings.billing_mode.reset();
    }
    if (settings.billing_mode || settings.throughput || settings.table_class) {
      DDBD_RETURN_IF_ERROR(engine::UpdateTableSettings(ctx.catalog, *table, settings).status());
    }
    std::map<std::string, engine::Throughput> gsi_changes;
    for (const auto& [index_name, units] : index_writes) {
      const auto* index = table->shared_meta()->FindIndex(index_name);
      gsi_changes[index_name] = {index->read_capacity, units};
    }
    if (change != per_region.end()) {
      for (const auto& [index_name, units] : change->second.index_reads) {
        const auto* index = table->shared_meta()->FindIndex(index_name);
        auto [it, fresh] =
            gsi_changes.emplace(index_name, engine::Throughput{units, index->write_capacity});
        if (!fresh) it->second.read = units;
      }
    }
    for (const auto& [index_name, throughput] : gsi_changes) {
      DDBD_RETURN_IF_ERROR(engine::UpdateGlobalIndex(ctx.catalog, *table, index_name, throughput));
    }
  }
  out.StartObject();
  WriteReplicaSettings(out, ctx.catalog, global);
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
