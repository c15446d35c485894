// Tests for engine/commit: multi-item commits across tables are all or nothing (conditions,
// duplicates), report each op's outcome, never deadlock, and survive kill -9 as whole batches
// with index contents equal to what the base tables imply.
#include "engine/commit.h"

#include <atomic>
#include <chrono>
#include <map>
#include <random>
#include <set>
#include <thread>

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine/catalog.h"
#include "engine/gsi_applier.h"
#include "engine/index.h"
#include "engine/table_admin.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"
#include "storage/rocks.h"
#include "testutil/testutil.h"

namespace ddbd::engine {
namespace {

using model::AttrType;
using model::Item;
using testutil::N;
using testutil::S;
using testutil::TempDir;

constexpr char kAccount[] = "123456789012";
constexpr char kRegion[] = "us-east-1";

// Table "a": pk, sk; LSI by_lk (pk, lk); GSI by_g (g). Table "b": pk; GSI by_h (h).
TableMeta TableA() {
  TableMeta m;
  m.account = kAccount;
  m.region = kRegion;
  m.name = "a";
  m.hash_key = {"pk", AttrType::kS};
  m.range_key = KeyElement{"sk", AttrType::kS};
  m.attribute_definitions = {
      {"pk", AttrType::kS}, {"sk", AttrType::kS}, {"lk", AttrType::kS}, {"g", AttrType::kS}};
  m.billing_mode = BillingMode::kPayPerRequest;
  IndexMeta lsi;
  lsi.name = "by_lk";
  lsi.id = 1;
  lsi.hash_key = {"pk", AttrType::kS};
  lsi.range_key = KeyElement{"lk", AttrType::kS};
  IndexMeta gsi;
  gsi.global = true;
  gsi.name = "by_g";
  gsi.id = 2;
  gsi.hash_key = {"g", AttrType::kS};
  m.indexes = {lsi, gsi};
  m.next_index_id = 3;
  return m;
}

TableMeta TableB() {
  TableMeta m;
  m.account = kAccount;
  m.region = kRegion;
  m.name = "b";
  m.hash_key = {"pk", AttrType::kS};
  m.attribute_definitions = {{"pk", AttrType::kS}, {"h", AttrType::kN}};
  m.billing_mode = BillingMode::kPayPerRequest;
  IndexMeta gsi;
  gsi.global = true;
  gsi.name = "by_h";
  gsi.id = 1;
  gsi.hash_key = {"h", AttrType::kN};
  gsi.projection = ProjectionType::kKeysOnly;
  m.indexes = {gsi};
  m.next_index_id = 2;
  return m;
}

PrimaryKey KeyOf(const Table& table, const Item& item) {
  PrimaryKey key;
  key.hash = item.at(table.hash_key().name);
  if (table.range_key()) key.range = item.at(table.range_key()->name);
  return key;
}

WriteOp PutOp(Table& table, Item item) {
  PrimaryKey key = KeyOf(table, item);
  return WriteOp{&table, key, [item](const Item*) -> Result<MutationDecision> {
                   return MutationDecision{MutationDecision::Kind::kPut, item};
                 }};
}

// A put that requires the item to be absent.
WriteOp InsertOp(Table& table, Item item) {
  PrimaryKey key = KeyOf(table, item);
  return WriteOp{&table, key, [item](const Item* old) -> Result<MutationDecision> {
                   if (old != nullptr) return Status::ConditionalCheckFailed("exists");
                   return MutationDecision{MutationDecision::Kind::kPut, item};
                 }};
}

struct Db {
  explicit Db(const std::string& path, bool in_memory = false) {
    storage::StoreOptions options;
    options.path = path;
    options.in_memory = in_memory;
    store = std::move(storage::Store::Open(options)).value();
    CatalogOptions catalog_options;
    catalog_options.throttling = false;  // capacity is tested elsewhere
    catalog = std::move(Catalog::Open(store.get(), catalog_options)).value();
    a = catalog->Find(kAccount, kRegion, "a");
    b = catalog->Find(kAccount, kRegion, "b");
    if (!a) a = std::move(catalog->Create(TableA())).value();
    if (!b) b = std::move(catalog->Create(TableB())).value();
  }
  ~Db() {
    a.reset();
    b.reset();
    catalog.reset();
    store.reset();
  }
  std::optional<Item> Get(Table& table, const Item& key_item) {
    auto r = GetItemUnmetered(*catalog, table, KeyOf(table, key_item));
    EXPECT_TRUE(r.ok());
    return r.ok() ? r->item : std::nullopt;
  }
  std::vector<Item> Scan(const storage::KeySpace& space, uint32_t index_id) {
    std::vector<Item> out;
    auto it = store->NewIterator(space, storage::IndexLowerBound(index_id),
                                 storage::IndexUpperBound(index_id));
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
      Item item;
      EXPECT_TRUE(model::DecodeItem(it->value(), &item));
      out.push_back(std::move(item));
    }
    return out;
  }
  // Index entry keys actually stored, and those the table's items imply.
  std::pair<std::set<std::string>, std::set<std::string>> IndexKeys(Table& table,
                                                                    const IndexMeta& index) {
    std::set<std::string> actual, expected;
    storage::KeySpace space = index.global ? *table.IndexSpace(index.id) : table.data();
    uint32_t id = index.global ? storage::kBaseIndexId : index.id;
    auto it = store->NewIterator(space, storage::IndexLowerBound(id), storage::IndexUpperBound(id));
    for (it->SeekToFirst(); it->Valid(); it->Next()) actual.emplace(it->key());
    TableMeta meta = table.meta();
    for (const auto& item : Scan(table.data(), storage::kBaseIndexId)) {
      if (auto key = IndexEntryKey(meta, index, item)) expected.insert(*key);
    }
    return {actual, expected};
  }
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<Catalog> catalog;
  std::shared_ptr<Table> a, b;
};

TEST(CommitTest, MultiItemCommitAcrossTablesIsAllOrNothing) {
  Db db("", /*in_memory=*/true);
  Item existing{{"pk", S("p")}, {"sk", S("1")}, {"lk", S("x")}, {"g", S("g1")}};
  ASSERT_TRUE(Commit(*db.catalog, {PutOp(*db.a, existing)}, CommitOptions()).ok());
  const uint64_t a_before = db.a->log().last_sequence();

  // The second op's condition fails: nothing of the three is written.
  std::vector<Status> statuses;
  auto failed = Commit(*db.catalog,
                       {PutOp(*db.b, {{"pk", S("q")}, {"h", N("1")}}), InsertOp(*db.a, existing),
                        PutOp(*db.a, {{"pk", S("p")}, {"sk", S("2")}, {"lk", S("y")}})},
                       CommitOptions(), &statuses);
  ASSERT_FALSE(failed.ok());
  EXPECT_EQ(failed.status().code(), ErrorCode::kConditionalCheckFailed);
  ASSERT_EQ(statuses.size(), 3u);
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(statuses[1].code(), ErrorCode::kConditionalCheckFailed);
  EXPECT_TRUE(statuses[2].ok());
  EXPECT_FALSE(db.Get(*db.b, {{"pk", S("q")}}).has_value());
  EXPECT_FALSE(db.Get(*db.a, {{"pk", S("p")}, {"sk", S("2")}}).has_value());
  EXPECT_EQ(db.a->log().last_sequence(), a_before);
  EXPECT_EQ(db.b->log().last_sequence(), 0u);

  // Without the failing op all of them commit, each with its record, in one batch.
  CommitOptions options;
  options.origin = changelog::Origin::kTransaction;
  options.origin_detail = "txn-1";
  options.principal = {"AKID", kAccount};
  auto ok = Commit(*db.catalog,
                   {PutOp(*db.b, {{"pk", S("q")}, {"h", N("1")}}),
                    PutOp(*db.a, {{"pk", S("p")}, {"sk", S("2")}, {"lk", S("y")}}),
                    PutOp(*db.a, {{"pk", S("p")}, {"sk", S("3")}, {"lk", S("z")}, {"g", S("g1")}})},
                   options);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  ASSERT_EQ(ok->size(), 3u);
  EXPECT_EQ(db.b->log().last_sequence(), 1u);
  EXPECT_EQ(db.a->log().last_sequence(), a_before + 2);
  std::vector<changelog::Record> records;
  ASSERT_TRUE(db.a->log().Read(a_before, 10, &records).ok());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].origin, changelog::Origin::kTransaction);
  EXPECT_EQ(records[0].origin_detail, "txn-1");
  EXPECT_EQ(records[0].principal.access_key, "AKID");
  EXPECT_EQ(records[0].time_us, records[1].time_us);  // one commit, one time
  // The LSI entries were written with the items.
  auto [lsi_actual, lsi_expected] = db.IndexKeys(*db.a, db.a->meta().indexes[0]);
  EXPECT_EQ(lsi_actual.size(), 3u);
  EXPECT_EQ(lsi_actual, lsi_expected);
  // Stored items carry their last-write time.
  std::string bytes;
  bool found = false;
  ASSERT_TRUE(
      db.store->Get(db.b->data(), StorageKeyOf(KeyOf(*db.b, {{"pk", S("q")}})), &bytes, &found)
          .ok());
  ASSERT_TRUE(found);
  EXPECT_EQ(model::StoredItemWriteTime(bytes), records[0].time_us);
}

TEST(CommitTest, TwoOpsOnOneItemAreRejected) {
  Db db("", true);
  auto r = Commit(*db.catalog,
                  {PutOp(*db.b, {{"pk", S("q")}, {"h", N("1")}}),
                   PutOp(*db.b, {{"pk", S("q")}, {"h", N("2")}})},
                  CommitOptions());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidation);
  EXPECT_FALSE(db.Get(*db.b, {{"pk", S("q")}}).has_value());
}

TEST(CommitTest, OverlappingCommitsInAnyOrderDoNotDeadlock) {
  Db db("", true);
  constexpr int kThreads = 4, kCommits = 300, kKeys = 12;
  std::vector<std::thread> threads;
  std::atomic<int> committed{0};
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      std::mt19937 rng(t);
      for (int c = 0; c < kCommits; ++c) {
        std::vector<int> keys(kKeys);
        for (int i = 0; i < kKeys; ++i) keys[i] = i;
        std::shuffle(keys.begin(), keys.end(), rng);
        std::vector<WriteOp> ops;
        for (int i = 0; i < 6; ++i) {
          std::string k = "k" + std::to_string(keys[i]);
          if (i % 2 == 0) {
            ops.push_back(PutOp(*db.a, {{"pk", S(k)}, {"sk", S("s")}, {"g", S(k)}}));
          } else {
            ops.push_back(PutOp(*db.b, {{"pk", S(k)}, {"h", N(std::to_string(c))}}));
          }
        }
        auto r = Commit(*db.catalog, ops, CommitOptions());
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        if (r.ok()) ++committed;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(committed.load(), kThreads * kCommits);
  EXPECT_EQ(db.a->log().last_sequence() + db.b->log().last_sequence(),
            static_cast<uint64_t>(kThreads * kCommits * 6));
}

// The child: commits batches of 2..25 items across both tables, forever, acknowledging each
// batch id on `ack_fd` once Commit returned. Batch i writes fresh items (attribute "batch" =
// i, "size" = the batch's item count) and moves one hot item per table whose GSI key changes.
[[noreturn]] void CommitForever(const std::string& path, int ack_fd, int first_batch) {
  Db db(path);
  GsiApplier applier(db.catalog.get());
  std::mt19937 rng(first_batch);
  for (int batch = first_batch;; ++batch) {
    int size = 3 + static_cast<int>(rng() % 23);  // 2 hot items + 1..23 fresh ones
    std::vector<WriteOp> ops;
    std::string tag = std::to_string(batch);
    ops.push_back(PutOp(*db.a, {{"pk", S("hot")},
                                {"sk", S("hot")},
                                {"batch", N(tag)},
                                {"g", S("g" + std::to_string(batch % 7))},
                                {"lk", S("l" + std::to_string(batch % 5))}}));
    ops.push_back(
        PutOp(*db.b, {{"pk", S("hot")}, {"batch", N(tag)}, {"h", N(std::to_string(batch % 3))}}));
    for (int i = 2; i < size; ++i) {
      std::string k = "b" + tag + "-" + std::to_string(i);
      Item common{{"batch", N(tag)}, {"size", N(std::to_string(size))}};
      if (i % 2 == 0) {
        Item item = common;
        item["pk"] = S("p" + std::to_string(i % 4));
        item["sk"] = S(k);
        item["lk"] = S("l" + std::to_string(i));
        if (i % 3 != 0) item["g"] = S("g" + std::to_string(i % 5));
        ops.push_back(PutOp(*db.a, item));
      } else {
        Item item = common;
        item["pk"] = S(k);
        item["h"] = N(std::to_string(i % 4));
        ops.push_back(PutOp(*db.b, item));
      }
    }
    if (!Commit(*db.catalog, ops, CommitOptions()).ok()) _exit(3);
    int64_t id = batch;
    if (write(ack_fd, &id, sizeof(id)) != sizeof(id)) _exit(4);
  }
}

TEST(CommitCrashTest, KillNineLeavesWholeBatchesAndConsistentIndexes) {
  TempDir dir;
  std::set<int64_t> acknowledged;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(pipe(fds), 0);
    pid_t child = fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      close(fds[0]);
      CommitForever(dir.path(), fds[1], 1 + round * 1000000);
    }
    close(fds[1]);
    // Let it commit a while (at least 50 batches), then kill it mid-flight.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    size_t acks_this_round = 0;
    int64_t id = 0;
    while (acks_this_round < 150 && std::chrono::steady_clock::now() < deadline &&
           read(fds[0], &id, sizeof(id)) == sizeof(id)) {
      acknowledged.insert(id);
      ++acks_this_round;
    }
    ASSERT_EQ(kill(child, SIGKILL), 0);
    int status = 0;
    waitpid(child, &status, 0);
    while (read(fds[0], &id, sizeof(id)) == sizeof(id)) acknowledged.insert(id);
    close(fds[0]);
    ASSERT_GE(acks_this_round, 50u) << "child committed too little before the kill";

    Db db(dir.path());
    // Every batch present is whole; every acknowledged batch is present.
    std::map<int64_t, std::pair<int64_t, int64_t>> batches;  // id -> (size, items seen)
    for (Table* table : {db.a.get(), db.b.get()}) {
      for (const auto& item : db.Scan(table->data(), storage::kBaseIndexId)) {
        if (item.at("pk").str == "hot" || !item.count("size")) continue;
        int64_t batch = std::stoll(item.at("batch").num.ToString());
        auto& [size, seen] = batches[batch];
        size = std::stoll(item.at("size").num.ToString());
        ++seen;
      }
    }
    for (const auto& [batch, counts] : batches) {
      EXPECT_EQ(counts.second, counts.first - 2) << "batch " << batch << " is partial";
    }
    for (int64_t acked : acknowledged) {
      EXPECT_TRUE(batches.count(acked)) << "acknowledged batch " << acked << " lost";
    }
    // The hot items were written by the same (last) batch in both tables.
    auto hot_a = db.Get(*db.a, {{"pk", S("hot")}, {"sk", S("hot")}});
    auto hot_b = db.Get(*db.b, {{"pk", S("hot")}});
    ASSERT_TRUE(hot_a && hot_b);
    EXPECT_TRUE(model::Equal(hot_a->at("batch"), hot_b->at("batch")));
    // Indexes: LSIs at once, GSIs once the applier has caught up, equal what the items imply.
    {
      GsiApplier applier(db.catalog.get());
      applier.Stop();
      applier.RunOnceForTest();
    }
    for (Table* table : {db.a.get(), db.b.get()}) {
      for (const auto& index : table->meta().indexes) {
        auto [actual, expected] = db.IndexKeys(*table, index);
        EXPECT_EQ(actual, expected) << table->name() << "." << index.name;
        EXPECT_FALSE(expected.empty());
      }
    }
  }
}

}  // namespace
}  // namespace ddbd::engine

namespace ddbd::engine {
namespace {

// UpdateTable racing a GSI backfill (issue 8): an UpdateTable stalled in the middle of its
// change while the backfill finishes and the index turns ACTIVE must not put back the
// descriptor it started from. Each change applies to the current descriptor (Catalog::Modify
// serializes them), so both survive.
TEST(DescriptorTest, UpdateTableRacingABackfillNeverUndoesIt) {
  Db db("", true);
  for (int i = 0; i < 50; ++i) {
    ASSERT_TRUE(Commit(*db.catalog,
                       {PutOp(*db.b, {{"pk", S("k" + std::to_string(i))},
                                      {"h", N("1")},
                                      {"x", S("v" + std::to_string(i % 3))}})},
                       CommitOptions())
                    .ok());
  }
  IndexSpec spec;
  spec.meta.global = true;
  spec.meta.name = "by_x";
  spec.hash_name = "x";
  ASSERT_TRUE(CreateGlobalIndex(*db.catalog, *db.b, spec, {{"x", AttrType::kS}}).ok());
  ASSERT_TRUE(db.b->meta().FindIndex("by_x")->backfilling);

  // The applier's last change (the index turning ACTIVE) stalls while it holds the descriptor
  // lock; an UpdateTable issued meanwhile must wait for it and apply on top of it, rather
  // than write back the descriptor it saw before.
  std::atomic<bool> applier_in_modify{false};
  db.catalog->SetModifyHookForTest([&](const TableMeta& meta) {
    const IndexMeta* index = meta.FindIndex("by_x");
    if (index != nullptr && index->status == IndexStatus::kActive && !applier_in_modify) {
      applier_in_modify = true;
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  GsiApplier applier(db.catalog.get());  // backfills, replays, turns the index ACTIVE
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!applier_in_modify && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  ASSERT_TRUE(applier_in_modify);
  TableSettings settings;
  settings.on_demand = std::make_pair<int64_t, int64_t>(77, 88);
  auto updated = UpdateTableSettings(*db.catalog, *db.b, settings);
  ASSERT_TRUE(updated.ok()) << updated.status().ToString();
  applier.Stop();
  TableMeta meta = db.b->meta();
  EXPECT_EQ(meta.max_read_request_units, 77);
  EXPECT_EQ(meta.max_write_request_units, 88);
  const IndexMeta* index = meta.FindIndex("by_x");
  ASSERT_NE(index, nullptr);
  EXPECT_EQ(index->status, IndexStatus::kActive);
  EXPECT_FALSE(index->backfilling);
  // The persisted descriptor agrees.
  auto reopened = Catalog::Open(db.store.get());
  ASSERT_TRUE(reopened.ok());
  TableMeta stored = (*reopened)->Find(kAccount, kRegion, "b")->meta();
  EXPECT_EQ(stored.max_read_request_units, 77);
  EXPECT_EQ(stored.FindIndex("by_x")->status, IndexStatus::kActive);
  auto [actual, expected] = db.IndexKeys(*db.b, *index);
  EXPECT_EQ(actual.size(), 50u);
  EXPECT_EQ(actual, expected);
}

}  // namespace
}  // namespace ddbd::engine
