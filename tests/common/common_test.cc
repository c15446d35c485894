// Tests for src/common: CRC-32, base64, varint/fixed coding, the stable hash, and Status.
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "ddbd/status.h"

#include "common/base64.h"
#include "common/coding.h"
#include "common/crc32.h"
#include "common/hash.h"

namespace ddbd {
namespace {

// ---------------------------------------------------------------------------------- CRC-32

TEST(Crc32Test, KnownVectors) {
  EXPECT_EQ(Crc32(""), 0u);
  EXPECT_EQ(Crc32("123456789"), 0xCBF43926u);  // the standard check value
  EXPECT_EQ(Crc32("The quick brown fox jumps over the lazy dog"), 0x414FA339u);
  EXPECT_EQ(Crc32(std::string_view("\0", 1)), 0xD202EF8Du);
}

TEST(Crc32Test, SensitiveToEveryByte) {
  std::string data(1000, 'x');
  uint32_t base = Crc32(data);
  for (size_t i = 0; i < data.size(); i += 97) {
    std::string changed = data;
    changed[i] = 'y';
    EXPECT_NE(Crc32(changed), base) << i;
  }
}

// ---------------------------------------------------------------------------------- base64

TEST(Base64Test, Rfc4648Vectors) {
  const std::pair<std::string, std::string> kVectors[] = {
      {"", ""},
      {"f", "Zg=="},
      {"fo", "Zm8="},
      {"foo", "Zm9v"},
      {"foob", "Zm9vYg=="},
      {"fooba", "Zm9vYmE="},
      {"foobar", "Zm9vYmFy"},
  };
  for (const auto& [plain, encoded] : kVectors) {
    EXPECT_EQ(Base64Encode(plain), encoded);
    std::string decoded = "garbage";
    ASSERT_TRUE(Base64Decode(encoded, &decoded)) << encoded;
    EXPECT_EQ(decoded, plain);
  }
}

TEST(Base64Test, AllByteValuesAndUrlUnsafeAlphabet) {
  std::string all;
  for (int i = 0; i < 256; ++i) all.push_back(static_cast<char>(i));
  std::string encoded = Base64Encode(all);
  EXPECT_NE(encoded.find('+'), std::string::npos);
  EXPECT_NE(encoded.find('/'), std::string::npos);
  std::string decoded;
  ASSERT_TRUE(Base64Decode(encoded, &decoded));
  EXPECT_EQ(decoded, all);
  EXPECT_EQ(Base64Encode("\xFB\xFF"), "+/8=");
}

TEST(Base64Test, RandomRoundTrips) {
  std::mt19937 rng(42);
  for (int n = 0; n < 500; ++n) {
    std::string bytes(rng() % 64, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng());
    std::string encoded = Base64Encode(bytes);
    EXPECT_EQ(encoded.size() % 4, 0u);
    EXPECT_EQ(encoded.size(), (bytes.size() + 2) / 3 * 4);
    std::string decoded;
    ASSERT_TRUE(Base64Decode(encoded, &decoded));
    EXPECT_EQ(decoded, bytes);
  }
}

TEST(Base64Test, RejectsInvalidInput) {
  const char* kInvalid[] = {
      "Zg=",       // length not a multiple of 4
      "Z",         // length 1
      "Zm9vY",     // length 5
      "Zg=a",      // data after padding
      "=Zg=",      // padding first
      "Z===",      // three padding characters
      "====",      // only padding
      "Zm9v====",  // padding group at the end but nothing in it
      "Zg==Zm9v",  // padding in the middle
      "Zm9!",      // bad character
      "Zm 9",      // whitespace
      "Zm9v\n",    // trailing newline
      "Zm-_",      // URL-safe alphabet is not standard base64
  };
  for (const char* text : kInvalid) {
    std::string out;
    EXPECT_FALSE(Base64Decode(text, &out)) << text;
  }
  std::string out;
  EXPECT_FALSE(Base64Decode(std::string_view("Zm\0v", 4), &out));
}

// ---------------------------------------------------------------------------------- coding

TEST(CodingTest, VarintRoundTripAndLength) {
  const std::pair<uint64_t, size_t> kCases[] = {
      {0, 1},
      {1, 1},
      {127, 1},
      {128, 2},
      {300, 2},
      {16383, 2},
      {16384, 3},
      {(1ULL << 32), 5},
      {UINT64_MAX >> 1, 9},
      {UINT64_MAX, 10},
  };
  for (const auto& [value, length] : kCases) {
    std::string buf;
    PutVarint64(&buf, value);
    EXPECT_EQ(buf.size(), length) << value;
    buf += "tail";
    std::string_view in = buf;
    uint64_t decoded = 0;
    ASSERT_TRUE(GetVarint64(&in, &decoded)) << value;
    EXPECT_EQ(decoded, value);
    EXPECT_EQ(in, "tail");
  }
}

TEST(CodingTest, VarintTruncatedOrOverlong) {
  std::string buf;
  PutVarint64(&buf, UINT64_MAX);
  for (size_t n = 0; n < buf.size(); ++n) {
    std::string_view in(buf.data(), n);
    uint64_t v;
    EXPECT_FALSE(GetVarint64(&in, &v)) << n;
  }
  // Eleven continuation bytes never terminate within 64 bits.
  std::string overlong(11, '\x80');
  std::string_view in = overlong;
  uint64_t v;
  EXPECT_FALSE(GetVarint64(&in, &v));
}

TEST(CodingTest, FixedBigEndian) {
  std::string buf;
  PutFixed64BE(&buf, 0x0102030405060708ULL);
  EXPECT_EQ(buf, std::string("\x01\x02\x03\x04\x05\x06\x07\x08", 8));
  EXPECT_EQ(DecodeFixed64BE(buf.data()), 0x0102030405060708ULL);
  buf.clear();
  PutFixed32BE(&buf, 0xA1B2C3D4u);
  EXPECT_EQ(buf, "\xA1\xB2\xC3\xD4");
  // Big-endian fixed ints sort like the numbers they encode.
  std::string a, b;
  PutFixed64BE(&a, 255);
  PutFixed64BE(&b, 256);
  EXPECT_LT(a, b);
  std::string max;
  PutFixed64BE(&max, UINT64_MAX);
  EXPECT_EQ(DecodeFixed64BE(max.data()), UINT64_MAX);
}

TEST(CodingTest, LengthPrefixed) {
  std::string buf;
  PutLengthPrefixed(&buf, "");
  PutLengthPrefixed(&buf, std::string_view("a\0b", 3));
  PutLengthPrefixed(&buf, std::string(200, 'z'));
  std::string_view in = buf;
  std::string_view s;
  ASSERT_TRUE(GetLengthPrefixed(&in, &s));
  EXPECT_EQ(s, "");
  ASSERT_TRUE(GetLengthPrefixed(&in, &s));
  EXPECT_EQ(s, std::string_view("a\0b", 3));
  ASSERT_TRUE(GetLengthPrefixed(&in, &s));
  EXPECT_EQ(s, std::string(200, 'z'));
  EXPECT_TRUE(in.empty());
  EXPECT_FALSE(GetLengthPrefixed(&in, &s));

  // A length larger than what remains.
  std::string short_buf;
  PutVarint64(&short_buf, 5);
  short_buf += "abcd";
  std::string_view short_in = short_buf;
  EXPECT_FALSE(GetLengthPrefixed(&short_in, &s));
}

// ---------------------------------------------------------------------------------- hash

// StableHash64 is part of the on-disk key format: these values must never change.
TEST(StableHashTest, GoldenValues) {
  EXPECT_EQ(StableHash64(""), 0xf52a15e9a9b5e89bULL);
  EXPECT_EQ(StableHash64("a"), 0x02c0bdbf481420f8ULL);
  EXPECT_EQ(StableHash64("hello"), 0x16fe05a1c75bcd0fULL);
  EXPECT_EQ(StableHash64(std::string_view("\0\x01", 2)), 0x412ba1049e30032fULL);
}

// ---------------------------------------------------------------------------------- Status

TEST(StatusTest, OkAndErrors) {
  Status ok;
  EXPECT_TRUE(ok.ok());
  EXPECT_EQ(ok.code(), ErrorCode::kOk);
  EXPECT_EQ(ok.message(), "");
  EXPECT_EQ(ok.ToString(), "OK");
  EXPECT_EQ(ok.payload(), nullptr);

  Status v = Status::Validation("bad thing");
  EXPECT_FALSE(v.ok());
  EXPECT_EQ(v.code(), ErrorCode::kValidation);
  EXPECT_EQ(v.message(), "bad thing");
  EXPECT_EQ(v.ToString(), "ValidationException: bad thing");

  EXPECT_EQ(Status::ResourceNotFound("x").ToString(), "ResourceNotFoundException: x");
  EXPECT_EQ(Status::ResourceInUse("x").code(), ErrorCode::kResourceInUse);
  EXPECT_EQ(Status::Internal("x").ToString(), "InternalServerError: x");
  EXPECT_EQ(Status::Serialization("x").ToString(), "SerializationException: x");
}

TEST(StatusTest, PayloadTravelsWithCopies) {
  struct OldItem : Status::Payload {
    int value = 7;
  };
  auto payload = std::make_shared<OldItem>();
  Status s = Status::ConditionalCheckFailed("The conditional request failed", payload);
  Status copy = s;
  ASSERT_NE(copy.payload(), nullptr);
  EXPECT_EQ(dynamic_cast<const OldItem*>(copy.payload())->value, 7);
  EXPECT_EQ(copy.code(), ErrorCode::kConditionalCheckFailed);
}

TEST(StatusTest, ErrorTable) {
  const ErrorInfo& validation = GetErrorInfo(ErrorCode::kValidation);
  EXPECT_EQ(validation.wire_name, "ValidationException");
  EXPECT_EQ(NamespaceString(validation.error_namespace), "com.amazon.coral.validate");
  EXPECT_EQ(validation.http_status, 400);
  EXPECT_FALSE(validation.retryable);

  const ErrorInfo& internal = GetErrorInfo(ErrorCode::kInternalServerError);
  EXPECT_EQ(internal.wire_name, "InternalServerError");
  EXPECT_EQ(NamespaceString(internal.error_namespace), "com.amazonaws.dynamodb.v20120810");
  EXPECT_EQ(internal.http_status, 500);
  EXPECT_TRUE(internal.retryable);

  const ErrorInfo& unavailable = GetErrorInfo(ErrorCode::kServiceUnavailable);
  EXPECT_EQ(unavailable.http_status, 503);
  EXPECT_EQ(NamespaceString(unavailable.error_namespace), "com.amazon.coral.service");

  const ErrorInfo& unknown = GetErrorInfo(ErrorCode::kUnknownOperation);
  EXPECT_EQ(unknown.wire_name, "UnknownOperationException");
  EXPECT_EQ(NamespaceString(unknown.error_namespace), "com.amazon.coral.service");

  const ErrorInfo& throughput = GetErrorInfo(ErrorCode::kProvisionedThroughputExceeded);
  EXPECT_EQ(throughput.wire_name, "ProvisionedThroughputExceededException");
  EXPECT_TRUE(throughput.retryable);
  EXPECT_EQ(GetErrorInfo(ErrorCode::kTrimmedDataAccess).wire_name, "TrimmedDataAccessException");
}

Status FailIfNegative(int v) { return v < 0 ? Status::Validation("negative") : Status::OK(); }
Result<int> Double(int v) {
  if (v > 100) return Status::Validation("too big");
  return v * 2;
}
Status Chain(int v, int* out) {
  DDBD_RETURN_IF_ERROR(FailIfNegative(v));
  DDBD_ASSIGN_OR_RETURN(int doubled, Double(v));
  DDBD_ASSIGN_OR_RETURN(*out, Double(doubled));
  return Status::OK();
}

TEST(StatusTest, Macros) {
  int out = 0;
  EXPECT_TRUE(Chain(3, &out).ok());
  EXPECT_EQ(out, 12);
  out = 0;
  EXPECT_EQ(Chain(-1, &out).message(), "negative");
  EXPECT_EQ(Chain(101, &out).message(), "too big");
  EXPECT_EQ(Chain(60, &out).message(), "too big");  // second step fails
  EXPECT_EQ(out, 0);

  Result<int> r = Double(4);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 8);
  Result<std::string> s = std::string("abc");
  EXPECT_EQ(s->size(), 3u);
}

}  // namespace
}  // namespace ddbd
