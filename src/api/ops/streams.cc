// The DynamoDB Streams API (DynamoDBStreams_20120810.*): ListStreams, DescribeStream,
// GetShardIterator, GetRecords, over engine/streams (docs/streams.md).
//
// Shard iterators are "<stream ARN>|1|<base64>" as the service's look, carrying the shard, the
// position (the last change-log sequence consumed), the time they were issued (they expire
// after 15 minutes) and a checksum.
#include "engine/streams.h"

#include <algorithm>

#include "api/ops/ops.h"
#include "common/base64.h"
#include "common/coding.h"
#include "common/crc32.h"
#include "common/hash.h"
#include "engine/table_admin.h"
#include "engine/table_meta.h"
#include "triggers/stream_record_json.h"

namespace ddbd::api {
namespace {

using engine::ShardMeta;
using engine::StreamMeta;
using engine::TableMeta;

constexpr int64_t kIteratorLifetimeUs = 15 * 60 * 1000000LL;

Status StreamNotFound(const std::string& arn) {
  return Status::ResourceNotFound("Requested resource not found: Stream: " + arn +
                                  " not found");  // message unverified
}

Status ShardNotFound() {
  return Status::ResourceNotFound("Requested resource not found: Shard does not exist");
}

// A stream of one of the caller's tables, found by its ARN.
struct FoundStream {
  std::shared_ptr<engine::Table> table;
  std::shared_ptr<const TableMeta> meta;
  const StreamMeta* stream = nullptr;
};

Result<FoundStream> FindStream(OpContext& ctx, const std::string& arn) {
  auto parsed = engine::ParseTableArn(arn);
  auto label = parsed ? parsed->StreamLabel() : std::nullopt;
  if (!label || !parsed->Of(ctx.caller.account, ctx.caller.region)) return StreamNotFound(arn);
  FoundStream found;
  found.table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, parsed->table);
  if (!found.table) return StreamNotFound(arn);
  found.meta = found.table->shared_meta();
  for (const auto& stream : found.meta->streams) {
    if (stream.label == *label) found.stream = &stream;
  }
  if (found.stream == nullptr) return StreamNotFound(arn);
  return found;
}

const ShardMeta* FindShard(const StreamMeta& stream, std::string_view id) {
  for (const auto& shard : stream.shards) {
    if (shard.id == id) return &shard;
  }
  return nullptr;
}

Result<std::string> RequireString(const Json& request, const char* member, const char* path,
                                  size_t min, size_t max, ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(auto value, GetString(request, member));
  if (!value) {
    errors.NotNull(path);
    return std::string();
  }
  errors.Length(*value, path, min, max);
  return *value;
}

void CheckLimit(const std::optional<int64_t>& limit, int64_t max, ConstraintErrors& errors) {
  if (!limit) return;
  errors.Min(*limit, "limit", 1);
  errors.Max(*limit, "limit", max);
}

// ---- Shard iterators ----

struct IteratorState {
  std::string stream_arn;
  std::string shard_id;
  uint64_t position = 0;
  int64_t issued_us = 0;
};

std::string EncodeIterator(const IteratorState& state) {
  std::string payload;
  PutLengthPrefixed(&payload, state.shard_id);
  PutFixed64BE(&payload, state.position);
  PutFixed64BE(&payload, static_cast<uint64_t>(state.issued_us));
  std::string sum;
  PutFixed64BE(&sum, Crc32(state.stream_arn + payload));
  return state.stream_arn + "|1|" + Base64Encode(payload + sum.substr(4));
}

Result<IteratorState> DecodeIterator(std::string_view text) {
  const Status invalid = Status::Validation("Invalid ShardIterator");  // message unverified
  const size_t bar = text.rfind("|1|");
  if (bar == std::string_view::npos) return invalid;
  IteratorState state;
  state.stream_arn = std::string(text.substr(0, bar));
  std::string bytes;
  if (!Base64Decode(text.substr(bar + 3), &bytes) || bytes.size() < 4) return invalid;
  std::string payload = bytes.substr(0, bytes.size() - 4);
  std::string sum;
  PutFixed64BE(&sum, Crc32(state.stream_arn + payload));
  if (sum.substr(4) != bytes.substr(bytes.size() - 4)) return invalid;
  std::string_view in = payload;
  std::string_view shard;
  if (!GetLengthPrefixed(&in, &shard) || in.size() != 16) return invalid;
  state.shard_id = std::string(shard);
  state.position = DecodeFixed64BE(in.data());
  state.issued_us = static_cast<int64_t>(DecodeFixed64BE(in.data() + 8));
  return state;
}

}  // namespace

Status ListStreams(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto table_name, GetString(request, "TableName"));
  if (table_name) errors.TableName(&*table_name);
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  CheckLimit(limit, 100, errors);
  DDBD_ASSIGN_OR_RETURN(auto start, GetString(request, "ExclusiveStartStreamArn"));
  if (start) errors.Length(*start, "exclusiveStartStreamArn", 37, 1024);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  std::vector<std::shared_ptr<engine::Table>> tables;
  if (table_name) {
    auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, *table_name);
    if (!table) {
      return Status::ResourceNotFound("Requested resource not found: Table: " + *table_name +
                                      " not found");  // message unverified
    }
    tables.push_back(table);
  } else {
    bool more = false;
    for (const auto& name :
         ctx.catalog.List(ctx.caller.account, ctx.caller.region, "", ~size_t{0}, &more)) {
      if (auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name)) {
        tables.push_back(table);
      }
    }
  }
  // Per table, newest stream first.
  struct Entry {
    std::string arn, table, label;
  };
  std::vector<Entry> entries;
  for (const auto& table : tables) {
    auto meta = table->shared_meta();
    for (auto it = meta->streams.rbegin(); it != meta->streams.rend(); ++it) {
      entries.push_back({meta->StreamArn(*it), meta->name, it->label});
    }
  }
  size_t begin = 0;
  if (start) {
    for (size_t i = 0; i < entries.size(); ++i) {
      if (entries[i].arn == *start) begin = i + 1;
    }
  }
  const size_t max = static_cast<size_t>(limit.value_or(100));
  const size_t end = std::min(entries.size(), begin + max);
  out.StartObject();
  if (end < entries.size() && end > begin) {
    WriteKey(out, "LastEvaluatedStreamArn");
    WriteString(out, entries[end - 1].arn);
  }
  WriteKey(out, "Streams");
  out.StartArray();
  for (size_t i = begin; i < end; ++i) {
    out.StartObject();
    WriteKey(out, "StreamArn");
    WriteString(out, entries[i].arn);
    WriteKey(out, "StreamLabel");
    WriteString(out, entries[i].label);
    WriteKey(out, "TableName");
    WriteString(out, entries[i].table);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return Status::OK();
}

Status DescribeStream(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string arn,
                        RequireString(request, "StreamArn", "streamArn", 37, 1024, errors));
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  CheckLimit(limit, 100, errors);
  DDBD_ASSIGN_OR_RETURN(auto start, GetString(request, "ExclusiveStartShardId"));
  if (start) errors.Length(*start, "exclusiveStartShardId", 28, 65);
  DDBD_ASSIGN_OR_RETURN(const Json* filter, GetObject(request, "ShardFilter"));
  std::optional<std::string> child_of;
  if (filter != nullptr) {
    DDBD_ASSIGN_OR_RETURN(auto type, GetString(*filter, "Type"));
    if (type && *type != "CHILD_SHARDS") errors.Enum(*type, "shardFilter.type", "[CHILD_SHARDS]");
    DDBD_ASSIGN_OR_RETURN(child_of, GetString(*filter, "ShardId"));
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(FoundStream found, FindStream(ctx, arn));
  const TableMeta& meta = *found.meta;
  const StreamMeta& stream = *found.stream;

  std::vector<const ShardMeta*> shards;
  bool started = !start;
  for (const auto& shard : stream.shards) {
    if (!started) {
      started = shard.id == *start;
      continue;
    }
    if (child_of && shard.parent_id != *child_of) continue;
    DDBD_ASSIGN_OR_RETURN(bool trimmed, engine::ShardTrimmed(*found.table, shard));
    if (!trimmed) shards.push_back(&shard);
  }
  const size_t max = static_cast<size_t>(limit.value_or(100));
  const bool more = shards.size() > max;
  if (more) shards.resize(max);

  out.StartObject();
  WriteKey(out, "StreamDescription");
  out.StartObject();
  WriteKey(out, "CreationRequestDateTime");
  out.Double(static_cast<double>(stream.created_ms) / 1000.0);
  WriteKey(out, "KeySchema");
  out.StartArray();
  for (const auto& [key, type] :
       {std::pair{&meta.hash_key, "HASH"},
        std::pair{meta.range_key ? &*meta.range_key : nullptr, "RANGE"}}) {
    if (key == nullptr) continue;
    out.StartObject();
    WriteKey(out, "AttributeName");
    WriteString(out, key->name);
    WriteKey(out, "KeyType");
    WriteString(out, type);
    out.EndObject();
  }
  out.EndArray();
  if (more) {
    WriteKey(out, "LastEvaluatedShardId");
    WriteString(out, shards.back()->id);
  }
  WriteKey(out, "Shards");
  out.StartArray();
  for (const ShardMeta* shard : shards) {
    out.StartObject();
    if (!shard->parent_id.empty()) {
      WriteKey(out, "ParentShardId");
      WriteString(out, shard->parent_id);
    }
    WriteKey(out, "SequenceNumberRange");
    out.StartObject();
    if (shard->closed()) {
      WriteKey(out, "EndingSequenceNumber");
      WriteString(out, engine::StreamSequenceNumber(shard->end_sequence));
    }
    WriteKey(out, "StartingSequenceNumber");
    WriteString(out, engine::StreamSequenceNumber(shard->start_sequence));
    out.EndObject();
    WriteKey(out, "ShardId");
    WriteString(out, shard->id);
    out.EndObject();
  }
  out.EndArray();
  WriteKey(out, "StreamArn");
  WriteString(out, meta.StreamArn(stream));
  WriteKey(out, "StreamLabel");
  WriteString(out, stream.label);
  WriteKey(out, "StreamStatus");
  WriteString(out, stream.enabled() ? "ENABLED" : "DISABLED");
  WriteKey(out, "StreamViewType");
  WriteString(out, engine::StreamViewTypeName(stream.view_type));
  WriteKey(out, "TableName");
  WriteString(out, meta.name);
  out.EndObject();
  out.EndObject();
  return Status::OK();
}

Status GetShardIterator(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string arn,
                        RequireString(request, "StreamArn", "streamArn", 37, 1024, errors));
  DDBD_ASSIGN_OR_RETURN(std::string shard_id,
                        RequireString(request, "ShardId", "shardId", 28, 65, errors));
  DDBD_ASSIGN_OR_RETURN(auto type, GetString(request, "ShardIteratorType"));
  if (!type) {
    errors.NotNull("shardIteratorType");
  } else if (*type != "TRIM_HORIZON" && *type != "LATEST" && *type != "AT_SEQUENCE_NUMBER" &&
             *type != "AFTER_SEQUENCE_NUMBER") {
    errors.Enum(*type, "shardIteratorType",
                "[TRIM_HORIZON, LATEST, AT_SEQUENCE_NUMBER, AFTER_SEQUENCE_NUMBER]");
  }
  DDBD_ASSIGN_OR_RETURN(auto sequence, GetString(request, "SequenceNumber"));
  if (sequence) errors.Length(*sequence, "sequenceNumber", 21, 40);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  const bool at_sequence = *type == "AT_SEQUENCE_NUMBER" || *type == "AFTER_SEQUENCE_NUMBER";
  if (at_sequence && !sequence) {
    return Status::Validation("Sequence number must be specified for ShardIteratorType " +
                              *type);  // message unverified
  }
  if (!at_sequence && sequence) {
    return Status::Validation("Sequence number must not be specified for ShardIteratorType " +
                              *type);  // message unverified
  }
  DDBD_ASSIGN_OR_RETURN(FoundStream found, FindStream(ctx, arn));
  const ShardMeta* shard = FindShard(*found.stream, shard_id);
  if (shard == nullptr) return ShardNotFound();
  DDBD_ASSIGN_OR_RETURN(uint64_t horizon, engine::ShardHorizon(*found.table, *shard));
  uint64_t position = 0;
  if (*type == "TRIM_HORIZON") {
    position = horizon;
  } else if (*type == "LATEST") {
    position = shard->closed() ? shard->end_sequence
                               : std::max(found.table->log().last_sequence(), horizon);
  } else {
    auto parsed = engine::ParseStreamSequenceNumber(*sequence);
    if (!parsed || *parsed < shard->start_sequence ||
        (shard->closed() && *parsed > shard->end_sequence)) {
      return Status::Validation("Invalid SequenceNumber: " + *sequence +
                                " is not in the range of shard " + shard_id);  // unverified
    }
    position = *type == "AT_SEQUENCE_NUMBER" ? *parsed - 1 : *parsed;
    if (position < horizon) {
      return Status(ErrorCode::kTrimmedDataAccess,
                    "The data you are trying to access has been trimmed");
    }
  }
  out.StartObject();
  WriteKey(out, "ShardIterator");
  WriteString(out, EncodeIterator({found.meta->StreamArn(*found.stream), shard->id, position,
                                   ctx.catalog.clock().NowMicros()}));
  out.EndObject();
  return Status::OK();
}

Status GetRecords(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string text,
                        RequireString(request, "ShardIterator", "shardIterator", 1, 2048, errors));
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  CheckLimit(limit, 1000, errors);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(IteratorState state, DecodeIterator(text));
  const int64_t now = ctx.catalog.clock().NowMicros();
  if (now - state.issued_us > kIteratorLifetimeUs) {
    return Status(ErrorCode::kExpiredIterator,
                  "The provided iterator exceeds the maximum age allowed.");  // unverified
  }
  DDBD_ASSIGN_OR_RETURN(FoundStream found, FindStream(ctx, state.stream_arn));
  const ShardMeta* shard = FindShard(*found.stream, state.shard_id);
  if (shard == nullptr) return ShardNotFound();
  DDBD_ASSIGN_OR_RETURN(engine::ShardRead read,
                        engine::ReadShard(*found.table, *found.stream, *shard, state.position,
                                          static_cast<size_t>(limit.value_or(1000))));
  out.StartObject();
  if (!read.closed_and_done) {
    WriteKey(out, "NextShardIterator");
    WriteString(out, EncodeIterator({state.stream_arn, shard->id, read.position, now}));
  }
  WriteKey(out, "Records");
  out.StartArray();
  for (const auto& record : read.records)
    triggers::WriteStreamRecord(out, *found.meta, *found.stream, record,
                                triggers::RecordReader::kGetRecords);
  out.EndArray();
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
