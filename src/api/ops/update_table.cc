// UpdateTable: table settings (billing, throughput, on-demand maximums, deletion protection,
// table class) or one GlobalSecondaryIndexUpdates entry. The request is checked here; each
// change is made by the engine against the current descriptor (engine/table_admin.h).
#include "api/ops/index_defs.h"
#include "api/ops/ops.h"
#include "api/ops/shapes.h"
#include "api/ops/table_description.h"

namespace ddbd::api {
namespace {

using engine::KeyElement;

// One GlobalSecondaryIndexUpdates entry: Create (backfilled by the GSI applier), Delete, or
// Update (throughput).
Status UpdateGlobalIndexes(OpContext& ctx, const Json& request, const Json& updates,
                           engine::Table& table) {
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
  if (create != nullptr) {
    DDBD_ASSIGN_OR_RETURN(
        IndexSpec spec,
        ParseIndexSpec(*create, true, "globalSecondaryIndexUpdates.1.member.create", errors));
    DDBD_ASSIGN_OR_RETURN(auto definitions, ParseAttributeDefinitions(request, errors));
    DDBD_RETURN_IF_ERROR(errors.ToStatus());
    std::vector<KeyElement> new_definitions = definitions.value_or(std::vector<KeyElement>());
    // The new index's keys must be defined in this request.
    for (const auto* key : {&spec.hash_name, spec.range_name ? &*spec.range_name : nullptr}) {
      if (key == nullptr) continue;
      bool defined = false;
      for (const auto& d : new_definitions) defined |= d.name == *key;
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
  if (change != nullptr) {
    DDBD_ASSIGN_OR_RETURN(auto index_name, GetString(*change, "IndexName"));
    DDBD_ASSIGN_OR_RETURN(
        auto throughput,
        ParseProvisionedThroughput(
            *change, "globalSecondaryIndexUpdates.1.member.update.provisionedThroughput", errors));
    DDBD_RETURN_IF_ERROR(errors.ToStatus());
    return engine::UpdateGlobalIndex(ctx.catalog, table, index_name.value_or(""), throughput);
  }
  return Status::Validation(
      "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, "
      "Update or Delete must be specified");
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
  DDBD_ASSIGN_OR_RETURN(settings.on_demand, ParseOnDemandThroughput(request, errors));
  DDBD_ASSIGN_OR_RETURN(settings.stream, ParseStreamSpecification(request, errors));
  DDBD_ASSIGN_OR_RETURN(settings.sse_kms_key_arn,
                        ParseSseSpecification(request, ctx.caller, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  for (const char* unsupported : {"ReplicaUpdates"}) {
    if (request.HasMember(unsupported) && !request[unsupported].IsNull()) {
      return Status::Validation(std::string("ddbd does not support ") + unsupported + " yet");
    }
  }
  const bool any_setting = settings.throughput || settings.billing_mode ||
                           settings.deletion_protection || settings.table_class ||
                           settings.on_demand || settings.stream || settings.sse_kms_key_arn;
  DDBD_ASSIGN_OR_RETURN(const Json* gsi_updates, GetArray(request, "GlobalSecondaryIndexUpdates"));
  if (gsi_updates != nullptr && !gsi_updates->Empty()) {
    if (any_setting) {
      return Status::Validation(
          "One or more parameter values were invalid: GlobalSecondaryIndexUpdates cannot be "
          "combined with other table updates in ddbd yet");
    }
    DDBD_RETURN_IF_ERROR(UpdateGlobalIndexes(ctx, request, *gsi_updates, *table));
    out.StartObject();
    WriteKey(out, "TableDescription");
    WriteTableDescription(out, table->meta(), ctx.catalog.Stats(*table), "UPDATING", ctx.catalog,
                          table.get());
    out.EndObject();
    return Status::OK();
  }
  if (!any_setting) {
    return Status::Validation(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  }
  DDBD_ASSIGN_OR_RETURN(engine::TableMeta meta,
                        engine::UpdateTableSettings(ctx.catalog, *table, settings));
  out.StartObject();
  WriteKey(out, "TableDescription");
  WriteTableDescription(out, meta, ctx.catalog.Stats(*table), "UPDATING", ctx.catalog, table.get());
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
