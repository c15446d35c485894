// Exports to S3 (docs/exports.md): ExportTableToPointInTime, DescribeExport and ListExports over
// transfer/exports.
#include "transfer/exports.h"

#include <ctime>

#include "api/ops/ops.h"
#include "api/ops/table_description.h"
#include "common/uuid.h"
#include "engine/backups.h"

namespace ddbd::api {
namespace {

using transfer::ExportMeta;

constexpr int64_t kMinute = 60 * 1000;

Status NoExports() { return Status(ErrorCode::kUnknownOperation, "Unknown operation exception"); }

Status InvalidTime(std::string message) {
  return Status(ErrorCode::kInvalidExportTime, std::move(message));
}

void WriteDescription(JsonWriter& out, const ExportMeta& m) {
  out.StartObject();
  WriteKey(out, "ExportDescription");
  out.StartObject();
  WriteKey(out, "ExportArn");
  WriteString(out, m.Arn());
  WriteKey(out, "ExportStatus");
  WriteString(out, m.status);
  WriteKey(out, "StartTime");
  WriteEpoch(out, m.start_ms);
  if (m.status != "IN_PROGRESS") {
    WriteKey(out, "EndTime");
    WriteEpoch(out, m.end_ms);
  }
  if (!m.manifest.empty()) {
    WriteKey(out, "ExportManifest");
    WriteString(out, m.manifest);
  }
  WriteKey(out, "TableArn");
  WriteString(out, m.TableArn());
  WriteKey(out, "TableId");
  WriteString(out, m.table_id);
  if (!m.incremental()) {
    WriteKey(out, "ExportTime");
    WriteEpoch(out, m.export_time_ms);
  }
  WriteKey(out, "ClientToken");
  WriteString(out, m.client_token);
  WriteKey(out, "S3Bucket");
  WriteString(out, m.bucket);
  if (!m.bucket_owner.empty()) {
    WriteKey(out, "S3BucketOwner");
    WriteString(out, m.bucket_owner);
  }
  if (!m.prefix.empty()) {
    WriteKey(out, "S3Prefix");
    WriteString(out, m.prefix);
  }
  WriteKey(out, "S3SseAlgorithm");
  WriteString(out, m.sse_algorithm);
  if (!m.sse_kms_key_id.empty()) {
    WriteKey(out, "S3SseKmsKeyId");
    WriteString(out, m.sse_kms_key_id);
  }
  if (m.status == "FAILED") {
    WriteKey(out, "FailureCode");
    WriteString(out, m.failure_code);
    WriteKey(out, "FailureMessage");
    WriteString(out, m.failure_message);
  }
  WriteKey(out, "ExportFormat");
  WriteString(out, m.format);
  if (m.status == "COMPLETED") {
    WriteKey(out, "BilledSizeBytes");
    out.Int64(m.billed_size_bytes);
    WriteKey(out, "ItemCount");
    out.Int64(m.item_count);
  }
  if (!m.type.empty()) {
    WriteKey(out, "ExportType");
    WriteString(out, m.type);
  }
  if (m.incremental()) {
    WriteKey(out, "IncrementalExportSpecification");
    out.StartObject();
    WriteKey(out, "ExportFromTime");
    WriteEpoch(out, m.from_ms);
    WriteKey(out, "ExportToTime");
    WriteEpoch(out, m.to_ms);
    WriteKey(out, "ExportViewType");
    WriteString(out, m.view_type);
    out.EndObject();
  }
  out.EndObject();
  out.EndObject();
}

// The table of a TableArn member, with the service's errors.
Result<std::shared_ptr<engine::Table>> ExportTable(OpContext& ctx, const std::string& arn) {
  auto parsed = engine::ParseTableArn(arn);
  if (!parsed) {
    return Status::Validation(
        "One or more parameter values were invalid: tableArn is not a valid ARN");
  }
  if (!parsed->sub.empty()) return Status::Validation("Invalid Request: Table ARN is invalid.");
  if (parsed->account != ctx.caller.account) {
    return Status(ErrorCode::kAccessDenied, "Access is denied");
  }
  auto table = parsed->region == ctx.caller.region
                   ? ctx.catalog.Find(ctx.caller.account, ctx.caller.region, parsed->table)
                   : nullptr;
  if (!table) return Status(ErrorCode::kTableNotFound, "Table not found: " + arn);
  return table;
}

}  // namespace

Status ExportTableToPointInTime(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.exports == nullptr || ctx.backups == nullptr) return NoExports();
  DDBD_ASSIGN_OR_RETURN(auto table_arn, GetString(request, "TableArn"));
  DDBD_ASSIGN_OR_RETURN(auto bucket, GetString(request, "S3Bucket"));
  DDBD_ASSIGN_OR_RETURN(auto owner, GetString(request, "S3BucketOwner"));
  DDBD_ASSIGN_OR_RETURN(auto prefix, GetString(request, "S3Prefix"));
  DDBD_ASSIGN_OR_RETURN(auto sse, GetString(request, "S3SseAlgorithm"));
  DDBD_ASSIGN_OR_RETURN(auto kms_key, GetString(request, "S3SseKmsKeyId"));
  DDBD_ASSIGN_OR_RETURN(auto format, GetString(request, "ExportFormat"));
  DDBD_ASSIGN_OR_RETURN(auto type, GetString(request, "ExportType"));
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "ClientToken"));
  DDBD_ASSIGN_OR_RETURN(auto export_time, GetTimestamp(request, "ExportTime"));
  DDBD_ASSIGN_OR_RETURN(const Json* spec, GetObject(request, "IncrementalExportSpecification"));
  std::optional<int64_t> from, to;
  std::optional<std::string> view;
  if (spec != nullptr) {
    DDBD_ASSIGN_OR_RETURN(from, GetTimestamp(*spec, "ExportFromTime"));
    DDBD_ASSIGN_OR_RETURN(to, GetTimestamp(*spec, "ExportToTime"));
    DDBD_ASSIGN_OR_RETURN(view, GetString(*spec, "ExportViewType"));
  }
  ConstraintErrors errors;
  if (!table_arn) {
    errors.NotNull("tableArn");
  } else {
    errors.Length(*table_arn, "tableArn", 1, 1024);
  }
  if (!bucket) {
    errors.NotNull("s3Bucket");
  } else {
    errors.Length(*bucket, "s3Bucket", 0, 255);
  }
  if (owner) {
    bool digits = owner->size() == 12;
    for (char c : *owner) digits &= c >= '0' && c <= '9';
    if (!digits) {
      errors.Add("Value '" + *owner +
                 "' at 's3BucketOwner' failed to satisfy constraint: Member must satisfy regular "
                 "expression pattern: [0-9]{12}");
    }
  }
  if (prefix) errors.Length(*prefix, "s3Prefix", 0, 1024);
  if (sse && !IsOneOf(*sse, {"AES256", "KMS"})) {
    errors.Enum(*sse, "s3SseAlgorithm", "[AES256, KMS]");
  }
  if (format && !IsOneOf(*format, {"DYNAMODB_JSON", "ION"})) {
    errors.Enum(*format, "exportFormat", "[DYNAMODB_JSON, ION]");
  }
  if (type && !IsOneOf(*type, {"FULL_EXPORT", "INCREMENTAL_EXPORT"})) {
    errors.Enum(*type, "exportType", "[FULL_EXPORT, INCREMENTAL_EXPORT]");
  }
  if (view && !IsOneOf(*view, {"NEW_IMAGE", "NEW_AND_OLD_IMAGES"})) {
    errors.Enum(*view, "incrementalExportSpecification.exportViewType",
                "[NEW_IMAGE, NEW_AND_OLD_IMAGES]");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  const bool incremental = type && *type == "INCREMENTAL_EXPORT";
  if (spec != nullptr && !type) {
    return Status::Validation(
        "Invalid Request: Export Type expected to be Incremental Export when incremental export "
        "specification is provided");
  }
  if (spec != nullptr && !incremental) {
    return Status::Validation(
        "Invalid Request: When Export Type is Full Export , Incremental Export Specification "
        "should not be provided");
  }
  if (incremental && spec == nullptr) {
    return Status::Validation(
        "Invalid Request: Incremental Export Specification expected when export type is set as "
        "Incremental Export");
  }
  if (incremental && !from) {
    return Status::Validation(
        "Invalid Request: ExportFromTime must be provided in IncrementalExportSpecification");
  }
  if (kms_key && (!sse || *sse != "KMS")) {
    return Status::Validation(
        "Invalid Request: KMS Key Id is not supported for this encryption type");
  }
  DDBD_ASSIGN_OR_RETURN(auto table, ExportTable(ctx, *table_arn));
  const engine::TableMeta meta = table->meta();
  if (!meta.pitr_enabled) {
    return Status(ErrorCode::kPointInTimeRecoveryUnavailable,
                  "Point in time recovery is not enabled for table '" + meta.name + "'");
  }
  const int64_t now_ms = ctx.catalog.clock().NowMillis();
  const int64_t earliest = ctx.backups->RestorableWindow(meta).first;
  ExportMeta e;
  e.account = ctx.caller.account;
  e.region = ctx.caller.region;
  e.table_name = meta.name;
  e.client_token = token.value_or(NewUuid());
  e.bucket = *bucket;
  e.bucket_owner = owner.value_or("");
  e.prefix = prefix.value_or("");
  e.sse_algorithm = sse.value_or("AES256");
  e.sse_kms_key_id = kms_key.value_or("");
  e.format = format.value_or("DYNAMODB_JSON");
  e.type = type.value_or("");
  if (incremental) {
    const int64_t from_ms = *from / 1000;
    const int64_t to_ms = to ? *to / 1000 : now_ms;
    if (to_ms > now_ms) {
      return InvalidTime(
          "Incremental export period to time cannot be greater than the current "
          "time : " +
          IsoSeconds(now_ms));
    }
    if (from_ms < std::max(earliest, meta.creation_time_ms) || from_ms > to_ms) {
      return InvalidTime(
          "Incremental export period from time cannot be less than the table creation time : " +
          IsoSeconds(std::max(earliest, meta.creation_time_ms)));
    }
    if (to_ms - from_ms < 15 * kMinute) {
      return InvalidTime(
          "Difference between export period from time and export period to time is less than 15 "
          "minutes");
    }
    if (to_ms - from_ms > 24 * 60 * kMinute) {
      return InvalidTime(
          "Difference between export period from time and export period to time is more than 24 "
          "hours");  // message unverified
    }
    e.from_ms = from_ms;
    e.to_ms = to_ms;
    e.view_type = view.value_or("NEW_AND_OLD_IMAGES");
  } else {
    // Any time from when PITR was enabled (to the millisecond) within its period, up to now.
    // Without ExportTime: the request's time (the export's StartTime).
    e.export_time_ms = export_time ? *export_time / 1000 : 0;
    if (export_time && (e.export_time_ms > now_ms || e.export_time_ms < meta.pitr_since_ms ||
                        e.export_time_ms < now_ms - meta.pitr_days * 24 * 60 * kMinute)) {
      return InvalidTime("Export Time is invalid");
    }
  }
  DDBD_ASSIGN_OR_RETURN(ExportMeta started, ctx.exports->Export(*table, std::move(e)));
  WriteDescription(out, started);
  return Status::OK();
}

Status DescribeExport(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.exports == nullptr) return NoExports();
  DDBD_ASSIGN_OR_RETURN(auto arn, GetString(request, "ExportArn"));
  ConstraintErrors errors;
  if (!arn) {
    errors.NotNull("exportArn");
  } else {
    errors.Length(*arn, "exportArn", 37, 1024);
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  auto parsed = engine::ParseTableArn(*arn);
  if (!parsed || parsed->sub.rfind("export/", 0) != 0 || parsed->sub.size() == 7) {
    return Status::Validation("Invalid Export ARN");
  }
  if (parsed->account != ctx.caller.account) {
    return Status(ErrorCode::kAccessDenied, "Access is denied");
  }
  if (parsed->region != ctx.caller.region) {
    return Status(ErrorCode::kExportNotFound, "Export not found: Invalid export arn");
  }
  DDBD_ASSIGN_OR_RETURN(
      auto found, ctx.exports->Find(ctx.caller.account, ctx.caller.region, parsed->sub.substr(7)));
  if (!found || found->table_name != parsed->table) {
    return Status(ErrorCode::kExportNotFound, "Export not found: Export not found: " + *arn);
  }
  WriteDescription(out, *found);
  return Status::OK();
}

Status ListExports(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.exports == nullptr) return NoExports();
  DDBD_ASSIGN_OR_RETURN(auto table_arn, GetString(request, "TableArn"));
  DDBD_ASSIGN_OR_RETURN(auto max, GetInt(request, "MaxResults"));
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "NextToken"));
  ConstraintErrors errors;
  if (table_arn) errors.Length(*table_arn, "tableArn", 1, 1024);
  if (max) {
    errors.Min(*max, "maxResults", 1);
    errors.Max(*max, "maxResults", 25);
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  std::string table_id;  // only this table's exports (a deleted table lists none)
  if (table_arn) {
    auto parsed = engine::ParseTableArn(*table_arn);
    if (!parsed || !parsed->sub.empty()) {
      return Status::Validation(
          "One or more parameter values were invalid: tableArn is not a valid ARN");
    }
    auto table = parsed->Of(ctx.caller.account, ctx.caller.region)
                     ? ctx.catalog.Find(ctx.caller.account, ctx.caller.region, parsed->table)
                     : nullptr;
    table_id = table ? table->table_id() : "none";
  }
  DDBD_ASSIGN_OR_RETURN(auto all, ctx.exports->List(ctx.caller.account, ctx.caller.region));
  // NextToken: the id of the last export of the previous page (newest first).
  if (token) {
    bool known = false;
    for (const auto& e : all) known |= e.id == *token;
    if (!known) {
      return Status::Validation("Invalid Request: Provided nextToken is invalid: " + *token);
    }
  }
  const size_t limit = static_cast<size_t>(max.value_or(25));
  std::vector<const ExportMeta*> page;
  bool more = false;
  for (const auto& e : all) {
    if (token && e.id >= *token) continue;
    if (!table_id.empty() && e.table_id != table_id) continue;
    if (page.size() == limit) {
      more = true;
      break;
    }
    page.push_back(&e);
  }
  out.StartObject();
  WriteKey(out, "ExportSummaries");
  out.StartArray();
  for (const ExportMeta* e : page) {
    out.StartObject();
    WriteKey(out, "ExportArn");
    WriteString(out, e->Arn());
    WriteKey(out, "ExportStatus");
    WriteString(out, e->status);
    if (!e->type.empty()) {
      WriteKey(out, "ExportType");
      WriteString(out, e->type);
    }
    out.EndObject();
  }
  out.EndArray();
  if (more) {
    WriteKey(out, "NextToken");
    WriteString(out, page.back()->id);
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
