// Tests for engine/streams: formats, enabling and disabling, shards following partition
// splits, reading a shard (hash range, sequence window, unchanged writes), trimming with a
// ManualClock.
#include "engine/streams.h"

#include <gtest/gtest.h>

#include "changelog/table_log.h"
#include "common/clock.h"
#include "engine/catalog.h"
#include "engine/commit.h"
#include "engine/gsi_applier.h"
#include "engine/table_admin.h"
#include "one_table_fixture.h"
#include "storage/key_codec.h"
#include "storage/rocks.h"
#include "testutil/testutil.h"

namespace ddbd::engine {
namespace {

using model::AttrType;
using model::Item;
using testutil::N;
using testutil::S;

TEST(StreamFormatTest, SequenceNumbersAndLabels) {
  EXPECT_EQ(StreamSequenceNumber(1), "100000000000000000000");
  EXPECT_EQ(StreamSequenceNumber(12345), "1234500000000000000000000");
  EXPECT_EQ(ParseStreamSequenceNumber("1234500000000000000000000"), 12345u);
  EXPECT_EQ(ParseStreamSequenceNumber("12345"), std::nullopt);                     // too short
  EXPECT_EQ(ParseStreamSequenceNumber("123450000000000000000001"), std::nullopt);  // not ours
  EXPECT_EQ(ParseStreamSequenceNumber("x00000000000000000000"), std::nullopt);
  EXPECT_LT(StreamSequenceNumber(9).size(), StreamSequenceNumber(10).size());  // numeric order
  EXPECT_EQ(StreamLabel(1432155070252), "2015-05-20T20:51:10.252");
}

class StreamsTest : public testing::OneTableTest {
 protected:
  // Every record of the stream, shard by shard (parents first: shards are in creation order).
  std::vector<std::string> ReadAll(const StreamMeta& stream) {
    std::vector<std::string> out;
    for (const auto& shard : stream.shards) {
      auto horizon = ShardHorizon(*table_, shard);
      EXPECT_TRUE(horizon.ok());
      auto read = ReadShard(*table_, stream, shard, *horizon, 1000);
      EXPECT_TRUE(read.ok()) << read.status().ToString();
      for (const auto& r : read->records) {
        out.push_back(r.record.new_image
                          ? r.record.new_image->at("pk").str + "=" + r.record.new_image->at("v").str
                          : "-" + r.record.old_image->at("pk").str);
      }
    }
    return out;
  }
};

TEST_F(StreamsTest, ShardsFollowPartitionSplitsAndEveryRecordIsReadOnce) {
  Put("before", "0");  // before the stream: not in it
  TableSettings enable;
  enable.stream = StreamChange{true, StreamViewType::kNewAndOldImages};
  ASSERT_TRUE(UpdateTableSettings(*catalog_, *table_, enable).ok());
  const size_t initial = table_->partitions().size();
  ASSERT_EQ(table_->shared_meta()->EnabledStream()->shards.size(), initial);
  for (int i = 0; i < 20; ++i) Put("k" + std::to_string(i), "a");
  Put("k1", "a");  // changes nothing: no record
  // Twice the partitions: every shard closes and two children open.
  table_->partitions().EnsurePartitions(initial * 2);
  ASSERT_TRUE(SyncShards(*catalog_, *table_).ok());
  const StreamMeta stream = *table_->shared_meta()->EnabledStream();
  ASSERT_EQ(stream.shards.size(), initial * 3);
  for (size_t i = 0; i < initial; ++i) EXPECT_TRUE(stream.shards[i].closed());
  for (size_t i = initial; i < stream.shards.size(); ++i) {
    EXPECT_FALSE(stream.shards[i].closed());
    EXPECT_FALSE(stream.shards[i].parent_id.empty());
  }
  for (int i = 0; i < 20; ++i) Put("k" + std::to_string(i), "b");
  auto records = ReadAll(*table_->shared_meta()->EnabledStream());
  EXPECT_EQ(records.size(), 40u);
  // Each key: "a" (in a parent) before "b" (in a child).
  for (int i = 0; i < 20; ++i) {
    auto a = std::find(records.begin(), records.end(), "k" + std::to_string(i) + "=a");
    auto b = std::find(records.begin(), records.end(), "k" + std::to_string(i) + "=b");
    ASSERT_NE(a, records.end());
    ASSERT_NE(b, records.end());
    EXPECT_LT(a, b);
  }
  EXPECT_EQ(std::count(records.begin(), records.end(), "before=0"), 0);
}

TEST_F(StreamsTest, DisabledStreamsAreReadableThenPrunedAndRecordsTrimmed) {
  TableSettings enable;
  enable.stream = StreamChange{true, StreamViewType::kKeysOnly};
  ASSERT_TRUE(UpdateTableSettings(*catalog_, *table_, enable).ok());
  Put("a", "1");
  TableSettings disable;
  disable.stream = StreamChange{false, std::nullopt};
  ASSERT_TRUE(UpdateTableSettings(*catalog_, *table_, disable).ok());
  Put("b", "1");
  const StreamMeta stream = table_->shared_meta()->streams.back();
  EXPECT_FALSE(stream.enabled());
  EXPECT_EQ(ReadAll(stream), std::vector<std::string>{"a=1"});
  // The stream holds the log for 24 hours; then the trimmer and the pruning let go.
  LogTrimmer trimmer(catalog_.get(), 0);
  trimmer.Stop();
  clock_.AdvanceSeconds(3600);
  trimmer.RunUntilIdleForTest();
  EXPECT_EQ(ReadAll(stream), std::vector<std::string>{"a=1"});
  EXPECT_EQ(table_->shared_meta()->streams.size(), 1u);
  clock_.AdvanceSeconds(24 * 3600);
  trimmer.RunUntilIdleForTest();
  EXPECT_TRUE(table_->shared_meta()->streams.empty());
  auto state = table_->log().State();
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->records, 0u);
  EXPECT_TRUE(state->holds.empty());
}

}  // namespace
}  // namespace ddbd::engine
