#include "engine/table_meta.h"

#include <algorithm>
#include <tuple>

#include "common/coding.h"

namespace ddbd::engine {

std::vector<const KeyElement*> IndexMeta::HashKeys() const {
  std::vector<const KeyElement*> out{&hash_key};
  for (const auto& key : more_hash_keys) out.push_back(&key);
  return out;
}

std::vector<const KeyElement*> IndexMeta::RangeKeys() const {
  std::vector<const KeyElement*> out;
  if (range_key) out.push_back(&*range_key);
  for (const auto& key : more_range_keys) out.push_back(&key);
  return out;
}

std::vector<const KeyElement*> IndexMeta::KeyElements() const {
  std::vector<const KeyElement*> out = HashKeys();
  for (const KeyElement* key : RangeKeys()) out.push_back(key);
  return out;
}

std::pair<int64_t, int64_t> InitialWarmThroughput(const TableMeta& meta, const IndexMeta* index) {
  if (meta.billing_mode == BillingMode::kPayPerRequest) {
    return {kOnDemandWarmReads, kOnDemandWarmWrites};
  }
  if (index != nullptr) return {index->read_capacity, index->write_capacity};
  return {meta.read_capacity, meta.write_capacity};
}

void RaiseWarmThroughput(TableMeta* meta) {
  auto [read, write] = InitialWarmThroughput(*meta, nullptr);
  meta->warm_read = std::max(meta->warm_read, read);
  meta->warm_write = std::max(meta->warm_write, write);
  for (auto& index : meta->indexes) {
    if (!index.global) continue;
    std::tie(read, write) = InitialWarmThroughput(*meta, &index);
    index.warm_read = std::max(index.warm_read, read);
    index.warm_write = std::max(index.warm_write, write);
  }
}

std::optional<TableArn> ParseTableArn(std::string_view arn) {
  constexpr std::string_view kPrefix = "arn:aws:dynamodb:";
  if (arn.substr(0, kPrefix.size()) != kPrefix) return std::nullopt;
  std::string_view rest = arn.substr(kPrefix.size());
  const size_t c1 = rest.find(':');
  const size_t c2 = c1 == std::string_view::npos ? c1 : rest.find(':', c1 + 1);
  if (c2 == std::string_view::npos) return std::nullopt;
  std::string_view resource = rest.substr(c2 + 1);
  if (resource.substr(0, 6) != "table/") return std::nullopt;
  resource.remove_prefix(6);
  const size_t slash = resource.find('/');
  TableArn out;
  out.region = rest.substr(0, c1);
  out.account = rest.substr(c1 + 1, c2 - c1 - 1);
  out.table = resource.substr(0, slash);
  if (slash != std::string_view::npos) out.sub = resource.substr(slash + 1);
  if (out.table.empty() || (slash != std::string_view::npos && out.sub.empty())) {
    return std::nullopt;
  }
  return out;
}

namespace {

// Version 2 added OnDemandThroughput at the end, version 3 the key prefix number (tables in
// the shared column families), version 4 the streams; older descriptors still decode (as
// tables with families of their own and no stream). Version 5 added Time to Live and
// contributor insights, version 6 warm throughput (older descriptors get the warm throughput
// their capacity gives). Version 7 added point-in-time recovery and restores in progress,
// version 8 imports in progress, version 9 multi-attribute GSI keys, version 10 global tables.
constexpr uint64_t kFormatVersion = 10;

void PutString(std::string* out, std::string_view s) { PutLengthPrefixed(out, s); }
void PutInt(std::string* out, int64_t v) { PutVarint64(out, static_cast<uint64_t>(v)); }
void PutKey(std::string* out, const KeyElement& k) {
  PutString(out, k.name);
  out->push_back(static_cast<char>(k.type));
}

struct Reader : FieldReader {
  KeyElement Key() {
    KeyElement k;
    k.name = String();
    k.type = static_cast<model::AttrType>(Byte());
    return k;
  }
};

}  // namespace

std::string EncodeTableMeta(const TableMeta& m) {
  std::string out;
  PutInt(&out, kFormatVersion);
  PutString(&out, m.account);
  PutString(&out, m.region);
  PutString(&out, m.name);
  PutString(&out, m.table_id);
  PutKey(&out, m.hash_key);
  out.push_back(m.range_key ? 1 : 0);
  if (m.range_key) PutKey(&out, *m.range_key);
  PutInt(&out, static_cast<int64_t>(m.attribute_definitions.size()));
  for (const auto& d : m.attribute_definitions) PutKey(&out, d);
  out.push_back(static_cast<char>(m.billing_mode));
  PutInt(&out, m.read_capacity);
  PutInt(&out, m.write_capacity);
  PutInt(&out, m.creation_time_ms);
  PutInt(&out, m.last_increase_ms);
  PutInt(&out, m.last_decrease_ms);
  PutInt(&out, m.decreases_today);
  PutInt(&out, m.billing_mode_update_ms);
  out.push_back(m.deletion_protection ? 1 : 0);
  PutString(&out, m.table_class);
  PutInt(&out, static_cast<int64_t>(m.tags.size()));
  for (const auto& [k, v] : m.tags) {
    PutString(&out, k);
    PutString(&out, v);
  }
  PutInt(&out, m.next_index_id);
  PutInt(&out, static_cast<int64_t>(m.indexes.size()));
  for (const auto& index : m.indexes) {
    out.push_back(index.global ? 1 : 0);
    PutString(&out, index.name);
    PutInt(&out, index.id);
    PutKey(&out, index.hash_key);
    out.push_back(index.range_key ? 1 : 0);
    if (index.range_key) PutKey(&out, *index.range_key);
    out.push_back(static_cast<char>(index.projection));
    PutInt(&out, static_cast<int64_t>(index.non_key_attributes.size()));
    for (const auto& a : index.non_key_attributes) PutString(&out, a);
    PutInt(&out, index.read_capacity);
    PutInt(&out, index.write_capacity);
    out.push_back(static_cast<char>(index.status));
    out.push_back(index.backfilling ? 1 : 0);
    PutInt(&out, static_cast<int64_t>(index.backfill_start_sequence));
  }
  PutInt(&out, m.max_read_request_units);
  PutInt(&out, m.max_write_request_units);
  PutInt(&out, static_cast<int64_t>(m.key_prefix));
  PutInt(&out, static_cast<int64_t>(m.streams.size()));
  for (const auto& stream : m.streams) {
    PutString(&out, stream.label);
    PutInt(&out, stream.created_ms);
    out.push_back(static_cast<char>(stream.view_type));
    PutInt(&out, static_cast<int64_t>(stream.start_sequence));
    PutInt(&out, static_cast<int64_t>(stream.end_sequence));
    PutInt(&out, stream.disabled_ms);
    PutInt(&out, static_cast<int64_t>(stream.shards.size()));
    for (const auto& shard : stream.shards) {
      PutString(&out, shard.id);
      PutInt(&out, static_cast<int64_t>(shard.hash_begin));
      PutInt(&out, static_cast<int64_t>(shard.hash_end));
      PutInt(&out, static_cast<int64_t>(shard.start_sequence));
      PutInt(&out, static_cast<int64_t>(shard.end_sequence));
      PutString(&out, shard.parent_id);
      PutInt(&out, shard.created_ms);
      PutInt(&out, shard.closed_ms);
    }
  }
  PutString(&out, m.ttl_attribute);
  out.push_back(m.ttl_enabled ? 1 : 0);
  PutInt(&out, m.ttl_modified_ms);
  out.push_back(m.ttl_indexed ? 1 : 0);
  PutInt(&out, static_cast<int64_t>(m.insights.size()));
  for (const auto& i : m.insights) {
    PutString(&out, i.index);
    out.push_back(i.enabled ? 1 : 0);
    PutString(&out, i.mode);
    PutInt(&out, i.updated_ms);
  }
  PutString(&out, m.sse_kms_key_arn);
  PutInt(&out, m.warm_read);
  PutInt(&out, m.warm_write);
  for (const auto& index : m.indexes) {
    PutInt(&out, index.warm_read);
    PutInt(&out, index.warm_write);
  }
  out.push_back(m.pitr_enabled ? 1 : 0);
  PutInt(&out, m.pitr_days);
  PutInt(&out, m.pitr_since_ms);
  out.push_back(m.restore.in_progress ? 1 : 0);
  PutString(&out, m.restore.backup_id);
  PutString(&out, m.restore.source_table_id);
  PutInt(&out, static_cast<int64_t>(m.restore.sequence));
  PutString(&out, m.restore.source_table_arn);
  PutString(&out, m.restore.source_backup_arn);
  PutInt(&out, m.restore.time_ms);
  PutString(&out, m.restore.import_id);
  for (const auto& index : m.indexes) {
    for (const auto* keys : {&index.more_hash_keys, &index.more_range_keys}) {
      PutInt(&out, static_cast<int64_t>(keys->size()));
      for (const auto& key : *keys) PutKey(&out, key);
    }
  }
  PutString(&out, m.global_version);
  PutString(&out, m.replica_source);
  return out;
}

bool DecodeTableMeta(std::string_view in, TableMeta* m) {
  Reader r;
  r.in = in;
  int64_t version = r.Int();
  if (version < 1 || version > static_cast<int64_t>(kFormatVersion)) return false;
  m->account = r.String();
  m->region = r.String();
  m->name = r.String();
  m->table_id = r.String();
  m->hash_key = r.Key();
  if (r.Byte()) m->range_key = r.Key();
  int64_t n = r.Int();
  for (int64_t i = 0; r.ok && i < n; ++i) m->attribute_definitions.push_back(r.Key());
  m->billing_mode = static_cast<BillingMode>(r.Byte());
  m->read_capacity = r.Int();
  m->write_capacity = r.Int();
  m->creation_time_ms = r.Int();
  m->last_increase_ms = r.Int();
  m->last_decrease_ms = r.Int();
  m->decreases_today = r.Int();
  m->billing_mode_update_ms = r.Int();
  m->deletion_protection = r.Byte() != 0;
  m->table_class = r.String();
  n = r.Int();
  for (int64_t i = 0; r.ok && i < n; ++i) {
    std::string k = r.String();
    m->tags.emplace_back(std::move(k), r.String());
  }
  m->next_index_id = static_cast<uint32_t>(r.Int());
  n = r.Int();
  for (int64_t i = 0; r.ok && i < n; ++i) {
    IndexMeta index;
    index.global = r.Byte() != 0;
    index.name = r.String();
    index.id = static_cast<uint32_t>(r.Int());
    index.hash_key = r.Key();
    if (r.Byte()) index.range_key = r.Key();
    index.projection = static_cast<ProjectionType>(r.Byte());
    int64_t attrs = r.Int();
    for (int64_t j = 0; r.ok && j < attrs; ++j) index.non_key_attributes.push_back(r.String());
    index.read_capacity = r.Int();
    index.write_capacity = r.Int();
    index.status = static_cast<IndexStatus>(r.Byte());
    index.backfilling = r.Byte() != 0;
    index.backfill_start_sequence = static_cast<uint64_t>(r.Int());
    m->indexes.push_back(std::move(index));
  }
  if (version >= 2) {
    m->max_read_request_units = r.Int();
    m->max_write_request_units = r.Int();
  }
  if (version >= 3) m->key_prefix = static_cast<uint64_t>(r.Int());
  if (version >= 4) {
    int64_t streams = r.Int();
    for (int64_t i = 0; r.ok && i < streams; ++i) {
      StreamMeta stream;
      stream.label = r.String();
      stream.created_ms = r.Int();
      stream.view_type = static_cast<StreamViewType>(r.Byte());
      stream.start_sequence = static_cast<uint64_t>(r.Int());
      stream.end_sequence = static_cast<uint64_t>(r.Int());
      stream.disabled_ms = r.Int();
      int64_t shards = r.Int();
      for (int64_t j = 0; r.ok && j < shards; ++j) {
        ShardMeta shard;
        shard.id = r.String();
        shard.hash_begin = static_cast<uint64_t>(r.Int());
        shard.hash_end = static_cast<uint64_t>(r.Int());
        shard.start_sequence = static_cast<uint64_t>(r.Int());
        shard.end_sequence = static_cast<uint64_t>(r.Int());
        shard.parent_id = r.String();
        shard.created_ms = r.Int();
        shard.closed_ms = r.Int();
        stream.shards.push_back(std::move(shard));
      }
      m->streams.push_back(std::move(stream));
    }
  }
  if (version >= 5) {
    m->ttl_attribute = r.String();
    m->ttl_enabled = r.Byte() != 0;
    m->ttl_modified_ms = r.Int();
    m->ttl_indexed = r.Byte() != 0;
    int64_t insights = r.Int();
    for (int64_t i = 0; r.ok && i < insights; ++i) {
      TableMeta::InsightsSetting setting;
      setting.index = r.String();
      setting.enabled = r.Byte() != 0;
      setting.mode = r.String();
      setting.updated_ms = r.Int();
      m->insights.push_back(std::move(setting));
    }
    m->sse_kms_key_arn = r.String();
  }
  if (version >= 6) {
    m->warm_read = r.Int();
    m->warm_write = r.Int();
    for (auto& index : m->indexes) {
      index.warm_read = r.Int();
      index.warm_write = r.Int();
    }
  } else {
    RaiseWarmThroughput(m);
  }
  if (version >= 7) {
    m->pitr_enabled = r.Byte() != 0;
    m->pitr_days = r.Int();
    m->pitr_since_ms = r.Int();
    m->restore.in_progress = r.Byte() != 0;
    m->restore.backup_id = r.String();
    m->restore.source_table_id = r.String();
    m->restore.sequence = static_cast<uint64_t>(r.Int());
    m->restore.source_table_arn = r.String();
    m->restore.source_backup_arn = r.String();
    m->restore.time_ms = r.Int();
  }
  if (version >= 8) m->restore.import_id = r.String();
  if (version >= 9) {
    for (auto& index : m->indexes) {
      for (auto* keys : {&index.more_hash_keys, &index.more_range_keys}) {
        const int64_t count = r.Int();
        for (int64_t i = 0; r.ok && i < count; ++i) keys->push_back(r.Key());
      }
    }
  }
  if (version >= 10) {
    m->global_version = r.String();
    m->replica_source = r.String();
  }
  return r.ok && r.in.empty();
}

}  // namespace ddbd::engine
