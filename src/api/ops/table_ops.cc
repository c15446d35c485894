// Control plane reads and deletes: DescribeTable, DeleteTable, ListTables, plus the trivial
// DescribeEndpoints and DescribeLimits. (CreateTable and UpdateTable have files of their own.)
#include "api/ops/ops.h"
#include "api/ops/table_description.h"
#include "engine/replication.h"

namespace ddbd::api {

using engine::TableMeta;

Status DescribeTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  // A table being restored is described (CREATING, with its RestoreSummary).
  auto table = ctx.catalog.FindAny(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  out.StartObject();
  WriteKey(out, "Table");
  WriteTableDescription(out, table->meta(), ctx.catalog.Stats(*table), "ACTIVE", ctx.catalog,
                        table.get());
  out.EndObject();
  return Status::OK();
}

Status DeleteTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  auto table = ctx.catalog.FindAny(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  if (table->restoring()) {
    return Status::ResourceInUse(
        "Attempt to change a resource which is still in use: Table is being "
        "restored: " +
        name);  // message unverified
  }
  if (table->meta().deletion_protection) {
    return Status::Validation(
        "Resource cannot be deleted as it is currently protected against "
        "deletion. Disable deletion protection first.");
  }
  const TableMeta before = table->meta();
  if (before.replicated()) {
    // The service keeps a region that seeded a new replica for a day.
    auto global = ctx.catalog.global_tables().Find(before.account, before.name);
    const int64_t now_ms = ctx.catalog.clock().NowMillis();
    for (const auto& r : global ? global->replicas : std::vector<engine::ReplicaMeta>()) {
      if (r.source_region == before.region && r.region != before.region &&
          now_ms - r.created_ms < int64_t{86400} * 1000) {
        return Status::Validation(
            "Replica cannot be deleted because it has acted as a source region for new "
            "replica(s) being added to the table in the last 24 hours.");
      }
    }
  }
  engine::TableStats stats = ctx.catalog.Stats(*table);
  // With backups, a CREATING backup of the table is finished first and point-in-time
  // recovery leaves a SYSTEM backup.
  DDBD_ASSIGN_OR_RETURN(TableMeta meta,
                        ctx.backups != nullptr
                            ? ctx.backups->DropTable(*table)
                            : ctx.catalog.Drop(ctx.caller.account, ctx.caller.region, name));
  // A replica of a global table leaves it (the other regions stop replicating to it).
  DDBD_RETURN_IF_ERROR(engine::LeaveGlobalTable(ctx.catalog, meta));
  out.StartObject();
  WriteKey(out, "TableDescription");
  WriteDeletingTableDescription(out, meta, stats);
  out.EndObject();
  return Status::OK();
}

Status ListTables(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(auto start, GetString(request, "ExclusiveStartTableName"));
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  ConstraintErrors errors;
  if (start) errors.TableName(&*start, "exclusiveStartTableName", false);
  if (limit && *limit < 1) errors.Min(*limit, "limit", 1);
  if (limit && *limit > 100) {
    errors.Add("Value '" + std::to_string(*limit) +
               "' at 'limit' failed to satisfy constraint: Member must have value less than or "
               "equal to 100");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  bool more = false;
  auto names = ctx.catalog.List(ctx.caller.account, ctx.caller.region, start.value_or(""),
                                static_cast<size_t>(limit.value_or(100)), &more);
  out.StartObject();
  if (more && !names.empty()) {
    WriteKey(out, "LastEvaluatedTableName");
    WriteString(out, names.back());
  }
  WriteKey(out, "TableNames");
  out.StartArray();
  for (const auto& n : names) WriteString(out, n);
  out.EndArray();
  out.EndObject();
  return Status::OK();
}

Status DescribeEndpoints(OpContext& ctx, const Json&, JsonWriter& out) {
  out.StartObject();
  WriteKey(out, "Endpoints");
  out.StartArray();
  out.StartObject();
  // The address the client reached ddbd at (the service answers its own host name).
  WriteKey(out, "Address");
  WriteString(out, ctx.caller.host.empty() ? std::string("localhost:8000") : ctx.caller.host);
  WriteKey(out, "CachePeriodInMinutes");
  out.Int64(1440);
  out.EndObject();
  out.EndArray();
  out.EndObject();
  return Status::OK();
}

Status DescribeLimits(OpContext&, const Json&, JsonWriter& out) {
  out.StartObject();
  for (const char* key : {"AccountMaxReadCapacityUnits", "AccountMaxWriteCapacityUnits"}) {
    WriteKey(out, key);
    out.Int64(80000);
  }
  for (const char* key : {"TableMaxReadCapacityUnits", "TableMaxWriteCapacityUnits"}) {
    WriteKey(out, key);
    out.Int64(40000);
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
