// Tests for src/engine: the catalog (tables, persistence, paging), the table descriptor codec,
// and the single-item write path (key validation, Mutate, stats, the change log).
#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "common/coding.h"
#include "engine/capacity.h"
#include "engine/catalog.h"
#include "engine/gsi_applier.h"
#include "engine/item_ops.h"
#include "engine/table_meta.h"
#include "model/attribute_value.h"
#include "model/item_size.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"
#include "storage/rocks.h"
#include "testutil/testutil.h"

namespace ddbd::engine {
namespace {

using model::AttributeValue;
using model::AttrType;
using model::Item;
using model::Number;

constexpr char kAccount[] = "123456789012";
constexpr char kRegion[] = "us-east-1";

using testutil::B;
using testutil::N;
using testutil::S;
using testutil::TempDir;

TableMeta MakeMeta(std::string name, std::optional<KeyElement> range = std::nullopt,
                   KeyElement hash = {"pk", AttrType::kS}) {
  TableMeta meta;
  meta.account = kAccount;
  meta.region = kRegion;
  meta.name = std::move(name);
  meta.hash_key = hash;
  meta.attribute_definitions.push_back(hash);
  if (range) {
    meta.range_key = range;
    meta.attribute_definitions.push_back(*range);
  }
  meta.read_capacity = 5;
  meta.write_capacity = 5;
  return meta;
}

// A decoded change-log record (docs/formats/change-log.md).
struct Change {
  uint64_t sequence = 0;
  uint64_t time_us = 0;
  int origin = -1;
  std::string key;
  std::optional<Item> old_item, new_item;
};

// The table's change log as the changelog module reads it.
std::vector<Change> ReadLog(storage::Store&, const Table& table) {
  std::vector<changelog::Record> records;
  EXPECT_TRUE(table.log().Read(0, 1 << 20, &records).ok());
  std::vector<Change> changes;
  for (auto& r : records) {
    changes.push_back(Change{r.sequence, static_cast<uint64_t>(r.time_us),
                             static_cast<int>(r.origin), r.key, std::move(r.old_image),
                             std::move(r.new_image)});
  }
  return changes;
}

class EngineTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.in_memory = true;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    auto catalog = Catalog::Open(store_.get());
    ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
    catalog_ = std::move(catalog).value();
  }
  void TearDown() override {
    catalog_.reset();
    store_.reset();
  }

  std::shared_ptr<Table> CreateTable(TableMeta meta) {
    auto r = catalog_->Create(std::move(meta));
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : nullptr;
  }

  PrimaryKey Key(const Table& table, const Item& item) {
    auto r = ValidateItemKey(table, item);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : PrimaryKey();
  }

  Result<MutationResult> Put(Table& table, const Item& item) {
    PrimaryKey key = Key(table, item);
    return Mutate(*catalog_, table, key, [&](const Item*) -> Result<MutationDecision> {
      return MutationDecision{MutationDecision::Kind::kPut, item};
    });
  }
  Result<MutationResult> Delete(Table& table, const PrimaryKey& key) {
    return Mutate(*catalog_, table, key, [](const Item*) -> Result<MutationDecision> {
      return MutationDecision{MutationDecision::Kind::kDelete, {}};
    });
  }
  std::optional<Item> Get(const Table& table, const PrimaryKey& key) {
    auto r = GetItem(*catalog_, table, key, true);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->item : std::nullopt;
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Catalog> catalog_;
};

// ---------------------------------------------------------------------------------- catalog

TEST(TableArnTest, ParsesWhatArnAndStreamArnWrite) {
  TableMeta meta;
  meta.name = "my-table.1";
  meta.account = kAccount;
  meta.region = kRegion;
  auto arn = ParseTableArn(meta.Arn());
  ASSERT_TRUE(arn.has_value());
  EXPECT_EQ(arn->table, "my-table.1");
  EXPECT_TRUE(arn->Of(kAccount, kRegion));
  EXPECT_FALSE(arn->Of(kAccount, "eu-west-1"));
  EXPECT_TRUE(arn->sub.empty());
  EXPECT_FALSE(arn->StreamLabel().has_value());

  StreamMeta stream;
  stream.label = "2026-12-03T00:00:00.000";
  auto stream_arn = ParseTableArn(meta.StreamArn(stream));
  ASSERT_TRUE(stream_arn.has_value());
  EXPECT_EQ(stream_arn->table, "my-table.1");
  EXPECT_EQ(stream_arn->StreamLabel(), stream.label);

  for (const char* bad :
       {"", "arn:aws:dynamodb:r:a", "arn:aws:dynamodb:r:a:table/", "arn:aws:dynamodb:r:a:table/t/",
        "arn:aws:dynamodb:r:a:backup/t", "arn:aws:s3:r:a:table/t", "table/t"}) {
    EXPECT_FALSE(ParseTableArn(bad).has_value()) << bad;
  }
  EXPECT_FALSE(ParseTableArn("arn:aws:dynamodb:r:a:table/t/index/i")->StreamLabel());
  EXPECT_FALSE(ParseTableArn("arn:aws:dynamodb:r:a:table/t/stream/")->StreamLabel());
}

TEST_F(EngineTest, CreateThenFind) {
  auto table = CreateTable(MakeMeta("t", KeyElement{"sk", AttrType::kN}));
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->name(), "t");
  EXPECT_EQ(table->hash_key().name, "pk");
  ASSERT_TRUE(table->range_key().has_value());
  EXPECT_EQ(table->range_key()->type, AttrType::kN);
  // A version-4 UUID, filled in by Create, as is the creation time.
  const std::string& id = table->table_id();
  ASSERT_EQ(id.size(), 36u);
  EXPECT_EQ(id[8], '-');
  EXPECT_EQ(id[14], '4');
  EXPECT_NE(std::string("89ab").find(id[19]), std::string::npos);
  EXPECT_GT(table->meta().creation_time_ms, 1600000000000);
  EXPECT_EQ(table->meta().Arn(), "arn:aws:dynamodb:us-east-1:123456789012:table/t");

  EXPECT_EQ(catalog_->Find(kAccount, kRegion, "t"), table);
  EXPECT_EQ(catalog_->Find(kAccount, kRegion, "T"), nullptr);
  EXPECT_EQ(catalog_->Find(kAccount, "eu-west-1", "t"), nullptr);
  EXPECT_EQ(catalog_->Find("210987654321", kRegion, "t"), nullptr);
  // The table lives under a key prefix of its own in the shared families: no column family
  // of its own (creating and dropping tables is cheap).
  EXPECT_FALSE(table->legacy_layout());
  EXPECT_EQ(store_->Find("d-" + id), nullptr);
  EXPECT_EQ(table->data().cf, store_->shared(storage::kItemsFamily));
  EXPECT_EQ(table->log().space().cf, store_->shared(storage::kChangesFamily));
  EXPECT_NE(table->data().prefix, "");

  auto other = CreateTable(MakeMeta("u"));
  ASSERT_NE(other, nullptr);
  EXPECT_NE(other->table_id(), id);
}

TEST_F(EngineTest, DuplicateCreateIsResourceInUse) {
  ASSERT_NE(CreateTable(MakeMeta("t")), nullptr);
  auto dup = catalog_->Create(MakeMeta("t"));
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(dup.status().message(), "Table already exists: t");
  // Same name in another region or account is a different table.
  TableMeta elsewhere = MakeMeta("t");
  elsewhere.region = "eu-west-1";
  EXPECT_TRUE(catalog_->Create(elsewhere).ok());
  elsewhere.account = "210987654321";
  EXPECT_TRUE(catalog_->Create(elsewhere).ok());
}

TEST_F(EngineTest, DropMissingIsResourceNotFound) {
  auto r = catalog_->Drop(kAccount, kRegion, "nope");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kResourceNotFound);
  EXPECT_EQ(r.status().message(), "Requested resource not found: Table: nope not found");
}

TEST_F(EngineTest, DropRemovesTableAndItsData) {
  auto table = CreateTable(MakeMeta("t"));
  ASSERT_NE(table, nullptr);
  const std::string id = table->table_id();
  ASSERT_TRUE(Put(*table, {{"pk", S("a")}}).ok());

  auto dropped = catalog_->Drop(kAccount, kRegion, "t");
  ASSERT_TRUE(dropped.ok()) << dropped.status().ToString();
  EXPECT_EQ(dropped->name, "t");
  EXPECT_EQ(dropped->table_id, id);
  EXPECT_EQ(catalog_->Find(kAccount, kRegion, "t"), nullptr);
  EXPECT_EQ(catalog_->Drop(kAccount, kRegion, "t").status().code(), ErrorCode::kResourceNotFound);

  // The descriptor and the data go in one batch (a crash leaves neither); a request still in
  // flight may write after that, and the last reference deletes what it wrote.
  EXPECT_FALSE(Get(*table, Key(*table, {{"pk", S("a")}})).has_value());
  ASSERT_TRUE(Put(*table, {{"pk", S("late")}}).ok());
  const storage::KeySpace data = table->data();
  table.reset();
  auto it = store_->NewIterator(data, "", "");
  it->SeekToFirst();
  EXPECT_FALSE(it->Valid());

  // A new table of the same name starts empty.
  auto again = CreateTable(MakeMeta("t"));
  ASSERT_NE(again, nullptr);
  EXPECT_NE(again->table_id(), id);
  EXPECT_FALSE(Get(*again, Key(*again, {{"pk", S("a")}})).has_value());
  EXPECT_EQ(catalog_->Stats(*again).item_count, 0);
}

TEST_F(EngineTest, ListPaging) {
  for (const char* name : {"c1", "a1", "b1", "a2"}) ASSERT_NE(CreateTable(MakeMeta(name)), nullptr);
  TableMeta other_region = MakeMeta("a0");
  other_region.region = "eu-west-1";
  ASSERT_TRUE(catalog_->Create(other_region).ok());
  TableMeta other_account = MakeMeta("a0");
  other_account.account = "000000000001";
  ASSERT_TRUE(catalog_->Create(other_account).ok());
  TableMeta later_account = MakeMeta("z9");
  later_account.account = "999999999999";
  ASSERT_TRUE(catalog_->Create(later_account).ok());

  bool more = false;
  EXPECT_EQ(catalog_->List(kAccount, kRegion, "", 100, &more),
            (std::vector<std::string>{"a1", "a2", "b1", "c1"}));
  EXPECT_FALSE(more);
  EXPECT_EQ(catalog_->List(kAccount, kRegion, "", 2, &more),
            (std::vector<std::string>{"a1", "a2"}));
  EXPECT_TRUE(more);
  EXPECT_EQ(catalog_->List(kAccount, kRegion, "a2", 2, &more),
            (std::vector<std::string>{"b1", "c1"}));
  EXPECT_FALSE(more);
  EXPECT_EQ(catalog_->List(kAccount, kRegion, "a2", 1, &more), std::vector<std::string>{"b1"});
  EXPECT_TRUE(more);
  // The exclusive start need not name an existing table.
  EXPECT_EQ(catalog_->List(kAccount, kRegion, "a1x", 100, &more),
            (std::vector<std::string>{"a2", "b1", "c1"}));
  EXPECT_EQ(catalog_->List(kAccount, kRegion, "c1", 100, &more), std::vector<std::string>{});
  EXPECT_FALSE(more);
  EXPECT_EQ(catalog_->List(kAccount, "eu-west-1", "", 100, &more), std::vector<std::string>{"a0"});
  EXPECT_EQ(catalog_->List("000000000001", kRegion, "", 100, &more),
            std::vector<std::string>{"a0"});
  EXPECT_EQ(catalog_->List("555555555555", kRegion, "", 100, &more), std::vector<std::string>{});
  EXPECT_FALSE(more);
}

TEST_F(EngineTest, ModifyPersistsDescriptor) {
  auto table = CreateTable(MakeMeta("t"));
  ASSERT_NE(table, nullptr);
  ASSERT_TRUE(catalog_
                  ->Modify(*table,
                           [](TableMeta* meta) {
                             meta->read_capacity = 42;
                             meta->deletion_protection = true;
                             return Status::OK();
                           })
                  .ok());
  EXPECT_EQ(table->meta().read_capacity, 42);
  EXPECT_TRUE(table->meta().deletion_protection);
  // A second catalog over the same store sees the persisted descriptor.
  auto reopened = Catalog::Open(store_.get());
  ASSERT_TRUE(reopened.ok());
  auto seen = (*reopened)->Find(kAccount, kRegion, "t");
  ASSERT_NE(seen, nullptr);
  EXPECT_EQ(seen->meta().read_capacity, 42);
  EXPECT_TRUE(seen->meta().deletion_protection);
}

TEST(CatalogPersistenceTest, ReopenKeepsTablesItemsAndSequence) {
  TempDir dir;
  std::string id;
  storage::StoreOptions options;
  options.path = dir.path();
  PrimaryKey key;
  {
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto catalog = Catalog::Open(store->get());
    ASSERT_TRUE(catalog.ok());
    TableMeta meta = MakeMeta("orders", KeyElement{"sk", AttrType::kN});
    meta.attribute_definitions.push_back({"gsi_key", AttrType::kB});
    meta.billing_mode = BillingMode::kPayPerRequest;
    meta.tags = {{"env", "test"}, {"team", ""}};
    meta.table_class = "STANDARD_INFREQUENT_ACCESS";
    meta.deletion_protection = true;
    meta.last_increase_ms = 11;
    meta.last_decrease_ms = 22;
    meta.decreases_today = 3;
    meta.billing_mode_update_ms = 44;
    auto table = (*catalog)->Create(meta);
    ASSERT_TRUE(table.ok());
    id = (*table)->table_id();
    Item item{{"pk", S("a")}, {"sk", N("1")}, {"v", S("x")}};
    auto k = ValidateItemKey(**table, item);
    ASSERT_TRUE(k.ok());
    key = *k;
    for (int i = 0; i < 3; ++i) {
      auto r = Mutate(**catalog, **table, key, [&](const Item*) -> Result<MutationDecision> {
        return MutationDecision{MutationDecision::Kind::kPut, item};
      });
      ASSERT_TRUE(r.ok());
    }
    ASSERT_TRUE((*catalog)->Create(MakeMeta("second")).ok());
    // Families of no table (as a crash between catalog delete and family drop leaves).
    ASSERT_TRUE((*store)->CreateColumnFamily("d-orphan").ok());
    ASSERT_TRUE((*store)->CreateColumnFamily("l-orphan").ok());
  }
  auto store = storage::Store::Open(options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto catalog = Catalog::Open(store->get());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  EXPECT_EQ((*store)->Find("d-orphan"), nullptr);
  EXPECT_EQ((*store)->Find("l-orphan"), nullptr);
  bool more;
  EXPECT_EQ((*catalog)->List(kAccount, kRegion, "", 10, &more),
            (std::vector<std::string>{"orders", "second"}));

  auto table = (*catalog)->Find(kAccount, kRegion, "orders");
  ASSERT_NE(table, nullptr);
  EXPECT_EQ(table->table_id(), id);
  TableMeta meta = table->meta();
  EXPECT_EQ(meta.hash_key.name, "pk");
  ASSERT_TRUE(meta.range_key.has_value());
  EXPECT_EQ(meta.range_key->name, "sk");
  EXPECT_EQ(meta.range_key->type, AttrType::kN);
  ASSERT_EQ(meta.attribute_definitions.size(), 3u);
  EXPECT_EQ(meta.attribute_definitions[2].name, "gsi_key");
  EXPECT_EQ(meta.attribute_definitions[2].type, AttrType::kB);
  EXPECT_EQ(meta.billing_mode, BillingMode::kPayPerRequest);
  EXPECT_EQ(meta.tags,
            (std::vector<std::pair<std::string, std::string>>{{"env", "test"}, {"team", ""}}));
  EXPECT_EQ(meta.table_class, "STANDARD_INFREQUENT_ACCESS");
  EXPECT_TRUE(meta.deletion_protection);
  EXPECT_EQ(meta.decreases_today, 3);
  EXPECT_EQ(meta.billing_mode_update_ms, 44);

  auto read = GetItem(**catalog, *table, key, true);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->item.has_value());
  EXPECT_TRUE(model::Equal(read->item->at("v"), S("x")));
  TableStats stats = (*catalog)->Stats(*table);
  EXPECT_EQ(stats.item_count, 1);
  EXPECT_EQ(stats.size_bytes, static_cast<int64_t>(read->size));

  // The log continues after the last record written before the restart.
  auto r = Mutate(**catalog, *table, key, [](const Item*) -> Result<MutationDecision> {
    return MutationDecision{MutationDecision::Kind::kDelete, {}};
  });
  ASSERT_TRUE(r.ok());
  auto log = ReadLog(**store, *table);
  ASSERT_EQ(log.size(), 4u);
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i].sequence, i + 1);
  EXPECT_FALSE(log[3].new_item.has_value());
}

// ---------------------------------------------------------------------------------- table meta

TEST(TableMetaTest, RoundTripAndTruncation) {
  TableMeta meta = MakeMeta("t", KeyElement{"sk", AttrType::kB}, KeyElement{"h", AttrType::kN});
  meta.table_id = "00000000-0000-4000-8000-000000000000";
  meta.billing_mode = BillingMode::kPayPerRequest;
  meta.read_capacity = 1LL << 40;
  meta.write_capacity = 7;
  meta.creation_time_ms = 1700000000123;
  meta.tags = {{"k", "v"}};
  meta.table_class = "STANDARD";
  meta.ttl_attribute = "expires";
  meta.ttl_enabled = true;
  meta.ttl_modified_ms = 1700000000456;
  meta.ttl_indexed = true;
  meta.warm_read = 13000;
  meta.warm_write = 4500;
  meta.pitr_enabled = true;
  meta.pitr_days = 7;
  meta.pitr_since_ms = 1700000000789;
  meta.restore.in_progress = true;
  meta.restore.backup_id = "01700000000000-0badcafe";
  meta.restore.sequence = 42;
  meta.restore.import_id = "01700000000000-00c0ffee";
  meta.global_version = "2019.11.21";
  meta.replica_source = "eu-west-1";
  meta.restore.source_table_arn = "arn:aws:dynamodb:us-east-1:000000000000:table/s";
  meta.insights = {{"", true, "THROTTLED_KEYS", 17},
                   {"gsi", false, "ACCESSED_AND_THROTTLED_KEYS", 18}};
  IndexMeta multi;  // multi-attribute keys (version 9)
  multi.global = true;
  multi.name = "multi";
  multi.hash_key = KeyElement{"a", AttrType::kS};
  multi.more_hash_keys = {KeyElement{"b", AttrType::kN}};
  multi.range_key = KeyElement{"c", AttrType::kS};
  multi.more_range_keys = {KeyElement{"d", AttrType::kB}, KeyElement{"e", AttrType::kN}};
  meta.indexes.push_back(multi);
  std::string bytes = EncodeTableMeta(meta);
  TableMeta decoded;
  ASSERT_TRUE(DecodeTableMeta(bytes, &decoded));
  EXPECT_EQ(decoded.name, "t");
  EXPECT_EQ(decoded.account, kAccount);
  EXPECT_EQ(decoded.region, kRegion);
  EXPECT_EQ(decoded.table_id, meta.table_id);
  EXPECT_EQ(decoded.hash_key.name, "h");
  EXPECT_EQ(decoded.hash_key.type, AttrType::kN);
  ASSERT_TRUE(decoded.range_key.has_value());
  EXPECT_EQ(decoded.range_key->type, AttrType::kB);
  EXPECT_EQ(decoded.attribute_definitions.size(), 2u);
  EXPECT_EQ(decoded.billing_mode, BillingMode::kPayPerRequest);
  EXPECT_EQ(decoded.read_capacity, 1LL << 40);
  EXPECT_EQ(decoded.write_capacity, 7);
  EXPECT_EQ(decoded.creation_time_ms, 1700000000123);
  EXPECT_EQ(decoded.tags, meta.tags);
  EXPECT_EQ(decoded.table_class, "STANDARD");
  EXPECT_EQ(decoded.ttl_attribute, "expires");
  EXPECT_TRUE(decoded.ttl_enabled && decoded.ttl_indexed);
  EXPECT_EQ(decoded.ttl_modified_ms, 1700000000456);
  ASSERT_EQ(decoded.insights.size(), 2u);
  EXPECT_EQ(decoded.insights[0].mode, "THROTTLED_KEYS");
  EXPECT_EQ(decoded.insights[1].index, "gsi");
  EXPECT_EQ(decoded.warm_read, 13000);
  EXPECT_EQ(decoded.warm_write, 4500);
  EXPECT_TRUE(decoded.pitr_enabled);
  EXPECT_EQ(decoded.pitr_days, 7);
  EXPECT_EQ(decoded.pitr_since_ms, 1700000000789);
  EXPECT_TRUE(decoded.restore.in_progress);
  EXPECT_EQ(decoded.restore.backup_id, "01700000000000-0badcafe");
  EXPECT_EQ(decoded.restore.sequence, 42u);
  EXPECT_EQ(decoded.restore.import_id, "01700000000000-00c0ffee");
  EXPECT_EQ(decoded.global_version, "2019.11.21");
  EXPECT_EQ(decoded.replica_source, "eu-west-1");
  ASSERT_EQ(decoded.indexes.size(), 1u);
  std::vector<std::string> keys;
  for (const KeyElement* key : decoded.indexes[0].KeyElements()) keys.push_back(key->name);
  EXPECT_EQ(keys, (std::vector<std::string>{"a", "b", "c", "d", "e"}));
  EXPECT_EQ(decoded.indexes[0].more_range_keys[0].type, AttrType::kB);
  EXPECT_EQ(EncodeTableMeta(decoded), bytes);

  for (size_t n = 0; n < bytes.size(); ++n) {
    TableMeta partial;
    EXPECT_FALSE(DecodeTableMeta(std::string_view(bytes.data(), n), &partial)) << n;
  }
  std::string wrong_version = bytes;
  wrong_version[0] = 11;  // a version this build does not know
  TableMeta out;
  EXPECT_FALSE(DecodeTableMeta(wrong_version, &out));
}

// ---------------------------------------------------------------------------------- capacity

TEST(CapacityTest, Units) {
  EXPECT_EQ(ReadUnits(0, true), 1.0);
  EXPECT_EQ(ReadUnits(0, false), 0.5);
  EXPECT_EQ(ReadUnits(4096, true), 1.0);
  EXPECT_EQ(ReadUnits(4097, true), 2.0);
  EXPECT_EQ(ReadUnits(4097, false), 1.0);
  EXPECT_EQ(ReadUnits(400 * 1024, false), 50.0);
  EXPECT_EQ(WriteUnits(0), 1.0);
  EXPECT_EQ(WriteUnits(1), 1.0);
  EXPECT_EQ(WriteUnits(1024), 1.0);
  EXPECT_EQ(WriteUnits(1025), 2.0);
  EXPECT_EQ(WriteUnits(400 * 1024), 400.0);
}

// ---------------------------------------------------------------------------------- keys

std::string KeyError(const Result<PrimaryKey>& r) {
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidation) << r.status().ToString();
  return r.status().message();
}

TEST_F(EngineTest, ValidateKey) {
  auto table = CreateTable(MakeMeta("t", KeyElement{"sk", AttrType::kN}));
  ASSERT_NE(table, nullptr);
  auto ok = ValidateKey(*table, {{"pk", S("a")}, {"sk", N("1")}});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(model::Equal(ok->hash, S("a")));
  ASSERT_TRUE(ok->range.has_value());
  EXPECT_TRUE(model::Equal(*ok->range, N("1")));

  const std::string kMismatch = "The provided key element does not match the schema";
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("a")}})), kMismatch);
  EXPECT_EQ(KeyError(ValidateKey(*table, {})), kMismatch);
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", N("1")}, {"sk", N("1")}})), kMismatch);
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("a")}, {"sk", S("1")}})), kMismatch);
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("a")}, {"sk", N("1")}, {"x", S("y")}})),
            kMismatch);
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("a")}, {"other", N("1")}})), kMismatch);
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("")}, {"sk", N("1")}})),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk");
}

TEST_F(EngineTest, KeySizeLimits) {
  auto table = CreateTable(MakeMeta("t", KeyElement{"sk", AttrType::kS}));
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(ValidateKey(*table, {{"pk", S(std::string(2048, 'h'))}, {"sk", S("x")}}).ok());
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S(std::string(2049, 'h'))}, {"sk", S("x")}})),
            "One or more parameter values were invalid: Size of hashkey has exceeded the maximum "
            "size limit of2048 bytes");
  EXPECT_TRUE(ValidateKey(*table, {{"pk", S("a")}, {"sk", S(std::string(1024, 'r'))}}).ok());
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("a")}, {"sk", S(std::string(1025, 'r'))}})),
            "One or more parameter values were invalid: Aggregated size of all range keys has "
            "exceeded the size limit of 1024 bytes");
  // Multi-byte UTF-8 counts bytes, not characters.
  std::string euros;
  for (int i = 0; i < 342; ++i) euros += "\xE2\x82\xAC";  // 1026 bytes
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("a")}, {"sk", S(euros)}})),
            "One or more parameter values were invalid: Aggregated size of all range keys has "
            "exceeded the size limit of 1024 bytes");
}

TEST_F(EngineTest, BinaryKeys) {
  auto table = CreateTable(MakeMeta("t", std::nullopt, KeyElement{"pk", AttrType::kB}));
  ASSERT_NE(table, nullptr);
  EXPECT_TRUE(ValidateKey(*table, {{"pk", B(std::string("\0", 1))}}).ok());
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", B("")}})),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty binary value. Key: pk");
  EXPECT_EQ(KeyError(ValidateKey(*table, {{"pk", S("a")}})),
            "The provided key element does not match the schema");
}

TEST_F(EngineTest, ValidateItemKey) {
  auto table = CreateTable(MakeMeta("t", KeyElement{"sk", AttrType::kN}));
  ASSERT_NE(table, nullptr);
  auto ok = ValidateItemKey(*table, {{"pk", S("a")}, {"sk", N("2")}, {"x", S("extra is fine")}});
  ASSERT_TRUE(ok.ok());
  EXPECT_TRUE(model::Equal(*ok->range, N("2")));

  EXPECT_EQ(KeyError(ValidateItemKey(*table, {{"sk", N("1")}})),
            "One or more parameter values were invalid: Missing the key pk in the item");
  EXPECT_EQ(KeyError(ValidateItemKey(*table, {{"pk", S("a")}})),
            "One or more parameter values were invalid: Missing the key sk in the item");
  EXPECT_EQ(KeyError(ValidateItemKey(*table, {{"pk", N("1")}, {"sk", N("1")}})),
            "One or more parameter values were invalid: Type mismatch for key pk expected: S "
            "actual: N");
  EXPECT_EQ(KeyError(ValidateItemKey(*table, {{"pk", S("a")}, {"sk", S("1")}})),
            "One or more parameter values were invalid: Type mismatch for key sk expected: N "
            "actual: S");
  EXPECT_EQ(KeyError(ValidateItemKey(*table, {{"pk", S("")}, {"sk", N("1")}})),
            "One or more parameter values are not valid. The AttributeValue for a key attribute "
            "cannot contain an empty string value. Key: pk");
}

TEST_F(EngineTest, ItemSizeLimit) {
  auto table = CreateTable(MakeMeta("t"));
  ASSERT_NE(table, nullptr);
  // pk:"a" is 3 bytes, attribute "x" 1 byte: a value of 409596 bytes makes exactly 400 KB.
  Item at_limit{{"pk", S("a")}, {"x", S(std::string(409600 - 4, 'v'))}};
  ASSERT_EQ(model::ItemSize(at_limit), 409600u);
  EXPECT_TRUE(ValidateItemKey(*table, at_limit).ok());
  Item over = at_limit;
  over["x"].str.push_back('v');
  EXPECT_EQ(KeyError(ValidateItemKey(*table, over)),
            "Item size has exceeded the maximum allowed size");

  // Mutate enforces the limit on what `decide` produces too, and writes nothing.
  ASSERT_TRUE(Put(*table, {{"pk", S("a")}}).ok());
  PrimaryKey key = Key(*table, {{"pk", S("a")}});
  auto r = Mutate(*catalog_, *table, key, [&](const Item*) -> Result<MutationDecision> {
    return MutationDecision{MutationDecision::Kind::kPut, over};
  });
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidation);
  EXPECT_EQ(r.status().message(), "Item size has exceeded the maximum allowed size");
  EXPECT_EQ(Get(*table, key)->size(), 1u);
  EXPECT_EQ(ReadLog(*store_, *table).size(), 1u);
}

// ---------------------------------------------------------------------------------- Mutate

TEST_F(EngineTest, PutGetDeleteAndStats) {
  auto table = CreateTable(MakeMeta("t", KeyElement{"sk", AttrType::kN}));
  ASSERT_NE(table, nullptr);
  Item a{{"pk", S("a")}, {"sk", N("1")}, {"v", S("12345")}};      // 2+1 + 2+2 + 1+5 = 13
  Item b{{"pk", S("a")}, {"sk", N("2")}, {"v", S("1")}};          // 3 + 4 + 2 = 9
  Item a2{{"pk", S("a")}, {"sk", N("1.0")}, {"w", S("abcdef")}};  // 3 + 4 + 7 = 14
  ASSERT_EQ(model::ItemSize(a), 13u);
  ASSERT_EQ(model::ItemSize(b), 9u);
  ASSERT_EQ(model::ItemSize(a2), 14u);
  PrimaryKey key_a = Key(*table, a), key_b = Key(*table, b);

  EXPECT_EQ(catalog_->Stats(*table).item_count, 0);
  EXPECT_FALSE(Get(*table, key_a).has_value());

  auto first = Put(*table, a);
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(first->old_item.has_value());
  ASSERT_TRUE(first->new_item.has_value());
  EXPECT_EQ(first->old_size, 0u);
  EXPECT_EQ(first->new_size, 13u);
  ASSERT_TRUE(Put(*table, b).ok());
  EXPECT_EQ(catalog_->Stats(*table).item_count, 2);
  EXPECT_EQ(catalog_->Stats(*table).size_bytes, 22);

  // Overwrite through an equal key (1.0 == 1): one item, new size.
  auto overwrite = Put(*table, a2);
  ASSERT_TRUE(overwrite.ok());
  ASSERT_TRUE(overwrite->old_item.has_value());
  EXPECT_TRUE(model::Equal(overwrite->old_item->at("v"), S("12345")));
  EXPECT_EQ(overwrite->old_size, 13u);
  EXPECT_EQ(overwrite->new_size, 14u);
  EXPECT_EQ(catalog_->Stats(*table).item_count, 2);
  EXPECT_EQ(catalog_->Stats(*table).size_bytes, 23);
  auto read = GetItem(*catalog_, *table, key_a, true);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->item.has_value());
  EXPECT_EQ(read->size, 14u);
  EXPECT_EQ(read->item->count("v"), 0u);
  EXPECT_TRUE(model::Equal(read->item->at("w"), S("abcdef")));

  auto removed = Delete(*table, key_a);
  ASSERT_TRUE(removed.ok());
  ASSERT_TRUE(removed->old_item.has_value());
  EXPECT_FALSE(removed->new_item.has_value());
  EXPECT_EQ(removed->old_size, 14u);
  EXPECT_FALSE(Get(*table, key_a).has_value());
  EXPECT_EQ(catalog_->Stats(*table).item_count, 1);
  EXPECT_EQ(catalog_->Stats(*table).size_bytes, 9);

  // Deleting an absent item changes nothing and logs nothing.
  size_t log_before = ReadLog(*store_, *table).size();
  auto again = Delete(*table, key_a);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(again->old_item.has_value());
  EXPECT_EQ(ReadLog(*store_, *table).size(), log_before);
  EXPECT_EQ(catalog_->Stats(*table).item_count, 1);

  ASSERT_TRUE(Delete(*table, key_b).ok());
  EXPECT_EQ(catalog_->Stats(*table).item_count, 0);
  EXPECT_EQ(catalog_->Stats(*table).size_bytes, 0);
}

TEST_F(EngineTest, DecideSeesOldItemAndErrorsWriteNothing) {
  auto table = CreateTable(MakeMeta("t"));
  ASSERT_NE(table, nullptr);
  Item item{{"pk", S("k")}, {"n", N("1")}};
  PrimaryKey key = Key(*table, item);

  bool saw_null = false;
  auto created = Mutate(*catalog_, *table, key, [&](const Item* old) -> Result<MutationDecision> {
    saw_null = (old == nullptr);
    return MutationDecision{MutationDecision::Kind::kPut, item};
  });
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(saw_null);

  auto failed = Mutate(*catalog_, *table, key, [&](const Item* old) -> Result<MutationDecision> {
    EXPECT_NE(old, nullptr);
    if (old) {
      EXPECT_TRUE(model::Equal(old->at("n"), N("1")));
    }
    return Status::ConditionalCheckFailed("The conditional request failed");
  });
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kConditionalCheckFailed);
  EXPECT_EQ(failed.status().message(), "The conditional request failed");

  auto unchanged = Mutate(*catalog_, *table, key, [](const Item*) -> Result<MutationDecision> {
    return MutationDecision{MutationDecision::Kind::kNoChange, {}};
  });
  ASSERT_TRUE(unchanged.ok());
  ASSERT_TRUE(unchanged->old_item.has_value());
  EXPECT_FALSE(unchanged->new_item.has_value());

  EXPECT_EQ(ReadLog(*store_, *table).size(), 1u);
  EXPECT_EQ(catalog_->Stats(*table).item_count, 1);
  EXPECT_TRUE(model::Equal(Get(*table, key)->at("n"), N("1")));
}

TEST_F(EngineTest, ChangeLogRecordsEveryWrite) {
  auto table = CreateTable(MakeMeta("t", KeyElement{"sk", AttrType::kS}));
  ASSERT_NE(table, nullptr);
  Item first{{"pk", S("p")}, {"sk", S("s")}, {"v", N("1")}};
  Item second{{"pk", S("p")}, {"sk", S("s")}, {"v", N("2")}};
  Item other{{"pk", S("q")}, {"sk", S("s")}};
  uint64_t before_us =
      static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  ASSERT_TRUE(Put(*table, first).ok());
  ASSERT_TRUE(Put(*table, second).ok());
  ASSERT_TRUE(Put(*table, other).ok());
  ASSERT_TRUE(Delete(*table, Key(*table, first)).ok());

  auto log = ReadLog(*store_, *table);
  ASSERT_EQ(log.size(), 4u);
  for (size_t i = 0; i < log.size(); ++i) {
    EXPECT_EQ(log[i].sequence, i + 1);
    EXPECT_EQ(log[i].origin, 0);
    EXPECT_GE(log[i].time_us, before_us);
    if (i > 0) {
      EXPECT_GE(log[i].time_us, log[i - 1].time_us);
    }
  }
  const AttributeValue pk = S("p"), sk = S("s");
  const std::string storage_key = storage::EncodePrimaryKey(storage::kBaseIndexId, pk, &sk);
  EXPECT_EQ(log[0].key, storage_key);
  EXPECT_FALSE(log[0].old_item.has_value());
  ASSERT_TRUE(log[0].new_item.has_value());
  EXPECT_TRUE(model::Equal(log[0].new_item->at("v"), N("1")));

  EXPECT_EQ(log[1].key, storage_key);
  ASSERT_TRUE(log[1].old_item.has_value());
  ASSERT_TRUE(log[1].new_item.has_value());
  EXPECT_TRUE(model::Equal(log[1].old_item->at("v"), N("1")));
  EXPECT_TRUE(model::Equal(log[1].new_item->at("v"), N("2")));

  EXPECT_NE(log[2].key, storage_key);
  EXPECT_EQ(log[3].key, storage_key);
  ASSERT_TRUE(log[3].old_item.has_value());
  EXPECT_TRUE(model::Equal(log[3].old_item->at("v"), N("2")));
  EXPECT_FALSE(log[3].new_item.has_value());

  // The data family holds the item under the same storage key.
  std::string bytes;
  bool found = false;
  ASSERT_TRUE(store_->Get(table->data(), log[2].key, &bytes, &found).ok());
  EXPECT_TRUE(found);
}

TEST_F(EngineTest, ConcurrentReadModifyWriteIsExact) {
  auto table = CreateTable(MakeMeta("t"));
  ASSERT_NE(table, nullptr);
  const Item base{{"pk", S("counter")}};
  PrimaryKey key = Key(*table, base);
  constexpr int kThreads = 8, kIncrements = 100;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < kIncrements; ++i) {
        auto r = Mutate(*catalog_, *table, key, [&](const Item* old) -> Result<MutationDecision> {
          Item next = old ? *old : base;
          Number current = next.count("c") ? next["c"].num : Number();
          DDBD_ASSIGN_OR_RETURN(Number plus_one, current.Add(*Number::Parse("1")));
          next["c"] = AttributeValue::Num(plus_one);
          return MutationDecision{MutationDecision::Kind::kPut, std::move(next)};
        });
        if (!r.ok()) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(failures.load(), 0);
  auto item = Get(*table, key);
  ASSERT_TRUE(item.has_value());
  EXPECT_EQ(item->at("c").num.ToString(), std::to_string(kThreads * kIncrements));
  EXPECT_EQ(catalog_->Stats(*table).item_count, 1);
  EXPECT_EQ(catalog_->Stats(*table).size_bytes, static_cast<int64_t>(model::ItemSize(*item)));

  // One log record per write, in sequence order, each image one step after the previous.
  auto log = ReadLog(*store_, *table);
  ASSERT_EQ(log.size(), static_cast<size_t>(kThreads * kIncrements));
  for (size_t i = 0; i < log.size(); ++i) {
    ASSERT_EQ(log[i].sequence, i + 1);
    ASSERT_TRUE(log[i].new_item.has_value());
    EXPECT_EQ(log[i].new_item->at("c").num.ToString(), std::to_string(i + 1));
    if (i == 0) {
      EXPECT_FALSE(log[i].old_item.has_value());
    } else {
      ASSERT_TRUE(log[i].old_item.has_value());
      EXPECT_EQ(log[i].old_item->at("c").num.ToString(), std::to_string(i));
    }
  }
}

TEST_F(EngineTest, ConcurrentWritersOnDifferentItems) {
  auto table = CreateTable(MakeMeta("t"));
  ASSERT_NE(table, nullptr);
  constexpr int kThreads = 8, kItems = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kItems; ++i) {
        Item item{{"pk", S("t" + std::to_string(t) + "-" + std::to_string(i))}};
        EXPECT_TRUE(Put(*table, item).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(catalog_->Stats(*table).item_count, kThreads * kItems);
  auto log = ReadLog(*store_, *table);
  ASSERT_EQ(log.size(), static_cast<size_t>(kThreads * kItems));
  // Sequence numbers are unique and dense.
  for (size_t i = 0; i < log.size(); ++i) EXPECT_EQ(log[i].sequence, i + 1);
}

}  // namespace
}  // namespace ddbd::engine

namespace ddbd::engine {
namespace {

size_t LogRecords(storage::Store&, const Table& table) {
  auto state = table.log().State();
  EXPECT_TRUE(state.ok());
  return state.ok() ? state->records : 0;
}

class ApplierTest : public EngineTest {};

TEST_F(ApplierTest, TrimsAppliedRecordsPastRetentionOnly) {
  TableMeta meta = MakeMeta("trimmed");
  auto table = CreateTable(meta);
  ASSERT_NE(table, nullptr);
  for (int i = 0; i < 20; ++i) {
    ASSERT_TRUE(Put(*table, Item{{"pk", AttributeValue::String("k" + std::to_string(i))}}).ok());
  }
  ASSERT_EQ(LogRecords(*store_, *table), 20u);
  {
    LogTrimmer keep(catalog_.get(), /*min_retention_seconds=*/3600);
    keep.Stop();
    keep.RunUntilIdleForTest();
  }
  EXPECT_EQ(LogRecords(*store_, *table), 20u);  // younger than the retention
  {
    LogTrimmer trim(catalog_.get(), /*min_retention_seconds=*/0);
    trim.Stop();
    trim.RunUntilIdleForTest();
  }
  EXPECT_EQ(LogRecords(*store_, *table), 0u);
  // New records keep their sequence numbers increasing after a trim.
  ASSERT_TRUE(Put(*table, Item{{"pk", AttributeValue::String("after")}}).ok());
  EXPECT_EQ(table->log().last_sequence(), 21u);
}

}  // namespace
}  // namespace ddbd::engine
