// UpdateTable: table settings (billing, throughput, on-demand maximums, deletion protection,
// table class), one GlobalSecondaryIndexUpdates entry, or one ReplicaUpdates entry (global
// tables: engine/replication.h). The request is checked here; each
// change is made by the engine against the current descriptor (engine/table_admin.h).
#include "api/ops/index_defs.h"
#include "api/ops/ops.h"
#include "api/ops/shapes.h"
#include "api/ops/table_description.h"
#include "common/logging.h"
#include "engine/replication.h"

namespace ddbd::api {
namespace {

using engine::KeyElement;

// A WarmThroughput that names neither member.
bool EmptyWarm(const std::optional<engine::WarmSpec>& warm) {
  return warm && !warm->read && !warm->write;
}

// One GlobalSecondaryIndexUpdates entry: Create (backfilled by the GSI applier), Delete, or
// Update (throughput, warm throughput). Sets `*warm_index` to the index whose warm throughput
// the request raised.
Status UpdateGlobalIndexes(OpContext& ctx, const Json& request, const Json& updates,
                           engine::Table& table, std::string* warm_index) {
  if (updates.Size() > 1) {
    return Status(ErrorCode::kLimitExceeded,
                  "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                  "simultaneously per table");
  }
  const Json& update = updates[0];
  if (!update.IsObject()) return Status::Serialization("Unexpected value type in payload");
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(const Json* create, GetObject(update, "Create"));
  DDBD_ASSIGN_OR_RETURN(const Json* remove, GetObject(update, "Delete"));
  DDBD_ASSIGN_OR_RETURN(const Json* change, GetObject(update, "Update"));
  // Exactly one action per entry (an entry naming two used to run the first silently).
  if ((create != nullptr) + (remove != nullptr) + (change != nullptr) != 1) {
    return Status::Validation(
        "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, "
        "Update or Delete must be specified");
  }
  if (create != nullptr) {
    DDBD_ASSIGN_OR_RETURN(
        IndexSpec spec,
        ParseIndexSpec(*create, true, "globalSecondaryIndexUpdates.1.member.create", errors));
    DDBD_ASSIGN_OR_RETURN(auto definitions, ParseAttributeDefinitions(request, errors));
    DDBD_RETURN_IF_ERROR(errors.ToStatus());
    std::vector<KeyElement> new_definitions = definitions.value_or(std::vector<KeyElement>());
    // The new index's keys must be defined in this request.
    for (const auto& key : spec.KeyNames()) {
      bool defined = false;
      for (const auto& d : new_definitions) defined |= d.name == key;
      if (!defined) {
        return Status::Validation("Invalid KeySchema: Some index key attribute have no definition");
      }
    }
    return engine::CreateGlobalIndex(ctx.catalog, table, std::move(spec), new_definitions);
  }
  if (remove != nullptr) {
    DDBD_ASSIGN_OR_RETURN(auto index_name, GetString(*remove, "IndexName"));
    return engine::DeleteGlobalIndex(ctx.catalog, table, index_name.value_or(""));
  }
  DDBD_ASSIGN_OR_RETURN(auto index_name, GetString(*change, "IndexName"));
  DDBD_ASSIGN_OR_RETURN(
      auto throughput,
      ParseProvisionedThroughput(
          *change, "globalSecondaryIndexUpdates.1.member.update.provisionedThroughput", errors));
  DDBD_ASSIGN_OR_RETURN(auto warm, ParseWarmThroughput(*change));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (EmptyWarm(warm)) {
    return Status::Validation(
        "One or more parameter values were invalid: WarmThroughput must have at least one of "
        "ReadUnitsPerSecond or WriteUnitsPerSecond specified for index: " +
        index_name.value_or(""));
  }
  if (warm) *warm_index = index_name.value_or("");
  return engine::UpdateGlobalIndex(ctx.catalog, table, index_name.value_or(""), throughput, warm);
}

// A replica's overrides of a ReplicaUpdates Create or Update entry (`path`: its constraint
// path, e.g. "replicaUpdates.1.member.create").
Result<engine::ReplicaMeta> ParseReplicaAction(const Json& action, const std::string& path,
                                               ConstraintErrors& errors) {
  engine::ReplicaMeta replica;
  DDBD_ASSIGN_OR_RETURN(auto region, GetString(action, "RegionName"));
  if (!region) errors.NotNull((path + ".regionName").c_str());
  replica.region = region.value_or("");
  DDBD_ASSIGN_OR_RETURN(auto kms, GetString(action, "KMSMasterKeyId"));
  replica.kms_key = kms.value_or("");
  auto read_units = [&](const Json& owner, const char* member,
                        const char* field) -> Result<std::optional<int64_t>> {
    DDBD_ASSIGN_OR_RETURN(const Json* obj, GetObject(owner, member));
    if (obj == nullptr) return std::optional<int64_t>();
    DDBD_ASSIGN_OR_RETURN(auto units, GetInt(*obj, field));
    if (units && *units < 1) errors.Min(*units, (path + "." + field).c_str(), 1);
    return units;
  };
  DDBD_ASSIGN_OR_RETURN(auto rcu,
                        read_units(action, "ProvisionedThroughputOverride", "ReadCapacityUnits"));
  replica.read_capacity_override = rcu.value_or(0);
  DDBD_ASSIGN_OR_RETURN(auto max_read,
                        read_units(action, "OnDemandThroughputOverride", "MaxReadRequestUnits"));
  replica.max_read_override = max_read.value_or(-1);
  DDBD_ASSIGN_OR_RETURN(auto table_class, GetString(action, "TableClassOverride"));
  if (table_class && !IsOneOf(*table_class, {"STANDARD", "STANDARD_INFREQUENT_ACCESS"})) {
    errors.Enum(*table_class, (path + ".tableClassOverride").c_str(),
                "[STANDARD, STANDARD_INFREQUENT_ACCESS]");
  }
  replica.table_class = table_class.value_or("");
  DDBD_ASSIGN_OR_RETURN(const Json* indexes, GetArray(action, "GlobalSecondaryIndexes"));
  if (indexes != nullptr) {
    for (const Json& index : indexes->GetArray()) {
      if (!index.IsObject()) return Status::Serialization("Unexpected value type in payload");
      DDBD_ASSIGN_OR_RETURN(auto name, GetString(index, "IndexName"));
      DDBD_ASSIGN_OR_RETURN(
          auto units, read_units(index, "ProvisionedThroughputOverride", "ReadCapacityUnits"));
      if (name) replica.index_read_overrides.emplace_back(*name, units.value_or(0));
    }
  }
  return replica;
}

// One ReplicaUpdates entry: Create, Update or Delete of a replica in another region.
Status UpdateReplicas(OpContext& ctx, const Json& updates, engine::Table& table) {
  if (updates.Size() > 1) {
    return Status::Validation(
        "One or more parameter values were invalid: Only one replica can be created or deleted "
        "per UpdateTable request");  // message unverified
  }
  const Json& update = updates[0];
  if (!update.IsObject()) return Status::Serialization("Unexpected value type in payload");
  DDBD_ASSIGN_OR_RETURN(const Json* create, GetObject(update, "Create"));
  DDBD_ASSIGN_OR_RETURN(const Json* change, GetObject(update, "Update"));
  DDBD_ASSIGN_OR_RETURN(const Json* remove, GetObject(update, "Delete"));
  if ((create != nullptr) + (change != nullptr) + (remove != nullptr) != 1) {
    return Status::Validation(
        "One or more parameter values were invalid: One of ReplicationGroupUpdate.Create, "
        "Update or Delete must be specified");  // message unverified
  }
  ConstraintErrors errors;
  const char* kind = create != nullptr ? "create" : change != nullptr ? "update" : "delete";
  const Json& action = create != nullptr ? *create : change != nullptr ? *change : *remove;
  DDBD_ASSIGN_OR_RETURN(
      engine::ReplicaMeta replica,
      ParseReplicaAction(action, std::string("replicaUpdates.1.member.") + kind, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (create != nullptr) return engine::AddReplica(ctx.catalog, table, replica).status();
  if (change != nullptr) return engine::UpdateReplica(ctx.catalog, table, replica).status();
  return engine::RemoveReplica(ctx.catalog, table, replica.region).status();
}

}  // namespace

Status UpdateTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  ConstraintErrors errors;
  engine::TableSettings settings;
  DDBD_ASSIGN_OR_RETURN(settings.throughput,
                        ParseProvisionedThroughput(request, "provisionedThroughput", errors));
  DDBD_ASSIGN_OR_RETURN(settings.billing_mode, ParseBillingMode(request, errors));
  DDBD_ASSIGN_OR_RETURN(settings.deletion_protection,
                        GetBool(request, "DeletionProtectionEnabled"));
  DDBD_ASSIGN_OR_RETURN(settings.table_class, GetString(request, "TableClass"));
  DDBD_ASSIGN_OR_RETURN(settings.on_demand, ParseOnDemandThroughput(request, false));
  DDBD_ASSIGN_OR_RETURN(settings.stream, ParseStreamSpecification(request, errors));
  DDBD_ASSIGN_OR_RETURN(settings.sse_kms_key_arn,
                        ParseSseSpecification(request, ctx.caller, errors));
  DDBD_ASSIGN_OR_RETURN(settings.warm, ParseWarmThroughput(request));
  DDBD_ASSIGN_OR_RETURN(auto consistency, GetString(request, "MultiRegionConsistency"));
  if (consistency && *consistency != "EVENTUAL" && *consistency != "STRONG") {
    errors.Enum(*consistency, "multiRegionConsistency", "[EVENTUAL, STRONG]");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  // Multi-Region strong consistency (and its witness) is not built: said plainly rather than
  // ignored (docs/global-tables.md).
  DDBD_ASSIGN_OR_RETURN(const Json* witness, GetArray(request, "GlobalTableWitnessUpdates"));
  if ((consistency && *consistency == "STRONG") || witness != nullptr) {
    return Status::Validation(
        "ddbd does not support multi-Region strong consistency (MultiRegionConsistency STRONG, "
        "GlobalTableWitnessUpdates) yet");
  }
  const bool any_setting = settings.throughput || settings.billing_mode ||
                           settings.deletion_protection || settings.table_class ||
                           settings.on_demand || settings.stream || settings.sse_kms_key_arn;
  DDBD_ASSIGN_OR_RETURN(const Json* gsi_updates, GetArray(request, "GlobalSecondaryIndexUpdates"));
  const bool any_gsi_update = gsi_updates != nullptr && !gsi_updates->Empty();
  // A WarmThroughput naming nothing is ignored beside other changes, an error alone.
  if (EmptyWarm(settings.warm) && (any_setting || any_gsi_update)) settings.warm.reset();
  if (EmptyWarm(settings.warm)) {
    return Status::Validation(
        "One or more parameter values were invalid: WarmThroughput must have at least one of "
        "ReadUnitsPerSecond or WriteUnitsPerSecond specified for table");  // message unverified
  }
  // Encryption, table class and deletion protection are changed alone, as the service requires
  // (aws-controllers-k8s/dynamodb-controller docs/api-quirks, DDB-TABLE-382; the first of them
  // present is named).
  const int changes = !!settings.throughput + !!settings.billing_mode +
                      !!settings.deletion_protection + !!settings.table_class +
                      !!settings.on_demand + !!settings.stream + !!settings.sse_kms_key_arn +
                      !!settings.warm + any_gsi_update;
  if (changes > 1) {
    for (const auto& [present, what] :
         {std::pair{settings.sse_kms_key_arn.has_value(), "Server-Side Encryption"},
          std::pair{settings.table_class.has_value(), "TableClass"},
          std::pair{settings.deletion_protection.has_value(), "DeletionProtection"}}) {
      if (present) {
        return Status::Validation(std::string("One or more parameter values were invalid: ") +
                                  what + " modification must be the only operation in the request");
      }
    }
  }
  if (settings.warm && any_gsi_update && (*gsi_updates)[0].IsObject() &&
      (*gsi_updates)[0].HasMember("Create")) {
    return Status::Validation(
        "One or more parameter values were invalid: Create global secondary index cannot be "
        "specified when updating WarmThroughput");
  }
  if (settings.warm && (any_setting || any_gsi_update)) {
    return Status::Validation(
        "One or more parameter values were invalid: WarmThroughput must be the only operation in "
        "the request");
  }
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  DDBD_ASSIGN_OR_RETURN(const Json* replica_updates, GetArray(request, "ReplicaUpdates"));
  if (replica_updates != nullptr) {
    if (replica_updates->Empty()) {
      errors.Add(
          "Value '[]' at 'replicaUpdates' failed to satisfy constraint: Member must have "
          "length greater than or equal to 1");
      return errors.ToStatus();
    }
    if (any_setting || any_gsi_update || settings.warm) {
      return Status::Validation(
          "One or more parameter values were invalid: ReplicaUpdates cannot be combined with "
          "other table updates");  // message unverified
    }
    DDBD_RETURN_IF_ERROR(UpdateReplicas(ctx, *replica_updates, *table));
    out.StartObject();
    WriteKey(out, "TableDescription");
    WriteTableDescription(out, table->meta(), ctx.catalog.Stats(*table), "UPDATING", ctx.catalog,
                          table.get());
    out.EndObject();
    return Status::OK();
  }
  if (any_gsi_update) {
    if (any_setting) {
      return Status::Validation(
          "One or more parameter values were invalid: GlobalSecondaryIndexUpdates cannot be "
          "combined with other table updates in ddbd yet");
    }
    std::string raised;
    DDBD_RETURN_IF_ERROR(UpdateGlobalIndexes(ctx, request, *gsi_updates, *table, &raised));
    WarmView warm_view;
    if (!raised.empty()) warm_view.updating.push_back(raised);
    out.StartObject();
    WriteKey(out, "TableDescription");
    // A warm throughput change leaves the table (and index) ACTIVE; only its status updates.
    WriteTableDescription(out, table->meta(), ctx.catalog.Stats(*table),
                          raised.empty() ? "UPDATING" : "ACTIVE", ctx.catalog, table.get(),
                          warm_view);
    out.EndObject();
    return Status::OK();
  }
  if (!any_setting && !settings.warm) {
    return Status::Validation(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
        "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
        "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or TableClass is required");
  }
  DDBD_ASSIGN_OR_RETURN(engine::TableMeta meta,
                        engine::UpdateTableSettings(ctx.catalog, *table, settings));
  // A global table's replicas share billing mode, write capacity and the on-demand maximum
  // write (each keeps its own read settings).
  if (settings.billing_mode || settings.throughput || settings.on_demand) {
    for (const auto& other : engine::OtherLocalReplicas(ctx.catalog, meta)) {
      const auto theirs = other->shared_meta();
      engine::TableSettings shared;
      shared.billing_mode = settings.billing_mode;
      if (settings.throughput) {
        shared.throughput = engine::Throughput{
            theirs->billing_mode == engine::BillingMode::kProvisioned ? theirs->read_capacity
                                                                      : settings.throughput->read,
            settings.throughput->write};
      }
      if (settings.on_demand && settings.on_demand->second != -1) {
        shared.on_demand =
            std::pair<int64_t, int64_t>{theirs->max_read_request_units, settings.on_demand->second};
      }
      if (!shared.billing_mode && !shared.throughput && !shared.on_demand) continue;
      if (Status s = engine::UpdateTableSettings(ctx.catalog, *other, shared).status(); !s.ok()) {
        DDBD_LOG_WARN("global table {}: settings not carried to {}: {}", name, theirs->region,
                      s.message());
      }
    }
  }
  WarmView warm_view;
  if (settings.warm) warm_view.updating.push_back("");
  out.StartObject();
  WriteKey(out, "TableDescription");
  WriteTableDescription(out, meta, ctx.catalog.Stats(*table), settings.warm ? "ACTIVE" : "UPDATING",
                        ctx.catalog, table.get(), warm_view);
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
