// Backups, restores and point-in-time recovery (docs/backups.md): CreateBackup,
// DescribeBackup, DeleteBackup, ListBackups, RestoreTableFromBackup, RestoreTableToPointInTime,
// UpdateContinuousBackups and DescribeContinuousBackups over engine/backups.
#include "engine/backups.h"

#include <algorithm>
#include <ctime>

#include "api/ops/index_defs.h"
#include "api/ops/ops.h"
#include "api/ops/table_description.h"

namespace ddbd::api {
namespace {

using engine::BackupMeta;
using engine::BackupStatus;
using engine::BackupType;
using engine::BillingMode;
using engine::IndexMeta;
using engine::TableMeta;

Status NoBackups() { return Status(ErrorCode::kUnknownOperation, "Unknown operation exception"); }

// TableNotFoundException, as the backup family words it.
Status BackupTableNotFound(const std::string& name) {
  return Status(ErrorCode::kTableNotFound, "Table not found: " + name);
}

const char* TypeName(BackupType type) { return type == BackupType::kSystem ? "SYSTEM" : "USER"; }

void WriteThroughput(JsonWriter& out, int64_t read, int64_t write) {
  WriteKey(out, "ProvisionedThroughput");
  out.StartObject();
  WriteKey(out, "ReadCapacityUnits");
  out.Int64(read);
  WriteKey(out, "WriteCapacityUnits");
  out.Int64(write);
  out.EndObject();
}

void WriteOnDemand(JsonWriter& out, int64_t read, int64_t write) {
  WriteKey(out, "OnDemandThroughput");
  out.StartObject();
  WriteKey(out, "MaxReadRequestUnits");
  out.Int64(read);
  WriteKey(out, "MaxWriteRequestUnits");
  out.Int64(write);
  out.EndObject();
}

// BackupDetails (with `status` for DeleteBackup's DELETED).
void WriteBackupDetails(JsonWriter& out, const BackupMeta& b, const char* status = nullptr) {
  WriteKey(out, "BackupDetails");
  out.StartObject();
  WriteKey(out, "BackupArn");
  WriteString(out, b.Arn());
  WriteKey(out, "BackupName");
  WriteString(out, b.name);
  WriteKey(out, "BackupSizeBytes");
  out.Int64(b.size_bytes);
  WriteKey(out, "BackupStatus");
  WriteString(out, status != nullptr                      ? status
                   : b.status == BackupStatus::kAvailable ? "AVAILABLE"
                                                          : "CREATING");
  WriteKey(out, "BackupType");
  WriteString(out, TypeName(b.type));
  WriteKey(out, "BackupCreationDateTime");
  WriteEpoch(out, b.created_ms);
  if (b.expiry_ms != 0) {
    WriteKey(out, "BackupExpiryDateTime");
    WriteEpoch(out, b.expiry_ms);
  }
  out.EndObject();
}

// BackupDescription: BackupDetails, SourceTableDetails, SourceTableFeatureDetails.
void WriteBackupDescription(JsonWriter& out, const BackupMeta& b, const char* status = nullptr) {
  const TableMeta& m = b.source;
  const bool provisioned = m.billing_mode == BillingMode::kProvisioned;
  out.StartObject();
  WriteKey(out, "BackupDescription");
  out.StartObject();
  WriteBackupDetails(out, b, status);
  WriteKey(out, "SourceTableDetails");
  out.StartObject();
  WriteKey(out, "TableName");
  WriteString(out, m.name);
  WriteKey(out, "TableId");
  WriteString(out, m.table_id);
  WriteKey(out, "TableArn");
  WriteString(out, m.Arn());
  WriteKey(out, "TableSizeBytes");
  out.Int64(b.size_bytes);
  WriteKey(out, "KeySchema");
  WriteKeySchema(out, m);
  WriteKey(out, "TableCreationDateTime");
  WriteEpoch(out, m.creation_time_ms);
  WriteThroughput(out, provisioned ? m.read_capacity : 0, provisioned ? m.write_capacity : 0);
  if (!provisioned) WriteOnDemand(out, m.max_read_request_units, m.max_write_request_units);
  WriteKey(out, "ItemCount");
  out.Int64(b.item_count);
  WriteKey(out, "BillingMode");
  WriteString(out, provisioned ? "PROVISIONED" : "PAY_PER_REQUEST");
  out.EndObject();
  // What the table had (a SYSTEM backup records none of it, as the service's).
  WriteKey(out, "SourceTableFeatureDetails");
  out.StartObject();
  if (b.type == BackupType::kUser) {
    for (bool global : {false, true}) {
      bool any = false;
      for (const auto& index : m.indexes) any |= index.global == global;
      if (!any) continue;
      WriteKey(out, global ? "GlobalSecondaryIndexes" : "LocalSecondaryIndexes");
      out.StartArray();
      for (const auto& index : m.indexes) {
        if (index.global != global) continue;
        out.StartObject();
        WriteIndexShape(out, index);
        if (global) {
          WriteThroughput(out, provisioned ? index.read_capacity : 0,
                          provisioned ? index.write_capacity : 0);
        }
        out.EndObject();
      }
      out.EndArray();
    }
    if (const engine::StreamMeta* stream = m.EnabledStream()) {
      WriteKey(out, "StreamDescription");
      out.StartObject();
      WriteKey(out, "StreamEnabled");
      out.Bool(true);
      WriteKey(out, "StreamViewType");
      WriteString(out, engine::StreamViewTypeName(stream->view_type));
      out.EndObject();
    }
    if (m.ttl_enabled) {
      WriteKey(out, "TimeToLiveDescription");
      out.StartObject();
      WriteKey(out, "TimeToLiveStatus");
      WriteString(out, "ENABLED");
      WriteKey(out, "AttributeName");
      WriteString(out, m.ttl_attribute);
      out.EndObject();
    }
    if (!m.sse_kms_key_arn.empty()) {
      WriteKey(out, "SSEDescription");
      out.StartObject();
      WriteKey(out, "Status");
      WriteString(out, "ENABLED");
      WriteKey(out, "SSEType");
      WriteString(out, "KMS");
      WriteKey(out, "KMSMasterKeyArn");
      WriteString(out, m.sse_kms_key_arn);
      out.EndObject();
    }
  }
  out.EndObject();
  out.EndObject();
  out.EndObject();
}

// A BackupArn member: required, 37-1024 characters, a backup ARN of the caller's account. A
// different region is ignored (the service answers for the caller's region).
Result<BackupMeta> FindBackup(OpContext& ctx, const Json& request) {
  DDBD_ASSIGN_OR_RETURN(auto arn, GetString(request, "BackupArn"));
  ConstraintErrors errors;
  if (!arn) {
    errors.NotNull("backupArn");
  } else {
    errors.Length(*arn, "backupArn", 37, 1024);
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  std::string id;
  auto parsed = engine::ParseBackupArn(*arn, &id);
  if (!parsed) return Status::Validation("Invalid Backup ARN");
  if (parsed->account != ctx.caller.account) {
    return Status(ErrorCode::kAccessDenied, "Access is denied");
  }
  DDBD_ASSIGN_OR_RETURN(auto backup, ctx.backups->Find(ctx.caller.account, ctx.caller.region, id));
  if (!backup || backup->source.name != parsed->table) {
    return Status(ErrorCode::kBackupNotFound, "Backup not found: " + *arn);
  }
  return std::move(*backup);
}

// The overrides RestoreTableFromBackup and RestoreTableToPointInTime share, applied to a copy of
// the source's descriptor.
Result<TableMeta> RestoreTarget(OpContext& ctx, const Json& request, const TableMeta& source,
                                const std::string& target_name) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto billing, GetString(request, "BillingModeOverride"));
  if (billing && !IsOneOf(*billing, {"PROVISIONED", "PAY_PER_REQUEST"})) {
    errors.Enum(*billing, "billingModeOverride", "[PROVISIONED, PAY_PER_REQUEST]");
  }
  DDBD_ASSIGN_OR_RETURN(auto throughput,
                        ParseProvisionedThroughput(request, "provisionedThroughputOverride", errors,
                                                   "ProvisionedThroughputOverride"));
  DDBD_ASSIGN_OR_RETURN(const Json* on_demand_json,
                        GetObject(request, "OnDemandThroughputOverride"));
  DDBD_ASSIGN_OR_RETURN(const Json* gsi_json, GetArray(request, "GlobalSecondaryIndexOverride"));
  DDBD_ASSIGN_OR_RETURN(const Json* lsi_json, GetArray(request, "LocalSecondaryIndexOverride"));
  DDBD_ASSIGN_OR_RETURN(auto gsis,
                        ParseIndexSpecs(gsi_json, true, "globalSecondaryIndexOverride", errors));
  DDBD_ASSIGN_OR_RETURN(auto lsis,
                        ParseIndexSpecs(lsi_json, false, "localSecondaryIndexOverride", errors));
  DDBD_ASSIGN_OR_RETURN(
      auto sse, ParseSseSpecification(request, ctx.caller, errors, "SSESpecificationOverride"));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());

  TableMeta t;
  t.account = ctx.caller.account;
  t.region = ctx.caller.region;
  t.name = target_name;
  t.hash_key = source.hash_key;
  t.range_key = source.range_key;
  t.billing_mode = source.billing_mode;
  t.read_capacity = source.read_capacity;
  t.write_capacity = source.write_capacity;
  t.max_read_request_units = source.max_read_request_units;
  t.max_write_request_units = source.max_write_request_units;
  t.sse_kms_key_arn = sse ? *sse : source.sse_kms_key_arn;
  t.next_index_id = source.next_index_id;
  const bool was_provisioned = source.billing_mode == BillingMode::kProvisioned;
  if (billing) {
    t.billing_mode =
        *billing == "PROVISIONED" ? BillingMode::kProvisioned : BillingMode::kPayPerRequest;
  }
  const bool provisioned = t.billing_mode == BillingMode::kProvisioned;
  if (throughput) {
    if (!provisioned) {
      return Status::Validation(billing
                                    ? "Invalid Request: Cannot override ProvisionedThroughput if "
                                      "BillingMode is overridden to PAY_PER_REQUEST"
                                    : "Cannot override ProvisionedThroughput unless BillingMode "
                                      "is PROVISIONED");
    }
    t.read_capacity = throughput->read;
    t.write_capacity = throughput->write;
  } else if (billing && provisioned && !was_provisioned) {
    return Status::Validation(
        "Must override ProvisionedThroughput if BillingMode is overridden to PROVISIONED");
  }
  if (on_demand_json != nullptr) {
    if (provisioned) {
      return Status::Validation(
          "Cannot override MaxReadRequestUnits for OnDemandThroughput unless BillingModeOverride "
          "is PAY_PER_REQUEST");
    }
    DDBD_ASSIGN_OR_RETURN(auto read, GetInt(*on_demand_json, "MaxReadRequestUnits"));
    DDBD_ASSIGN_OR_RETURN(auto write, GetInt(*on_demand_json, "MaxWriteRequestUnits"));
    for (auto [value, name] :
         {std::pair{read, "MaxReadRequestUnits"}, std::pair{write, "MaxWriteRequestUnits"}}) {
      if (value && *value < 1 && *value != -1) {
        return Status::Validation(std::string("Requested ") + name +
                                  " for OnDemandThroughput is outside of valid range");
      }
    }
    t.max_read_request_units = read.value_or(-1);
    t.max_write_request_units = write.value_or(-1);
  }
  if (provisioned) {
    t.max_read_request_units = -1;
    t.max_write_request_units = -1;
  } else {
    t.read_capacity = 0;
    t.write_capacity = 0;
  }
  // Indexes: all of the source's unless an override lists the ones to keep (an empty list
  // keeps none); an override keeps an index of the same key schema and projection, under the
  // name it gives.
  auto same_shape = [](const IndexMeta& a, const engine::IndexSpec& b) {
    std::vector<std::string> names;
    for (const auto* key : a.KeyElements()) names.push_back(key->name);
    return names == b.KeyNames() && a.projection == b.meta.projection &&
           a.non_key_attributes == b.meta.non_key_attributes;
  };
  for (bool global : {false, true}) {
    const Json* json = global ? gsi_json : lsi_json;
    const auto& specs = global ? gsis : lsis;
    if (json == nullptr) {
      for (const auto& index : source.indexes) {
        if (index.global == global && index.status != engine::IndexStatus::kDeleting) {
          t.indexes.push_back(index);
        }
      }
      continue;
    }
    for (const auto& spec : specs) {
      const IndexMeta* match = nullptr;
      for (const auto& index : source.indexes) {
        if (index.global == global && same_shape(index, spec)) match = &index;
      }
      if (match == nullptr) {
        return Status::Validation("Invalid Request: Index " + spec.meta.name +
                                  " does not match a secondary index that existed in the source "
                                  "table and cannot be created during the restore operation");
      }
      IndexMeta index = *match;
      index.name = spec.meta.name;
      if (spec.has_throughput) {
        index.read_capacity = spec.meta.read_capacity;
        index.write_capacity = spec.meta.write_capacity;
      }
      t.indexes.push_back(std::move(index));
    }
  }
  for (auto& index : t.indexes) {
    index.status = engine::IndexStatus::kActive;
    index.backfilling = false;
    index.backfill_start_sequence = 0;
    if (!provisioned) {
      index.read_capacity = 0;
      index.write_capacity = 0;
    } else if (index.global && index.read_capacity == 0) {
      index.read_capacity = t.read_capacity;
      index.write_capacity = t.write_capacity;
    }
  }
  // The attribute definitions the keys still use.
  for (const auto& d : source.attribute_definitions) {
    bool used = d.name == t.hash_key.name || (t.range_key && d.name == t.range_key->name);
    for (const auto& index : t.indexes) {
      for (const auto* key : index.KeyElements()) used |= d.name == key->name;
    }
    if (used) t.attribute_definitions.push_back(d);
  }
  return t;
}

// The target checks both restores share: TableInUse while a restore into it runs,
// TableAlreadyExists if it exists.
Status CheckTarget(OpContext& ctx, const std::string& target) {
  if (auto from = ctx.backups->RestoringFrom(ctx.caller.account, ctx.caller.region, target)) {
    return Status(ErrorCode::kTableInUse,
                  "Table: " + target + " is already being restored from backup: " + *from);
  }
  if (ctx.catalog.FindAny(ctx.caller.account, ctx.caller.region, target)) {
    return Status(ErrorCode::kTableAlreadyExists, "Table already exists: " + target);
  }
  return Status::OK();
}

Status WriteRestoredTable(OpContext& ctx, const engine::Table& table, JsonWriter& out) {
  out.StartObject();
  WriteKey(out, "TableDescription");
  WriteTableDescription(out, table.meta(), engine::TableStats(), "CREATING", ctx.catalog, nullptr);
  out.EndObject();
  return Status::OK();
}

void WriteContinuousBackups(OpContext& ctx, const TableMeta& meta, JsonWriter& out) {
  out.StartObject();
  WriteKey(out, "ContinuousBackupsDescription");
  out.StartObject();
  WriteKey(out, "ContinuousBackupsStatus");
  WriteString(out, "ENABLED");
  WriteKey(out, "PointInTimeRecoveryDescription");
  out.StartObject();
  WriteKey(out, "PointInTimeRecoveryStatus");
  WriteString(out, meta.pitr_enabled ? "ENABLED" : "DISABLED");
  if (meta.pitr_enabled) {
    auto [earliest, latest] = ctx.backups->RestorableWindow(meta);
    WriteKey(out, "RecoveryPeriodInDays");
    out.Int64(meta.pitr_days);
    WriteKey(out, "EarliestRestorableDateTime");
    WriteEpoch(out, earliest);
    WriteKey(out, "LatestRestorableDateTime");
    WriteEpoch(out, latest);
  }
  out.EndObject();
  out.EndObject();
  out.EndObject();
}

}  // namespace

Status CreateBackup(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  DDBD_ASSIGN_OR_RETURN(auto backup_name, GetString(request, "BackupName"));
  ConstraintErrors errors;
  errors.TableName(name ? &*name : nullptr);
  errors.TableName(backup_name ? &*backup_name : nullptr, "backupName", false);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, *name);
  if (!table) return BackupTableNotFound(*name);
  DDBD_ASSIGN_OR_RETURN(BackupMeta backup, ctx.backups->Create(*table, *backup_name));
  out.StartObject();
  WriteBackupDetails(out, backup);
  out.EndObject();
  return Status::OK();
}

Status DescribeBackup(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(BackupMeta backup, FindBackup(ctx, request));
  WriteBackupDescription(out, backup);
  return Status::OK();
}

Status DeleteBackup(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(BackupMeta backup, FindBackup(ctx, request));
  if (backup.type == BackupType::kSystem) {
    return Status::Validation(
        "Invalid Request: User is not allowed to delete the system backup with arn " +
        backup.Arn() + ". It will automatically expire on " + IsoSeconds(backup.expiry_ms));
  }
  DDBD_RETURN_IF_ERROR(ctx.backups->Delete(backup));
  WriteBackupDescription(out, backup, "DELETED");
  return Status::OK();
}

Status ListBackups(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  DDBD_ASSIGN_OR_RETURN(auto lower, GetTimestamp(request, "TimeRangeLowerBound"));
  DDBD_ASSIGN_OR_RETURN(auto upper, GetTimestamp(request, "TimeRangeUpperBound"));
  DDBD_ASSIGN_OR_RETURN(auto start, GetString(request, "ExclusiveStartBackupArn"));
  DDBD_ASSIGN_OR_RETURN(auto type, GetString(request, "BackupType"));
  ConstraintErrors errors;
  if (name) errors.TableName(&*name);
  if (limit) {
    errors.Min(*limit, "limit", 1);
    errors.Max(*limit, "limit", 100);
  }
  if (start) errors.Length(*start, "exclusiveStartBackupArn", 37, 1024);
  if (type && !IsOneOf(*type, {"USER", "SYSTEM", "AWS_BACKUP", "ALL"})) {
    errors.Enum(*type, "backupType", "[USER, SYSTEM, AWS_BACKUP, ALL]");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (lower && upper && *lower > *upper) {
    return Status::Validation(
        "One or more parameter values were invalid: Time range lower bound must be less than or "
        "equal to upper bound");
  }
  std::string start_id;
  if (start) {
    auto parsed = engine::ParseBackupArn(*start, &start_id);
    if (!parsed) return Status::Validation("Invalid Backup ARN");
    if (parsed->region != ctx.caller.region) {
      return Status::Validation(
          "Invalid Request: The supplied ExclusiveStartBackupArn does not match the region");
    }
  }
  const std::string wanted = type.value_or("USER");
  DDBD_ASSIGN_OR_RETURN(auto backups, ctx.backups->List(ctx.caller.account, ctx.caller.region));
  const size_t max = static_cast<size_t>(limit.value_or(100));
  std::vector<const BackupMeta*> page;
  bool more = false;
  for (const auto& b : backups) {
    if (!start_id.empty() && b.id <= start_id) continue;
    if (name && b.source.name != *name) continue;
    if (wanted != "ALL" && wanted != TypeName(b.type)) continue;
    if (lower && b.created_ms * 1000 < *lower) continue;
    if (upper && b.created_ms * 1000 >= *upper) continue;
    if (page.size() == max) {
      more = true;
      break;
    }
    page.push_back(&b);
  }
  out.StartObject();
  WriteKey(out, "BackupSummaries");
  out.StartArray();
  for (const BackupMeta* b : page) {
    out.StartObject();
    WriteKey(out, "TableName");
    WriteString(out, b->source.name);
    WriteKey(out, "TableId");
    WriteString(out, b->source.table_id);
    WriteKey(out, "TableArn");
    WriteString(out, b->source.Arn());
    WriteKey(out, "BackupArn");
    WriteString(out, b->Arn());
    WriteKey(out, "BackupName");
    WriteString(out, b->name);
    WriteKey(out, "BackupCreationDateTime");
    WriteEpoch(out, b->created_ms);
    if (b->expiry_ms != 0) {
      WriteKey(out, "BackupExpiryDateTime");
      WriteEpoch(out, b->expiry_ms);
    }
    WriteKey(out, "BackupStatus");
    WriteString(out, b->status == BackupStatus::kAvailable ? "AVAILABLE" : "CREATING");
    WriteKey(out, "BackupType");
    WriteString(out, TypeName(b->type));
    WriteKey(out, "BackupSizeBytes");
    out.Int64(b->size_bytes);
    out.EndObject();
  }
  out.EndArray();
  if (more && !page.empty()) {
    WriteKey(out, "LastEvaluatedBackupArn");
    WriteString(out, page.back()->Arn());
  }
  out.EndObject();
  return Status::OK();
}

Status RestoreTableFromBackup(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(auto target, GetString(request, "TargetTableName"));
  ConstraintErrors errors;
  errors.TableName(target ? &*target : nullptr, "targetTableName", false);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(BackupMeta backup, FindBackup(ctx, request));
  DDBD_RETURN_IF_ERROR(CheckTarget(ctx, *target));
  DDBD_ASSIGN_OR_RETURN(TableMeta meta, RestoreTarget(ctx, request, backup.source, *target));
  if (backup.status != BackupStatus::kAvailable) {
    return Status(ErrorCode::kBackupInUse, "Backup is being created: " + backup.Arn());
  }
  DDBD_ASSIGN_OR_RETURN(auto table, ctx.backups->RestoreFromBackup(backup, std::move(meta)));
  return WriteRestoredTable(ctx, *table, out);
}

Status RestoreTableToPointInTime(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(auto source_arn, GetString(request, "SourceTableArn"));
  DDBD_ASSIGN_OR_RETURN(auto source_name, GetString(request, "SourceTableName"));
  DDBD_ASSIGN_OR_RETURN(auto target, GetString(request, "TargetTableName"));
  DDBD_ASSIGN_OR_RETURN(auto latest, GetBool(request, "UseLatestRestorableTime"));
  DDBD_ASSIGN_OR_RETURN(auto time_us, GetTimestamp(request, "RestoreDateTime"));
  ConstraintErrors errors;
  if (source_name) errors.TableName(&*source_name, "sourceTableName", false);
  if (source_arn) errors.Length(*source_arn, "sourceTableArn", 1, 1024);
  errors.TableName(target ? &*target : nullptr, "targetTableName", false);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (source_arn && source_name) {
    return Status::Validation("Must provide exactly one of: sourceTableArn, sourceTableName");
  }
  if (!source_arn && !source_name) {
    return Status::Validation(
        "The parameter 'TableName' is required but was not present in the request");
  }
  const bool use_latest = latest.value_or(false);
  if (use_latest && time_us) {
    return Status::Validation(
        "Invalid Request: Both RestoreDateTime and UseLatestRestorableTime cannot be set for "
        "point-in-time restore request. Please set only one of them");
  }
  if (!use_latest && !time_us) {
    return Status::Validation(
        "Invalid Request: Either one of RestoreDateTime or UseLatestRestorableTime must be "
        "specified, but not both");
  }
  std::string name;
  if (source_arn) {
    auto arn = engine::ParseTableArn(*source_arn);
    if (!arn || !arn->sub.empty()) return Status::Validation("sourceTableArn is not a valid ARN");
    if (arn->account != ctx.caller.account) {
      return Status::Validation(
          "This action is only supported by accounts that match the resource owner's account");
    }
    if (arn->region != ctx.caller.region)
      return Status(ErrorCode::kTableNotFound, "Table not found");
    name = arn->table;
  } else {
    name = *source_name;
  }
  auto source = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!source) {
    return source_arn ? Status(ErrorCode::kTableNotFound, "Table not found")
                      : BackupTableNotFound(name);
  }
  const TableMeta source_meta = source->meta();
  if (!source_meta.pitr_enabled) {
    return Status(ErrorCode::kPointInTimeRecoveryUnavailable,
                  "Point in time recovery is not enabled for table '" + name + "'");
  }
  auto [earliest, latest_ms] = ctx.backups->RestorableWindow(source_meta);
  int64_t restore_us = use_latest ? latest_ms * 1000 : *time_us;
  if (restore_us < earliest * 1000 || restore_us > latest_ms * 1000) {
    return Status(ErrorCode::kInvalidRestoreTime,
                  "RestoreDateTime '" + IsoSeconds(restore_us / 1000) +
                      "' must be within EarliestRestorableDateTime '" + IsoSeconds(earliest) +
                      "' and LatestRestorableDateTime '" + IsoSeconds(latest_ms) + "'");
  }
  DDBD_RETURN_IF_ERROR(CheckTarget(ctx, *target));
  DDBD_ASSIGN_OR_RETURN(TableMeta meta, RestoreTarget(ctx, request, source_meta, *target));
  DDBD_ASSIGN_OR_RETURN(auto table,
                        ctx.backups->RestoreToTime(*source, std::move(meta), restore_us));
  return WriteRestoredTable(ctx, *table, out);
}

Status UpdateContinuousBackups(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  DDBD_ASSIGN_OR_RETURN(const Json* spec, GetObject(request, "PointInTimeRecoverySpecification"));
  ConstraintErrors errors;
  errors.TableName(name ? &*name : nullptr);
  std::optional<bool> enabled;
  std::optional<int64_t> days;
  if (spec == nullptr) {
    errors.NotNull("pointInTimeRecoverySpecification");
  } else {
    DDBD_ASSIGN_OR_RETURN(enabled, GetBool(*spec, "PointInTimeRecoveryEnabled"));
    DDBD_ASSIGN_OR_RETURN(days, GetInt(*spec, "RecoveryPeriodInDays"));
    if (!enabled) errors.NotNull("pointInTimeRecoverySpecification.pointInTimeRecoveryEnabled");
    if (days) {
      errors.Min(*days, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 1);
      errors.Max(*days, "pointInTimeRecoverySpecification.recoveryPeriodInDays", 35);
    }
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (!*enabled && days) {
    return Status::Validation(
        "Invalid Request: Cannot specify RecoveryPeriodInDays when disabling point-in-time "
        "recovery.");
  }
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, *name);
  if (!table) return BackupTableNotFound(*name);
  DDBD_RETURN_IF_ERROR(ctx.backups->SetPointInTimeRecovery(*table, *enabled, days.value_or(35)));
  WriteContinuousBackups(ctx, table->meta(), out);
  return Status::OK();
}

Status DescribeContinuousBackups(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.backups == nullptr) return NoBackups();
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return BackupTableNotFound(name);
  WriteContinuousBackups(ctx, table->meta(), out);
  return Status::OK();
}

}  // namespace ddbd::api
