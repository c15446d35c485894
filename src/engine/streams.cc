#include "engine/streams.h"

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "common/hash.h"
#include "model/item_size.h"

namespace ddbd::engine {
namespace {

constexpr size_t kMaxReadBytes = 1024 * 1024;  // GetRecords: 1 MB
constexpr size_t kMaxScanPerRead = 10000;      // a sparse shard is read in steps

std::string ShardId(int64_t created_ms, const std::string& label, uint64_t begin, uint64_t start) {
  char buf[64];
  uint64_t h = StableHash64(label + "/" + std::to_string(begin) + "/" + std::to_string(start));
  std::snprintf(buf, sizeof(buf), "shardId-%020lld-%08x", static_cast<long long>(created_ms),
                static_cast<unsigned>(h & 0xFFFFFFFFu));
  return buf;
}

// The partitions' hash ranges [begin, end) (end 0 = 2^64).
std::vector<std::pair<uint64_t, uint64_t>> PartitionRanges(const Table& table) {
  std::vector<uint64_t> starts = table.partitions().starts();
  std::vector<std::pair<uint64_t, uint64_t>> ranges;
  for (size_t i = 0; i < starts.size(); ++i) {
    ranges.emplace_back(starts[i], i + 1 < starts.size() ? starts[i + 1] : 0);
  }
  return ranges;
}

// True if [b, e) lies within [outer_b, outer_e) (ends 0 = 2^64).
bool Within(uint64_t b, uint64_t e, uint64_t outer_b, uint64_t outer_e) {
  auto end = [](uint64_t x) { return x == 0 ? ~uint64_t{0} : x - 1; };  // inclusive ends
  return b >= outer_b && end(e) <= end(outer_e);
}

StreamMeta* EnabledStreamOf(TableMeta* meta) {
  return !meta->streams.empty() && meta->streams.back().enabled() ? &meta->streams.back() : nullptr;
}

bool NeedsSync(const StreamMeta& stream, const std::vector<std::pair<uint64_t, uint64_t>>& ranges) {
  for (const auto& shard : stream.shards) {
    if (shard.closed()) continue;
    bool matches = false;
    for (const auto& [b, e] : ranges) matches |= b == shard.hash_begin && e == shard.hash_end;
    if (!matches) return true;
  }
  return false;
}

bool SameItem(const model::Item& a, const model::Item& b) {
  if (a.size() != b.size()) return false;
  for (auto x = a.begin(), y = b.begin(); x != a.end(); ++x, ++y) {
    if (x->first != y->first || !model::Equal(x->second, y->second)) return false;
  }
  return true;
}

// Keys + the images the view type shows, by item size (the service's SizeBytes).
size_t RecordSize(const TableMeta& meta, const StreamMeta& stream, const changelog::Record& r) {
  const model::Item& any = r.new_image ? *r.new_image : *r.old_image;
  size_t size = 0;
  for (const KeyElement* key : {&meta.hash_key, meta.range_key ? &*meta.range_key : nullptr}) {
    if (key == nullptr) continue;
    auto it = any.find(key->name);
    if (it != any.end()) size += key->name.size() + model::ValueSize(it->second);
  }
  const bool show_new = stream.view_type == StreamViewType::kNewImage ||
                        stream.view_type == StreamViewType::kNewAndOldImages;
  const bool show_old = stream.view_type == StreamViewType::kOldImage ||
                        stream.view_type == StreamViewType::kNewAndOldImages;
  if (show_new && r.new_image) size += model::ItemSize(*r.new_image);
  if (show_old && r.old_image) size += model::ItemSize(*r.old_image);
  return size;
}

}  // namespace

std::string StreamLabel(int64_t ms) {
  std::time_t seconds = static_cast<std::time_t>(ms / 1000);
  std::tm tm;
  gmtime_r(&seconds, &tm);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03d", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<int>(ms % 1000));
  return buf;
}

std::string StreamSequenceNumber(uint64_t log_sequence) {
  return std::to_string(log_sequence) + std::string(20, '0');
}

std::optional<uint64_t> ParseStreamSequenceNumber(std::string_view text) {
  if (text.size() < 21 || text.size() > 40) return std::nullopt;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
  }
  if (text.substr(text.size() - 20) != std::string(20, '0') || text[0] == '0') {
    return std::nullopt;
  }
  uint64_t value = 0;
  for (char c : text.substr(0, text.size() - 20)) {
    if (value > (~uint64_t{0} - 9) / 10) return std::nullopt;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  return value;
}

std::string StreamConsumer(const StreamMeta& stream) { return "stream/" + stream.label; }

Status EnableStream(Catalog& catalog, Table& table, TableMeta* meta, storage::WriteBatch* batch,
                    StreamViewType view_type) {
  StreamMeta stream;
  stream.created_ms = catalog.clock().NowMillis();
  // Labels name streams: a new one never repeats an earlier label.
  if (!meta->streams.empty() && stream.created_ms <= meta->streams.back().created_ms) {
    stream.created_ms = meta->streams.back().created_ms + 1;
  }
  stream.label = StreamLabel(stream.created_ms);
  stream.view_type = view_type;
  std::lock_guard commit(table.log().commit_mutex());
  stream.start_sequence = table.log().last_sequence() + 1;
  for (const auto& [b, e] : PartitionRanges(table)) {
    ShardMeta shard;
    shard.hash_begin = b;
    shard.hash_end = e;
    shard.start_sequence = stream.start_sequence;
    shard.created_ms = stream.created_ms;
    shard.id = ShardId(shard.created_ms, stream.label, b, shard.start_sequence);
    stream.shards.push_back(std::move(shard));
  }
  table.log().SetHold(batch, StreamConsumer(stream), kStreamRetentionSeconds);
  meta->streams.push_back(std::move(stream));
  return Status::OK();
}

Status DisableStream(Catalog& catalog, Table& table, TableMeta* meta) {
  StreamMeta* stream = EnabledStreamOf(meta);
  if (stream == nullptr) return Status::OK();
  const int64_t now = catalog.clock().NowMillis();
  std::lock_guard commit(table.log().commit_mutex());
  stream->end_sequence = std::max(table.log().last_sequence(), stream->start_sequence - 1);
  stream->disabled_ms = now;
  for (auto& shard : stream->shards) {
    if (shard.closed()) continue;
    shard.closed_ms = now;
    shard.end_sequence = std::max(stream->end_sequence, shard.start_sequence - 1);
  }
  return Status::OK();
}

Status SyncShards(Catalog& catalog, Table& table) {
  auto current = table.shared_meta();
  const StreamMeta* enabled = current->EnabledStream();
  if (enabled == nullptr || !NeedsSync(*enabled, PartitionRanges(table))) return Status::OK();
  return catalog
      .Modify(table,
              [&](TableMeta* meta) -> Status {
                StreamMeta* stream = EnabledStreamOf(meta);
                if (stream == nullptr) return Status::OK();
                const auto ranges = PartitionRanges(table);
                const int64_t now = catalog.clock().NowMillis();
                std::lock_guard commit(table.log().commit_mutex());
                const uint64_t boundary = table.log().last_sequence();
                std::vector<ShardMeta> children;
                for (auto& shard : stream->shards) {
                  if (shard.closed()) continue;
                  bool matches = false;
                  for (const auto& [b, e] : ranges) {
                    matches |= b == shard.hash_begin && e == shard.hash_end;
                  }
                  if (matches) continue;
                  // The partition split: records up to the boundary stay in this shard, later
                  // ones go to the shards of the new partitions.
                  shard.closed_ms = now;
                  shard.end_sequence = std::max(boundary, shard.start_sequence - 1);
                  for (const auto& [b, e] : ranges) {
                    if (!Within(b, e, shard.hash_begin, shard.hash_end)) continue;
                    ShardMeta child;
                    child.hash_begin = b;
                    child.hash_end = e;
                    child.start_sequence = shard.end_sequence + 1;
                    child.parent_id = shard.id;
                    child.created_ms = now;
                    child.id = ShardId(now, stream->label, b, child.start_sequence);
                    children.push_back(std::move(child));
                  }
                }
                for (auto& child : children) stream->shards.push_back(std::move(child));
                return Status::OK();
              })
      .status();
}

Status PruneStreams(Catalog& catalog, Table& table) {
  const int64_t cutoff = catalog.clock().NowMillis() - kStreamRetentionSeconds * 1000;
  auto current = table.shared_meta();
  bool any = false;
  for (const auto& stream : current->streams) {
    any |= !stream.enabled() && stream.disabled_ms < cutoff;
  }
  if (!any) return Status::OK();
  return catalog
      .Modify(table,
              [&](TableMeta* meta, storage::WriteBatch* batch) -> Status {
                auto& streams = meta->streams;
                for (auto it = streams.begin(); it != streams.end();) {
                  if (!it->enabled() && it->disabled_ms < cutoff) {
                    table.log().DropHold(batch, StreamConsumer(*it));
                    it = streams.erase(it);
                  } else {
                    ++it;
                  }
                }
                return Status::OK();
              })
      .status();
}

Result<uint64_t> ShardHorizon(const Table& table, const ShardMeta& shard) {
  DDBD_ASSIGN_OR_RETURN(uint64_t first, table.log().FirstSequence());
  // Everything before the first kept record (all of it when the log is empty) is trimmed.
  const uint64_t trimmed_through = first == 0 ? table.log().last_sequence() : first - 1;
  return std::max(shard.start_sequence - 1, trimmed_through);
}

Result<bool> ShardTrimmed(const Table& table, const ShardMeta& shard) {
  if (!shard.closed()) return false;
  DDBD_ASSIGN_OR_RETURN(uint64_t horizon, ShardHorizon(table, shard));
  return horizon >= shard.end_sequence && shard.end_sequence >= shard.start_sequence;
}

Result<ShardRead> ReadShard(const Table& table, const StreamMeta& stream, const ShardMeta& shard,
                            uint64_t position, size_t limit) {
  const TableMeta& meta = *table.shared_meta();
  DDBD_ASSIGN_OR_RETURN(uint64_t horizon, ShardHorizon(table, shard));
  if (position < horizon && position + 1 < (shard.closed() ? shard.end_sequence + 1 : ~0ull)) {
    return Status(ErrorCode::kTrimmedDataAccess,
                  "The data you are trying to access has been trimmed");
  }
  ShardRead out;
  out.position = std::max(position, shard.start_sequence - 1);
  const uint64_t upto = shard.closed() ? shard.end_sequence : ~uint64_t{0};
  const changelog::HashRange range{shard.hash_begin, shard.hash_end};
  DDBD_ASSIGN_OR_RETURN(auto scan,
                        table.log().Scan(out.position, upto, limit, kMaxScanPerRead, &range));
  out.position = scan.scanned_through;
  size_t bytes = 0;
  for (auto& record : scan.records) {
    // A write that changed nothing is no stream record.
    if (record.old_image && record.new_image && SameItem(*record.old_image, *record.new_image)) {
      continue;
    }
    StreamRecord r;
    r.size_bytes = RecordSize(meta, stream, record);
    if (!out.records.empty() && bytes + r.size_bytes > kMaxReadBytes) {
      out.position = out.records.back().record.sequence;
      break;
    }
    bytes += r.size_bytes;
    r.record = std::move(record);
    out.records.push_back(std::move(r));
  }
  out.closed_and_done = shard.closed() && out.position >= shard.end_sequence;
  return out;
}

}  // namespace ddbd::engine
