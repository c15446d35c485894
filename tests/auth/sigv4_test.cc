#include "auth/sigv4.h"

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

namespace ddbd::auth {
namespace {

// The example credentials of the AWS documentation and test suite.
constexpr std::string_view kDocSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
// The credentials the botocore fixtures below were signed with.
constexpr std::string_view kBotoAkid = "AKIAIOSFODNN7EXAMPLE";
constexpr std::string_view kBotoSecret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

constexpr int64_t k20150830T123600Z = 1440938160;
constexpr int64_t k20240101T000000Z = 1704067200;

constexpr std::string_view kMismatch =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";

ParseOptions AnyScope() { return ParseOptions{.service = "", .region = ""}; }

// Parses then verifies; returns the first error.
Status ParseAndVerify(const HttpRequestView& req, std::string_view secret, int64_t now,
                      const ParseOptions& options = ParseOptions(),
                      const VerifyOptions& verify = VerifyOptions()) {
  Result<ParsedSignature> parsed = ParseSignature(req, options);
  if (!parsed.ok()) return parsed.status();
  return VerifySignature(req, *parsed, secret, now, verify);
}

void ExpectError(const Status& status, ErrorCode code, std::string_view message) {
  EXPECT_EQ(status.code(), code) << status.ToString();
  EXPECT_EQ(status.message(), message);
}

// ---------------------------------------------------------------------------------------------
// Primitives against published values.
// ---------------------------------------------------------------------------------------------

TEST(SigV4Primitives, HexSha256OfEmptyString) {
  EXPECT_EQ(HexSha256(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(SigV4Primitives, HmacSha256Rfc4231Case2) {
  EXPECT_EQ(HexEncode(HmacSha256("Jefe", "what do ya want for nothing?")),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

// AWS General Reference, "Examples of how to derive a signing key for Signature Version 4".
TEST(SigV4Primitives, SigningKeyDocumentedExample) {
  EXPECT_EQ(HexEncode(SigningKey(kDocSecret, "20150830", "us-east-1", "iam")),
            "c4afb1cc5771d871763a393e44b703571b55cc28424d1a5e86da6ed3c154a4b9");
}

TEST(SigV4Primitives, AmzDateRoundTrip) {
  EXPECT_EQ(ParseAmzDate("20150830T123600Z"), k20150830T123600Z);
  EXPECT_EQ(ParseAmzDate("20240101T000000Z"), k20240101T000000Z);
  EXPECT_EQ(ParseAmzDate("19700101T000000Z"), 0);
  EXPECT_EQ(ParseAmzDate("20240229T235959Z"), k20240101T000000Z + 59 * 86400 + 86399);
  EXPECT_EQ(FormatAmzDate(k20150830T123600Z), "20150830T123600Z");
  EXPECT_EQ(FormatAmzDate(0), "19700101T000000Z");
  EXPECT_EQ(FormatAmzDate(-1), "19691231T235959Z");
  EXPECT_EQ(FormatAmzDate(k20240101T000000Z + 59 * 86400 + 86399), "20240229T235959Z");
}

TEST(SigV4Primitives, AmzDateRejectsMalformed) {
  for (std::string_view bad :
       {"", "20150830T123600", "2015-08-30T12:36:00Z", "20150830T123600z", "20150830X123600Z",
        "20150230T123600Z", "20230229T000000Z", "20151330T123600Z", "20150830T243600Z",
        "20150830T126000Z", "20150830T123660Z", "2015083aT123600Z", "20150830T123600Z "}) {
    EXPECT_EQ(ParseAmzDate(bad), std::nullopt) << bad;
  }
}

TEST(SigV4Primitives, HttpDate) {
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 GMT"), k20150830T123600Z);
  EXPECT_EQ(ParseHttpDate("30 Aug 2015 12:36:00 GMT"), k20150830T123600Z);
  EXPECT_EQ(ParseHttpDate("Sun, 30 Aug 2015 12:36:00 PST"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("Sun, 31 Sep 2015 12:36:00 GMT"), std::nullopt);
  EXPECT_EQ(ParseHttpDate("garbage"), std::nullopt);
}

TEST(SigV4Primitives, UriEncodeAndDecode) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", false), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a b/c+d=e:%", false), "a%20b%2Fc%2Bd%3De%3A%25");
  EXPECT_EQ(UriEncode("a b/c", true), "a%20b/c");
  EXPECT_EQ(UriEncode("\xE1\x88\xB4", false), "%E1%88%B4");
  EXPECT_EQ(UriDecode("a%20b%2fc+d"), "a b/c+d");
  EXPECT_EQ(UriDecode("100%"), "100%");
  EXPECT_EQ(UriDecode("%zz%4"), "%zz%4");
}

TEST(SigV4Primitives, CanonicalUriNormalizesAndDoubleEncodes) {
  EXPECT_EQ(CanonicalUri(""), "/");
  EXPECT_EQ(CanonicalUri("/"), "/");
  EXPECT_EQ(CanonicalUri("//"), "/");
  EXPECT_EQ(CanonicalUri("/a//b/"), "/a/b/");
  EXPECT_EQ(CanonicalUri("/a/./b/../c"), "/a/c");
  EXPECT_EQ(CanonicalUri("/../a"), "/a");
  EXPECT_EQ(CanonicalUri("/%20/foo"), "/%2520/foo");
  EXPECT_EQ(CanonicalUri("/a b~c"), "/a%20b~c");
}

TEST(SigV4Primitives, CanonicalQueryString) {
  EXPECT_EQ(CanonicalQueryString("", false), "");
  EXPECT_EQ(CanonicalQueryString("Param2=value2&Param1=value1", false),
            "Param1=value1&Param2=value2");
  // Repeated names sort by value; bare names get '='; empty parts vanish.
  EXPECT_EQ(CanonicalQueryString("b=2&a=1&a=0&&flag", false), "a=0&a=1&b=2&flag=");
  // Decoded, then encoded the AWS way.
  EXPECT_EQ(CanonicalQueryString("x=a:b&y=%7e&z=%2f+", false), "x=a%3Ab&y=~&z=%2F%2B");
  // Upper case sorts before lower case (byte order).
  EXPECT_EQ(CanonicalQueryString("a=1&B=2", false), "B=2&a=1");
  EXPECT_EQ(CanonicalQueryString("X-Amz-Signature=abc&b=1", true), "b=1");
  EXPECT_EQ(CanonicalQueryString("X-Amz-Signature=abc&b=1", false), "X-Amz-Signature=abc&b=1");
}

TEST(SigV4Primitives, CanonicalHeadersTrimCollapseAndJoin) {
  HttpRequestView req{.method = "GET",
                      .target = "/",
                      .headers = {{"Host", "example.com"},
                                  {"My-Header1", "  a   b   c  "},
                                  {"my-header2", "\"a   b   c\""},
                                  {"MY-HEADER1", "second\tvalue"}},
                      .body = ""};
  EXPECT_EQ(CanonicalHeaders(req, {"host", "my-header1", "my-header2"}),
            "host:example.com\nmy-header1:a b c,second value\nmy-header2:\"a b c\"\n");
}

// ---------------------------------------------------------------------------------------------
// Documented AWS examples.
// ---------------------------------------------------------------------------------------------

// AWS General Reference, "Create a canonical request" ... "Calculate the signature": the IAM
// ListUsers GET example.
TEST(SigV4Documented, IamListUsers) {
  HttpRequestView req{
      .method = "GET",
      .target = "/?Action=ListUsers&Version=2010-05-08",
      .headers = {{"Host", "iam.amazonaws.com"},
                  {"Content-Type", "application/x-www-form-urlencoded; charset=utf-8"},
                  {"X-Amz-Date", "20150830T123600Z"},
                  {"Authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
                   "SignedHeaders=content-type;host;x-amz-date, "
                   "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7"}},
      .body = ""};
  Result<ParsedSignature> parsed =
      ParseSignature(req, ParseOptions{.service = "iam", .region = ""});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->identity.access_key_id, "AKIDEXAMPLE");
  EXPECT_EQ(parsed->identity.date, "20150830");
  EXPECT_EQ(parsed->identity.region, "us-east-1");
  EXPECT_EQ(parsed->identity.service, "iam");
  EXPECT_EQ(parsed->signed_headers,
            (std::vector<std::string>{"content-type", "host", "x-amz-date"}));
  EXPECT_EQ(parsed->amz_date, "20150830T123600Z");
  EXPECT_EQ(parsed->request_time, k20150830T123600Z);
  EXPECT_FALSE(parsed->presigned);

  std::string canonical =
      CanonicalRequest(req, parsed->signed_headers, HexSha256(""), /*presigned=*/false);
  EXPECT_EQ(canonical,
            "GET\n/\nAction=ListUsers&Version=2010-05-08\n"
            "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
            "host:iam.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(HexSha256(canonical),
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_EQ(StringToSign("20150830T123600Z", CredentialScope(parsed->identity), canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/iam/aws4_request\n"
            "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
  EXPECT_TRUE(VerifySignature(req, *parsed, kDocSecret, k20150830T123600Z).ok());
}

// The SigV4 test suite (2015 edition): AKIDEXAMPLE, 20150830T123600Z, us-east-1, "service".
struct SuiteCase {
  std::string_view name;
  std::string_view method;
  std::string_view target;
  std::string_view signature;
};

class SigV4Suite : public ::testing::TestWithParam<SuiteCase> {};

TEST_P(SigV4Suite, Verifies) {
  const SuiteCase& c = GetParam();
  std::string authorization =
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=" +
      std::string(c.signature);
  HttpRequestView req{.method = c.method,
                      .target = c.target,
                      .headers = {{"Host", "example.amazonaws.com"},
                                  {"X-Amz-Date", "20150830T123600Z"},
                                  {"Authorization", authorization}},
                      .body = ""};
  EXPECT_TRUE(ParseAndVerify(req, kDocSecret, k20150830T123600Z, AnyScope()).ok());
  // Any other secret fails.
  ExpectError(ParseAndVerify(req, "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", k20150830T123600Z,
                             AnyScope()),
              ErrorCode::kInvalidSignature, kMismatch);
}

INSTANTIATE_TEST_SUITE_P(
    Published, SigV4Suite,
    ::testing::Values(
        SuiteCase{"get_vanilla", "GET", "/",
                  "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"},
        SuiteCase{"get_vanilla_query_order_key_case", "GET", "/?Param2=value2&Param1=value1",
                  "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"},
        SuiteCase{"post_vanilla", "POST", "/",
                  "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"}),
    [](const ::testing::TestParamInfo<SuiteCase>& info) { return std::string(info.param.name); });

TEST(SigV4Documented, GetVanillaIntermediateValues) {
  HttpRequestView req{
      .method = "GET",
      .target = "/",
      .headers = {{"Host", "example.amazonaws.com"}, {"X-Amz-Date", "20150830T123600Z"}},
      .body = ""};
  std::string canonical = CanonicalRequest(req, {"host", "x-amz-date"}, HexSha256(""), false);
  EXPECT_EQ(canonical,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(StringToSign("20150830T123600Z", "20150830/us-east-1/service/aws4_request", canonical),
            "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
}

// The 2011 edition of the suite as kept by botocore (tests/unit/auth/aws4_testsuite): the request
// time comes from the Date header, and paths are double-encoded.
TEST(SigV4Documented, DateHeaderAndDoubleEncodedPath) {
  struct Case {
    std::string_view target;
    std::string_view signature;
  };
  for (const Case& c :
       {Case{"/%20/foo", "2be9e587d1ee1f0fd02128724b86b4358ba3630d39f493b6e06610a19a50779e"},
        Case{"/%E1%88%B4", "57b1eb3df3b16a8479c0097b66c0b261cfd65b829419a3f2c3d05319722490b8"}}) {
    std::string authorization =
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20110909/us-east-1/host/aws4_request, "
        "SignedHeaders=date;host, Signature=" +
        std::string(c.signature);
    HttpRequestView req{.method = "GET",
                        .target = c.target,
                        .headers = {{"Date", "Mon, 09 Sep 2011 23:36:00 GMT"},
                                    {"Host", "host.foo.com"},
                                    {"Authorization", authorization}},
                        .body = ""};
    Result<ParsedSignature> parsed =
        ParseSignature(req, ParseOptions{.service = "host", .region = ""});
    ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
    EXPECT_EQ(parsed->amz_date, "20110909T233600Z");
    EXPECT_TRUE(VerifySignature(req, *parsed, kDocSecret, parsed->request_time).ok()) << c.target;
  }
}

// ---------------------------------------------------------------------------------------------
// Requests signed by botocore 1.43 (SigV4Auth / SigV4QueryAuth) at 2024-01-01T00:00:00Z with
// AKIAIOSFODNN7EXAMPLE / wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY. The Host header is the one
// botocore signed (derived from the URL).
// ---------------------------------------------------------------------------------------------

constexpr std::string_view kPutItemBody =
    R"({"TableName": "Music", "Item": {"Artist": {"S": "No One You Know"}, )"
    R"("SongTitle": {"S": "Call Me Today"}}})";
constexpr std::string_view kPutItemAuthorization =
    "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
    "SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
    "Signature=02daf5214dcd4627664fb2aa9dea8c3ea5b6f925d1906b33719ea72de644e7fd";

HttpRequestView BotocorePutItem() {
  return HttpRequestView{.method = "POST",
                         .target = "/",
                         .headers = {{"Host", "localhost:8000"},
                                     {"X-Amz-Target", "DynamoDB_20120810.PutItem"},
                                     {"Content-Type", "application/x-amz-json-1.0"},
                                     {"X-Amz-Date", "20240101T000000Z"},
                                     {"Authorization", kPutItemAuthorization},
                                     {"Content-Length", "105"}},
                         .body = kPutItemBody};
}

TEST(SigV4Botocore, DynamoDbPutItem) {
  HttpRequestView req = BotocorePutItem();
  Result<ParsedSignature> parsed = ParseSignature(req);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->identity.access_key_id, kBotoAkid);
  EXPECT_EQ(parsed->identity.service, "dynamodb");
  EXPECT_EQ(parsed->security_token, "");
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z).ok());
  // Fine anywhere inside the 15-minute window.
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z + 900).ok());
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z - 900).ok());
}

TEST(SigV4Botocore, DynamoDbWithSessionToken) {
  HttpRequestView req{
      .method = "POST",
      .target = "/",
      .headers = {{"Host", "dynamodb.eu-west-1.amazonaws.com"},
                  {"X-Amz-Target", "DynamoDB_20120810.ListTables"},
                  {"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Date", "20240101T000000Z"},
                  {"X-Amz-Security-Token", "FQoGZXIvYXdzEXAMPLETOKEN+/="},
                  {"Authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/eu-west-1/dynamodb/"
                   "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;"
                   "x-amz-target, "
                   "Signature=c2cea604dd071dae9671416895cf136904ca7848d25ffd2fcb78db32db1d2d0e"},
                  {"Content-Length", "2"}},
      .body = "{}"};
  Result<ParsedSignature> parsed = ParseSignature(req, ParseOptions{.region = "eu-west-1"});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->identity.region, "eu-west-1");
  EXPECT_EQ(parsed->security_token, "FQoGZXIvYXdzEXAMPLETOKEN+/=");
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z).ok());
}

TEST(SigV4Botocore, RepeatedHeadersWithExtraSpaces) {
  // Two X-Custom fields, "  first   value  " and "second\t value": canonical
  // "x-custom:first value,second value".
  HttpRequestView req{
      .method = "POST",
      .target = "/",
      .headers = {{"Host", "127.0.0.1:8000"},
                  {"X-Amz-Target", "DynamoDB_20120810.DescribeTable"},
                  {"X-Custom", "  first   value  "},
                  {"x-custom", "second\t value"},
                  {"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Date", "20240101T000000Z"},
                  {"Authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/"
                   "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target;"
                   "x-custom, Signature="
                   "dff5e5fc11b90805181b3cf45a19b5b65c5cdcee617875498f6514fe02b83ace"}},
      .body = R"({"TableName":"t"})"};
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());
  // Dropping one of the repeated fields breaks the signature.
  req.headers.erase(req.headers.begin() + 3);
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              kMismatch);
}

TEST(SigV4Botocore, PathNormalizationAndQuerySorting) {
  // botocore's canonical request: "GET\n/a%2520b/e\na=0&a=1&b=2&empty=&x=%3A%2F\n...".
  HttpRequestView req{
      .method = "GET",
      .target = "/a%20b/./c~d/../e?b=2&a=1&a=0&empty=&x=%3A%2F",
      .headers = {{"Host", "localhost:8000"},
                  {"X-Amz-Date", "20240101T000000Z"},
                  {"Authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/"
                   "aws4_request, SignedHeaders=host;x-amz-date, Signature="
                   "2fe167ec2a4a30c3221addda28030bb3bcc294722c18ac08ec14a2423a40df6a"}},
      .body = ""};
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());
  // An absolute-form target signs the same.
  req.target = "http://localhost:8000/a%20b/./c~d/../e?b=2&a=1&a=0&empty=&x=%3A%2F";
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());
}

constexpr std::string_view kPresignedScanTarget =
    "/?TableName=Music&Limit=5&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential="
    "AKIAIOSFODNN7EXAMPLE%2F20240101%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date="
    "20240101T000000Z&X-Amz-Expires=300&X-Amz-SignedHeaders=host%3Bx-amz-target&X-Amz-Signature="
    "b6842d3dd839e4d363c7f49a7d6cd3f6a5dd2d26b77f90d13e03117105992db9";

HttpRequestView BotocorePresignedScan() {
  return HttpRequestView{.method = "POST",
                         .target = kPresignedScanTarget,
                         .headers = {{"Host", "localhost:8000"},
                                     {"X-Amz-Target", "DynamoDB_20120810.Scan"},
                                     {"Content-Length", "0"}},
                         .body = ""};
}

TEST(SigV4Botocore, PresignedPost) {
  HttpRequestView req = BotocorePresignedScan();
  Result<ParsedSignature> parsed = ParseSignature(req);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_TRUE(parsed->presigned);
  EXPECT_EQ(parsed->expires_seconds, 300);
  EXPECT_EQ(parsed->identity.access_key_id, kBotoAkid);
  EXPECT_EQ(parsed->signed_headers, (std::vector<std::string>{"host", "x-amz-target"}));
  EXPECT_EQ(parsed->signature, "b6842d3dd839e4d363c7f49a7d6cd3f6a5dd2d26b77f90d13e03117105992db9");
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z).ok());
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z + 300).ok());
  ExpectError(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z + 301),
              ErrorCode::kAccessDenied, "Request has expired");
  // A tampered operation parameter breaks the signature.
  std::string tampered(kPresignedScanTarget);
  tampered.replace(tampered.find("Limit=5"), 7, "Limit=9");
  req.target = tampered;
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              kMismatch);
}

TEST(SigV4Botocore, PresignedGetWithSessionToken) {
  HttpRequestView req{
      .method = "GET",
      .target =
          "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101"
          "%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&"
          "X-Amz-SignedHeaders=host&X-Amz-Security-Token=tok%2Fen%2B%3D%3D&X-Amz-Signature="
          "56abcb0d6412ce57936ce032c10bd4c4bbcd9b1ea52a50862cf45608444779f0",
      .headers = {{"host", "localhost:8000"}},
      .body = ""};
  Result<ParsedSignature> parsed = ParseSignature(req);
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  EXPECT_EQ(parsed->security_token, "tok/en+==");
  EXPECT_EQ(parsed->expires_seconds, 60);
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z + 60).ok());
  ExpectError(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z + 61),
              ErrorCode::kAccessDenied, "Request has expired");
}

// ---------------------------------------------------------------------------------------------
// Tolerated variations.
// ---------------------------------------------------------------------------------------------

TEST(SigV4Variations, HeaderNamesInAnyCase) {
  HttpRequestView req = BotocorePutItem();
  req.headers = {{"HOST", "localhost:8000"},
                 {"x-amz-TARGET", "DynamoDB_20120810.PutItem"},
                 {"content-type", "application/x-amz-json-1.0"},
                 {"X-AMZ-DATE", "20240101T000000Z"},
                 {"aUtHoRiZaTiOn", kPutItemAuthorization}};
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());
}

TEST(SigV4Variations, SpacingInsideAuthorizationHeader) {
  HttpRequestView req = BotocorePutItem();
  for (std::string_view authorization : {
           "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/"
           "aws4_request,SignedHeaders=content-type;host;x-amz-date;x-amz-target,Signature="
           "02daf5214dcd4627664fb2aa9dea8c3ea5b6f925d1906b33719ea72de644e7fd",
           "  AWS4-HMAC-SHA256   Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/"
           "aws4_request ,  SignedHeaders=content-type;host;x-amz-date;x-amz-target,\t Signature="
           "02daf5214dcd4627664fb2aa9dea8c3ea5b6f925d1906b33719ea72de644e7fd  ",
           "AWS4-HMAC-SHA256 "
           "Signature=02daf5214dcd4627664fb2aa9dea8c3ea5b6f925d1906b33719ea72de644e7"
           "fd, Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/aws4_request, "
           "SignedHeaders=content-type;host;x-amz-date;x-amz-target",
       }) {
    req.headers[4].second = authorization;
    EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok()) << authorization;
  }
}

TEST(SigV4Variations, ExtraSpacesInSignedHeaderValues) {
  HttpRequestView req = BotocorePutItem();
  req.headers[1].second = "   DynamoDB_20120810.PutItem \t ";
  req.headers[2].second = "\tapplication/x-amz-json-1.0";
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());
}

TEST(SigV4Variations, UnsignedHeadersMayChange) {
  HttpRequestView req = BotocorePutItem();
  req.headers.emplace_back("User-Agent", "anything");
  req.headers[5].second = "999";  // Content-Length is not signed
  // X-Amz-Date takes precedence over an (unsigned) Date header.
  req.headers.emplace_back("Date", "Tue, 02 Jan 2024 00:00:00 GMT");
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());
}

TEST(SigV4Variations, ContentSha256HeaderIsUsedAndChecked) {
  // Sign a request carrying x-amz-content-sha256 with this module, then verify it.
  HttpRequestView req = BotocorePutItem();
  std::string body_hash = HexSha256(kPutItemBody);
  req.headers.emplace_back("X-Amz-Content-Sha256", body_hash);
  auto sign = [&](std::string_view payload_hash) {
    ParsedSignature p;
    p.identity = {std::string(kBotoAkid), "us-east-1", "dynamodb", "20240101"};
    p.signed_headers = {"content-type", "host", "x-amz-content-sha256", "x-amz-date",
                        "x-amz-target"};
    p.amz_date = "20240101T000000Z";
    return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/"
           "aws4_request, SignedHeaders=content-type;host;x-amz-content-sha256;x-amz-date;"
           "x-amz-target, Signature=" +
           CalculateSignature(req, p, kBotoSecret, payload_hash);
  };
  std::string authorization = sign(body_hash);
  req.headers[4].second = authorization;
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());

  // A declared hash that is not the body's, correctly signed, is still refused.
  std::string wrong_hash = HexSha256("other body");
  req.headers.back().second = wrong_hash;
  std::string wrong_authorization = sign(wrong_hash);
  req.headers[4].second = wrong_authorization;
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              "The provided 'x-amz-content-sha256' header does not match what was computed.");

  // UNSIGNED-PAYLOAD with a body: refused unless allowed.
  req.headers.back().second = kUnsignedPayload;
  std::string unsigned_authorization = sign(kUnsignedPayload);
  req.headers[4].second = unsigned_authorization;
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              "The provided 'x-amz-content-sha256' header does not match what was computed.");
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z, ParseOptions(),
                             VerifyOptions{.allow_unsigned_payload = true})
                  .ok());
}

TEST(SigV4Variations, PresignedUnsignedPayloadOnlyWithEmptyBody) {
  // A presigned GET signed over UNSIGNED-PAYLOAD (the S3 convention).
  std::string target =
      "/?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20240101"
      "%2Fus-east-1%2Fdynamodb%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=60&"
      "X-Amz-SignedHeaders=host";
  HttpRequestView req{
      .method = "GET", .target = target, .headers = {{"Host", "localhost:8000"}}, .body = ""};
  Result<ParsedSignature> parsed =
      ParseSignature(HttpRequestView{.method = "GET",
                                     .target = target + "&X-Amz-Signature=x",
                                     .headers = {{"Host", "localhost:8000"}},
                                     .body = ""});
  ASSERT_TRUE(parsed.ok()) << parsed.status().ToString();
  std::string signed_target = target + "&X-Amz-Signature=" +
                              CalculateSignature(req, *parsed, kBotoSecret, kUnsignedPayload);
  req.target = signed_target;
  EXPECT_TRUE(ParseAndVerify(req, kBotoSecret, k20240101T000000Z).ok());
  req.body = "{}";  // a body added later is not covered: refused
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              kMismatch);
}

// ---------------------------------------------------------------------------------------------
// Error paths.
// ---------------------------------------------------------------------------------------------

HttpRequestView WithAuthorization(std::string_view authorization) {
  HttpRequestView req = BotocorePutItem();
  req.headers[4].second = authorization;
  return req;
}

TEST(SigV4Errors, MissingAuthentication) {
  HttpRequestView req = BotocorePutItem();
  req.headers.erase(req.headers.begin() + 4);
  ExpectError(ParseSignature(req).status(), ErrorCode::kMissingAuthenticationToken,
              "Request is missing Authentication Token");
  // Query parameters without X-Amz-Algorithm do not count.
  req.target = "/?X-Amz-Credential=a&X-Amz-Signature=b";
  ExpectError(ParseSignature(req).status(), ErrorCode::kMissingAuthenticationToken,
              "Request is missing Authentication Token");
}

TEST(SigV4Errors, AuthorizationWithoutParameters) {
  HttpRequestView req = WithAuthorization("eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig");
  req.headers.erase(req.headers.begin() + 3);  // no X-Amz-Date either
  ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature,
              "Authorization header requires 'Credential' parameter. Authorization header "
              "requires 'Signature' parameter. Authorization header requires 'SignedHeaders' "
              "parameter. Authorization header requires existence of either a 'X-Amz-Date' or a "
              "'Date' header. Authorization=eyJ0eXAiOiJKV1QiLCJhbGciOiJIUzI1NiJ9.e30.sig");
}

TEST(SigV4Errors, AuthorizationMissingSomeParameters) {
  ExpectError(ParseSignature(WithAuthorization("AWS4-HMAC-SHA256 Credential=ABCDEF")).status(),
              ErrorCode::kIncompleteSignature,
              "Authorization header requires 'Signature' parameter. Authorization header "
              "requires 'SignedHeaders' parameter. Authorization=AWS4-HMAC-SHA256 "
              "Credential=ABCDEF");
  ExpectError(ParseSignature(WithAuthorization("AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab"))
                  .status(),
              ErrorCode::kIncompleteSignature,
              "Authorization header requires 'Credential' parameter. "
              "Authorization=AWS4-HMAC-SHA256 SignedHeaders=host, Signature=ab");
}

TEST(SigV4Errors, AuthorizationMissingDate) {
  HttpRequestView req = BotocorePutItem();
  req.headers.erase(req.headers.begin() + 3);
  ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature,
              "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
              "header. Authorization=" +
                  std::string(kPutItemAuthorization));
}

TEST(SigV4Errors, AuthorizationPairWithoutEqualSign) {
  std::string_view value =
      "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE /20240101/us-east-1/dynamodb/aws4_request, "
      "SignedHeaders=host;x-amz-date, Signature=abc";
  ExpectError(ParseSignature(WithAuthorization(value)).status(), ErrorCode::kIncompleteSignature,
              "'/20240101/us-east-1/dynamodb/aws4_request' not a valid key=value pair (missing "
              "equal-sign) in Authorization header: '" +
                  std::string(value) + "'.");
  ExpectError(ParseSignature(WithAuthorization("Bearer abc")).status(),
              ErrorCode::kIncompleteSignature,
              "'abc' not a valid key=value pair (missing equal-sign) in Authorization header: "
              "'Bearer abc'.");
}

TEST(SigV4Errors, UnsupportedAlgorithm) {
  ExpectError(
      ParseSignature(WithAuthorization("AWS4-HMAC-SHA512 Credential=AKIAIOSFODNN7EXAMPLE/20240101/"
                                       "us-east-1/dynamodb/aws4_request, SignedHeaders=host, "
                                       "Signature=ab"))
          .status(),
      ErrorCode::kIncompleteSignature, "Unsupported AWS 'algorithm': 'AWS4-HMAC-SHA512'.");
}

TEST(SigV4Errors, CredentialNotFiveElements) {
  ExpectError(ParseSignature(
                  WithAuthorization("AWS4-HMAC-SHA256 Credential=AKIA/EXAMPLE/20240101/us-east-1/"
                                    "dynamodb/aws4_request, SignedHeaders=host, Signature=ab"))
                  .status(),
              ErrorCode::kIncompleteSignature,
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got "
              "'AKIA/EXAMPLE/20240101/us-east-1/dynamodb/aws4_request'");
  ExpectError(ParseSignature(WithAuthorization(
                                 "AWS4-HMAC-SHA256 Credential=, SignedHeaders=host, Signature=ab"))
                  .status(),
              ErrorCode::kIncompleteSignature,
              "Credential must have exactly 5 slash-delimited elements, e.g. "
              "keyid/date/region/service/term, got ''");
}

TEST(SigV4Errors, MalformedDate) {
  HttpRequestView req = BotocorePutItem();
  req.headers[3].second = "2024-01-01T00:00:00Z";
  ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature,
              "Date must be in ISO-8601 'basic format'. Got '2024-01-01T00:00:00Z'. See "
              "http://en.wikipedia.org/wiki/ISO_8601");
}

TEST(SigV4Errors, ScopeDateDiffersFromRequestDate) {
  HttpRequestView req = BotocorePutItem();
  req.headers[3].second = "20240102T000000Z";
  ExpectError(ParseSignature(req).status(), ErrorCode::kInvalidSignature,
              "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
              "from HTTP: '20240101' != '20240102', from '20240102T000000Z'.");
}

std::string PutItemAuthorizationWithScope(std::string_view scope) {
  return "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/" + std::string(scope) +
         ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=ab";
}

TEST(SigV4Errors, WrongRegion) {
  std::string authorization =
      PutItemAuthorizationWithScope("20240101/us-west-2/dynamodb/aws4_request");
  ExpectError(ParseSignature(WithAuthorization(authorization), ParseOptions{.region = "us-east-1"})
                  .status(),
              ErrorCode::kInvalidSignature,
              "Credential should be scoped to a valid region, not 'us-west-2'. ");
  // Any non-empty region passes without a configured one.
  EXPECT_TRUE(ParseSignature(WithAuthorization(authorization)).ok());
  std::string empty_region = PutItemAuthorizationWithScope("20240101//dynamodb/aws4_request");
  ExpectError(ParseSignature(WithAuthorization(empty_region)).status(),
              ErrorCode::kInvalidSignature,
              "Credential should be scoped to a valid region, not ''. ");
}

TEST(SigV4Errors, WrongService) {
  std::string authorization = PutItemAuthorizationWithScope("20240101/us-east-1/s3/aws4_request");
  ExpectError(ParseSignature(WithAuthorization(authorization)).status(),
              ErrorCode::kInvalidSignature,
              "Credential should be scoped to correct service: 'dynamodb'. ");
}

TEST(SigV4Errors, WrongTerminator) {
  std::string authorization =
      PutItemAuthorizationWithScope("20240101/us-east-1/dynamodb/aws5_request");
  ExpectError(ParseSignature(WithAuthorization(authorization)).status(),
              ErrorCode::kInvalidSignature,
              "Credential should be scoped with a valid terminator: 'aws4_request', not "
              "'aws5_request'. ");
}

TEST(SigV4Errors, ScopeProblemsAccumulate) {
  std::string authorization = PutItemAuthorizationWithScope("20240101/eu-west-1/sqs/foo");
  ExpectError(
      ParseSignature(WithAuthorization(authorization), ParseOptions{.region = "us-east-1"})
          .status(),
      ErrorCode::kInvalidSignature,
      "Credential should be scoped to a valid region, not 'eu-west-1'. Credential should be scoped "
      "to correct service: 'dynamodb'. Credential should be scoped with a valid terminator: "
      "'aws4_request', not 'foo'. ");
}

TEST(SigV4Errors, HostNotSigned) {
  ExpectError(
      ParseSignature(WithAuthorization("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/"
                                       "us-east-1/dynamodb/aws4_request, "
                                       "SignedHeaders=content-type;x-amz-date, Signature=ab"))
          .status(),
      ErrorCode::kInvalidSignature,
      "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.");
}

TEST(SigV4Errors, SignedHeaderMissingFromRequest) {
  ExpectError(
      ParseSignature(WithAuthorization("AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/"
                                       "us-east-1/dynamodb/aws4_request, "
                                       "SignedHeaders=accept;host;x-amz-date, Signature=ab"))
          .status(),
      ErrorCode::kIncompleteSignature,
      "'accept' is named as a SignedHeader, but it does not exist in the HTTP request.");
}

TEST(SigV4Errors, WrongSecretOrTamperedRequest) {
  HttpRequestView req = BotocorePutItem();
  ExpectError(ParseAndVerify(req, "not the secret", k20240101T000000Z),
              ErrorCode::kInvalidSignature, kMismatch);
  req.body = R"({"TableName": "Music2"})";
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              kMismatch);
  req = BotocorePutItem();
  req.headers[1].second = "DynamoDB_20120810.DeleteItem";
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              kMismatch);
  req = BotocorePutItem();
  req.method = "PUT";
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              kMismatch);
  req = BotocorePutItem();
  req.target = "/x";
  ExpectError(ParseAndVerify(req, kBotoSecret, k20240101T000000Z), ErrorCode::kInvalidSignature,
              kMismatch);
  // Upper-case hex is not the signature AWS computes.
  std::string upper(kPutItemAuthorization);
  for (size_t i = upper.find("Signature=") + 10; i < upper.size(); ++i) {
    if (upper[i] >= 'a' && upper[i] <= 'f') upper[i] = static_cast<char>(upper[i] - 'a' + 'A');
  }
  ExpectError(ParseAndVerify(WithAuthorization(upper), kBotoSecret, k20240101T000000Z),
              ErrorCode::kInvalidSignature, kMismatch);
}

TEST(SigV4Errors, SignatureExpired) {
  // 20240101T000000Z checked at 20240101T003500Z.
  ExpectError(ParseAndVerify(BotocorePutItem(), kBotoSecret, k20240101T000000Z + 35 * 60),
              ErrorCode::kInvalidSignature,
              "Signature expired: 20240101T000000Z is now earlier than 20240101T002000Z "
              "(20240101T003500Z - 15 min.)");
  ExpectError(ParseAndVerify(BotocorePutItem(), kBotoSecret, k20240101T000000Z + 901),
              ErrorCode::kInvalidSignature,
              "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z "
              "(20240101T001501Z - 15 min.)");
  // Checked before the signature itself.
  ExpectError(ParseAndVerify(BotocorePutItem(), "wrong", k20240101T000000Z + 901),
              ErrorCode::kInvalidSignature,
              "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z "
              "(20240101T001501Z - 15 min.)");
}

TEST(SigV4Errors, SignatureNotYetCurrent) {
  ExpectError(ParseAndVerify(BotocorePutItem(), kBotoSecret, k20240101T000000Z - 20 * 60),
              ErrorCode::kInvalidSignature,
              "Signature not yet current: 20240101T000000Z is still later than 20231231T235500Z "
              "(20231231T234000Z + 15 min.)");
}

TEST(SigV4Errors, CustomClockSkew) {
  ExpectError(ParseAndVerify(BotocorePutItem(), kBotoSecret, k20240101T000000Z + 301,
                             ParseOptions(), VerifyOptions{.max_clock_skew_seconds = 300}),
              ErrorCode::kInvalidSignature,
              "Signature expired: 20240101T000000Z is now earlier than 20240101T000001Z "
              "(20240101T000501Z - 5 min.)");
}

TEST(SigV4Errors, PresignedMayOutliveSkewButNotExpiry) {
  // X-Amz-Expires=300 is shorter than the skew; a long-lived URL outlives it.
  HttpRequestView req = BotocorePresignedScan();
  Result<ParsedSignature> parsed = ParseSignature(req);
  ASSERT_TRUE(parsed.ok());
  // Pretend the URL said 3600 (the signature still covers the query as sent).
  parsed->expires_seconds = 3600;
  EXPECT_TRUE(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z + 1800).ok());
  ExpectError(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z + 3601),
              ErrorCode::kAccessDenied, "Request has expired");
  // Not-yet-current applies to presigned requests too.
  ExpectError(VerifySignature(req, *parsed, kBotoSecret, k20240101T000000Z - 901),
              ErrorCode::kInvalidSignature,
              "Signature not yet current: 20240101T000000Z is still later than 20231231T235959Z "
              "(20231231T234459Z + 15 min.)");
}

std::string RemoveParam(std::string target, std::string_view name) {
  size_t start = target.find(std::string(name) + "=");
  size_t end = target.find('&', start);
  target.erase(start, end == std::string::npos ? std::string::npos : end - start + 1);
  if (target.back() == '&') target.pop_back();
  return target;
}

TEST(SigV4Errors, PresignedMissingParameters) {
  HttpRequestView req = BotocorePresignedScan();
  std::string target = RemoveParam(std::string(kPresignedScanTarget), "X-Amz-Credential");
  target = RemoveParam(target, "X-Amz-Date");
  req.target = target;
  ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature,
              "AWS query-string parameters must include 'X-Amz-Credential'. AWS query-string "
              "parameters must include 'X-Amz-Date'. Re-examine the query-string parameters.");
  std::string no_signature = RemoveParam(std::string(kPresignedScanTarget), "X-Amz-Signature");
  req.target = no_signature;
  ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature,
              "AWS query-string parameters must include 'X-Amz-Signature'. Re-examine the "
              "query-string parameters.");
}

TEST(SigV4Errors, PresignedBadAlgorithmAndExpires) {
  HttpRequestView req = BotocorePresignedScan();
  std::string target(kPresignedScanTarget);
  std::string bad_algorithm = target;
  bad_algorithm.replace(bad_algorithm.find("AWS4-HMAC-SHA256"), 16, "AWS4-ECDSA-P256-SHA256");
  req.target = bad_algorithm;
  ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature,
              "X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  struct Case {
    std::string_view expires;
    std::string_view message;
  };
  for (const Case& c :
       {Case{"abc", "X-Amz-Expires should be a number"},
        Case{"", "X-Amz-Expires should be a number"},
        Case{"-5", "X-Amz-Expires must be non-negative"},
        Case{"604801",
             "X-Amz-Expires must be less than a week (in seconds); that is, the given "
             "X-Amz-Expires must be less than 604800 seconds"}}) {
    std::string changed = target;
    changed.replace(changed.find("X-Amz-Expires=300"), 17,
                    "X-Amz-Expires=" + std::string(c.expires));
    req.target = changed;
    ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature, c.message);
  }
  std::string week = target;
  week.replace(week.find("X-Amz-Expires=300"), 17, "X-Amz-Expires=604800");
  req.target = week;
  EXPECT_TRUE(ParseSignature(req).ok());
}

TEST(SigV4Errors, PresignedScopeAndHeaderChecks) {
  HttpRequestView req = BotocorePresignedScan();
  req.headers.erase(req.headers.begin() + 1);  // X-Amz-Target is signed
  ExpectError(ParseSignature(req).status(), ErrorCode::kIncompleteSignature,
              "'x-amz-target' is named as a SignedHeader, but it does not exist in the HTTP "
              "request.");
  req = BotocorePresignedScan();
  ExpectError(ParseSignature(req, ParseOptions{.service = "sts", .region = ""}).status(),
              ErrorCode::kInvalidSignature,
              "Credential should be scoped to correct service: 'sts'. ");
}

TEST(SigV4Errors, UnrecognizedClient) {
  Status status = UnrecognizedClientError();
  EXPECT_EQ(status.code(), ErrorCode::kUnrecognizedClient);
  EXPECT_EQ(status.message(), "The security token included in the request is invalid.");
}

}  // namespace
}  // namespace ddbd::auth
