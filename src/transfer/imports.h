// Imports from S3 into a new table (ImportTable; docs/exports.md), read from where the server's
// S3 is (transfer/object_store.h): the local directory of --s3-dir (bucket B is DIR/B; object
// keys are paths below it) or an S3-compatible endpoint (--s3-endpoint URL).
//
// ImportTable creates the table at once, hidden as CREATING (its descriptor names the import),
// and records the import (import/<account>\0<region>\0<id> in the catalog family). The import
// service's thread reads every object whose key starts with the S3KeyPrefix, in key order:
// GZIP, ZSTD or uncompressed; DynamoDB JSON or Ion lines as full exports write them, or CSV (a
// header line or HeaderList, a delimiter; key attributes typed by the AttributeDefinitions,
// the rest strings). Items go through the commit path 100 at a time; an item that fails
// validation is counted and logged (the service's CloudWatch event, in ddbd's log) and
// skipped, an unreadable line skips the rest of its object, as the service does. Then the
// table turns ACTIVE, and the import COMPLETED, or FAILED (ItemValidationError) with the good
// items imported. An import cut short by a crash is run again from the start at the next start.
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

struct ImportMeta : JobMeta {
  std::string key_prefix;
  std::string format;                   // DYNAMODB_JSON | ION | CSV
  std::string compression = "NONE";     // GZIP | ZSTD | NONE
  std::string csv_delimiter = ",";      // CSV
  std::vector<std::string> csv_header;  // CSV: empty = the first line of each object
  std::string format_options_json;      // InputFormatOptions as given ("" if absent)
  std::string creation_json;            // TableCreationParameters as given
  int64_t processed_items = 0, processed_bytes = 0, imported_items = 0, errors = 0;

  std::string Arn() const { return TableArn() + "/import/" + id; }
};

class ImportService : public engine::BackgroundService {
 public:
  ImportService(engine::Catalog* catalog, std::shared_ptr<ObjectStore> s3);
  ~ImportService() override;

  // Creates `table` (a checked descriptor) hidden as CREATING and starts filling it.
  // ResourceInUseException if the name is taken; a ClientToken used before gives that import
  // while it runs, or ImportConflictException for another table.
  Result<ImportMeta> Import(engine::TableMeta table, ImportMeta request);
  Result<std::optional<ImportMeta>> Find(const std::string& account, const std::string& region,
                                         const std::string& id) const;
  // The account's imports in the region, newest first.
  Result<std::vector<ImportMeta>> List(const std::string& account, const std::string& region) const;

 protected:
  bool Step() override;

 private:
  Status Run(ImportMeta meta);
  Status Save(const ImportMeta& meta) const;

  engine::Catalog* const catalog_;
  const std::shared_ptr<ObjectStore> s3_;
  std::mutex start_mu_;
};

}  // namespace ddbd::transfer
