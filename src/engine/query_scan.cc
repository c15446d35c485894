#include "engine/query_scan.h"

#include <functional>

#include "common/coding.h"
#include "engine/capacity.h"
#include "engine/index.h"
#include "model/item_size.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {
namespace {

using SortOp = KeyCondition::SortOp;

std::string WithComponent(const std::string& prefix, const model::AttributeValue& value) {
  std::string out = prefix;
  storage::AppendKeyComponent(&out, value);
  return out;
}

// Where an index's entries live: (key space, index id within it).
Result<std::pair<storage::KeySpace, uint32_t>> Location(const Table& table,
                                                        const IndexMeta* index) {
  if (index == nullptr) return std::make_pair(table.data(), storage::kBaseIndexId);
  if (!index->global) return std::make_pair(table.data(), index->id);
  auto space = table.IndexSpace(index->id);
  if (!space) return Status::Internal("missing key space of index " + index->name);
  return std::make_pair(std::move(*space), storage::kBaseIndexId);
}

// Reads one page of [lower, upper) in the requested direction.
Result<PageResult> ReadRange(Catalog& catalog, const Table& table, const storage::KeySpace& space,
                             std::string lower, std::string upper, const PageRequest& page) {
  PageResult result;
  auto it = catalog.store()->NewIterator(space, std::move(lower), std::move(upper));
  if (page.forward) {
    if (page.start_after) {
      it->Seek(*page.start_after);
      if (it->Valid() && it->key() == *page.start_after) it->Next();
    } else {
      it->SeekToFirst();
    }
  } else {
    if (page.start_after) {
      it->SeekForPrev(*page.start_after);
      if (it->Valid() && it->key() == *page.start_after) it->Prev();
    } else {
      it->SeekToLast();
    }
  }
  for (; it->Valid(); page.forward ? it->Next() : it->Prev()) {
    model::Item item;
    if (!model::DecodeItem(it->value(), &item)) {
      return Status::Internal("corrupt item in table " + table.name());
    }
    result.bytes_read += model::ItemSize(item);
    result.items.push_back(std::move(item));
    if ((page.limit != 0 && result.items.size() >= page.limit) ||
        result.bytes_read >= page.max_bytes) {
      result.stopped_early = true;
      break;
    }
  }
  DDBD_RETURN_IF_ERROR(it->status());
  return result;
}

// The partitions a read of `index` (null: the table) is metered on.
PartitionMap& MeterOf(const Table& table, const IndexMeta* index) {
  if (index != nullptr && index->global) {
    if (PartitionMap* map = table.IndexPartitions(index->id)) return *map;
  }
  return table.partitions();
}

// Admission before a page is read, charge after: throttled reads return the service's error.
// `per_key`: the read is of one partition key (Query), subject to the key's own ceiling.
Result<PageResult> Metered(const Table& table, const IndexMeta* index, uint64_t hash, bool per_key,
                           const PageRequest& page,
                           const std::function<Result<PageResult>()>& read) {
  PartitionMap& meter = MeterOf(table, index);
  if (auto admission = meter.AdmitRead(hash, per_key);
      admission != PartitionMap::Admission::kAdmitted) {
    meter.NoteThrottledRead(hash);
    return ThrottleError(*table.shared_meta(),
                         index != nullptr && index->global ? index->name : std::string(), false,
                         admission);
  }
  DDBD_ASSIGN_OR_RETURN(PageResult result, read());
  result.units = ReadUnits(result.bytes_read, page.consistent);
  meter.ChargeRead(hash, result.units, per_key);
  return result;
}

}  // namespace

void SetCompositeSortCondition(KeyCondition* c,
                               const std::vector<const model::AttributeValue*>& equal,
                               KeyCondition::SortOp op, const model::AttributeValue& v1,
                               const model::AttributeValue& v2) {
  std::string prefix;  // the composite bytes of the leading values
  for (const auto* value : equal) storage::AppendKeyComponent(&prefix, *value);
  auto with = [&](const model::AttributeValue& v) {
    std::string s = prefix;
    storage::AppendKeyComponent(&s, v);
    return s;
  };
  // Encodings are self-delimiting, so the composites that start with `with(v)` are exactly
  // those whose next attribute equals v; PrefixEnd of "" is "", no upper bound.
  c->sort_op = SortOp::kRawRange;
  switch (op) {
    case SortOp::kEq:
      c->raw_lower = with(v1);
      c->raw_upper = storage::PrefixEnd(c->raw_lower);
      break;
    case SortOp::kLt:
      c->raw_lower = prefix;
      c->raw_upper = with(v1);
      break;
    case SortOp::kLe:
      c->raw_lower = prefix;
      c->raw_upper = storage::PrefixEnd(with(v1));
      break;
    case SortOp::kGt:
      c->raw_lower = storage::PrefixEnd(with(v1));
      c->raw_upper = storage::PrefixEnd(prefix);
      break;
    case SortOp::kGe:
      c->raw_lower = with(v1);
      c->raw_upper = storage::PrefixEnd(prefix);
      break;
    case SortOp::kBetween:
      c->raw_lower = with(v1);
      c->raw_upper = storage::PrefixEnd(with(v2));
      break;
    case SortOp::kBeginsWith:
      c->raw_lower = prefix;
      storage::AppendKeyPrefixComponent(&c->raw_lower, v1);
      c->raw_upper = storage::PrefixEnd(c->raw_lower);
      break;
    case SortOp::kNone:
    case SortOp::kRawRange:
      c->raw_lower = prefix;
      c->raw_upper = storage::PrefixEnd(prefix);
      break;
  }
}

Result<PageResult> QueryPage(Catalog& catalog, const Table& table, const IndexMeta* index,
                             const KeyCondition& c, const PageRequest& page) {
  DDBD_ASSIGN_OR_RETURN(auto location, Location(table, index));
  if (index != nullptr && index->global) catalog.WaitForGsi(table, index->id);
  const std::string prefix = storage::EncodePartitionPrefix(location.second, c.hash);
  std::string lower = prefix;
  std::string upper = storage::PrefixEnd(prefix);
  switch (c.sort_op) {
    case SortOp::kNone:
      break;
    case SortOp::kEq:
      lower = WithComponent(prefix, c.sort_value);
      upper = storage::PrefixEnd(lower);
      break;
    case SortOp::kLt:
      upper = WithComponent(prefix, c.sort_value);
      break;
    case SortOp::kLe:
      upper = storage::PrefixEnd(WithComponent(prefix, c.sort_value));
      break;
    case SortOp::kGt:
      lower = storage::PrefixEnd(WithComponent(prefix, c.sort_value));
      break;
    case SortOp::kGe:
      lower = WithComponent(prefix, c.sort_value);
      break;
    case SortOp::kBetween:
      lower = WithComponent(prefix, c.sort_value);
      upper = storage::PrefixEnd(WithComponent(prefix, c.sort_value2));
      break;
    case SortOp::kBeginsWith: {
      lower = prefix;
      storage::AppendKeyPrefixComponent(&lower, c.sort_value);
      upper = storage::PrefixEnd(lower);
      break;
    }
    case SortOp::kRawRange: {
      // The escaped bytes of a composite value without its terminator sort at or below every
      // encoded composite that is at or above the value, and above every smaller one.
      lower = prefix;
      storage::AppendKeyPrefixComponent(&lower, model::AttributeValue::Binary(c.raw_lower));
      if (!c.raw_upper.empty()) {
        upper = prefix;
        storage::AppendKeyPrefixComponent(&upper, model::AttributeValue::Binary(c.raw_upper));
      }
      break;
    }
  }
  if (upper.empty()) upper = storage::IndexUpperBound(location.second);
  auto result = Metered(table, index, storage::PartitionHash(c.hash), true, page,
                        [&]() -> Result<PageResult> {
                          if (lower >= upper) return PageResult();
                          return ReadRange(catalog, table, location.first, lower, upper, page);
                        });
  // Contributor insights count a Query against its partition key.
  const std::string index_name = index != nullptr && index->global ? index->name : "";
  const bool throttled =
      !result.ok() && (result.status().code() == ErrorCode::kProvisionedThroughputExceeded ||
                       result.status().code() == ErrorCode::kThrottling);
  if ((result.ok() || throttled) && table.insights_on()) {
    catalog.insights().Note(*table.shared_meta(), index_name, c.hash, nullptr,
                            result.ok() ? result->units : 0, throttled);
  }
  return result;
}

Result<PageResult> ScanPage(Catalog& catalog, const Table& table, const IndexMeta* index,
                            uint32_t segment, uint32_t total_segments, const PageRequest& page) {
  DDBD_ASSIGN_OR_RETURN(auto location, Location(table, index));
  if (index != nullptr && index->global) catalog.WaitForGsi(table, index->id);
  // Segment i owns hashes [i * 2^64 / n, (i + 1) * 2^64 / n).
  auto bound = [&](uint32_t i) -> uint64_t {
    if (i >= total_segments) return 0;  // end of the hash space
    return static_cast<uint64_t>((static_cast<unsigned __int128>(i) << 64) / total_segments);
  };
  auto [lower, upper] = storage::HashRange(location.second, bound(segment), bound(segment + 1));
  return Metered(table, index, bound(segment), false, page, [&]() -> Result<PageResult> {
    return ReadRange(catalog, table, location.first, lower, upper, page);
  });
}

Result<double> FetchFromTable(Catalog& catalog, const Table& table, std::vector<model::Item>* items,
                              bool consistent) {
  size_t bytes = 0;
  for (auto& item : *items) {
    auto key = ValidateKey(table, IndexKeyOf(*table.shared_meta(), nullptr, item));
    if (!key.ok()) continue;
    DDBD_ASSIGN_OR_RETURN(ReadResult base, GetItemUnmetered(catalog, table, *key));
    if (base.item) {
      bytes += base.size;
      item = std::move(*base.item);
    }
  }
  if (bytes == 0) return 0.0;
  double units = ReadUnits(bytes, consistent);
  uint64_t hash = 0;
  if (!items->empty()) {
    auto it = items->front().find(table.hash_key().name);
    if (it != items->front().end()) hash = storage::PartitionHash(it->second);
  }
  table.partitions().ChargeRead(hash, units);
  return units;
}

uint32_t SegmentOf(std::string_view storage_key, uint32_t total_segments) {
  if (storage_key.size() < 12) return 0;
  uint64_t hash = DecodeFixed64BE(storage_key.data() + 4);
  return static_cast<uint32_t>((static_cast<unsigned __int128>(hash) * total_segments) >> 64);
}

}  // namespace ddbd::engine
