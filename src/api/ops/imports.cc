// Imports from S3 (docs/exports.md): ImportTable, DescribeImport and ListImports over
// transfer/imports.
#include "transfer/imports.h"

#include "api/ops/ops.h"
#include "api/ops/table_description.h"
#include "common/uuid.h"
#include "engine/table_meta.h"

namespace ddbd::api {
namespace {

using transfer::ImportMeta;

Status NoImports() { return Status(ErrorCode::kUnknownOperation, "Unknown operation exception"); }

std::string JsonText(const Json& value) {
  rapidjson::StringBuffer buffer;
  JsonWriter w(buffer);
  value.Accept(w);
  return std::string(buffer.GetString(), buffer.GetSize());
}

void WriteRaw(JsonWriter& out, const std::string& json) {
  out.RawValue(json.data(), json.size(), rapidjson::kObjectType);
}

void WriteBucketSource(JsonWriter& out, const ImportMeta& m) {
  WriteKey(out, "S3BucketSource");
  out.StartObject();
  WriteKey(out, "S3BucketOwner");
  WriteString(out, m.bucket_owner.empty() ? m.account : m.bucket_owner);
  WriteKey(out, "S3Bucket");
  WriteString(out, m.bucket);
  if (!m.key_prefix.empty()) {
    WriteKey(out, "S3KeyPrefix");
    WriteString(out, m.key_prefix);
  }
  out.EndObject();
}

void WriteLogGroup(JsonWriter& out, const ImportMeta& m) {
  WriteKey(out, "CloudWatchLogGroupArn");
  WriteString(out,
              "arn:aws:logs:" + m.region + ":" + m.account + ":log-group:/aws-dynamodb/imports:*");
}

void WriteDescription(JsonWriter& out, const ImportMeta& m) {
  out.StartObject();
  WriteKey(out, "ImportTableDescription");
  out.StartObject();
  WriteKey(out, "ImportArn");
  WriteString(out, m.Arn());
  WriteKey(out, "ImportStatus");
  WriteString(out, m.status);
  WriteKey(out, "TableArn");
  WriteString(out, m.TableArn());
  WriteKey(out, "TableId");
  WriteString(out, m.table_id);
  WriteKey(out, "ClientToken");
  WriteString(out, m.client_token);
  WriteBucketSource(out, m);
  WriteKey(out, "ErrorCount");
  out.Int64(m.errors);
  WriteLogGroup(out, m);
  WriteKey(out, "InputFormat");
  WriteString(out, m.format);
  if (!m.format_options_json.empty()) {
    WriteKey(out, "InputFormatOptions");
    WriteRaw(out, m.format_options_json);
  }
  WriteKey(out, "InputCompressionType");
  WriteString(out, m.compression);
  WriteKey(out, "TableCreationParameters");
  WriteRaw(out, m.creation_json);
  WriteKey(out, "StartTime");
  WriteEpoch(out, m.start_ms);
  if (m.status != "IN_PROGRESS") {
    WriteKey(out, "EndTime");
    WriteEpoch(out, m.end_ms);
  }
  WriteKey(out, "ProcessedSizeBytes");
  out.Int64(m.processed_bytes);
  WriteKey(out, "ProcessedItemCount");
  out.Int64(m.processed_items);
  WriteKey(out, "ImportedItemCount");
  out.Int64(m.imported_items);
  if (m.status == "FAILED") {
    WriteKey(out, "FailureCode");
    WriteString(out, m.failure_code);
    WriteKey(out, "FailureMessage");
    WriteString(out, m.failure_message);
  }
  out.EndObject();
  out.EndObject();
}

// ListImports' NextToken: the model wants 112+ hex digits; this is the hex of the last id listed,
// padded with zeros.
std::string TokenOf(const std::string& id) {
  std::string out;
  static constexpr char kHex[] = "0123456789abcdef";
  for (unsigned char c : id) {
    out.push_back(kHex[c >> 4]);
    out.push_back(kHex[c & 15]);
  }
  out.resize(112, '0');
  return out;
}

}  // namespace

Status ImportTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.imports == nullptr) return NoImports();
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "ClientToken"));
  DDBD_ASSIGN_OR_RETURN(const Json* source, GetObject(request, "S3BucketSource"));
  DDBD_ASSIGN_OR_RETURN(auto format, GetString(request, "InputFormat"));
  DDBD_ASSIGN_OR_RETURN(const Json* options, GetObject(request, "InputFormatOptions"));
  DDBD_ASSIGN_OR_RETURN(auto compression, GetString(request, "InputCompressionType"));
  DDBD_ASSIGN_OR_RETURN(const Json* creation, GetObject(request, "TableCreationParameters"));
  ConstraintErrors errors;
  std::optional<std::string> bucket, owner, prefix;
  if (source == nullptr) {
    errors.NotNull("s3BucketSource");
  } else {
    DDBD_ASSIGN_OR_RETURN(bucket, GetString(*source, "S3Bucket"));
    DDBD_ASSIGN_OR_RETURN(owner, GetString(*source, "S3BucketOwner"));
    DDBD_ASSIGN_OR_RETURN(prefix, GetString(*source, "S3KeyPrefix"));
    if (!bucket) errors.NotNull("s3BucketSource.s3Bucket");
  }
  if (!format) {
    errors.NotNull("inputFormat");
  } else if (!IsOneOf(*format, {"DYNAMODB_JSON", "ION", "CSV"})) {
    errors.Enum(*format, "inputFormat", "[DYNAMODB_JSON, ION, CSV]");
  }
  if (compression && !IsOneOf(*compression, {"GZIP", "ZSTD", "NONE"})) {
    errors.Enum(*compression, "inputCompressionType", "[ZSTD, NONE, GZIP]");
  }
  std::optional<std::string> delimiter;
  std::vector<std::string> header;
  const Json* csv = nullptr;
  if (options != nullptr) {
    DDBD_ASSIGN_OR_RETURN(csv, GetObject(*options, "Csv"));
    if (csv != nullptr) {
      DDBD_ASSIGN_OR_RETURN(delimiter, GetString(*csv, "Delimiter"));
      DDBD_ASSIGN_OR_RETURN(const Json* list, GetArray(*csv, "HeaderList"));
      if (delimiter) {
        if (delimiter->size() != 1 ||
            std::string(",;:|\t ").find((*delimiter)[0]) == std::string::npos) {
          errors.Add("Value '" + *delimiter +
                     "' at 'inputFormatOptions.csv.delimiter' failed to satisfy constraint: "
                     "Member must satisfy regular expression pattern: [,;:|\\t ]");
        }
        errors.Length(*delimiter, "inputFormatOptions.csv.delimiter", 1, 1);
      }
      if (list != nullptr) {
        for (const auto& h : list->GetArray()) {
          if (!h.IsString()) return Status::Serialization("Unexpected value type in payload");
          header.emplace_back(h.GetString(), h.GetStringLength());
        }
      }
    }
  }
  if (creation == nullptr) errors.NotNull("tableCreationParameters");
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  if (csv != nullptr && *format != "CSV") {
    return Status::Validation(
        "Invalid Request: Unsupported InputFormatOptions for the given input format: " + *format +
        ".");
  }
  DDBD_ASSIGN_OR_RETURN(TableDefinition definition, ParseTableDefinition(ctx, *creation));
  ImportMeta m;
  m.account = ctx.caller.account;
  m.region = ctx.caller.region;
  m.table_name = definition.meta.name;
  m.client_token = token.value_or(NewUuid());
  m.bucket = *bucket;
  m.bucket_owner = owner.value_or("");
  m.key_prefix = prefix.value_or("");
  m.format = *format;
  m.compression = compression.value_or("NONE");
  m.csv_delimiter = delimiter.value_or(",");
  m.csv_header = std::move(header);
  if (options != nullptr) m.format_options_json = JsonText(*options);
  m.creation_json = JsonText(*creation);
  DDBD_ASSIGN_OR_RETURN(ImportMeta started,
                        ctx.imports->Import(std::move(definition.meta), std::move(m)));
  WriteDescription(out, started);
  return Status::OK();
}

Status DescribeImport(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.imports == nullptr) return NoImports();
  DDBD_ASSIGN_OR_RETURN(auto arn, GetString(request, "ImportArn"));
  ConstraintErrors errors;
  if (!arn) {
    errors.NotNull("importArn");
  } else {
    errors.Length(*arn, "importArn", 37, 1024);
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  auto parsed = engine::ParseTableArn(*arn);
  if (!parsed || parsed->sub.rfind("import/", 0) != 0 || parsed->sub.size() == 7) {
    return Status::Validation("Invalid Import ARN");
  }
  if (parsed->account != ctx.caller.account) {
    return Status(ErrorCode::kAccessDenied, "Access is denied");
  }
  DDBD_ASSIGN_OR_RETURN(
      auto found, ctx.imports->Find(ctx.caller.account, ctx.caller.region, parsed->sub.substr(7)));
  if (!found || found->table_name != parsed->table || parsed->region != ctx.caller.region) {
    return Status(ErrorCode::kImportNotFound, "Import not found: " + *arn);  // text unverified
  }
  WriteDescription(out, *found);
  return Status::OK();
}

Status ListImports(OpContext& ctx, const Json& request, JsonWriter& out) {
  if (ctx.imports == nullptr) return NoImports();
  DDBD_ASSIGN_OR_RETURN(auto table_arn, GetString(request, "TableArn"));
  DDBD_ASSIGN_OR_RETURN(auto page_size, GetInt(request, "PageSize"));
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "NextToken"));
  ConstraintErrors errors;
  if (table_arn) errors.Length(*table_arn, "tableArn", 1, 1024);
  if (page_size) {
    errors.Min(*page_size, "pageSize", 1);
    errors.Max(*page_size, "pageSize", 25);
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(auto all, ctx.imports->List(ctx.caller.account, ctx.caller.region));
  std::string after;
  if (token) {
    for (const auto& i : all) {
      if (TokenOf(i.id) == *token) after = i.id;
    }
    if (after.empty()) {
      return Status::Validation("Invalid Request: Provided nextToken is invalid: " + *token);
    }
  }
  const size_t limit = static_cast<size_t>(page_size.value_or(25));
  std::vector<const ImportMeta*> page;
  bool more = false;
  for (const auto& i : all) {
    if (!after.empty() && i.id >= after) continue;
    if (table_arn && i.TableArn() != *table_arn) continue;
    if (page.size() == limit) {
      more = true;
      break;
    }
    page.push_back(&i);
  }
  out.StartObject();
  WriteKey(out, "ImportSummaryList");
  out.StartArray();
  for (const ImportMeta* i : page) {
    out.StartObject();
    WriteKey(out, "ImportArn");
    WriteString(out, i->Arn());
    WriteKey(out, "ImportStatus");
    WriteString(out, i->status);
    WriteKey(out, "TableArn");
    WriteString(out, i->TableArn());
    WriteBucketSource(out, *i);
    WriteLogGroup(out, *i);
    WriteKey(out, "InputFormat");
    WriteString(out, i->format);
    WriteKey(out, "StartTime");
    WriteEpoch(out, i->start_ms);
    if (i->status != "IN_PROGRESS") {
      WriteKey(out, "EndTime");
      WriteEpoch(out, i->end_ms);
    }
    out.EndObject();
  }
  out.EndArray();
  if (more) {
    WriteKey(out, "NextToken");
    WriteString(out, TokenOf(page.back()->id));
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
