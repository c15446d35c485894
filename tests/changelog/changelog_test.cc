// Tests for src/changelog: the record format (versions 1 and 2), the per-table log (sequence
// numbers across reopens and trims, retention by cursors, holds and age, partition filters),
// the notifier, and the stored-item header of model/value_codec.
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "changelog/record.h"
#include "changelog/table_log.h"
#include "common/clock.h"
#include "common/coding.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"
#include "storage/rocks.h"
#include "testutil/testutil.h"

namespace ddbd::changelog {
namespace {

using model::Item;
using testutil::N;
using testutil::S;
using testutil::TempDir;

std::string KeyOf(const std::string& pk) {
  return storage::EncodePrimaryKey(storage::kBaseIndexId, S(pk), nullptr);
}

TEST(RecordTest, Version2RoundTrip) {
  Item old_item{{"pk", S("a")}, {"v", N("1")}};
  Item new_item{{"pk", S("a")}, {"v", N("2")}};
  std::string old_bytes = model::EncodeItem(old_item);
  std::string new_bytes = model::EncodeStoredItem(new_item, 123);
  RecordInfo info{1700000000123456, Origin::kReplication, "eu-west-1", "AKID", "111122223333"};
  std::string encoded = EncodeRecord(info, KeyOf("a"), &old_bytes, &new_bytes);
  EXPECT_EQ(encoded[0], 2);  // format version

  Record r;
  ASSERT_TRUE(DecodeRecord(encoded, &r));
  EXPECT_EQ(r.time_us, 1700000000123456);
  EXPECT_EQ(r.origin, Origin::kReplication);
  EXPECT_EQ(r.origin_detail, "eu-west-1");
  EXPECT_EQ(r.principal.access_key, "AKID");
  EXPECT_EQ(r.principal.account, "111122223333");
  EXPECT_EQ(r.key, KeyOf("a"));
  EXPECT_EQ(r.partition_hash(), storage::PartitionHash(S("a")));
  ASSERT_TRUE(r.old_image && r.new_image);
  EXPECT_TRUE(model::Equal(r.old_image->at("v"), N("1")));
  EXPECT_TRUE(model::Equal(r.new_image->at("v"), N("2")));
  int64_t time = 0;
  ASSERT_TRUE(DecodeRecordTime(encoded, &time));
  EXPECT_EQ(time, 1700000000123456);

  // Truncated records never decode.
  for (size_t n = 0; n < encoded.size(); ++n) {
    Record partial;
    EXPECT_FALSE(DecodeRecord(std::string_view(encoded).substr(0, n), &partial)) << n;
  }
  // A delete has no new image; an insert no old one.
  Record del;
  ASSERT_TRUE(DecodeRecord(EncodeRecord(info, KeyOf("a"), &old_bytes, nullptr), &del));
  EXPECT_TRUE(del.old_image.has_value());
  EXPECT_FALSE(del.new_image.has_value());
  EXPECT_EQ(OriginName(Origin::kTtl), "ttl");
}

TEST(RecordTest, Version1RecordsStillDecode) {
  // docs/formats/change-log.md, version 1: version, time, origin, key, images.
  Item item{{"pk", S("a")}};
  std::string v1;
  v1.push_back(1);
  PutVarint64(&v1, 42);
  v1.push_back(0);
  PutLengthPrefixed(&v1, KeyOf("a"));
  v1.push_back(0);
  v1.push_back(1);
  PutLengthPrefixed(&v1, model::EncodeItem(item));
  Record r;
  ASSERT_TRUE(DecodeRecord(v1, &r));
  EXPECT_EQ(r.time_us, 42);
  EXPECT_EQ(r.origin, Origin::kUser);
  EXPECT_TRUE(r.principal.access_key.empty());
  EXPECT_FALSE(r.old_image.has_value());
  ASSERT_TRUE(r.new_image.has_value());
  EXPECT_EQ(r.new_image->size(), 1u);
  v1[0] = 3;
  EXPECT_FALSE(DecodeRecord(v1, &r));
}

TEST(StoredItemTest, HeaderCarriesWriteTimeAndOldItemsStillRead) {
  Item item{{"pk", S("a")}, {"n", N("7")}};
  std::string stored = model::EncodeStoredItem(item, 1700000000000001);
  EXPECT_EQ(model::StoredItemWriteTime(stored), 1700000000000001);
  Item decoded;
  ASSERT_TRUE(model::DecodeItem(stored, &decoded));
  EXPECT_EQ(decoded.size(), 2u);
  EXPECT_EQ(model::StoredItemBody(stored), model::EncodeItem(item));
  // Items written before the header existed: no write time, same item.
  std::string plain = model::EncodeItem(item);
  EXPECT_EQ(model::StoredItemWriteTime(plain), std::nullopt);
  ASSERT_TRUE(model::DecodeItem(plain, &decoded));
  EXPECT_EQ(decoded.size(), 2u);
}

class TableLogTest : public ::testing::Test {
 protected:
  void SetUp() override { Open(); }

  void Open() {
    log_.reset();
    store_.reset();
    storage::StoreOptions options;
    options.path = dir_.path();
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    store_ = std::move(store).value();
    ASSERT_TRUE(store_->EnsureSharedFamilies().ok());
    space_ = storage::KeySpace{store_->shared(storage::kChangesFamily), std::string(8, '\x01')};
    auto log = TableLog::Open(store_.get(), space_, "table-1");
    ASSERT_TRUE(log.ok()) << log.status().ToString();
    log_ = std::move(log).value();
  }

  // Appends one record per key (as the commit path does), at the clock's time.
  uint64_t Append(const std::vector<std::string>& keys) {
    std::lock_guard lock(log_->commit_mutex());
    storage::WriteBatch batch;
    uint64_t sequence = log_->next_sequence();
    Item item{{"pk", S("x")}};
    std::string bytes = model::EncodeItem(item);
    for (const auto& key : keys) {
      RecordInfo info{clock_.NowMicros(), Origin::kUser, "", "AKID", "000000000000"};
      log_->Append(&batch, sequence++, EncodeRecord(info, KeyOf(key), nullptr, &bytes));
    }
    EXPECT_TRUE(store_->Write(&batch).ok());
    log_->Published(sequence - 1);
    return sequence - 1;
  }

  uint64_t Records() {
    auto state = log_->State();
    EXPECT_TRUE(state.ok());
    return state->records;
  }

  void SetCursor(const std::string& consumer, uint64_t sequence) {
    storage::WriteBatch batch;
    log_->SetCursor(&batch, consumer, sequence);
    ASSERT_TRUE(store_->Write(&batch).ok());
  }

  TempDir dir_;
  ManualClock clock_;
  std::unique_ptr<storage::Store> store_;
  storage::KeySpace space_;
  std::unique_ptr<TableLog> log_;
};

TEST_F(TableLogTest, SequenceNumbersNeverRepeatAcrossReopensAndFullTrims) {
  EXPECT_EQ(log_->last_sequence(), 0u);
  EXPECT_EQ(Append({"a", "b", "c"}), 3u);
  Open();
  EXPECT_EQ(log_->last_sequence(), 3u);  // recovered from the last record
  EXPECT_EQ(Append({"d"}), 4u);

  // Trim everything (no consumer, past the retention), then reopen: the log is empty, yet
  // numbering goes on after 4 (issue 8: it used to start again from 1).
  clock_.AdvanceSeconds(10);
  auto trimmed = log_->Trim(clock_.NowMicros(), /*min_retention_us=*/1000000, 1000);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(*trimmed, 4u);
  EXPECT_EQ(Records(), 0u);
  Open();
  EXPECT_EQ(log_->last_sequence(), 4u);
  EXPECT_EQ(Append({"e"}), 5u);
  clock_.AdvanceSeconds(10);
  ASSERT_TRUE(log_->Trim(clock_.NowMicros(), 1000000, 1000).ok());
  Open();
  EXPECT_EQ(Append({"f", "g"}), 7u);
  std::vector<Record> records;
  ASSERT_TRUE(log_->Read(0, 100, &records).ok());
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].sequence, 6u);
  EXPECT_EQ(records[1].sequence, 7u);
}

TEST_F(TableLogTest, RetentionFollowsCursorsHoldsAndAge) {
  Append({"a", "b", "c", "d", "e"});  // 1..5 at t0
  SetCursor("gsi/1", 2);
  SetCursor("stream/x", 4);
  clock_.AdvanceSeconds(100);
  // The slowest cursor (2) bounds the trim.
  auto trimmed = log_->Trim(clock_.NowMicros(), 0, 1000);
  ASSERT_TRUE(trimmed.ok());
  EXPECT_EQ(*trimmed, 2u);
  auto state = log_->State();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->first_sequence, 3u);
  EXPECT_EQ(state->last_sequence, 5u);
  EXPECT_EQ(state->cursors.size(), 2u);

  // A hold keeps records younger than its window, whatever the cursors.
  SetCursor("gsi/1", 5);
  SetCursor("stream/x", 5);
  {
    storage::WriteBatch batch;
    log_->SetHold(&batch, "stream/x", 3600);
    ASSERT_TRUE(store_->Write(&batch).ok());
  }
  ASSERT_EQ(*log_->Trim(clock_.NowMicros(), 0, 1000), 0u);  // 100 s old < 1 h
  clock_.AdvanceSeconds(3600);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 0, 1000), 3u);
  EXPECT_EQ(Records(), 0u);

  // Dropping a consumer releases what it held; the minimum retention still applies.
  Append({"f", "g"});  // 6, 7
  {
    storage::WriteBatch batch;
    log_->DropHold(&batch, "stream/x");
    ASSERT_TRUE(store_->Write(&batch).ok());
  }
  SetCursor("gsi/1", 6);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 0, 1000), 0u);  // stream/x still at 5
  {
    storage::WriteBatch batch;
    log_->DropCursor(&batch, "stream/x");
    ASSERT_TRUE(store_->Write(&batch).ok());
  }
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 60 * 1000000, 1000), 0u);  // younger than 60 s
  clock_.AdvanceSeconds(61);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 60 * 1000000, 1000), 1u);  // 6; gsi/1 is at 6
  auto cursor = log_->Cursor("gsi/1");
  ASSERT_TRUE(cursor.ok());
  EXPECT_EQ(*cursor, std::optional<uint64_t>(6));
  EXPECT_EQ(*log_->Cursor("stream/x"), std::nullopt);
}

TEST_F(TableLogTest, TrimIsBoundedAndKeepsOrder) {
  std::vector<std::string> keys;
  for (int i = 0; i < 50; ++i) keys.push_back("k" + std::to_string(i));
  Append(keys);
  clock_.AdvanceSeconds(1);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 0, 20), 20u);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 0, 20), 20u);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 0, 20), 10u);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 0, 20), 0u);
  // Many records at once go with one range deletion; numbering goes on after them.
  keys.clear();
  for (int i = 0; i < 600; ++i) keys.push_back("m" + std::to_string(i));
  EXPECT_EQ(Append(keys), 650u);
  clock_.AdvanceSeconds(1);
  EXPECT_EQ(*log_->Trim(clock_.NowMicros(), 0, 1000), 600u);
  EXPECT_EQ(Records(), 0u);
  Open();
  EXPECT_EQ(Append({"n"}), 651u);
}

TEST_F(TableLogTest, ReadsInOrderFromACursorAndByPartition) {
  std::vector<std::string> keys;
  for (int i = 0; i < 40; ++i) keys.push_back("k" + std::to_string(i));
  Append(keys);
  std::vector<Record> page;
  ASSERT_TRUE(log_->Read(10, 5, &page).ok());
  ASSERT_EQ(page.size(), 5u);
  for (size_t i = 0; i < page.size(); ++i) EXPECT_EQ(page[i].sequence, 11 + i);
  EXPECT_EQ(page[0].principal.access_key, "AKID");

  // Two halves of the hash space see every record exactly once, each in order.
  HashRange low{0, uint64_t{1} << 63}, high{uint64_t{1} << 63, 0};
  std::vector<Record> a, b;
  ASSERT_TRUE(log_->Read(0, 100, &a, &low).ok());
  ASSERT_TRUE(log_->Read(0, 100, &b, &high).ok());
  EXPECT_EQ(a.size() + b.size(), 40u);
  EXPECT_FALSE(a.empty());
  EXPECT_FALSE(b.empty());
  for (const auto* part : {&a, &b}) {
    for (size_t i = 1; i < part->size(); ++i) {
      EXPECT_LT((*part)[i - 1].sequence, (*part)[i].sequence);
    }
  }
  for (const auto& r : a) EXPECT_TRUE(low.Contains(r.partition_hash()));
  for (const auto& r : b) EXPECT_TRUE(high.Contains(r.partition_hash()));
  auto time = log_->RecordTime(3);
  ASSERT_TRUE(time.ok());
  EXPECT_EQ(**time, clock_.NowMicros());
}

TEST_F(TableLogTest, UnpublishedRecordsAreInvisibleAndAFailedBatchLeavesNoGap) {
  {
    std::lock_guard lock(log_->commit_mutex());
    // A batch that never commits: its sequence number is not consumed.
    EXPECT_EQ(log_->next_sequence(), 1u);
  }
  EXPECT_EQ(Append({"a"}), 1u);
  std::vector<Record> records;
  ASSERT_TRUE(log_->Read(0, 10, &records).ok());
  EXPECT_EQ(records.size(), 1u);
}

TEST_F(TableLogTest, DeleteAllRemovesRecordsAndBookkeeping) {
  Append({"a", "b"});
  SetCursor("gsi/1", 1);
  storage::WriteBatch batch;
  log_->DeleteAll(&batch);
  ASSERT_TRUE(store_->Write(&batch).ok());
  EXPECT_EQ(Records(), 0u);
  EXPECT_EQ(*log_->Cursor("gsi/1"), std::nullopt);
}

TEST(NotifierTest, EverySubscriberIsNotified) {
  Notifier notifier;
  int a = 0, b = 0;
  uint64_t first = notifier.Subscribe([&](const std::string& id) { a += id == "t" ? 1 : 100; });
  notifier.Subscribe([&](const std::string&) { ++b; });
  notifier.Notify("t");
  notifier.Unsubscribe(first);
  notifier.Notify("t");
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 2);
}

TEST(ClockTest, ManualClockMovesOnlyWhenTold) {
  ManualClock clock(1000);
  EXPECT_EQ(clock.NowMicros(), 1000);
  clock.AdvanceSeconds(2);
  EXPECT_EQ(clock.NowMicros(), 2001000);
  EXPECT_EQ(clock.MonotonicMicros(), 2001000);
  EXPECT_GT(Clock::System()->NowMicros(), 1600000000LL * 1000000);
}

}  // namespace
}  // namespace ddbd::changelog
