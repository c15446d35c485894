// End-to-end tests of api::Dispatcher without HTTP: X-Amz-Target + JSON body in, JSON reply
// out, over an in-memory store. Error messages are asserted exactly.
#include "api/dispatcher.h"

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "common/rapidjson.h"
#include "engine/catalog.h"
#include "storage/rocks.h"

namespace ddbd::api {
namespace {

constexpr char kAccount[] = "123456789012";
constexpr char kRegion[] = "us-east-1";

rapidjson::Document ParseJson(const std::string& text) {
  rapidjson::Document doc;
  doc.Parse(text.c_str(), text.size());
  EXPECT_FALSE(doc.HasParseError()) << text;
  return doc;
}

// "ValidationException: message" (or just the type when there is no message) from an error
// reply; the namespace is checked separately where it matters.
std::string ErrorOf(const ApiReply& reply) {
  EXPECT_NE(reply.http_status, 200) << reply.body;
  rapidjson::Document doc = ParseJson(reply.body);
  if (!doc.IsObject() || !doc.HasMember("__type")) return "<not an error: " + reply.body + ">";
  std::string type = doc["__type"].GetString();
  type = type.substr(type.find('#') + 1);
  if (!doc.HasMember("message")) return type;
  return type + ": " + doc["message"].GetString();
}

std::string Validation(std::string message) { return "ValidationException: " + message; }

class DispatcherTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.in_memory = true;
    auto store = storage::Store::Open(options);
    ASSERT_TRUE(store.ok());
    store_ = std::move(store).value();
    auto catalog = engine::Catalog::Open(store_.get());
    ASSERT_TRUE(catalog.ok());
    catalog_ = std::move(catalog).value();
    dispatcher_ = std::make_unique<Dispatcher>(catalog_.get());
  }

  ApiReply Call(std::string_view op, std::string_view body) {
    return dispatcher_->Handle("DynamoDB_20120810." + std::string(op), body, caller_);
  }

  // Calls `op` and expects success; returns the parsed reply.
  rapidjson::Document Ok(std::string_view op, std::string_view body) {
    ApiReply reply = Call(op, body);
    EXPECT_EQ(reply.http_status, 200) << op << " " << body << " -> " << reply.body;
    return ParseJson(reply.body);
  }
  std::string Body(std::string_view op, std::string_view body) {
    ApiReply reply = Call(op, body);
    EXPECT_EQ(reply.http_status, 200) << op << " " << body << " -> " << reply.body;
    return reply.body;
  }
  std::string Error(std::string_view op, std::string_view body) { return ErrorOf(Call(op, body)); }

  // A table with a string hash key "pk" (and optionally a number range key "sk").
  void CreateTable(const std::string& name, bool with_range = false) {
    std::string body =
        R"({"TableName":")" + name + R"(","AttributeDefinitions":[)" +
        R"({"AttributeName":"pk","AttributeType":"S"})" +
        (with_range ? R"(,{"AttributeName":"sk","AttributeType":"N"})" : "") +
        R"(],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"})" +
        (with_range ? R"(,{"AttributeName":"sk","KeyType":"RANGE"})" : "") +
        R"(],"ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5}})";
    Ok("CreateTable", body);
  }

  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<engine::Catalog> catalog_;
  std::unique_ptr<Dispatcher> dispatcher_;
  CallerContext caller_{kAccount, kRegion};
};

// ---------------------------------------------------------------------------------- framing

TEST_F(DispatcherTest, UnknownOperation) {
  const std::string kBody = R"({"__type":"com.amazon.coral.service#UnknownOperationException",)"
                            R"("message":"Unknown operation exception"})";
  for (std::string_view target : {"DynamoDB_20120810.Frobnicate", "PutItem", "",
                                  "DynamoDB_20120810.", "dynamodb_20120810.PutItem",
                                  "DynamoDB_20111205.PutItem", "DynamoDBStreams_20120810.PutItem",
                                  "DynamoDB_20120810.GetRecords", "DynamoDB_20120810.PutItem.x"}) {
    ApiReply reply = dispatcher_->Handle(target, "{}", caller_);
    EXPECT_EQ(reply.http_status, 400) << target;
    EXPECT_EQ(reply.body, kBody) << target;
  }
  // Known operations that ddbd does not implement yet answer the same type.
  ApiReply query = Call("GetResourcePolicy", R"({"ResourceArn":"t"})");
  EXPECT_EQ(query.http_status, 400);
  EXPECT_EQ(ErrorOf(query),
            "UnknownOperationException: This operation is not implemented by ddbd yet");
}

TEST_F(DispatcherTest, MalformedJsonIsSerializationException) {
  const std::string kBody = R"({"__type":"com.amazon.coral.service#SerializationException"})";
  for (std::string_view body : {"", "{", "[]", "\"x\"", "null", "{\"TableName\":\"t\"} x",
                                "{\"TableName\":'t'}", "{\"a\":1,}"}) {
    ApiReply reply = Call("ListTables", body);
    EXPECT_EQ(reply.http_status, 400) << body;
    EXPECT_EQ(reply.body, kBody) << body;
  }
  // Invalid UTF-8 inside a string.
  ApiReply reply = Call("DescribeTable", "{\"TableName\":\"t\xFF\xFE\"}");
  EXPECT_EQ(reply.body, kBody);
}

TEST_F(DispatcherTest, BodyIsReadOnlyWithinItsLength) {
  // The body view may sit inside a larger buffer: the parser must stop at its end.
  const std::string buffer = R"({"Limit":2}{"garbage")";
  ApiReply whole = dispatcher_->Handle("DynamoDB_20120810.ListTables",
                                       std::string_view(buffer.data(), 11), caller_);
  EXPECT_EQ(whole.http_status, 200) << whole.body;
  EXPECT_EQ(whole.body, R"({"TableNames":[]})");
  ApiReply cut = dispatcher_->Handle("DynamoDB_20120810.ListTables",
                                     std::string_view(buffer.data(), 10), caller_);
  EXPECT_EQ(ErrorOf(cut), "SerializationException");
}

TEST_F(DispatcherTest, TrivialOperations) {
  EXPECT_EQ(Body("DescribeEndpoints", "{}"),
            R"({"Endpoints":[{"Address":"localhost:8000","CachePeriodInMinutes":1440}]})");
  EXPECT_EQ(Body("DescribeLimits", "{}"),
            R"({"AccountMaxReadCapacityUnits":80000,"AccountMaxWriteCapacityUnits":80000,)"
            R"("TableMaxReadCapacityUnits":40000,"TableMaxWriteCapacityUnits":40000})");
}

TEST_F(DispatcherTest, ErrorReplyRendering) {
  ApiReply validation = Dispatcher::ErrorReply(Status::Validation("bad \"quoted\"\n"));
  EXPECT_EQ(validation.http_status, 400);
  EXPECT_EQ(validation.body, R"({"__type":"com.amazon.coral.validate#ValidationException",)"
                             R"("message":"bad \"quoted\"\n"})");
  ApiReply internal = Dispatcher::ErrorReply(Status::Internal("boom"));
  EXPECT_EQ(internal.http_status, 500);
  EXPECT_EQ(internal.body, R"({"__type":"com.amazonaws.dynamodb.v20120810#InternalServerError",)"
                           R"("message":"boom"})");
  ApiReply unavailable = Dispatcher::ErrorReply(Status(ErrorCode::kServiceUnavailable, ""));
  EXPECT_EQ(unavailable.http_status, 503);
  EXPECT_EQ(unavailable.body,
            R"({"__type":"com.amazon.coral.service#ServiceUnavailableException"})");
  ApiReply not_found = Dispatcher::ErrorReply(Status::ResourceNotFound("x"));
  EXPECT_EQ(not_found.body,
            R"({"__type":"com.amazonaws.dynamodb.v20120810#ResourceNotFoundException",)"
            R"("message":"x"})");
}

// ---------------------------------------------------------------------------------- CreateTable

constexpr char kDefsPk[] = R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"}])";
constexpr char kSchemaPk[] = R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"}])";
constexpr char kThroughput[] =
    R"("ProvisionedThroughput":{"ReadCapacityUnits":5,"WriteCapacityUnits":5})";

std::string CreateBody(std::string table_name_json, std::string defs, std::string schema,
                       std::string extra = kThroughput) {
  std::string body = "{";
  std::vector<std::string> parts;
  if (!table_name_json.empty()) parts.push_back(R"("TableName":)" + table_name_json);
  if (!defs.empty()) parts.push_back(defs);
  if (!schema.empty()) parts.push_back(schema);
  if (!extra.empty()) parts.push_back(extra);
  for (size_t i = 0; i < parts.size(); ++i) body += (i ? "," : "") + parts[i];
  return body + "}";
}

TEST_F(DispatcherTest, CreateTableConstraintErrors) {
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("tbl")", kDefsPk, "")),
            Validation("1 validation error detected: Value null at 'keySchema' failed to satisfy "
                       "constraint: Member must not be null"));
  EXPECT_EQ(Error("CreateTable", CreateBody("", kDefsPk, kSchemaPk)),
            Validation("1 validation error detected: Value null at 'tableName' failed to satisfy "
                       "constraint: Member must not be null"));
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("a b c")", kDefsPk, kSchemaPk)),
            Validation("1 validation error detected: Value 'a b c' at 'tableName' failed to "
                       "satisfy constraint: Member must satisfy regular expression pattern: "
                       "[a-zA-Z0-9_.-]+"));
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("ab")", kDefsPk, kSchemaPk)),
            Validation("1 validation error detected: Value 'ab' at 'tableName' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 3"));
  EXPECT_EQ(
      Error("CreateTable", CreateBody(R"(")" + std::string(256, 'x') + R"(")", kDefsPk, kSchemaPk)),
      Validation("1 validation error detected: Value '" + std::string(256, 'x') +
                 "' at 'tableName' failed to satisfy constraint: Member must have length "
                 "less than or equal to 255"));
  // The limits themselves are fine, and the pattern allows '_', '-' and '.'.
  Ok("CreateTable", CreateBody(R"(")" + std::string(255, 'x') + R"(")", kDefsPk, kSchemaPk));
  Ok("CreateTable", CreateBody(R"("a_b-c.D9")", kDefsPk, kSchemaPk));
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("!")", kDefsPk, kSchemaPk)),
            Validation("2 validation errors detected: Value '!' at 'tableName' failed to satisfy "
                       "constraint: Member must satisfy regular expression pattern: "
                       "[a-zA-Z0-9_.-]+; Value '!' at 'tableName' failed to satisfy constraint: "
                       "Member must have length greater than or equal to 3"));
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("tbl")", "", "")),
            Validation("2 validation errors detected: Value null at 'attributeDefinitions' failed "
                       "to satisfy constraint: Member must not be null; Value null at 'keySchema' "
                       "failed to satisfy constraint: Member must not be null"));
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("tbl")", kDefsPk, R"("KeySchema":[])")),
            Validation("1 validation error detected: Value '[]' at 'keySchema' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 1"));
  EXPECT_EQ(
      Error("CreateTable",
            CreateBody(R"("tbl")",
                       R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"X"}])",
                       kSchemaPk)),
      Validation("1 validation error detected: Value 'X' at "
                 "'attributeDefinitions.1.member.attributeType' failed to satisfy constraint: "
                 "Member must satisfy enum value set: [B, N, S]"));
  EXPECT_EQ(Error("CreateTable",
                  CreateBody(R"("tbl")", kDefsPk,
                             R"("KeySchema":[{"AttributeName":"pk","KeyType":"PARTITION"}])")),
            Validation("1 validation error detected: Value 'PARTITION' at "
                       "'keySchema.1.member.keyType' failed to satisfy constraint: Member must "
                       "satisfy enum value set: [HASH, RANGE]"));
  EXPECT_EQ(
      Error(
          "CreateTable",
          CreateBody(R"("tbl")", kDefsPk, kSchemaPk,
                     R"("ProvisionedThroughput":{"ReadCapacityUnits":0,"WriteCapacityUnits":5})")),
      Validation("1 validation error detected: Value '0' at "
                 "'provisionedThroughput.readCapacityUnits' failed to satisfy constraint: Member "
                 "must have value greater than or equal to 1"));
  EXPECT_EQ(
      Error("CreateTable", CreateBody(R"("tbl")", kDefsPk, kSchemaPk, R"("BillingMode":"FREE")")),
      Validation("1 validation error detected: Value 'FREE' at 'billingMode' failed to "
                 "satisfy constraint: Member must satisfy enum value set: [PROVISIONED, "
                 "PAY_PER_REQUEST]"));
}

TEST_F(DispatcherTest, CreateTableWrongJsonTypes) {
  EXPECT_EQ(Error("CreateTable", CreateBody("5", kDefsPk, kSchemaPk)),
            "SerializationException: VALUE_NUMBER_INT cannot be converted to String");
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("tbl")", R"("AttributeDefinitions":{})", kSchemaPk)),
            "SerializationException: START_OBJECT cannot be converted to List");
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("tbl")", kDefsPk, R"("KeySchema":["pk"])")),
            "SerializationException: Unexpected value type in payload");
  EXPECT_EQ(
      Error("CreateTable",
            CreateBody(
                R"("tbl")", kDefsPk, kSchemaPk,
                R"("ProvisionedThroughput":{"ReadCapacityUnits":"5","WriteCapacityUnits":5})")),
      "SerializationException: VALUE_STRING cannot be converted to Long");
}

TEST_F(DispatcherTest, CreateTableSemanticErrors) {
  EXPECT_EQ(Error("CreateTable", CreateBody(R"("tbl")", kDefsPk, kSchemaPk, "")),
            Validation("One or more parameter values were invalid: ReadCapacityUnits and "
                       "WriteCapacityUnits must both be specified when BillingMode is "
                       "PROVISIONED"));
  EXPECT_EQ(Error("CreateTable",
                  CreateBody(R"("tbl")", kDefsPk, kSchemaPk, R"("BillingMode":"PROVISIONED")")),
            Validation("One or more parameter values were invalid: ReadCapacityUnits and "
                       "WriteCapacityUnits must both be specified when BillingMode is "
                       "PROVISIONED"));
  EXPECT_EQ(Error("CreateTable",
                  CreateBody(R"("tbl")", kDefsPk, kSchemaPk,
                             std::string(R"("BillingMode":"PAY_PER_REQUEST",)") + kThroughput)),
            Validation("One or more parameter values were invalid: Neither ReadCapacityUnits nor "
                       "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST"));
  EXPECT_EQ(
      Error("CreateTable",
            CreateBody(R"("tbl")",
                       R"("AttributeDefinitions":[{"AttributeName":"x","AttributeType":"S"}])",
                       kSchemaPk)),
      Validation("One or more parameter values were invalid: Some index key attributes are not "
                 "defined in AttributeDefinitions. Keys: [pk], AttributeDefinitions: [x]"));
  EXPECT_EQ(
      Error("CreateTable", CreateBody(R"("tbl")", kDefsPk,
                                      R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
                                      R"({"AttributeName":"sk","KeyType":"RANGE"}])")),
      Validation("Invalid KeySchema: Some index key attribute have no definition"));
  EXPECT_EQ(
      Error("CreateTable",
            CreateBody(R"("tbl")",
                       R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},)"
                       R"({"AttributeName":"extra","AttributeType":"N"}])",
                       kSchemaPk)),
      Validation("One or more parameter values were invalid: Number of attributes in KeySchema "
                 "does not exactly match number of attributes defined in AttributeDefinitions"));
  EXPECT_EQ(
      Error("CreateTable",
            CreateBody(R"("tbl")",
                       R"("AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},)"
                       R"({"AttributeName":"pk","AttributeType":"N"}])",
                       kSchemaPk)),
      Validation("Attribute Name is duplicated: pk"));
  EXPECT_EQ(
      Error("CreateTable", CreateBody(R"("tbl")", kDefsPk,
                                      R"("KeySchema":[{"AttributeName":"pk","KeyType":"RANGE"}])")),
      Validation("Invalid KeySchema: The first KeySchemaElement is not a HASH key type"));
  EXPECT_EQ(
      Error("CreateTable", CreateBody(R"("tbl")", kDefsPk,
                                      R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
                                      R"({"AttributeName":"pk","KeyType":"RANGE"}])")),
      Validation(
          "Both the Hash Key and the Range Key element in the KeySchema have the same name"));
  EXPECT_EQ(
      Error("CreateTable", CreateBody(R"("tbl")", kDefsPk,
                                      R"("KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
                                      R"({"AttributeName":"sk","KeyType":"HASH"}])")),
      Validation("Invalid KeySchema: The second KeySchemaElement is not a RANGE key type"));
  // Nothing was created by any of these.
  EXPECT_EQ(Body("ListTables", "{}"), R"({"TableNames":[]})");
}

TEST_F(DispatcherTest, CreateDescribeDeleteTable) {
  rapidjson::Document created = Ok(
      "CreateTable",
      R"({"TableName":"tbl","AttributeDefinitions":[{"AttributeName":"pk","AttributeType":"S"},)"
      R"({"AttributeName":"sk","AttributeType":"N"}],"KeySchema":[{"AttributeName":"pk","KeyType":"HASH"},)"
      R"({"AttributeName":"sk","KeyType":"RANGE"}],)"
      R"("ProvisionedThroughput":{"ReadCapacityUnits":3,"WriteCapacityUnits":4}})");
  const auto& desc = created["TableDescription"];
  EXPECT_STREQ(desc["TableName"].GetString(), "tbl");
  EXPECT_STREQ(desc["TableStatus"].GetString(), "CREATING");
  EXPECT_STREQ(desc["TableArn"].GetString(), "arn:aws:dynamodb:us-east-1:123456789012:table/tbl");
  EXPECT_EQ(desc["KeySchema"].Size(), 2u);
  EXPECT_STREQ(desc["KeySchema"][1]["AttributeName"].GetString(), "sk");
  EXPECT_STREQ(desc["KeySchema"][1]["KeyType"].GetString(), "RANGE");
  EXPECT_STREQ(desc["AttributeDefinitions"][1]["AttributeType"].GetString(), "N");
  EXPECT_EQ(desc["ProvisionedThroughput"]["ReadCapacityUnits"].GetInt64(), 3);
  EXPECT_EQ(desc["ProvisionedThroughput"]["WriteCapacityUnits"].GetInt64(), 4);
  EXPECT_EQ(desc["ProvisionedThroughput"]["NumberOfDecreasesToday"].GetInt64(), 0);
  EXPECT_EQ(desc["ItemCount"].GetInt64(), 0);
  EXPECT_EQ(desc["TableSizeBytes"].GetInt64(), 0);
  EXPECT_FALSE(desc.HasMember("BillingModeSummary"));
  EXPECT_FALSE(desc["DeletionProtectionEnabled"].GetBool());
  EXPECT_EQ(std::string(desc["TableId"].GetString()).size(), 36u);
  EXPECT_GT(desc["CreationDateTime"].GetDouble(), 1.6e9);

  EXPECT_EQ(Error("CreateTable", CreateBody(R"("tbl")", kDefsPk, kSchemaPk)),
            "ResourceInUseException: Table already exists: tbl");
  ApiReply in_use = Call("CreateTable", CreateBody(R"("tbl")", kDefsPk, kSchemaPk));
  EXPECT_NE(in_use.body.find("com.amazonaws.dynamodb.v20120810#ResourceInUseException"),
            std::string::npos);

  Ok("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"xyz"}}})");
  rapidjson::Document described = Ok("DescribeTable", R"({"TableName":"tbl"})");
  EXPECT_STREQ(described["Table"]["TableStatus"].GetString(), "ACTIVE");
  EXPECT_EQ(described["Table"]["ItemCount"].GetInt64(), 1);
  EXPECT_EQ(described["Table"]["TableSizeBytes"].GetInt64(), 3 + 4 + 4);
  EXPECT_STREQ(described["Table"]["TableId"].GetString(), desc["TableId"].GetString());

  EXPECT_EQ(Error("DescribeTable", R"({"TableName":"nope"})"),
            "ResourceNotFoundException: Requested resource not found: Table: nope not found");
  EXPECT_EQ(Error("DescribeTable", "{}"),
            Validation("1 validation error detected: Value null at 'tableName' failed to satisfy "
                       "constraint: Member must not be null"));

  rapidjson::Document deleted = Ok("DeleteTable", R"({"TableName":"tbl"})");
  EXPECT_STREQ(deleted["TableDescription"]["TableStatus"].GetString(), "DELETING");
  EXPECT_EQ(deleted["TableDescription"]["ItemCount"].GetInt64(), 1);
  EXPECT_EQ(Error("DescribeTable", R"({"TableName":"tbl"})"),
            "ResourceNotFoundException: Requested resource not found: Table: tbl not found");
  EXPECT_EQ(Error("DeleteTable", R"({"TableName":"tbl"})"),
            "ResourceNotFoundException: Requested resource not found: Table: tbl not found");
  EXPECT_EQ(Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}})"),
            "ResourceNotFoundException: Requested resource not found");
}

TEST_F(DispatcherTest, PayPerRequestAndDeletionProtection) {
  rapidjson::Document created =
      Ok("CreateTable",
         CreateBody(R"("odt")", kDefsPk, kSchemaPk,
                    R"("BillingMode":"PAY_PER_REQUEST","DeletionProtectionEnabled":true)"));
  const auto& desc = created["TableDescription"];
  EXPECT_STREQ(desc["BillingModeSummary"]["BillingMode"].GetString(), "PAY_PER_REQUEST");
  EXPECT_EQ(desc["ProvisionedThroughput"]["ReadCapacityUnits"].GetInt64(), 0);
  EXPECT_TRUE(desc["DeletionProtectionEnabled"].GetBool());
  EXPECT_EQ(Error("DeleteTable", R"({"TableName":"odt"})"),
            Validation("Resource cannot be deleted as it is currently protected against deletion. "
                       "Disable deletion protection first."));
  Ok("UpdateTable", R"({"TableName":"odt","DeletionProtectionEnabled":false})");
  Ok("DeleteTable", R"({"TableName":"odt"})");
}

TEST_F(DispatcherTest, UpdateTableThroughput) {
  CreateTable("tbl");
  EXPECT_EQ(Error("UpdateTable", R"({"TableName":"tbl"})"),
            Validation("At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
                       "GlobalSecondaryIndexUpdates, SSESpecification, ReplicaUpdates, "
                       "MultiAccountReplicaReady, ReplicaTransitRoleArn, MultiRegionConsistency, "
                       "DeletionProtectionEnabled, OnDemandThroughput, WarmThroughput or "
                       "TableClass is required"));
  EXPECT_EQ(Error("UpdateTable", std::string(R"({"TableName":"tbl",)") + kThroughput + "}"),
            Validation("The provisioned throughput for the table will not change. The requested "
                       "value equals the current value. Current ReadCapacityUnits provisioned for "
                       "the table: 5. Requested ReadCapacityUnits: 5. Current WriteCapacityUnits "
                       "provisioned for the table: 5. Requested WriteCapacityUnits: 5. Refer to "
                       "the Amazon DynamoDB Developer Guide for current limits and how to request "
                       "higher limits."));
  rapidjson::Document updated =
      Ok("UpdateTable", R"({"TableName":"tbl","ProvisionedThroughput":)"
                        R"({"ReadCapacityUnits":10,"WriteCapacityUnits":2}})");
  const auto& pt = updated["TableDescription"]["ProvisionedThroughput"];
  EXPECT_EQ(pt["ReadCapacityUnits"].GetInt64(), 10);
  EXPECT_EQ(pt["WriteCapacityUnits"].GetInt64(), 2);
  EXPECT_TRUE(pt.HasMember("LastIncreaseDateTime"));
  EXPECT_TRUE(pt.HasMember("LastDecreaseDateTime"));
  EXPECT_EQ(pt["NumberOfDecreasesToday"].GetInt64(), 1);
  EXPECT_EQ(Ok("DescribeTable",
               R"({"TableName":"tbl"})")["Table"]["ProvisionedThroughput"]["ReadCapacityUnits"]
                .GetInt64(),
            10);
}

// ---------------------------------------------------------------------------------- ListTables

TEST_F(DispatcherTest, ListTablesPaging) {
  for (const char* name : {"delta", "alpha", "echo", "charlie", "bravo"}) CreateTable(name);
  // Tables of another region are invisible.
  caller_.region = "eu-west-1";
  CreateTable("zulu");
  caller_.region = kRegion;

  EXPECT_EQ(Body("ListTables", "{}"),
            R"({"TableNames":["alpha","bravo","charlie","delta","echo"]})");
  EXPECT_EQ(Body("ListTables", R"({"Limit":2})"),
            R"({"LastEvaluatedTableName":"bravo","TableNames":["alpha","bravo"]})");
  EXPECT_EQ(Body("ListTables", R"({"Limit":2,"ExclusiveStartTableName":"bravo"})"),
            R"({"LastEvaluatedTableName":"delta","TableNames":["charlie","delta"]})");
  EXPECT_EQ(Body("ListTables", R"({"Limit":2,"ExclusiveStartTableName":"delta"})"),
            R"({"TableNames":["echo"]})");
  EXPECT_EQ(Body("ListTables", R"({"ExclusiveStartTableName":"echo"})"), R"({"TableNames":[]})");
  // Following LastEvaluatedTableName visits every table exactly once.
  std::vector<std::string> seen;
  std::string start;
  for (int page = 0; page < 10; ++page) {
    std::string body = start.empty() ? R"({"Limit":1})"
                                     : R"({"Limit":1,"ExclusiveStartTableName":")" + start + "\"}";
    rapidjson::Document reply = Ok("ListTables", body);
    for (const auto& n : reply["TableNames"].GetArray()) seen.emplace_back(n.GetString());
    if (!reply.HasMember("LastEvaluatedTableName")) break;
    start = reply["LastEvaluatedTableName"].GetString();
  }
  EXPECT_EQ(seen, (std::vector<std::string>{"alpha", "bravo", "charlie", "delta", "echo"}));

  EXPECT_EQ(Error("ListTables", R"({"Limit":0})"),
            Validation("1 validation error detected: Value '0' at 'limit' failed to satisfy "
                       "constraint: Member must have value greater than or equal to 1"));
  EXPECT_EQ(Error("ListTables", R"({"Limit":101})"),
            Validation("1 validation error detected: Value '101' at 'limit' failed to satisfy "
                       "constraint: Member must have value less than or equal to 100"));
  EXPECT_EQ(Error("ListTables", R"({"ExclusiveStartTableName":"a"})"),
            Validation("1 validation error detected: Value 'a' at 'exclusiveStartTableName' "
                       "failed to satisfy constraint: Member must have length greater than or "
                       "equal to 3"));
  EXPECT_EQ(Error("ListTables", R"({"Limit":"2"})"),
            "SerializationException: VALUE_STRING cannot be converted to Long");
}

// ---------------------------------------------------------------------------------- items

constexpr char kRichItem[] =
    R"({"b":{"B":"AP8="},"bs":{"BS":["AA==","AQ=="]},"f":{"BOOL":false},)"
    R"("l":{"L":[{"S":"x"},{"N":"2"},{"L":[]},{"M":{"k":{"NULL":true}}}]},)"
    R"("m":{"M":{"inner":{"M":{"n":{"N":"-0.5"}}}}},"n":{"N":"1.5"},"nul":{"NULL":true},)"
    R"("ns":{"NS":["3","1"]},"pk":{"S":"k1"},"s":{"S":"h\u00e9"},"ss":{"SS":["b","a"]}})";

TEST_F(DispatcherTest, PutGetRoundTrip) {
  CreateTable("tbl");
  EXPECT_EQ(Body("PutItem", std::string(R"({"TableName":"tbl","Item":)") + kRichItem + "}"), "{}");
  // Maps come back sorted by name, numbers canonical, sets in the order sent.
  EXPECT_EQ(Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k1"}}})"),
            std::string(R"({"Item":)") +
                R"({"b":{"B":"AP8="},"bs":{"BS":["AA==","AQ=="]},"f":{"BOOL":false},)"
                R"("l":{"L":[{"S":"x"},{"N":"2"},{"L":[]},{"M":{"k":{"NULL":true}}}]},)"
                R"("m":{"M":{"inner":{"M":{"n":{"N":"-0.5"}}}}},"n":{"N":"1.5"},)"
                R"("ns":{"NS":["3","1"]},"nul":{"NULL":true},"pk":{"S":"k1"},"s":{"S":"hé"},)"
                R"("ss":{"SS":["b","a"]}}})");
  // Number canonicalization on input.
  Ok("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"k2"},"n":{"N":"001.500E1"}}})");
  EXPECT_EQ(Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k2"}},"ConsistentRead":true})"),
            R"({"Item":{"n":{"N":"15"},"pk":{"S":"k2"}}})");
  // Absent item: an empty object.
  EXPECT_EQ(Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"missing"}}})"), "{}");
}

TEST_F(DispatcherTest, NumberKeysMatchByValue) {
  CreateTable("tbl", /*with_range=*/true);
  Ok("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1.0"},"v":{"S":"one"}}})");
  EXPECT_EQ(Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"1"}}})"),
            R"({"Item":{"pk":{"S":"a"},"sk":{"N":"1"},"v":{"S":"one"}}})");
  Ok("PutItem",
     R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"10E-1"},"v":{"S":"two"}}})");
  EXPECT_EQ(Ok("DescribeTable", R"({"TableName":"tbl"})")["Table"]["ItemCount"].GetInt64(), 1);
}

TEST_F(DispatcherTest, ItemRequestErrors) {
  CreateTable("tbl", /*with_range=*/true);
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl"})"),
            Validation("1 validation error detected: Value null at 'item' failed to satisfy "
                       "constraint: Member must not be null"));
  EXPECT_EQ(Error("GetItem", R"({"TableName":"tbl"})"),
            Validation("1 validation error detected: Value null at 'key' failed to satisfy "
                       "constraint: Member must not be null"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":[]})"),
            "SerializationException: START_ARRAY cannot be converted to Map");
  EXPECT_EQ(Error("PutItem", R"({"TableName":"xx","Item":{"pk":{"S":"a"}}})"),
            Validation("1 validation error detected: Value 'xx' at 'tableName' failed to satisfy "
                       "constraint: Member must have length greater than or equal to 3"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"nope","Item":{"pk":{"S":"a"},"sk":{"N":"1"}}})"),
            "ResourceNotFoundException: Requested resource not found");
  EXPECT_EQ(
      Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"}}})"),
      Validation("One or more parameter values were invalid: Missing the key sk in the item"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"S":"1"}}})"),
            Validation("One or more parameter values were invalid: Type mismatch for key sk "
                       "expected: N actual: S"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"},)"
                             R"("x":{"SS":[]}}})"),
            Validation("One or more parameter values were invalid: An string set  may not be "
                       "empty"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"x1"}}})"),
            Validation("The parameter cannot be converted to a numeric value: x1"));
  EXPECT_EQ(Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"a"}}})"),
            Validation("The provided key element does not match the schema"));
  EXPECT_EQ(Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"1"},)"
                             R"("x":{"S":"y"}}})"),
            Validation("The provided key element does not match the schema"));
  EXPECT_EQ(Error("DeleteItem", R"({"TableName":"tbl","Key":{"pk":{"S":""},"sk":{"N":"1"}}})"),
            Validation("One or more parameter values are not valid. The AttributeValue for a key "
                       "attribute cannot contain an empty string value. Key: pk"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
                             R"("ExpressionAttributeValues":{":v":{"S":"x"}}})"),
            Validation("ExpressionAttributeValues can only be specified when using expressions"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
                             R"("ExpressionAttributeNames":{"#n":"x"}})"),
            Validation("ExpressionAttributeNames can only be specified when using expressions"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
                             R"("ReturnValues":"ALL_NEW"})"),
            Validation("ReturnValues can only be ALL_OLD or NONE"));
  EXPECT_EQ(Error("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
                             R"("ReturnValues":"SOME"})"),
            Validation("1 validation error detected: Value 'SOME' at 'returnValues' failed to "
                       "satisfy constraint: Member must satisfy enum value set: [ALL_NEW, "
                       "UPDATED_OLD, ALL_OLD, NONE, UPDATED_NEW]"));
  EXPECT_EQ(Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"a"},"sk":{"N":"1"}},)"
                             R"("ReturnConsumedCapacity":"ALL"})"),
            Validation("1 validation error detected: Value 'ALL' at 'returnConsumedCapacity' "
                       "failed to satisfy constraint: Member must satisfy enum value set: "
                       "[INDEXES, TOTAL, NONE]"));
  // Over 400 KB.
  std::string big = R"({"TableName":"tbl","Item":{"pk":{"S":"a"},"sk":{"N":"1"},"x":{"S":")" +
                    std::string(400 * 1024, 'x') + R"("}}})";
  EXPECT_EQ(Error("PutItem", big), Validation("Item size has exceeded the maximum allowed size"));
  // None of these wrote anything.
  EXPECT_EQ(Ok("DescribeTable", R"({"TableName":"tbl"})")["Table"]["ItemCount"].GetInt64(), 0);
}

TEST_F(DispatcherTest, ProjectionAndAttributesToGet) {
  CreateTable("tbl");
  Ok("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"k"},"a":{"N":"1"},"b":{"S":"x"},)"
                R"("c":{"BOOL":true}}})");
  EXPECT_EQ(
      Body("GetItem",
           R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},)"
           R"("ProjectionExpression":"a, #b, nothere","ExpressionAttributeNames":{"#b":"b"}})"),
      R"({"Item":{"a":{"N":"1"},"b":{"S":"x"}}})");
  EXPECT_EQ(
      Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"AttributesToGet":["c"]})"),
      R"({"Item":{"c":{"BOOL":true}}})");
  EXPECT_EQ(
      Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"ProjectionExpression":"a",)"
                       R"("ExpressionAttributeNames":{"#unused":"b"}})"),
      Validation("Value provided in ExpressionAttributeNames unused in expressions: keys: "
                 "{#unused}"));
  EXPECT_EQ(
      Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"ProjectionExpression":"a",)"
                       R"("AttributesToGet":["a"]})"),
      Validation("Can not use both expression and non-expression parameters in the same "
                 "request: Non-expression parameters: {AttributesToGet} Expression "
                 "parameters: {ProjectionExpression}"));
  EXPECT_EQ(
      Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"AttributesToGet":["a","a"]})"),
      Validation("One or more parameter values were invalid: Duplicate value in attribute "
                 "name: a"));
  EXPECT_EQ(
      Error("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"ProjectionExpression":""})"),
      Validation("Invalid ProjectionExpression: The expression can not be empty;"));
}

TEST_F(DispatcherTest, ReturnValuesOnPutAndDelete) {
  CreateTable("tbl");
  // First put: nothing old to return.
  EXPECT_EQ(Body("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"k"},"v":{"N":"1"}},)"
                            R"("ReturnValues":"ALL_OLD"})"),
            "{}");
  EXPECT_EQ(Body("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"k"},"v":{"N":"2"}},)"
                            R"("ReturnValues":"ALL_OLD"})"),
            R"({"Attributes":{"pk":{"S":"k"},"v":{"N":"1"}}})");
  EXPECT_EQ(Body("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"k"},"v":{"N":"3"}},)"
                            R"("ReturnValues":"NONE"})"),
            "{}");
  EXPECT_EQ(
      Body("DeleteItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"ReturnValues":"ALL_OLD"})"),
      R"({"Attributes":{"pk":{"S":"k"},"v":{"N":"3"}}})");
  EXPECT_EQ(
      Body("DeleteItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"ReturnValues":"ALL_OLD"})"),
      "{}");
  EXPECT_EQ(Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"k"}}})"), "{}");
  EXPECT_EQ(Error("DeleteItem",
                  R"({"TableName":"tbl","Key":{"pk":{"S":"k"}},"ReturnValues":"UPDATED_NEW"})"),
            Validation("ReturnValues can only be ALL_OLD or NONE"));
}

TEST_F(DispatcherTest, UpdateItem) {
  CreateTable("tbl");
  const std::string kReset =
      R"({"TableName":"tbl","Item":{"pk":{"S":"u"},"a":{"N":"1"},"b":{"S":"x"},"keep":{"S":"k"}}})";
  auto update = [](const char* return_values) {
    return std::string(R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                       R"("UpdateExpression":"SET a = :a, #c = :c REMOVE b",)"
                       R"("ExpressionAttributeNames":{"#c":"c"},)"
                       R"("ExpressionAttributeValues":{":a":{"N":"2"},":c":{"S":"new"}},)"
                       R"("ReturnValues":")") +
           return_values + R"("})";
  };
  Ok("PutItem", kReset);
  EXPECT_EQ(Body("UpdateItem", update("UPDATED_OLD")),
            R"({"Attributes":{"a":{"N":"1"},"b":{"S":"x"}}})");
  EXPECT_EQ(Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}}})"),
            R"({"Item":{"a":{"N":"2"},"c":{"S":"new"},"keep":{"S":"k"},"pk":{"S":"u"}}})");
  Ok("PutItem", kReset);
  EXPECT_EQ(Body("UpdateItem", update("UPDATED_NEW")),
            R"({"Attributes":{"a":{"N":"2"},"c":{"S":"new"}}})");
  Ok("PutItem", kReset);
  EXPECT_EQ(Body("UpdateItem", update("ALL_NEW")),
            R"({"Attributes":{"a":{"N":"2"},"c":{"S":"new"},"keep":{"S":"k"},"pk":{"S":"u"}}})");
  Ok("PutItem", kReset);
  EXPECT_EQ(Body("UpdateItem", update("ALL_OLD")),
            R"({"Attributes":{"a":{"N":"1"},"b":{"S":"x"},"keep":{"S":"k"},"pk":{"S":"u"}}})");
  Ok("PutItem", kReset);
  EXPECT_EQ(Body("UpdateItem", update("NONE")), "{}");

  // An update of an absent item creates it from the key.
  EXPECT_EQ(Body("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"fresh"}},)"
                               R"("UpdateExpression":"SET v = :v",)"
                               R"("ExpressionAttributeValues":{":v":{"L":[{"N":"1"}]}}})"),
            "{}");
  EXPECT_EQ(Body("GetItem", R"({"TableName":"tbl","Key":{"pk":{"S":"fresh"}}})"),
            R"({"Item":{"pk":{"S":"fresh"},"v":{"L":[{"N":"1"}]}}})");

  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                                R"("UpdateExpression":"SET pk = :v",)"
                                R"("ExpressionAttributeValues":{":v":{"S":"other"}}})"),
            Validation("One or more parameter values were invalid: Cannot update attribute pk. "
                       "This attribute is part of the key"));
  EXPECT_EQ(
      Error("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                          R"("UpdateExpression":"SET a = :a",)"
                          R"("ExpressionAttributeValues":{":a":{"N":"1"},":unused":{"N":"1"}}})"),
      Validation("Value provided in ExpressionAttributeValues unused in expressions: keys: "
                 "{:unused}"));
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                                R"("UpdateExpression":"SET a = :missing"})"),
            Validation("Invalid UpdateExpression: An expression attribute value used in expression "
                       "is not defined; attribute value: :missing"));
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                                R"("UpdateExpression":"SET a = :a REMOVE a",)"
                                R"("ExpressionAttributeValues":{":a":{"N":"1"}}})"),
            Validation("Invalid UpdateExpression: Two document paths overlap with each other; must "
                       "remove or rewrite one of these paths; path one: [a], path two: [a]"));
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                                R"("UpdateExpression":"SET a = :a",)"
                                R"("ExpressionAttributeValues":{":a":{"NS":[]}}})"),
            Validation("ExpressionAttributeValues contains invalid value: One or more parameter "
                       "values were invalid: An number set  may not be empty for key :a"));
  EXPECT_EQ(
      Error("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                          R"("UpdateExpression":"SET a = :a","ExpressionAttributeValues":{}})"),
      Validation("ExpressionAttributeValues must not be empty"));
  EXPECT_EQ(Error("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"u"}},)"
                                R"("ExpressionAttributeValues":{":a":{"N":"1"}}})"),
            Validation("ExpressionAttributeValues can only be specified when using expressions"));
}

// ---------------------------------------------------------------------------------- capacity

// The reply's ConsumedCapacity.CapacityUnits, or -1 if absent.
double Units(const rapidjson::Document& reply) {
  if (!reply.IsObject() || !reply.HasMember("ConsumedCapacity")) return -1;
  return reply["ConsumedCapacity"]["CapacityUnits"].GetDouble();
}

std::string PutBody(const std::string& key, size_t value_bytes, const char* extra) {
  return R"({"TableName":"tbl","Item":{"pk":{"S":")" + key + R"("},"v":{"S":")" +
         std::string(value_bytes, 'v') + R"("}})" + extra + "}";
}

TEST_F(DispatcherTest, ConsumedCapacity) {
  CreateTable("tbl");
  constexpr char kTotal[] = R"(,"ReturnConsumedCapacity":"TOTAL")";
  // pk:"a" is 3 bytes, "v" adds 1: item sizes are value_bytes + 4.
  rapidjson::Document small = Ok("PutItem", PutBody("a", 96, kTotal));  // 100 bytes
  EXPECT_EQ(Units(small), 1.0);
  EXPECT_STREQ(small["ConsumedCapacity"]["TableName"].GetString(), "tbl");
  EXPECT_FALSE(small["ConsumedCapacity"].HasMember("Table"));
  EXPECT_EQ(Units(Ok("PutItem", PutBody("b", 1020, kTotal))), 1.0);  // exactly 1024
  EXPECT_EQ(Units(Ok("PutItem", PutBody("c", 1021, kTotal))), 2.0);  // 1025
  // Replacing a 3000-byte item with a 100-byte one is charged on the larger.
  Ok("PutItem", PutBody("d", 2996, ""));
  EXPECT_EQ(Units(Ok("PutItem", PutBody("d", 96, kTotal))), 3.0);
  EXPECT_EQ(Units(Ok("PutItem", PutBody("d", 2996, kTotal))), 3.0);
  // Without ReturnConsumedCapacity (or with NONE) there is none.
  EXPECT_EQ(Units(Ok("PutItem", PutBody("e", 1, ""))), -1);
  EXPECT_EQ(Units(Ok("PutItem", PutBody("e", 1, R"(,"ReturnConsumedCapacity":"NONE")"))), -1);
  // INDEXES adds the per-table breakdown.
  rapidjson::Document indexes =
      Ok("PutItem", PutBody("f", 5000, R"(,"ReturnConsumedCapacity":"INDEXES")"));
  EXPECT_EQ(Units(indexes), 5.0);
  EXPECT_EQ(indexes["ConsumedCapacity"]["Table"]["CapacityUnits"].GetDouble(), 5.0);

  // Reads: 4 KB units, halved unless strongly consistent; absent items cost the minimum.
  auto get = [&](const char* key, bool consistent) {
    return Units(Ok("GetItem", std::string(R"({"TableName":"tbl","Key":{"pk":{"S":")") + key +
                                   R"("}},"ReturnConsumedCapacity":"TOTAL","ConsistentRead":)" +
                                   (consistent ? "true" : "false") + "}"));
  };
  EXPECT_EQ(get("a", false), 0.5);
  EXPECT_EQ(get("a", true), 1.0);
  EXPECT_EQ(get("f", false), 1.0);  // 5004 bytes: 2 units, halved
  EXPECT_EQ(get("f", true), 2.0);
  EXPECT_EQ(get("missing", false), 0.5);
  EXPECT_EQ(get("missing", true), 1.0);

  // Deletes are charged on the deleted item; deleting nothing costs one unit.
  EXPECT_EQ(Units(Ok("DeleteItem", R"({"TableName":"tbl","Key":{"pk":{"S":"d"}},)"
                                   R"("ReturnConsumedCapacity":"TOTAL"})")),
            3.0);
  EXPECT_EQ(Units(Ok("DeleteItem", R"({"TableName":"tbl","Key":{"pk":{"S":"d"}},)"
                                   R"("ReturnConsumedCapacity":"TOTAL"})")),
            1.0);
  // Updates: the larger of the item before and after.
  EXPECT_EQ(
      Units(Ok("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"c"}},)"
                             R"("UpdateExpression":"REMOVE v","ReturnConsumedCapacity":"TOTAL"})")),
      2.0);
  EXPECT_EQ(
      Units(Ok("UpdateItem", R"({"TableName":"tbl","Key":{"pk":{"S":"c"}},)"
                             R"("UpdateExpression":"REMOVE v","ReturnConsumedCapacity":"TOTAL"})")),
      1.0);
}

TEST_F(DispatcherTest, ConcurrentRequests) {
  CreateTable("tbl");
  constexpr int kThreads = 4, kPuts = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPuts; ++i) {
        ApiReply reply =
            Call("PutItem", R"({"TableName":"tbl","Item":{"pk":{"S":"k)" + std::to_string(t) + "-" +
                                std::to_string(i) + R"("}}})");
        EXPECT_EQ(reply.http_status, 200) << reply.body;
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(Ok("DescribeTable", R"({"TableName":"tbl"})")["Table"]["ItemCount"].GetInt64(),
            kThreads * kPuts);
}

}  // namespace
}  // namespace ddbd::api
