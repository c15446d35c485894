// Time to Live: UpdateTimeToLive and DescribeTimeToLive over engine/ttl (docs/ttl.md).
#include "engine/ttl.h"

#include "api/ops/ops.h"
#include "api/ops/table_description.h"
#include "common/logging.h"
#include "engine/replication.h"

namespace ddbd::api {

Status UpdateTimeToLive(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  errors.TableName(name ? &*name : nullptr);
  DDBD_ASSIGN_OR_RETURN(const Json* spec, GetObject(request, "TimeToLiveSpecification"));
  std::optional<bool> enabled;
  std::optional<std::string> attribute;
  if (spec == nullptr) {
    errors.NotNull("timeToLiveSpecification");
  } else {
    DDBD_ASSIGN_OR_RETURN(enabled, GetBool(*spec, "Enabled"));
    DDBD_ASSIGN_OR_RETURN(attribute, GetString(*spec, "AttributeName"));
    if (!attribute) {
      errors.NotNull("timeToLiveSpecification.attributeName");
    } else {
      errors.Length(*attribute, "timeToLiveSpecification.attributeName", 1, 255);
    }
    if (!enabled) errors.NotNull("timeToLiveSpecification.enabled");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, *name);
  if (!table) return TableNotFound(*name);
  const int64_t now_ms = ctx.catalog.clock().NowMicros() / 1000;
  DDBD_RETURN_IF_ERROR(ctx.catalog
                           .Modify(*table,
                                   [&](engine::TableMeta* meta, storage::WriteBatch* batch) {
                                     return engine::ChangeTimeToLive(meta, batch, table->data(),
                                                                     *enabled, *attribute, now_ms);
                                   })
                           .status());
  // A global table's replicas share their Time to Live setting.
  for (const auto& other : engine::OtherLocalReplicas(ctx.catalog, *table->shared_meta())) {
    Status s = ctx.catalog
                   .Modify(*other,
                           [&](engine::TableMeta* meta, storage::WriteBatch* batch) {
                             return engine::ChangeTimeToLive(meta, batch, other->data(), *enabled,
                                                             *attribute, now_ms);
                           })
                   .status();
    if (!s.ok()) {
      DDBD_LOG_WARN("global table {}: Time to Live not carried to {}: {}", *name,
                    other->shared_meta()->region, s.message());
    }
  }
  out.StartObject();
  WriteKey(out, "TimeToLiveSpecification");
  out.StartObject();
  WriteKey(out, "AttributeName");
  WriteString(out, *attribute);
  WriteKey(out, "Enabled");
  out.Bool(*enabled);
  out.EndObject();
  out.EndObject();
  return Status::OK();
}

Status DescribeTimeToLive(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  auto meta = table->shared_meta();
  out.StartObject();
  WriteKey(out, "TimeToLiveDescription");
  out.StartObject();
  if (meta->ttl_enabled) {
    WriteKey(out, "AttributeName");
    WriteString(out, meta->ttl_attribute);
  }
  WriteKey(out, "TimeToLiveStatus");
  WriteString(out, meta->ttl_enabled ? "ENABLED" : "DISABLED");
  out.EndObject();
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
