// Tests for the attribute-value tree and its codecs: value_codec (binary, on disk), json_codec
// (the wire), item_size (the service's size rules) and Equal.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "model/attribute_value.h"
#include "model/item_size.h"
#include "model/json_codec.h"
#include "model/number.h"
#include "model/value_codec.h"

namespace ddbd::model {
namespace {

// ---------------------------------------------------------------------------------- builders

Number Num(std::string_view text) {
  Result<Number> r = Number::Parse(text);
  EXPECT_TRUE(r.ok()) << text;
  return r.ok() ? *r : Number();
}
AttributeValue S(std::string s) { return AttributeValue::String(std::move(s)); }
AttributeValue N(std::string_view text) { return AttributeValue::Num(Num(text)); }
AttributeValue B(std::string bytes) { return AttributeValue::Binary(std::move(bytes)); }
AttributeValue Bool(bool b) { return AttributeValue::Bool(b); }
AttributeValue Null() { return AttributeValue::Null(); }
AttributeValue L(std::vector<AttributeValue> elements) {
  AttributeValue v;
  v.type = AttrType::kL;
  v.list = std::move(elements);
  return v;
}
AttributeValue M(AttributeMap map) {
  AttributeValue v;
  v.type = AttrType::kM;
  v.map = std::move(map);
  return v;
}
AttributeValue SS(std::vector<std::string> members) {
  AttributeValue v;
  v.type = AttrType::kSS;
  v.strings = std::move(members);
  return v;
}
AttributeValue BS(std::vector<std::string> members) {
  AttributeValue v;
  v.type = AttrType::kBS;
  v.strings = std::move(members);
  return v;
}
AttributeValue NS(std::vector<std::string_view> members) {
  AttributeValue v;
  v.type = AttrType::kNS;
  for (auto m : members) v.numbers.push_back(Num(m));
  return v;
}

// An item with every type, nested containers and awkward bytes.
Item RichItem() {
  Item item;
  item["s"] = S("hello");
  item["empty_s"] = S("");
  item["utf8"] = S("h\xC3\xA9llo \xE2\x82\xAC");
  item["nul"] = S(std::string("a\0b", 3));
  item["n"] = N("-12.5");
  item["zero"] = N("0");
  item["big"] = N("9.9999999999999999999999999999999999999E+125");
  item["tiny"] = N("-1E-130");
  item["b"] = B(std::string("\x00\xFF\x01", 3));
  item["t"] = Bool(true);
  item["f"] = Bool(false);
  item["null"] = Null();
  item["ss"] = SS({"b", "a", "c"});
  item["ns"] = NS({"3", "-1", "2.5"});
  item["bs"] = BS({std::string("\x00", 1), "\xFF"});
  item["l"] = L({S("x"), N("1"), L({}), M({}), L({Bool(false), Null()})});
  item["m"] = M({{"inner", M({{"deep", L({N("7"), SS({"q"})})}})}, {"", S("empty name")}});
  item[std::string("name\0with nul", 13)] = S("v");
  return item;
}

// Structural equality that, unlike Equal, also checks set member order and NULL/BOOL bytes.
void ExpectIdentical(const AttributeValue& a, const AttributeValue& b, const std::string& path) {
  ASSERT_EQ(a.type, b.type) << path;
  switch (a.type) {
    case AttrType::kS:
    case AttrType::kB:
      EXPECT_EQ(a.str, b.str) << path;
      break;
    case AttrType::kN:
      EXPECT_EQ(a.num.ToString(), b.num.ToString()) << path;
      break;
    case AttrType::kBool:
      EXPECT_EQ(a.boolean, b.boolean) << path;
      break;
    case AttrType::kNull:
      break;
    case AttrType::kSS:
    case AttrType::kBS:
      EXPECT_EQ(a.strings, b.strings) << path;
      break;
    case AttrType::kNS:
      ASSERT_EQ(a.numbers.size(), b.numbers.size()) << path;
      for (size_t i = 0; i < a.numbers.size(); ++i) {
        EXPECT_EQ(a.numbers[i].ToString(), b.numbers[i].ToString()) << path;
      }
      break;
    case AttrType::kL:
      ASSERT_EQ(a.list.size(), b.list.size()) << path;
      for (size_t i = 0; i < a.list.size(); ++i) {
        ExpectIdentical(a.list[i], b.list[i], path + "[" + std::to_string(i) + "]");
      }
      break;
    case AttrType::kM:
      ASSERT_EQ(a.map.size(), b.map.size()) << path;
      for (const auto& [name, value] : a.map) {
        auto it = b.map.find(name);
        ASSERT_NE(it, b.map.end()) << path << "." << name;
        ExpectIdentical(value, it->second, path + "." + name);
      }
      break;
  }
}

void ExpectIdenticalItems(const Item& a, const Item& b) { ExpectIdentical(M(a), M(b), "item"); }

// ---------------------------------------------------------------------------------- value codec

TEST(ValueCodecTest, ItemRoundTrip) {
  Item item = RichItem();
  std::string bytes = EncodeItem(item);
  Item decoded;
  ASSERT_TRUE(DecodeItem(bytes, &decoded));
  ExpectIdenticalItems(item, decoded);
  // Deterministic: encoding the decoded item gives the same bytes.
  EXPECT_EQ(EncodeItem(decoded), bytes);
}

TEST(ValueCodecTest, EmptyItem) {
  std::string bytes = EncodeItem(Item());
  EXPECT_EQ(bytes, std::string("\0", 1));
  Item decoded{{"stale", S("x")}};
  ASSERT_TRUE(DecodeItem(bytes, &decoded));
  EXPECT_TRUE(decoded.empty());  // DecodeItem clears its output
}

TEST(ValueCodecTest, EachTypeRoundTripsAndConsumesExactlyItsBytes) {
  const AttributeValue kValues[] = {
      S(""),
      S("abc"),
      N("0"),
      N("-0.001"),
      N("123456789012345678901234567890.12345678"),
      B(""),
      B(std::string(300, '\x80')),
      Bool(true),
      Bool(false),
      Null(),
      SS({"one"}),
      NS({"1", "100"}),
      BS({"a", "b"}),
      L({}),
      M({}),
      L({L({L({S("deep")})})}),
  };
  for (const auto& value : kValues) {
    std::string bytes;
    AppendValue(&bytes, value);
    EXPECT_EQ(static_cast<uint8_t>(bytes[0]), static_cast<uint8_t>(value.type));
    bytes += "trailing";
    std::string_view in = bytes;
    AttributeValue decoded;
    ASSERT_TRUE(ConsumeValue(&in, &decoded)) << AttrTypeName(value.type);
    EXPECT_EQ(in, "trailing") << AttrTypeName(value.type);
    ExpectIdentical(value, decoded, std::string(AttrTypeName(value.type)));
  }
}

TEST(ValueCodecTest, EveryTruncationIsRejected) {
  std::string bytes = EncodeItem(RichItem());
  for (size_t n = 0; n < bytes.size(); ++n) {
    Item out;
    EXPECT_FALSE(DecodeItem(std::string_view(bytes.data(), n), &out)) << n;
  }
}

TEST(ValueCodecTest, TrailingBytesAndBadTagsAreRejected) {
  std::string bytes = EncodeItem(Item{{"a", S("x")}});
  Item out;
  EXPECT_FALSE(DecodeItem(bytes + "x", &out));
  EXPECT_FALSE(DecodeItem("", &out));

  for (int tag : {0, 11, 0x7F, 0xFF}) {
    std::string value(1, static_cast<char>(tag));
    value += std::string(8, '\0');
    std::string_view in = value;
    AttributeValue v;
    EXPECT_FALSE(ConsumeValue(&in, &v)) << tag;
  }
  // A count far larger than the bytes that follow.
  std::string huge;
  huge.push_back(static_cast<char>(AttrType::kL));
  huge += "\xFF\xFF\xFF\xFF\x0F";
  std::string_view in = huge;
  AttributeValue v;
  EXPECT_FALSE(ConsumeValue(&in, &v));
}

TEST(ValueCodecTest, DecodeDepthIsBounded) {
  // 10000 nested empty lists: the decoder must refuse rather than recurse without limit.
  std::string bytes;
  for (int i = 0; i < 10000; ++i) {
    bytes.push_back(static_cast<char>(AttrType::kL));
    bytes.push_back('\x01');
  }
  bytes.push_back(static_cast<char>(AttrType::kNull));
  std::string_view in = bytes;
  AttributeValue v;
  EXPECT_FALSE(ConsumeValue(&in, &v));

  // Moderate nesting (what the json codec admits) decodes fine.
  AttributeValue nested = S("leaf");
  for (int i = 0; i < 40; ++i) nested = L({nested});
  std::string ok;
  AppendValue(&ok, nested);
  std::string_view ok_in = ok;
  ASSERT_TRUE(ConsumeValue(&ok_in, &v));
  ExpectIdentical(nested, v, "nested");
}

// DISABLED: bug in src/model/value_codec.cc ConsumeValue, case AttrType::kM: it emplaces into
// out->map without clearing it, so decoding into a reused AttributeValue keeps stale members,
// and emplace never overwrites a stale member of the same name (kL reuses stale elements the
// same way via resize). Fix: reset *out first (`*out = AttributeValue();` at the top of
// ConsumeValue), or clear out->map / out->list before filling them.
TEST(ValueCodecTest, ConsumeValueOverwritesReusedOutput) {
  std::string bytes;
  AppendValue(&bytes, M({{"a", S("new")}}));
  AttributeValue out = M({{"a", S("old")}, {"stale", S("x")}});
  std::string_view in = bytes;
  ASSERT_TRUE(ConsumeValue(&in, &out));
  ExpectIdentical(out, M({{"a", S("new")}}), "reused");
}

TEST(ValueCodecTest, RandomBytesNeverCrash) {
  std::mt19937 rng(1234);
  int accepted = 0;
  for (int n = 0; n < 5000; ++n) {
    std::string bytes(rng() % 48, '\0');
    for (auto& c : bytes) c = static_cast<char>(rng() % 12);  // mostly plausible tags/counts
    if (n % 2) {
      for (auto& c : bytes) c = static_cast<char>(rng());
    }
    Item out;
    if (DecodeItem(bytes, &out)) {
      ++accepted;
      // Whatever decodes must re-encode and decode to the same tree.
      Item again;
      ASSERT_TRUE(DecodeItem(EncodeItem(out), &again));
      ExpectIdenticalItems(out, again);
    }
  }
  // Sanity check that the generator reaches the decoder's success path at all.
  EXPECT_GT(accepted, 0);
}

TEST(ValueCodecTest, MutatedEncodingsNeverCrash) {
  std::mt19937 rng(99);
  const std::string bytes = EncodeItem(RichItem());
  for (int n = 0; n < 5000; ++n) {
    std::string mutated = bytes;
    int flips = 1 + rng() % 4;
    for (int i = 0; i < flips; ++i) {
      mutated[rng() % mutated.size()] = static_cast<char>(rng());
    }
    if (n % 3 == 0) mutated.resize(rng() % mutated.size());
    Item out;
    if (DecodeItem(mutated, &out)) {
      Item again;
      ASSERT_TRUE(DecodeItem(EncodeItem(out), &again));
    }
  }
}

// ---------------------------------------------------------------------------------- Equal

TEST(EqualTest, Semantics) {
  EXPECT_TRUE(Equal(N("1"), N("1.0")));
  EXPECT_TRUE(Equal(N("100"), N("1E2")));
  EXPECT_FALSE(Equal(N("1"), N("-1")));
  EXPECT_FALSE(Equal(S("1"), N("1")));
  EXPECT_FALSE(Equal(S("a"), B("a")));
  EXPECT_TRUE(Equal(S("a"), S("a")));
  EXPECT_FALSE(Equal(S("a"), S("A")));
  EXPECT_TRUE(Equal(Null(), Null()));
  EXPECT_TRUE(Equal(Bool(false), Bool(false)));
  EXPECT_FALSE(Equal(Bool(true), Bool(false)));
  EXPECT_FALSE(Equal(Bool(true), Null()));

  // Sets compare regardless of order; SS and BS with the same members differ by type.
  EXPECT_TRUE(Equal(SS({"a", "b", "c"}), SS({"c", "a", "b"})));
  EXPECT_FALSE(Equal(SS({"a", "b"}), SS({"a", "b", "c"})));
  EXPECT_FALSE(Equal(SS({"a", "b"}), SS({"a", "c"})));
  EXPECT_FALSE(Equal(SS({"a"}), BS({"a"})));
  EXPECT_TRUE(Equal(NS({"1", "2.50"}), NS({"2.5", "1.0"})));
  EXPECT_FALSE(Equal(NS({"1", "2"}), NS({"1", "3"})));

  // Lists compare in order; maps by name.
  EXPECT_TRUE(Equal(L({N("1"), S("x")}), L({N("1.0"), S("x")})));
  EXPECT_FALSE(Equal(L({N("1"), S("x")}), L({S("x"), N("1")})));
  EXPECT_FALSE(Equal(L({N("1")}), L({N("1"), N("1")})));
  EXPECT_TRUE(Equal(M({{"a", N("1")}, {"b", L({})}}), M({{"b", L({})}, {"a", N("1.00")}})));
  EXPECT_FALSE(Equal(M({{"a", N("1")}}), M({{"b", N("1")}})));
  EXPECT_FALSE(Equal(M({{"a", N("1")}}), M({{"a", N("2")}})));
  EXPECT_FALSE(Equal(M({{"a", N("1")}}), M({{"a", N("1")}, {"b", N("1")}})));
  EXPECT_TRUE(
      Equal(M({{"m", M({{"x", SS({"p", "q"})}})}}), M({{"m", M({{"x", SS({"q", "p"})}})}})));
}

// ---------------------------------------------------------------------------------- item size

TEST(ItemSizeTest, Scalars) {
  EXPECT_EQ(ItemSize(Item{{"name", S("value")}}), 4u + 5u);
  EXPECT_EQ(ItemSize(Item{{"a", S("")}}), 1u);
  EXPECT_EQ(ItemSize(Item{{"\xC3\xA9", S("\xE2\x82\xAC")}}), 2u + 3u);  // UTF-8 bytes
  EXPECT_EQ(ItemSize(Item{{"b", B(std::string(10, '\0'))}}), 1u + 10u);
  EXPECT_EQ(ItemSize(Item{{"t", Bool(true)}}), 2u);
  EXPECT_EQ(ItemSize(Item{{"n", Null()}}), 2u);
  EXPECT_EQ(ItemSize(Item()), 0u);
}

TEST(ItemSizeTest, Numbers) {
  // Number::SizeBytes examples from its header.
  EXPECT_EQ(ValueSize(N("0")), 1u);
  for (auto text : {"1", "10", "100", "0.5", "0.05"}) EXPECT_EQ(ValueSize(N(text)), 2u) << text;
  for (auto text : {"1.5", "110", "123"}) EXPECT_EQ(ValueSize(N(text)), 3u) << text;
  EXPECT_EQ(ValueSize(N("-1")), 3u);
  EXPECT_EQ(ItemSize(Item{{"n", N("12345")}}), 1u + 4u);
}

TEST(ItemSizeTest, Sets) {
  EXPECT_EQ(ValueSize(SS({"ab", "c"})), 3u);
  EXPECT_EQ(ValueSize(BS({"ab", std::string(5, '\0')})), 7u);
  EXPECT_EQ(ValueSize(NS({"1", "1.5"})), 2u + 3u);
}

TEST(ItemSizeTest, Containers) {
  EXPECT_EQ(ValueSize(M({})), 3u);
  EXPECT_EQ(ValueSize(L({})), 3u);
  // M: 3 + 1 per element + names + values.
  EXPECT_EQ(ValueSize(M({{"a", S("xy")}})), 3u + 1u + 1u + 2u);
  EXPECT_EQ(ValueSize(M({{"a", S("xy")}, {"bb", Bool(true)}})), 3u + 2u + (1u + 2u) + (2u + 1u));
  // L: 3 + 1 per element + values.
  EXPECT_EQ(ValueSize(L({S("xy"), N("1")})), 3u + 2u + 2u + 2u);
  // Nesting: each level adds its overhead.
  EXPECT_EQ(ValueSize(L({L({L({})})})), (3u + 1u) + (3u + 1u) + 3u);
  EXPECT_EQ(ItemSize(Item{{"l", L({S("xy")})}, {"id", S("abc")}}), (1u + 3u + 1u + 2u) + (2u + 3u));
  EXPECT_EQ(kMaxItemSize, 409600u);
}

// ---------------------------------------------------------------------------------- json codec

// Parses `json` and decodes it as one attribute value.
Status DecodeJson(std::string_view json, AttributeValue* out) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_FALSE(doc.HasParseError()) << json;
  return DecodeAttributeValue(doc, out);
}

std::string ErrorOf(std::string_view json, ErrorCode expected_code) {
  AttributeValue out;
  Status s = DecodeJson(json, &out);
  EXPECT_FALSE(s.ok()) << json;
  EXPECT_EQ(s.code(), expected_code) << json << " -> " << s.ToString();
  return s.message();
}
std::string ValidationError(std::string_view json) { return ErrorOf(json, ErrorCode::kValidation); }
std::string SerializationError(std::string_view json) {
  return ErrorOf(json, ErrorCode::kSerialization);
}

std::string ToJson(const AttributeValue& value) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  WriteAttributeValue(writer, value);
  return std::string(buffer.GetString(), buffer.GetSize());
}

// Decodes and re-encodes `json`.
std::string Reencode(std::string_view json) {
  AttributeValue value;
  Status s = DecodeJson(json, &value);
  EXPECT_TRUE(s.ok()) << json << ": " << s.ToString();
  return ToJson(value);
}

TEST(JsonCodecTest, RoundTripEveryType) {
  const char* kCanonical[] = {
      R"({"S":"hello"})",
      R"({"S":""})",
      R"({"S":"\u0000x\n"})",
      R"({"N":"-12.5"})",
      R"({"B":"AP8B"})",
      R"({"B":""})",
      R"({"BOOL":true})",
      R"({"BOOL":false})",
      R"({"NULL":true})",
      R"({"SS":["b","a"]})",
      R"({"NS":["3","-1","0.5"]})",
      R"({"BS":["AA==","/w=="]})",
      R"({"L":[]})",
      R"({"M":{}})",
      R"({"L":[{"S":"x"},{"L":[{"NULL":true}]},{"M":{"k":{"N":"1"}}}]})",
      R"({"M":{"a":{"SS":["x"]},"b":{"M":{"c":{"BOOL":false}}}}})",
  };
  for (const char* json : kCanonical) EXPECT_EQ(Reencode(json), json);
}

TEST(JsonCodecTest, NumbersAreCanonicalizedOnOutput) {
  EXPECT_EQ(Reencode(R"({"N":"01.50"})"), R"({"N":"1.5"})");
  EXPECT_EQ(Reencode(R"({"N":"1E+2"})"), R"({"N":"100"})");
  EXPECT_EQ(Reencode(R"({"NS":["1e-5","-0"]})"), R"({"NS":["0.00001","0"]})");
}

TEST(JsonCodecTest, DecodedValues) {
  AttributeValue v;
  ASSERT_TRUE(DecodeJson(R"({"B":"AP8B"})", &v).ok());
  EXPECT_EQ(v.type, AttrType::kB);
  EXPECT_EQ(v.str, std::string("\x00\xFF\x01", 3));
  ASSERT_TRUE(DecodeJson(R"({"M":{"x":{"N":"2"}}})", &v).ok());
  EXPECT_TRUE(Equal(v, M({{"x", N("2.0")}})));
  // A member set to JSON null counts as absent.
  AttributeValue w;
  ASSERT_TRUE(DecodeJson(R"({"S":"a","N":null})", &w).ok());
  EXPECT_TRUE(Equal(w, S("a")));
}

TEST(JsonCodecTest, ShapeErrors) {
  const std::string kEmpty =
      "Supplied AttributeValue is empty, must contain exactly one of the supported datatypes";
  EXPECT_EQ(ValidationError("{}"), kEmpty);
  EXPECT_EQ(ValidationError(R"({"S":null})"), kEmpty);
  EXPECT_EQ(ValidationError(R"({"X":"a"})"), kEmpty);
  EXPECT_EQ(ValidationError(R"({"S":"a","N":"1"})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
            "of the supported datatypes");
  EXPECT_EQ(ValidationError(R"({"NULL":true,"BOOL":true})"),
            "Supplied AttributeValue has more than one datatypes set, must contain exactly one "
            "of the supported datatypes");
  EXPECT_EQ(ValidationError(R"({"NULL":false})"),
            "One or more parameter values were invalid: Null attribute value types must have the "
            "value of true");
}

TEST(JsonCodecTest, EmptySets) {
  EXPECT_EQ(ValidationError(R"({"SS":[]})"),
            "One or more parameter values were invalid: An string set  may not be empty");
  EXPECT_EQ(ValidationError(R"({"NS":[]})"),
            "One or more parameter values were invalid: An number set  may not be empty");
  EXPECT_EQ(ValidationError(R"({"BS":[]})"),
            "One or more parameter values were invalid: Binary sets should not be empty");
  // Nested inside a map, the same error.
  EXPECT_EQ(ValidationError(R"({"M":{"a":{"SS":[]}}})"),
            "One or more parameter values were invalid: An string set  may not be empty");
}

TEST(JsonCodecTest, DuplicateSetMembers) {
  EXPECT_EQ(ValidationError(R"({"SS":["a","b","a"]})"),
            "One or more parameter values were invalid: Input collection [a, b, a] contains "
            "duplicates.");
  // Numbers are duplicates by value, and the message echoes the text as sent.
  EXPECT_EQ(ValidationError(R"({"NS":["1","1.0"]})"),
            "One or more parameter values were invalid: Input collection [1, 1.0] contains "
            "duplicates.");
  EXPECT_EQ(ValidationError(R"({"NS":["100","1E2"]})"),
            "One or more parameter values were invalid: Input collection [100, 1E2] contains "
            "duplicates.");
  std::string bs = ValidationError(R"({"BS":["YQ==","YQ=="]})");
  EXPECT_EQ(bs.rfind("One or more parameter values were invalid: Input collection", 0), 0u) << bs;
  // Distinct members are fine, including strings that differ only in case.
  AttributeValue v;
  EXPECT_TRUE(DecodeJson(R"({"SS":["a","A"]})", &v).ok());
  EXPECT_TRUE(DecodeJson(R"({"NS":["1","-1","1.1"]})", &v).ok());
}

TEST(JsonCodecTest, BadNumbers) {
  EXPECT_EQ(ValidationError(R"({"N":"abc"})"),
            "The parameter cannot be converted to a numeric value: abc");
  EXPECT_EQ(ValidationError(R"({"N":""})"),
            "The parameter cannot be converted to a numeric value: ");
  EXPECT_EQ(ValidationError(R"({"NS":["1","x"]})"),
            "The parameter cannot be converted to a numeric value: x");
  EXPECT_EQ(ValidationError(R"({"N":"1E126"})"),
            "Number overflow. Attempting to store a number with magnitude larger than supported "
            "range");
}

TEST(JsonCodecTest, BadBase64IsSerializationError) {
  EXPECT_EQ(SerializationError(R"({"B":"abc"})"),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 3");
  EXPECT_EQ(SerializationError(R"({"BS":["YQ==","abcde"]})"),
            "Base64 encoded length is expected a multiple of 4 bytes but found: 5");
  // Right length, bad alphabet: still a SerializationException.
  SerializationError(R"({"B":"ab!="})");
}

TEST(JsonCodecTest, WrongJsonTypesAreSerializationErrors) {
  EXPECT_EQ(SerializationError(R"("x")"), "VALUE_STRING cannot be converted to AttributeValue");
  EXPECT_EQ(SerializationError(R"([])"), "START_ARRAY cannot be converted to AttributeValue");
  EXPECT_EQ(SerializationError(R"({"S":1})"), "VALUE_NUMBER_INT cannot be converted to String");
  EXPECT_EQ(SerializationError(R"({"S":true})"), "VALUE_TRUE cannot be converted to String");
  EXPECT_EQ(SerializationError(R"({"N":1.5})"), "VALUE_NUMBER_FLOAT cannot be converted to String");
  EXPECT_EQ(SerializationError(R"({"B":false})"), "VALUE_FALSE cannot be converted to Blob");
  EXPECT_EQ(SerializationError(R"({"BOOL":"true"})"),
            "VALUE_STRING cannot be converted to Boolean");
  EXPECT_EQ(SerializationError(R"({"NULL":1})"), "VALUE_NUMBER_INT cannot be converted to Boolean");
  EXPECT_EQ(SerializationError(R"({"L":{}})"), "START_OBJECT cannot be converted to List");
  EXPECT_EQ(SerializationError(R"({"M":[]})"), "START_ARRAY cannot be converted to Map");
  EXPECT_EQ(SerializationError(R"({"SS":"a"})"), "VALUE_STRING cannot be converted to List");
  EXPECT_EQ(SerializationError(R"({"SS":[1]})"), "VALUE_NUMBER_INT cannot be converted to String");
  EXPECT_EQ(SerializationError(R"({"NS":[{}]})"), "START_OBJECT cannot be converted to String");
  EXPECT_EQ(SerializationError(R"({"L":["x"]})"),
            "VALUE_STRING cannot be converted to AttributeValue");
  EXPECT_EQ(SerializationError(R"({"M":{"a":[]}})"),
            "START_ARRAY cannot be converted to AttributeValue");
}

TEST(JsonCodecTest, AttributeMap) {
  rapidjson::Document doc;
  doc.Parse(R"({"a":{"S":"x"},"b":{"N":"2"}})");
  AttributeMap map;
  ASSERT_TRUE(DecodeAttributeMap(doc, &map).ok());
  ASSERT_EQ(map.size(), 2u);
  EXPECT_TRUE(Equal(map["a"], S("x")));
  EXPECT_TRUE(Equal(map["b"], N("2")));

  doc.Parse(R"([{"S":"x"}])");
  Status s = DecodeAttributeMap(doc, &map);
  EXPECT_EQ(s.code(), ErrorCode::kSerialization);
  EXPECT_EQ(s.message(), "START_ARRAY cannot be converted to Map");

  doc.Parse(R"({"a":{"S":"x"},"b":{}})");
  AttributeMap map2;
  s = DecodeAttributeMap(doc, &map2);
  EXPECT_EQ(s.code(), ErrorCode::kValidation);

  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  WriteAttributeMap(writer, map);
  EXPECT_EQ(std::string(buffer.GetString()), R"({"a":{"S":"x"},"b":{"N":"2"}})");
}

// `levels` nested L containers around a leaf: levels == 0 is the bare leaf.
std::string NestedJson(int levels, std::string_view leaf = R"({"S":"x"})") {
  std::string json;
  for (int i = 0; i < levels; ++i) json += R"({"L":[)";
  json += leaf;
  for (int i = 0; i < levels; ++i) json += "]}";
  return json;
}

TEST(JsonCodecTest, NestingDepthLimit) {
  constexpr char kPrefix[] = "Nesting Levels have exceeded supported limits";
  AttributeValue v;
  // Well inside the limit on both readings of "32 levels".
  EXPECT_TRUE(DecodeJson(NestedJson(31), &v).ok());
  // Well beyond it.
  for (int levels : {33, 34, 100}) {
    std::string message = ValidationError(NestedJson(levels));
    EXPECT_EQ(message.rfind(kPrefix, 0), 0u) << levels << ": " << message;
  }
  // Maps count like lists.
  std::string maps;
  for (int i = 0; i < 40; ++i) maps += R"({"M":{"k":)";
  maps += R"({"NULL":true})";
  for (int i = 0; i < 40; ++i) maps += "}}";
  std::string message = ValidationError(maps);
  EXPECT_EQ(message.rfind(kPrefix, 0), 0u) << message;
}

// DISABLED: possible bug in src/model/json_codec.cc (DecodeAttributeValue). DynamoDB (and
// DynamoDB Local's InputConverter: isValidNestedLevel(depth) is depth < 32, where the
// top-level attribute's container is level 1) rejects the 32nd nested M/L container, and its
// message carries a suffix: "Nesting Levels have exceeded supported limits: Attributes in the
// item have nested levels beyond supported limit". ddbd accepts up to 33 containers (value
// depth 0..32) and omits the suffix. To confirm against the service before enabling.
TEST(JsonCodecTest, NestingDepthMatchesService) {
  AttributeValue v;
  EXPECT_TRUE(DecodeJson(NestedJson(31), &v).ok());
  EXPECT_EQ(ValidationError(NestedJson(32)),
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
            "levels beyond supported limit");
  EXPECT_EQ(ValidationError(NestedJson(31, R"({"L":[]})")),
            "Nesting Levels have exceeded supported limits: Attributes in the item have nested "
            "levels beyond supported limit");
}

}  // namespace
}  // namespace ddbd::model
