#include "auth/credentials.h"

#include <cstdio>
#include <fstream>
#include <string>
#include <string_view>
#include <vector>

#include <gtest/gtest.h>
#include <unistd.h>

namespace ddbd::auth {
namespace {

TEST(CredentialStore, ParsesMultipleProfilesCommentsAndAccountIds) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "# shared credentials\n"
      "; another comment style\n"
      "[default]\n"
      "aws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
      "\n"
      "[profile dev]\n"
      "  aws_access_key_id=AKIDDEV\t\n"
      "aws_secret_access_key   =   dev+secret/with=equals  \n"
      "aws_account_id = 123456789012\n"
      "aws_session_token = ignored\n"
      "region = us-west-2\n"
      "[ prod ]\n"
      "AWS_ACCESS_KEY_ID: AKIDPROD\n"
      "Aws_Secret_Access_Key: prod-secret\n");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->size(), 3u);
  EXPECT_TRUE(store->skipped_profiles().empty());

  const Credential* def = store->Find("AKIAIOSFODNN7EXAMPLE");
  ASSERT_NE(def, nullptr);
  EXPECT_EQ(def->access_key_id, "AKIAIOSFODNN7EXAMPLE");
  EXPECT_EQ(def->secret_access_key, "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY");
  EXPECT_EQ(def->account_id, "");
  EXPECT_EQ(def->profile, "default");

  const Credential* dev = store->Find("AKIDDEV");
  ASSERT_NE(dev, nullptr);
  EXPECT_EQ(dev->secret_access_key, "dev+secret/with=equals");
  EXPECT_EQ(dev->account_id, "123456789012");
  EXPECT_EQ(dev->profile, "dev");

  const Credential* prod = store->Find("AKIDPROD");
  ASSERT_NE(prod, nullptr);
  EXPECT_EQ(prod->secret_access_key, "prod-secret");
  EXPECT_EQ(prod->profile, "prod");

  EXPECT_EQ(store->Find("AKIDUNKNOWN"), nullptr);
  EXPECT_EQ(store->Find(""), nullptr);
  EXPECT_EQ(store->Find("akiddev"), nullptr);  // key ids are case-sensitive
}

TEST(CredentialStore, SkipsIncompleteProfiles) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "[no-secret]\naws_access_key_id = AKID1\n"
      "[no-id]\naws_secret_access_key = s\n"
      "[empty]\n"
      "[empty-values]\naws_access_key_id =\naws_secret_access_key =\n"
      "[ok]\naws_access_key_id = AKID2\naws_secret_access_key = s2\n");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->size(), 1u);
  EXPECT_NE(store->Find("AKID2"), nullptr);
  EXPECT_EQ(store->Find("AKID1"), nullptr);
  EXPECT_EQ(store->skipped_profiles(),
            (std::vector<std::string>{"no-secret", "no-id", "empty", "empty-values"}));
}

TEST(CredentialStore, NoInlineComments) {
  Result<CredentialStore> store =
      CredentialStore::Parse("[a]\naws_access_key_id = AKID\naws_secret_access_key = s # x ; y\n");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->Find("AKID")->secret_access_key, "s # x ; y");
}

TEST(CredentialStore, RepeatedSectionsMergeLaterWins) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "[a]\naws_access_key_id = AKID\naws_secret_access_key = old\n"
      "[b]\naws_access_key_id = AKIDB\naws_secret_access_key = sb\n"
      "[a]\naws_secret_access_key = new\naws_account_id = 111122223333\n");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ(store->size(), 2u);
  EXPECT_EQ(store->Find("AKID")->secret_access_key, "new");
  EXPECT_EQ(store->Find("AKID")->account_id, "111122223333");
}

TEST(CredentialStore, CrLfBomAndNestedContinuations) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "\xEF\xBB\xBF[default]\r\n"
      "aws_access_key_id = AKID\r\n"
      "s3 =\r\n"
      "    max_concurrent_requests = 10\r\n"
      "    addressing_style path\r\n"
      "aws_secret_access_key = secret\r\n");
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_NE(store->Find("AKID"), nullptr);
  EXPECT_EQ(store->Find("AKID")->secret_access_key, "secret");
}

TEST(CredentialStore, IndentedLineAfterKeyContinuesIt) {
  // As in configparser: the indented line belongs to aws_access_key_id's value and is ignored,
  // so the profile has no secret.
  Result<CredentialStore> store =
      CredentialStore::Parse("[a]\naws_access_key_id = AKID\n  aws_secret_access_key = s\n");
  ASSERT_TRUE(store.ok());
  EXPECT_EQ(store->size(), 0u);
  EXPECT_EQ(store->skipped_profiles(), (std::vector<std::string>{"a"}));
}

TEST(CredentialStore, EmptyInput) {
  for (std::string_view text : {"", "\n\n", "# only a comment\n", "   \n\t\n"}) {
    Result<CredentialStore> store = CredentialStore::Parse(text);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    EXPECT_EQ(store->size(), 0u);
  }
  CredentialStore empty;
  EXPECT_EQ(empty.Find("x"), nullptr);
}

TEST(CredentialStore, SameKeyTwice) {
  Result<CredentialStore> same = CredentialStore::Parse(
      "[a]\naws_access_key_id = AKID\naws_secret_access_key = s\n"
      "[b]\naws_access_key_id = AKID\naws_secret_access_key = s\n");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->size(), 1u);
  EXPECT_EQ(same->Find("AKID")->profile, "a");

  Result<CredentialStore> conflict = CredentialStore::Parse(
      "[a]\naws_access_key_id = AKID\naws_secret_access_key = s1\n"
      "[b]\naws_access_key_id = AKID\naws_secret_access_key = s2\n");
  EXPECT_EQ(conflict.status().code(), ErrorCode::kValidation);
  EXPECT_EQ(conflict.status().message(),
            "credentials: access key id 'AKID' appears in profiles 'a' and 'b' with different "
            "secrets");
}

TEST(CredentialStore, MalformedLines) {
  struct Case {
    std::string_view text;
    std::string_view message;
  };
  for (const Case& c : {
           Case{"aws_access_key_id = AKID\n",
                "credentials line 1: key = value before any [profile] header"},
           Case{"[a]\naws_access_key_id AKID\n",
                "credentials line 2: expected '[profile]', 'key = value' or a comment"},
           Case{"# c\n[a\n", "credentials line 2: unterminated section header"},
           Case{"[]\n", "credentials line 1: empty section name"},
           Case{"[a]\n = value\n", "credentials line 2: missing key before '='"},
       }) {
    Result<CredentialStore> store = CredentialStore::Parse(c.text);
    EXPECT_EQ(store.status().code(), ErrorCode::kValidation) << c.text;
    EXPECT_EQ(store.status().message(), c.message) << c.text;
  }
}

TEST(CredentialStore, LoadFile) {
  char path[] = "/tmp/ddbd_credentials_test_XXXXXX";
  int fd = mkstemp(path);
  ASSERT_GE(fd, 0);
  close(fd);
  {
    std::ofstream out(path);
    out << "[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n";
  }
  Result<CredentialStore> store = CredentialStore::LoadFile(path);
  std::remove(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  ASSERT_NE(store->Find("AKIDFILE"), nullptr);
  EXPECT_EQ(store->Find("AKIDFILE")->secret_access_key, "file-secret");

  Result<CredentialStore> missing = CredentialStore::LoadFile("/nonexistent/ddbd/credentials");
  EXPECT_EQ(missing.status().code(), ErrorCode::kValidation);
  EXPECT_EQ(missing.status().message(),
            "cannot read credentials file '/nonexistent/ddbd/credentials': No such file or "
            "directory");
}

// Authenticate() over a store, with the botocore-signed PutItem request of sigv4_test.cc.
HttpRequestView PutItem() {
  return HttpRequestView{
      .method = "POST",
      .target = "/",
      .headers = {{"Host", "localhost:8000"},
                  {"X-Amz-Target", "DynamoDB_20120810.PutItem"},
                  {"Content-Type", "application/x-amz-json-1.0"},
                  {"X-Amz-Date", "20240101T000000Z"},
                  {"Authorization",
                   "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20240101/us-east-1/dynamodb/"
                   "aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-target, "
                   "Signature=02daf5214dcd4627664fb2aa9dea8c3ea5b6f925d1906b33719ea72de644e7fd"}},
      .body = R"({"TableName": "Music", "Item": {"Artist": {"S": "No One You Know"}, )"
              R"("SongTitle": {"S": "Call Me Today"}}})"};
}
constexpr int64_t k20240101T000000Z = 1704067200;

TEST(Authenticate, AcceptsKnownKeyWithRightSecret) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "[local]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n"
      "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"
      "aws_account_id = 000000000000\n");
  ASSERT_TRUE(store.ok());
  Result<AuthenticatedRequest> auth = Authenticate(PutItem(), *store, k20240101T000000Z);
  ASSERT_TRUE(auth.ok()) << auth.status().ToString();
  EXPECT_EQ(auth->credential, store->Find("AKIAIOSFODNN7EXAMPLE"));
  EXPECT_EQ(auth->credential->account_id, "000000000000");
  EXPECT_EQ(auth->signature.identity.region, "us-east-1");
}

TEST(Authenticate, Failures) {
  Result<CredentialStore> store = CredentialStore::Parse(
      "[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = x\n"
      "[wrong]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\naws_secret_access_key = wrong\n");
  ASSERT_TRUE(store.ok());
  Result<AuthenticatedRequest> wrong = Authenticate(PutItem(), *store, k20240101T000000Z);
  EXPECT_EQ(wrong.status().code(), ErrorCode::kInvalidSignature);

  Result<CredentialStore> other =
      CredentialStore::Parse("[other]\naws_access_key_id = AKIDOTHER\naws_secret_access_key = x\n");
  ASSERT_TRUE(other.ok());
  Result<AuthenticatedRequest> unknown = Authenticate(PutItem(), *other, k20240101T000000Z);
  EXPECT_EQ(unknown.status().code(), ErrorCode::kUnrecognizedClient);
  EXPECT_EQ(unknown.status().message(), "The security token included in the request is invalid.");

  HttpRequestView anonymous = PutItem();
  anonymous.headers.pop_back();
  EXPECT_EQ(Authenticate(anonymous, *other, k20240101T000000Z).status().code(),
            ErrorCode::kMissingAuthenticationToken);
}

}  // namespace
}  // namespace ddbd::auth
