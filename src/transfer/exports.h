// Exports of tables to S3 (ExportTableToPointInTime; docs/exports.md), written where the
// server's S3 is (transfer/object_store.h): a local directory (--s3-dir DIR; bucket B is DIR/B)
// or an S3-compatible endpoint (--s3-endpoint URL).
//
// An export is a record in the catalog family (export/<account>\0<region>\0<id>) and a job of
// the ExportService's thread. A full export writes the table as it was at the export time
// (engine::TableAt at the last change-log record at or before it); an incremental export
// compacts the change-log records of its period to one line per item. Both hold the table's
// change log with a cursor (export/<id>) from their first needed record until they are done,
// so an export cut short by a crash is written again, identically, at the next start.
//
// Layout, as the service's: <prefix>/AWSDynamoDB/<id>/ with _started, data/<26 base32>.json.gz
// (or .ion.gz), manifest-files.json, manifest-summary.json and their .md5 (base64 MD5).
// Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "engine/background.h"
#include "engine/catalog.h"
#include "transfer/job.h"
#include "transfer/object_store.h"

namespace ddbd::transfer {

struct ExportMeta : JobMeta {
  int64_t export_time_ms = 0;  // full exports
  std::string prefix;
  std::string sse_algorithm = "AES256";
  std::string sse_kms_key_id;
  std::string format = "DYNAMODB_JSON";  // or ION
  std::string type;                      // "" (not given: full), FULL_EXPORT, INCREMENTAL_EXPORT
  int64_t from_ms = 0, to_ms = 0;        // incremental: [from, to)
  std::string view_type;                 // incremental: NEW_IMAGE | NEW_AND_OLD_IMAGES
  uint64_t sequence_from = 0;            // change-log records after this ...
  uint64_t sequence_to = 0;              // ... up to this one
  int64_t item_count = 0;
  int64_t billed_size_bytes = 0;
  std::string manifest;  // ExportManifest: the key of manifest-summary.json

  bool incremental() const { return type == "INCREMENTAL_EXPORT"; }
  std::string Arn() const { return TableArn() + "/export/" + id; }
  // The request's parameters, for ClientToken idempotency.
  bool SameRequest(const ExportMeta& other) const;
};

class ExportService : public engine::BackgroundService {
 public:
  // `s3`: where buckets are.
  ExportService(engine::Catalog* catalog, std::shared_ptr<ObjectStore> s3);
  ~ExportService() override;

  // Starts an export of `table` described by `request` (id, times and sequences are filled in).
  // With a ClientToken already used: the same export if the request is the same,
  // ExportConflictException otherwise.
  Result<ExportMeta> Export(engine::Table& table, ExportMeta request);
  Result<std::optional<ExportMeta>> Find(const std::string& account, const std::string& region,
                                         const std::string& id) const;
  // The account's exports in the region, newest first.
  Result<std::vector<ExportMeta>> List(const std::string& account, const std::string& region) const;

 protected:
  bool Step() override;

 private:
  // Writes the export's files and records the outcome.
  Status Run(ExportMeta meta);
  Status Save(const ExportMeta& meta, engine::Table* table, bool drop_cursor) const;
  std::string Key(const std::string& account, const std::string& region,
                  const std::string& id) const;

  engine::Catalog* const catalog_;
  const std::shared_ptr<ObjectStore> s3_;
  std::mutex start_mu_;  // ClientToken check and record write together
};

}  // namespace ddbd::transfer
