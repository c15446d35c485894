#include "transfer/exports.h"

#include <chrono>
#include <cstdio>
#include <ctime>
#include <map>
#include <random>

#include "auth/sigv4.h"
#include "common/base64.h"
#include "common/gzip.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "engine/backups.h"
#include "engine/streams.h"
#include "model/item_size.h"
#include "model/json_codec.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"
#include "transfer/item_formats.h"
#include "transfer/job_records.h"

namespace ddbd::transfer {

namespace {

constexpr char kExportPrefix[] = "export/";  // + account \0 region \0 id
constexpr size_t kItemsPerFile = 50000;

std::string Consumer(const std::string& id) { return "export/" + id; }

// "2020-11-04T07:28:34.028Z".
std::string IsoMillis(int64_t ms) { return engine::StreamLabel(ms) + "Z"; }

std::string RandomBase32(size_t n) {
  static constexpr char kAlphabet[] = "abcdefghijklmnopqrstuvwxyz234567";
  std::random_device device;
  std::string out;
  for (size_t i = 0; i < n; ++i) out.push_back(kAlphabet[device() % 32]);
  return out;
}

// The export's files under <bucket>/<key prefix>.
struct Writer {
  ObjectStore* store = nullptr;
  std::string bucket;
  std::string base;  // S3 key of the export's directory: [prefix/]AWSDynamoDB/<id>
  LineFormat format;
  std::string lines;
  size_t lines_in_file = 0;
  std::string manifest_files;
  int64_t items = 0;

  Status Add(const std::string& line) {
    lines += line;
    lines += '\n';
    ++items;
    if (++lines_in_file >= kItemsPerFile) return Flush(false);
    return Status::OK();
  }
  // Writes the buffered lines as one data file (an empty one if `always` and none are buffered).
  Status Flush(bool always) {
    if (lines_in_file == 0 && !always) return Status::OK();
    const std::string key =
        base + "/data/" + RandomBase32(26) + (format == LineFormat::kIon ? ".ion.gz" : ".json.gz");
    const std::string gz = Gzip(lines);
    DDBD_ASSIGN_OR_RETURN(const std::string etag, store->Put(bucket, key, gz));
    const std::string md5 = auth::Md5(gz);
    rapidjson::StringBuffer buffer;
    model::JsonWriter w(buffer);
    w.StartObject();
    w.Key("itemCount");
    w.Int64(static_cast<int64_t>(lines_in_file));
    w.Key("md5Checksum");
    w.String(Base64Encode(md5));
    w.Key("etag");
    w.String(etag);
    w.Key("dataFileS3Key");
    w.String(key);
    w.EndObject();
    manifest_files.append(buffer.GetString(), buffer.GetSize());
    manifest_files.push_back('\n');
    lines.clear();
    lines_in_file = 0;
    return Status::OK();
  }
  // A file and its .md5 (base64 of the MD5 digest).
  Status WithChecksum(const std::string& name, const std::string& content) {
    DDBD_RETURN_IF_ERROR(store->Put(bucket, base + "/" + name + ".json", content).status());
    return store->Put(bucket, base + "/" + name + ".md5", Base64Encode(auth::Md5(content)))
        .status();
  }
};

std::string Encode(const ExportMeta& m) {
  rapidjson::StringBuffer buffer;
  model::JsonWriter w(buffer);
  w.StartObject();
  PutJob(w, m);
  Put(w, "exportTime", m.export_time_ms);
  Put(w, "prefix", m.prefix);
  Put(w, "sse", m.sse_algorithm);
  Put(w, "sseKey", m.sse_kms_key_id);
  Put(w, "format", m.format);
  Put(w, "type", m.type);
  Put(w, "from", m.from_ms);
  Put(w, "to", m.to_ms);
  Put(w, "view", m.view_type);
  Put(w, "seqFrom", static_cast<int64_t>(m.sequence_from));
  Put(w, "seqTo", static_cast<int64_t>(m.sequence_to));
  Put(w, "items", m.item_count);
  Put(w, "billed", m.billed_size_bytes);
  Put(w, "manifest", m.manifest);
  w.EndObject();
  return std::string(buffer.GetString(), buffer.GetSize());
}

bool Decode(std::string_view text, ExportMeta* m) {
  const RecordFields doc(text);
  if (!doc.ok()) return false;
  auto str = [&](const char* key) { return doc.Str(key); };
  auto num = [&](const char* key) { return doc.Int(key); };
  m->export_time_ms = num("exportTime");
  m->prefix = str("prefix");
  m->sse_algorithm = str("sse");
  m->sse_kms_key_id = str("sseKey");
  m->format = str("format");
  m->type = str("type");
  m->from_ms = num("from");
  m->to_ms = num("to");
  m->view_type = str("view");
  m->sequence_from = static_cast<uint64_t>(num("seqFrom"));
  m->sequence_to = static_cast<uint64_t>(num("seqTo"));
  m->item_count = num("items");
  m->billed_size_bytes = num("billed");
  m->manifest = str("manifest");
  return ReadJob(doc, m);
}

}  // namespace

bool ExportMeta::SameRequest(const ExportMeta& o) const {
  return table_name == o.table_name && bucket == o.bucket && bucket_owner == o.bucket_owner &&
         prefix == o.prefix && sse_algorithm == o.sse_algorithm &&
         sse_kms_key_id == o.sse_kms_key_id && format == o.format && type == o.type &&
         from_ms == o.from_ms && to_ms == o.to_ms && view_type == o.view_type;
}

ExportService::ExportService(engine::Catalog* catalog, std::shared_ptr<ObjectStore> s3)
    : BackgroundService(std::chrono::milliseconds(1000)), catalog_(catalog), s3_(std::move(s3)) {}

ExportService::~ExportService() { Stop(); }

std::string ExportService::Key(const std::string& account, const std::string& region,
                               const std::string& id) const {
  return engine::ScopedKey(kExportPrefix, account, region, id);
}

Status ExportService::Save(const ExportMeta& meta, engine::Table* table, bool drop_cursor) const {
  storage::WriteBatch batch;
  batch.Put(catalog_->store()->catalog(), Key(meta.account, meta.region, meta.id), Encode(meta));
  if (table != nullptr) {
    if (drop_cursor) {
      table->log().DropCursor(&batch, Consumer(meta.id));
    } else {
      table->log().SetCursor(&batch, Consumer(meta.id), meta.sequence_from);
    }
  }
  return catalog_->store()->Write(&batch);
}

Result<ExportMeta> ExportService::Export(engine::Table& table, ExportMeta request) {
  std::lock_guard lock(start_mu_);
  if (!request.client_token.empty()) {
    DDBD_ASSIGN_OR_RETURN(auto all, List(request.account, request.region));
    for (auto& existing : all) {
      if (existing.client_token != request.client_token) continue;
      if (existing.SameRequest(request)) return existing;
      return Status(ErrorCode::kExportConflict,
                    "Export conflict: Duplicate request detected with conflicting parameters");
    }
  }
  request.start_ms = catalog_->clock().NowMillis();
  request.id = engine::TimedId(request.start_ms, NewUuid().substr(0, 8));
  request.table_id = table.table_id();
  request.status = "IN_PROGRESS";
  if (request.incremental()) {
    // [from, to): the records after the last one before `from`, up to the last one before `to`.
    DDBD_ASSIGN_OR_RETURN(request.sequence_from,
                          engine::SequenceAt(table, request.from_ms * 1000 - 1));
    DDBD_ASSIGN_OR_RETURN(request.sequence_to, engine::SequenceAt(table, request.to_ms * 1000 - 1));
  } else {
    if (request.export_time_ms == 0) request.export_time_ms = request.start_ms;
    DDBD_ASSIGN_OR_RETURN(request.sequence_from,
                          engine::SequenceAt(table, request.export_time_ms * 1000));
    request.sequence_to = request.sequence_from;
  }
  DDBD_RETURN_IF_ERROR(Save(request, &table, false));
  Notify();
  return request;
}

Result<std::optional<ExportMeta>> ExportService::Find(const std::string& account,
                                                      const std::string& region,
                                                      const std::string& id) const {
  std::string value;
  bool found = false;
  storage::Store* store = catalog_->store();
  DDBD_RETURN_IF_ERROR(store->Get(store->catalog(), Key(account, region, id), &value, &found));
  if (!found) return std::optional<ExportMeta>();
  ExportMeta meta;
  if (!Decode(value, &meta)) return Status::Internal("corrupt export record");
  return std::optional<ExportMeta>(std::move(meta));
}

Result<std::vector<ExportMeta>> ExportService::List(const std::string& account,
                                                    const std::string& region) const {
  DDBD_ASSIGN_OR_RETURN(
      std::vector<ExportMeta> out,
      LoadRecords<ExportMeta>(catalog_->store(), Key(account, region, ""), Decode));
  std::reverse(out.begin(), out.end());
  return out;
}

Status ExportService::Run(ExportMeta meta) {
  auto table = catalog_->FindAny(meta.account, meta.region, meta.table_name);
  if (table && table->table_id() != meta.table_id) table = nullptr;
  auto fail = [&](std::string code, std::string message) {
    meta.status = "FAILED";
    meta.failure_code = std::move(code);
    meta.failure_message = std::move(message);
    meta.end_ms = catalog_->clock().NowMillis();
    return Save(meta, table.get(), true);
  };
  // S3's answers: a missing bucket or a refusal fails the export; an unreachable endpoint (an
  // internal error) leaves it to be written again at the next step.
  auto s3_failed = [&](const Status& s) { return fail(S3FailureCode(s), s.message()); };
  if (Status s = s3_->CheckBucket(meta.bucket); !s.ok()) {
    return s.code() == ErrorCode::kInternalServerError ? s : s3_failed(s);
  }
  if (!table) return fail("UNKNOWN", "Table not found: " + meta.TableArn());
  Writer writer;
  writer.store = s3_.get();
  writer.bucket = meta.bucket;
  std::string prefix = meta.prefix;
  if (!prefix.empty() && prefix.back() != '/') prefix.push_back('/');
  writer.base = prefix + "AWSDynamoDB/" + meta.id;
  writer.format = meta.format == "ION" ? LineFormat::kIon : LineFormat::kDynamoJson;
  DDBD_RETURN_IF_ERROR(s3_->Put(meta.bucket, writer.base + "/_started", "").status());
  const std::string job = "export/" + meta.id;
  catalog_->jobs().Update(
      job, {"export", meta.table_name, meta.Arn(), 0, 0, catalog_->clock().NowMicros()});
  int64_t billed = 0;
  Status written;
  if (!meta.incremental()) {
    written = engine::TableAt(*catalog_, *table, meta.sequence_from,
                              [&](const std::string&, std::string_view encoded) -> Status {
                                model::Item item;
                                if (!model::DecodeItem(encoded, &item)) {
                                  return Status::Internal("corrupt item");
                                }
                                billed += static_cast<int64_t>(model::ItemSize(item));
                                return writer.Add(ItemLine(writer.format, item));
                              })
                  .status();
  } else {
    struct Change {
      std::optional<model::Item> before, after;
      int64_t time_us = 0;
    };
    std::map<std::string, Change> changes;
    uint64_t after = meta.sequence_from;
    while (written.ok() && after < meta.sequence_to) {
      std::vector<changelog::Record> records;
      written = table->log().Read(after, 1000, &records);
      if (records.empty()) break;
      for (auto& record : records) {
        if (record.sequence > meta.sequence_to) break;
        auto [it, fresh] = changes.try_emplace(record.key);
        if (fresh) it->second.before = std::move(record.old_image);
        it->second.after = std::move(record.new_image);
        it->second.time_us = record.time_us;
      }
      after = records.back().sequence;
    }
    const engine::TableMeta table_meta = table->meta();
    const bool old_images = meta.view_type != "NEW_IMAGE";
    for (const auto& [key, change] : changes) {
      if (!written.ok()) break;
      if (!change.before && !change.after) continue;  // created and deleted in the period
      const model::Item& any = change.after ? *change.after : *change.before;
      model::Item keys;
      for (const engine::KeyElement* k :
           {&table_meta.hash_key, table_meta.range_key ? &*table_meta.range_key : nullptr}) {
        if (k == nullptr) continue;
        if (auto v = any.find(k->name); v != any.end()) keys.emplace(k->name, v->second);
      }
      if (change.after) billed += static_cast<int64_t>(model::ItemSize(*change.after));
      written = writer.Add(ChangeLine(writer.format, change.time_us, keys,
                                      old_images && change.before ? &*change.before : nullptr,
                                      change.after ? &*change.after : nullptr));
    }
  }
  if (written.ok()) written = writer.Flush(writer.items == 0 || writer.lines_in_file > 0);
  catalog_->jobs().Finish(job);
  if (!written.ok())
    return written.code() == ErrorCode::kInternalServerError ? written : s3_failed(written);

  meta.status = "COMPLETED";
  meta.end_ms = catalog_->clock().NowMillis();
  meta.item_count = writer.items;
  meta.billed_size_bytes = billed;
  meta.manifest = writer.base + "/manifest-summary.json";
  DDBD_RETURN_IF_ERROR(writer.WithChecksum("manifest-files", writer.manifest_files));
  rapidjson::StringBuffer buffer;
  model::JsonWriter w(buffer);
  w.StartObject();
  Put(w, "version", meta.incremental() ? "2023-08-01" : "2020-06-30");
  Put(w, "exportArn", meta.Arn());
  Put(w, "startTime", IsoMillis(meta.start_ms));
  Put(w, "endTime", IsoMillis(meta.end_ms));
  Put(w, "tableArn", meta.TableArn());
  Put(w, "tableId", meta.table_id);
  if (meta.incremental()) {
    Put(w, "exportFromTime", IsoMillis(meta.from_ms));
    Put(w, "exportToTime", IsoMillis(meta.to_ms));
  } else {
    Put(w, "exportTime", IsoMillis(meta.export_time_ms));
  }
  Put(w, "s3Bucket", meta.bucket);
  w.Key("s3Prefix");
  if (meta.prefix.empty()) {
    w.Null();
  } else {
    w.String(meta.prefix);
  }
  Put(w, "s3SseAlgorithm", meta.sse_algorithm);
  w.Key("s3SseKmsKeyId");
  if (meta.sse_kms_key_id.empty()) {
    w.Null();
  } else {
    w.String(meta.sse_kms_key_id);
  }
  Put(w, "manifestFilesS3Key", writer.base + "/manifest-files.json");
  Put(w, "billedSizeBytes", meta.billed_size_bytes);
  Put(w, "itemCount", meta.item_count);
  Put(w, "outputFormat", meta.format);
  if (meta.incremental()) Put(w, "outputView", meta.view_type);
  Put(w, "exportType", meta.incremental() ? "INCREMENTAL_EXPORT" : "FULL_EXPORT");
  w.EndObject();
  DDBD_RETURN_IF_ERROR(
      writer.WithChecksum("manifest-summary", std::string(buffer.GetString(), buffer.GetSize())));
  return Save(meta, table.get(), true);
}

bool ExportService::Step() {
  auto all = LoadRecords<ExportMeta>(catalog_->store(), kExportPrefix, Decode);
  if (!all.ok()) {
    DDBD_LOG_ERROR("exports: {}", all.status().message());
    return false;
  }
  for (auto& meta : *all) {
    if (meta.status != "IN_PROGRESS") continue;
    Status s = Run(meta);
    if (!s.ok()) DDBD_LOG_ERROR("exports: {}: {}", meta.Arn(), s.message());
  }
  return false;
}

}  // namespace ddbd::transfer
