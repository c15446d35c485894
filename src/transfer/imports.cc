#include "transfer/imports.h"

#include <algorithm>
#include <set>

#include <zlib.h>
#include <zstd.h>

#include "common/base64.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "engine/backups.h"
#include "engine/commit.h"
#include "model/json_codec.h"
#include "storage/key_codec.h"
#include "transfer/item_formats.h"
#include "transfer/job_records.h"

namespace ddbd::transfer {

namespace {

constexpr char kImportPrefix[] = "import/";  // + account \0 region \0 id
constexpr size_t kChunk = 100;

std::string Encode(const ImportMeta& m) {
  rapidjson::StringBuffer buffer;
  model::JsonWriter w(buffer);
  w.StartObject();
  PutJob(w, m);
  auto str = [&](const char* key, const std::string& value) { Put(w, key, value); };
  auto num = [&](const char* key, int64_t value) { Put(w, key, value); };
  str("keyPrefix", m.key_prefix);
  str("format", m.format);
  str("compression", m.compression);
  str("delimiter", m.csv_delimiter);
  w.Key("header");
  w.StartArray();
  for (const auto& h : m.csv_header) w.String(h);
  w.EndArray();
  str("formatOptions", m.format_options_json);
  str("creation", m.creation_json);
  num("processedItems", m.processed_items);
  num("processedBytes", m.processed_bytes);
  num("imported", m.imported_items);
  num("errors", m.errors);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool Decode(std::string_view text, ImportMeta* m) {
  const RecordFields doc(text);
  if (!doc.ok()) return false;
  auto str = [&](const char* key) { return doc.Str(key); };
  auto num = [&](const char* key) { return doc.Int(key); };
  m->key_prefix = str("keyPrefix");
  m->format = str("format");
  m->compression = str("compression");
  m->csv_delimiter = str("delimiter");
  if (const rapidjson::Value* header = doc.Find("header"); header && header->IsArray()) {
    for (const auto& h : header->GetArray()) {
      if (h.IsString()) m->csv_header.emplace_back(h.GetString());
    }
  }
  m->format_options_json = str("formatOptions");
  m->creation_json = str("creation");
  m->processed_items = num("processedItems");
  m->processed_bytes = num("processedBytes");
  m->imported_items = num("imported");
  m->errors = num("errors");
  return ReadJob(doc, m);
}

// Whole-object decompression; false if the bytes are not of that kind.
bool Gunzip(const std::string& in, std::string* out) {
  z_stream z{};
  if (inflateInit2(&z, 15 + 32) != Z_OK) return false;
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  char buffer[65536];
  int rc = Z_OK;
  while (rc == Z_OK) {
    z.next_out = reinterpret_cast<Bytef*>(buffer);
    z.avail_out = sizeof(buffer);
    rc = inflate(&z, Z_NO_FLUSH);
    out->append(buffer, sizeof(buffer) - z.avail_out);
    // Concatenated gzip members (as `cat a.gz b.gz` makes) go on.
    if (rc == Z_STREAM_END && z.avail_in > 0) rc = inflateReset(&z);
  }
  inflateEnd(&z);
  return rc == Z_STREAM_END;
}

bool Unzstd(const std::string& in, std::string* out) {
  ZSTD_DStream* stream = ZSTD_createDStream();
  ZSTD_inBuffer input{in.data(), in.size(), 0};
  char buffer[65536];
  size_t rc = 1;
  while (input.pos < input.size) {
    ZSTD_outBuffer output{buffer, sizeof(buffer), 0};
    rc = ZSTD_decompressStream(stream, &output, &input);
    if (ZSTD_isError(rc)) break;
    out->append(buffer, output.pos);
  }
  for (; !ZSTD_isError(rc) && rc != 0;) {  // flush what is left
    ZSTD_outBuffer output{buffer, sizeof(buffer), 0};
    rc = ZSTD_decompressStream(stream, &output, &input);
    if (ZSTD_isError(rc) || output.pos == 0) break;
    out->append(buffer, output.pos);
  }
  ZSTD_freeDStream(stream);
  return !ZSTD_isError(rc) && rc == 0;
}

// The items of an import's CSV line: key attributes (of the table and its GSIs) typed by the
// table's attribute definitions, the rest strings; empty fields are left out.
Result<model::Item> CsvItem(const engine::TableMeta& table, const std::vector<std::string>& header,
                            const std::vector<std::string>& fields) {
  if (fields.size() != header.size()) {
    return Status::Validation("The number of values does not match the CSV header");
  }
  model::Item item;
  for (size_t i = 0; i < header.size(); ++i) {
    if (fields[i].empty()) continue;
    model::AttrType type = model::AttrType::kS;
    for (const auto& d : table.attribute_definitions) {
      if (d.name == header[i]) type = d.type;
    }
    if (type == model::AttrType::kN) {
      DDBD_ASSIGN_OR_RETURN(model::Number n, model::Number::Parse(fields[i]));
      item[header[i]] = model::AttributeValue::Num(std::move(n));
    } else if (type == model::AttrType::kB) {
      std::string bytes;
      if (!Base64Decode(fields[i], &bytes)) {
        return Status::Validation("Invalid Base64 value of " + header[i]);
      }
      item[header[i]] = model::AttributeValue::Binary(std::move(bytes));
    } else {
      item[header[i]] = model::AttributeValue::String(fields[i]);
    }
  }
  return item;
}

}  // namespace

ImportService::ImportService(engine::Catalog* catalog, std::shared_ptr<ObjectStore> s3)
    : BackgroundService(std::chrono::milliseconds(1000)), catalog_(catalog), s3_(std::move(s3)) {}

ImportService::~ImportService() { Stop(); }

Status ImportService::Save(const ImportMeta& meta) const {
  storage::WriteBatch batch;
  batch.Put(catalog_->store()->catalog(),
            engine::ScopedKey(kImportPrefix, meta.account, meta.region, meta.id), Encode(meta));
  return catalog_->store()->Write(&batch);
}

Result<ImportMeta> ImportService::Import(engine::TableMeta table, ImportMeta request) {
  std::lock_guard lock(start_mu_);
  if (!request.client_token.empty()) {
    DDBD_ASSIGN_OR_RETURN(auto all, List(request.account, request.region));
    for (auto& existing : all) {
      if (existing.client_token != request.client_token) continue;
      if (existing.table_name != request.table_name) {
        return Status(ErrorCode::kImportConflict,
                      "Import conflict: Duplicate request detected with conflicting parameters");
      }
      if (existing.status == "IN_PROGRESS") return existing;
    }
  }
  request.start_ms = catalog_->clock().NowMillis();
  request.id = engine::TimedId(request.start_ms, NewUuid().substr(0, 8));
  request.status = "IN_PROGRESS";
  table.restore = engine::TableMeta::Restore();
  table.restore.in_progress = true;
  table.restore.import_id = request.id;
  auto created = catalog_->Create(std::move(table));
  if (!created.ok()) {
    if (created.status().code() == ErrorCode::kResourceInUse) {
      return Status::ResourceInUse("Table already exists: " + request.table_name);
    }
    return created.status();
  }
  request.table_id = (*created)->table_id();
  DDBD_RETURN_IF_ERROR(Save(request));
  Notify();
  return request;
}

Result<std::optional<ImportMeta>> ImportService::Find(const std::string& account,
                                                      const std::string& region,
                                                      const std::string& id) const {
  std::string value;
  bool found = false;
  storage::Store* store = catalog_->store();
  DDBD_RETURN_IF_ERROR(store->Get(
      store->catalog(), engine::ScopedKey(kImportPrefix, account, region, id), &value, &found));
  if (!found) return std::optional<ImportMeta>();
  ImportMeta meta;
  if (!Decode(value, &meta)) return Status::Internal("corrupt import record");
  return std::optional<ImportMeta>(std::move(meta));
}

Result<std::vector<ImportMeta>> ImportService::List(const std::string& account,
                                                    const std::string& region) const {
  DDBD_ASSIGN_OR_RETURN(
      std::vector<ImportMeta> out,
      LoadRecords<ImportMeta>(catalog_->store(),
                              engine::ScopedKey(kImportPrefix, account, region, ""), Decode));
  std::reverse(out.begin(), out.end());
  return out;
}

Status ImportService::Run(ImportMeta meta) {
  auto table = catalog_->FindAny(meta.account, meta.region, meta.table_name);
  if (!table || table->table_id() != meta.table_id) {
    meta.status = "FAILED";
    meta.failure_code = "UNKNOWN";
    meta.failure_message = "The table of the import is gone";
    meta.end_ms = catalog_->clock().NowMillis();
    return Save(meta);
  }
  meta.processed_items = meta.processed_bytes = meta.imported_items = meta.errors = 0;
  // The objects whose key starts with the prefix, in key order. A missing bucket or a refusal
  // fails the import (as the service: no table is left behind); an unreachable endpoint (an
  // internal error) leaves it to run again at the next step.
  auto keys = s3_->List(meta.bucket, meta.key_prefix);
  if (!keys.ok()) {
    if (keys.status().code() == ErrorCode::kInternalServerError) return keys.status();
    DDBD_RETURN_IF_ERROR(catalog_->Drop(meta.account, meta.region, meta.table_name).status());
    meta.status = "FAILED";
    meta.failure_code = S3FailureCode(keys.status());
    meta.failure_message = keys.status().message();
    meta.end_ms = catalog_->clock().NowMillis();
    return Save(meta);
  }

  const engine::TableMeta table_meta = table->meta();
  const LineFormat format = meta.format == "ION" ? LineFormat::kIon : LineFormat::kDynamoJson;
  const char delimiter = meta.csv_delimiter.empty() ? ',' : meta.csv_delimiter[0];
  engine::CommitOptions options;
  options.origin = changelog::Origin::kRestore;
  options.service_write = true;
  options.fail_on_conflict = false;
  std::vector<engine::WriteOp> ops;
  std::set<std::string> in_chunk;
  Status status;
  // Progress: in /metrics' jobs, and in DescribeImport's counts every 100 commits.
  const std::string job = "import/" + meta.id;
  engine::JobProgress progress{
      "import", meta.table_name, meta.Arn(), 0, 0, catalog_->clock().NowMicros()};
  catalog_->jobs().Update(job, progress);
  int64_t commits = 0;
  auto flush = [&]() -> Status {
    if (ops.empty()) return Status::OK();
    DDBD_RETURN_IF_ERROR(engine::Commit(*catalog_, ops, options).status());
    meta.imported_items += static_cast<int64_t>(ops.size());
    ops.clear();
    in_chunk.clear();
    progress.done = meta.processed_items;
    catalog_->jobs().Update(job, progress);
    return ++commits % 100 == 0 ? Save(meta) : Status::OK();
  };
  auto reject = [&](const std::string& key, int64_t index, const std::string& message) {
    ++meta.errors;
    // The service's CloudWatch event (log group /aws-dynamodb/imports, stream <id>/error).
    rapidjson::StringBuffer buffer;
    model::JsonWriter w(buffer);
    w.StartObject();
    w.Key("itemS3Pointer");
    w.StartObject();
    w.Key("bucket");
    w.String(meta.bucket);
    w.Key("key");
    w.String(key);
    w.Key("itemIndex");
    w.Int64(index);
    w.EndObject();
    w.Key("importArn");
    w.String(meta.Arn());
    w.Key("errorMessages");
    w.StartArray();
    w.String(message);
    w.EndArray();
    w.EndObject();
    DDBD_LOG_WARN("import {} error: {}", meta.id,
                  std::string(buffer.GetString(), buffer.GetSize()));
  };
  for (const auto& key : *keys) {
    if (!status.ok()) break;
    auto object = s3_->Get(meta.bucket, key);
    if (!object.ok()) {
      if (object.status().code() == ErrorCode::kInternalServerError) {
        status = object.status();
        break;
      }
      reject(key, 0, object.status().message());  // gone or refused since the listing
      continue;
    }
    std::string content = std::move(*object);
    if (meta.compression != "NONE") {
      std::string plain;
      const bool ok =
          meta.compression == "GZIP" ? Gunzip(content, &plain) : Unzstd(content, &plain);
      if (!ok) {
        ++meta.processed_items;
        meta.processed_bytes += static_cast<int64_t>(content.size());
        reject(key, 0, "The object could not be decompressed as " + meta.compression);
        continue;
      }
      content = std::move(plain);
    }
    std::vector<std::string> header = meta.csv_header;
    bool header_pending = meta.format == "CSV" && header.empty();
    int64_t index = 0;
    size_t begin = 0;
    while (status.ok() && begin < content.size()) {
      size_t end = content.find('\n', begin);
      if (end == std::string::npos) end = content.size();
      std::string_view line(content.data() + begin, end - begin);
      begin = end + 1;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
      meta.processed_bytes += static_cast<int64_t>(line.size() + 1);
      if (header_pending) {
        header = SplitCsvLine(line, delimiter);
        header_pending = false;
        continue;
      }
      ++meta.processed_items;
      const int64_t item_index = index++;
      Result<model::Item> item = meta.format == "CSV"
                                     ? CsvItem(table_meta, header, SplitCsvLine(line, delimiter))
                                     : ParseItemLine(format, line);
      if (!item.ok()) {
        reject(key, item_index, item.status().message());
        if (meta.format != "CSV") break;  // the rest of an unreadable object is skipped
        continue;
      }
      auto primary = engine::ValidateItemKey(*table, *item);
      if (!primary.ok()) {
        reject(key, item_index, primary.status().message());
        continue;
      }
      // Items with one key overwrite each other, the last one staying (not an error).
      std::string storage_key = engine::StorageKeyOfItem(*table, *item);
      if (!in_chunk.insert(storage_key).second) {
        status = flush();
        in_chunk.insert(storage_key);
      }
      model::Item put = std::move(*item);
      ops.push_back(engine::WriteOp{
          table.get(), std::move(*primary),
          [put](const model::Item*) -> Result<engine::MutationDecision> {
            return engine::MutationDecision{engine::MutationDecision::Kind::kPut, put};
          }});
      if (ops.size() >= kChunk) status = flush();
    }
  }
  if (status.ok()) status = flush();
  catalog_->jobs().Finish(job);
  if (!status.ok()) {
    // An internal error (the disk): the import runs again from the start at the next step.
    return status;
  }
  DDBD_RETURN_IF_ERROR(engine::WaitForGsis(*table, std::chrono::seconds(60)));
  DDBD_RETURN_IF_ERROR(catalog_
                           ->Modify(*table,
                                    [](engine::TableMeta* m) {
                                      m->restore = engine::TableMeta::Restore();
                                      return Status::OK();
                                    })
                           .status());
  meta.end_ms = catalog_->clock().NowMillis();
  if (meta.errors > 0) {
    meta.status = "FAILED";
    meta.failure_code = "ItemValidationError";
    meta.failure_message =
        "Some of the items failed validation checks and were not imported. Please check "
        "CloudWatch error logs for more details.";
  } else {
    meta.status = "COMPLETED";
  }
  return Save(meta);
}

bool ImportService::Step() {
  auto all = LoadRecords<ImportMeta>(catalog_->store(), kImportPrefix, Decode);
  if (!all.ok()) {
    DDBD_LOG_ERROR("imports: {}", all.status().message());
    return false;
  }
  for (auto& meta : *all) {
    if (meta.status != "IN_PROGRESS") continue;
    Status s = Run(meta);
    if (!s.ok()) DDBD_LOG_ERROR("imports: {}: {}", meta.Arn(), s.message());
  }
  return false;
}

}  // namespace ddbd::transfer
