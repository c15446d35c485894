// A change-log record: one item's change as committed (docs/formats/change-log.md).
//
// Every write commits its record in the same WriteBatch as the data, so a record exists
// exactly when its write does. Records say what changed (the item's storage key, old and new
// image), when (commit time in microseconds), who (the caller's access key and account for
// user writes) and why (the origin: a user request, a TTL deletion, a replicated write, a
// restore, a transaction). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "model/attribute_value.h"

namespace ddbd::changelog {

// Who caused a change. Part of the record format: DO NOT CHANGE values.
enum class Origin : uint8_t {
  kUser = 0,         // a request of the table's API (PutItem, UpdateItem, BatchWriteItem, ...)
  kTtl = 1,          // a TTL deletion (the service's own; streams show it as such)
  kReplication = 2,  // a write replicated from another region (detail: the source region)
  kRestore = 3,      // a restore from a backup or a point in time
  kTransaction = 4,  // one item of a transaction (detail: the transaction id)
};
std::string_view OriginName(Origin origin);

// The caller of a user write (empty for the service's own writes).
struct Principal {
  std::string access_key;
  std::string account;
};

// What the commit path knows when it appends a record.
struct RecordInfo {
  int64_t time_us = 0;
  Origin origin = Origin::kUser;
  std::string_view origin_detail;  // source region (replication) or transaction id
  std::string_view access_key;
  std::string_view account;
};

// Encodes a record (format version 2). `old_image` / `new_image` are encoded items
// (model/value_codec.h, stored or plain form) or null when the item did not / does not exist.
std::string EncodeRecord(const RecordInfo& info, std::string_view key, const std::string* old_image,
                         const std::string* new_image);

// A decoded record.
struct Record {
  uint64_t sequence = 0;
  int64_t time_us = 0;
  Origin origin = Origin::kUser;
  std::string origin_detail;
  Principal principal;
  std::string key;  // the item's storage key (key-encoding.md, relative to the table)
  std::optional<model::Item> old_image, new_image;

  // The partition-key hash of the item (its place on the table's partitions).
  uint64_t partition_hash() const;
};

// Decodes a record of format version 1 or 2. false on corrupt input. `sequence` is set by
// the reader from the record's key.
bool DecodeRecord(std::string_view in, Record* out);
// Decodes only the commit time (cheap: for retention). false on corrupt input.
bool DecodeRecordTime(std::string_view in, int64_t* time_us);

}  // namespace ddbd::changelog
