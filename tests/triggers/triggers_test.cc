// Tests for triggers/: filter patterns on stream records, mapping encoding and the store's
// checkpoints, function directories, and invoking a command.
#include <fstream>

#include <gtest/gtest.h>
#include <sys/stat.h>

#include "storage/rocks.h"
#include "testutil/testutil.h"
#include "triggers/filter.h"
#include "triggers/invoker.h"
#include "triggers/mapping.h"

namespace ddbd::triggers {
namespace {

constexpr char kInsert[] =
    R"({"awsRegion":"us-east-1","dynamodb":{"Keys":{"pk":{"S":"a"}},"NewImage":{"pk":{"S":"a"},)"
    R"("status":{"S":"active"},"n":{"N":"12"},"tags":{"SS":["x","y"]}}},"eventName":"INSERT"})";
constexpr char kRemove[] =
    R"({"awsRegion":"us-east-1","dynamodb":{"Keys":{"pk":{"S":"b"}},"OldImage":{"pk":{"S":"b"}}},)"
    R"("eventName":"REMOVE"})";

bool Matches(const std::string& pattern, const char* record) {
  auto set = FilterSet::Parse({pattern});
  EXPECT_TRUE(set.ok()) << pattern;
  return set.ok() && (*set)->Matches(record);
}

TEST(FilterTest, PatternsMatchAsLambdaDocuments) {
  EXPECT_TRUE(Matches(R"({"eventName":["INSERT"]})", kInsert));
  EXPECT_FALSE(Matches(R"({"eventName":["INSERT"]})", kRemove));
  EXPECT_TRUE(Matches(R"({"eventName":["INSERT","REMOVE"]})", kRemove));
  EXPECT_TRUE(Matches(R"({"dynamodb":{"NewImage":{"status":{"S":["active"]}}}})", kInsert));
  EXPECT_FALSE(Matches(R"({"dynamodb":{"NewImage":{"status":{"S":["active"]}}}})", kRemove));
  EXPECT_TRUE(Matches(R"({"dynamodb":{"Keys":{"pk":{"S":[{"prefix":"a"}]}}}})", kInsert));
  EXPECT_TRUE(Matches(R"({"dynamodb":{"NewImage":{"n":{"N":[{"numeric":[">",10]}]}}}})", kInsert));
  EXPECT_FALSE(
      Matches(R"({"dynamodb":{"NewImage":{"n":{"N":[{"numeric":[">",10,"<=",11]}]}}}})", kInsert));
  EXPECT_TRUE(Matches(R"({"dynamodb":{"NewImage":{"gone":[{"exists":false}]}}})", kInsert));
  EXPECT_FALSE(Matches(R"({"dynamodb":{"NewImage":{"status":[{"exists":false}]}}})", kInsert));
  EXPECT_TRUE(Matches(R"({"eventName":[{"anything-but":["REMOVE"]}]})", kInsert));
  EXPECT_FALSE(Matches(R"({"eventName":[{"anything-but":"REMOVE"}]})", kRemove));
  EXPECT_TRUE(Matches(R"({"dynamodb":{"NewImage":{"tags":{"SS":["y"]}}}})", kInsert));
  EXPECT_TRUE(Matches(R"({"eventName":[{"suffix":"SERT"}]})", kInsert));
  EXPECT_TRUE(Matches(R"({"eventName":[{"equals-ignore-case":"insert"}]})", kInsert));
  EXPECT_TRUE(Matches(R"({"eventName":[{"wildcard":"I*T"}]})", kInsert));
  // Several patterns: any one.
  auto set = FilterSet::Parse({R"({"eventName":["MODIFY"]})", R"({"eventName":["REMOVE"]})"});
  ASSERT_TRUE(set.ok());
  EXPECT_TRUE((*set)->Matches(kRemove));
  EXPECT_FALSE((*set)->Matches(kInsert));
  EXPECT_TRUE((*FilterSet::Parse({}))->Matches(kInsert));
}

TEST(FilterTest, MalformedPatternsAreRejected) {
  for (const char* bad :
       {"not json", "[]", R"({"eventName":"INSERT"})", R"({"eventName":[]})",
        R"({"a":[{"numeric":[">"]}]})", R"({"a":[{"unknown":1}]})", R"({"a":[{"prefix":1}]})"}) {
    EXPECT_FALSE(FilterSet::Parse({bad}).ok()) << bad;
  }
}

TEST(MappingTest, EncodingRoundTripsAndCheckpointsSurviveReopening) {
  testutil::TempDir dir;
  EventSourceMapping m;
  m.uuid = "u1";
  m.account = "123456789012";
  m.region = "eu-west-1";
  m.event_source_arn = "arn:aws:dynamodb:eu-west-1:123456789012:table/t/stream/x";
  m.function_name = "fn";
  m.function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:fn";
  m.batch_size = 7;
  m.report_batch_item_failures = true;
  m.filter_patterns = {R"({"eventName":["INSERT"]})"};
  m.latest_position = 42;
  {
    storage::StoreOptions options;
    options.path = dir.path();
    auto store = std::move(storage::Store::Open(options)).value();
    auto mappings = std::move(MappingStore::Open(store.get())).value();
    ASSERT_TRUE(mappings->Put(m).ok());
    ASSERT_TRUE(mappings->SaveCheckpoint("u1", "shardId-1", {17, false}).ok());
    ASSERT_TRUE(mappings->SaveCheckpoint("u1", "shardId-2", {30, true}).ok());
    ASSERT_TRUE(mappings->SaveCheckpoint("gone", "shardId-1", {1, false}).ok());  // not written
  }
  storage::StoreOptions options;
  options.path = dir.path();
  auto store = std::move(storage::Store::Open(options)).value();
  auto mappings = std::move(MappingStore::Open(store.get())).value();
  auto back = mappings->Get("u1");
  ASSERT_TRUE(back.has_value());
  EXPECT_EQ(EncodeMapping(*back), EncodeMapping(m));
  auto checkpoints = std::move(mappings->Checkpoints("u1")).value();
  ASSERT_EQ(checkpoints.size(), 2u);
  EXPECT_EQ(checkpoints["shardId-1"].position, 17u);
  EXPECT_TRUE(checkpoints["shardId-2"].done);
  EXPECT_TRUE(std::move(mappings->Checkpoints("gone")).value().empty());
  ASSERT_TRUE(mappings->Delete("u1").ok());
  EXPECT_TRUE(std::move(mappings->Checkpoints("u1")).value().empty());
  EXPECT_TRUE(mappings->List().empty());
}

TEST(InvokerTest, DirectoryAndCommands) {
  auto dir =
      FunctionDirectory::Make("http://127.0.0.1:9001", {"a=exec:/bin/cat", "b=http://h:1/x/"});
  ASSERT_TRUE(dir.ok()) << dir.status().ToString();
  EXPECT_EQ(dir->Find("a")->kind, FunctionTarget::Kind::kExec);
  EXPECT_EQ(dir->Find("b")->url.path, "/x");
  EXPECT_EQ(dir->Find("other")->url.port, "9001");
  EXPECT_FALSE(FunctionDirectory::Make("", {"a=exec:/bin/cat"})->Find("other").has_value());
  EXPECT_FALSE(FunctionDirectory::Make("ftp://x", {}).ok());
  EXPECT_FALSE(FunctionDirectory::Make("", {"noequals"}).ok());

  std::atomic<bool> cancel{false};
  auto echoed =
      Invoke(*dir->Find("a"), "a", "", R"({"Records":[]})", std::chrono::seconds(10), &cancel);
  ASSERT_TRUE(echoed.ok()) << echoed.status().ToString();
  EXPECT_FALSE(echoed->function_error);
  EXPECT_EQ(echoed->payload, R"({"Records":[]})");
  FunctionTarget failing{FunctionTarget::Kind::kExec, {}, "/bin/false"};
  auto failed = Invoke(failing, "f", "", "{}", std::chrono::seconds(10), &cancel);
  ASSERT_TRUE(failed.ok());
  EXPECT_TRUE(failed->function_error);
  FunctionTarget missing{FunctionTarget::Kind::kExec, {}, "/nonexistent/fn"};
  EXPECT_FALSE(Invoke(missing, "f", "", "{}", std::chrono::seconds(10), &cancel).ok());
  // Nothing listens on port 1.
  FunctionTarget closed{FunctionTarget::Kind::kHttp, *http::ParseUrl("http://127.0.0.1:1"), ""};
  EXPECT_FALSE(Invoke(closed, "f", "", "{}", std::chrono::seconds(5), &cancel).ok());
}

}  // namespace
}  // namespace ddbd::triggers
