// The export line formats (transfer/item_formats.h): DynamoDB JSON and Ion text, as the AWS
// Developer Guide's S3DataExport.Output page shows them.
#include "transfer/item_formats.h"

#include <gtest/gtest.h>

namespace ddbd::transfer {
namespace {

using model::AttributeValue;
using model::Item;
using model::Number;

Number Num(const char* text) { return *Number::Parse(text); }

TEST(IonDecimalTest, FoldsTrailingZerosIntoTheExponent) {
  // The guide's example: Id 103 -> 103., PageCount 600 -> 6d2, Price 2000 -> 2d3.
  EXPECT_EQ(IonDecimal(Num("103")), "103.");
  EXPECT_EQ(IonDecimal(Num("600")), "6d2");
  EXPECT_EQ(IonDecimal(Num("2000")), "2d3");
  EXPECT_EQ(IonDecimal(Num("1.5")), "15d-1");
  EXPECT_EQ(IonDecimal(Num("-0.025")), "-25d-3");
  EXPECT_EQ(IonDecimal(Num("0")), "0.");
  EXPECT_EQ(IonDecimal(Num("1E+125")), "1d125");
}

TEST(ItemLineTest, RendersEveryTypeInBothFormats) {
  Item item;
  item["Id"] = AttributeValue::Num(Num("103"));
  item["Title"] = AttributeValue::String("Book \"103\"");
  item["InPublication"] = AttributeValue::Bool(false);
  item["Cover"] = AttributeValue::Binary(std::string("\x01\x02", 2));
  AttributeValue authors;
  authors.type = model::AttrType::kSS;
  authors.strings = {"Author1", "Author2"};
  item["Authors"] = authors;
  AttributeValue nested;
  nested.type = model::AttrType::kM;
  nested.map["odd key"] = AttributeValue::Null();
  item["Dimensions"] = nested;
  EXPECT_EQ(
      ItemLine(LineFormat::kIon, item),
      "$ion_1_0 {Item:{Authors:$dynamodb_SS::[\"Author1\",\"Author2\"],Cover:{{AQI=}},"
      "Dimensions:{\"odd key\":null},Id:103.,InPublication:false,Title:\"Book \\\"103\\\"\"}}");
  EXPECT_EQ(ItemLine(LineFormat::kDynamoJson, item),
            "{\"Item\":{\"Authors\":{\"SS\":[\"Author1\",\"Author2\"]},\"Cover\":{\"B\":\"AQI=\"},"
            "\"Dimensions\":{\"M\":{\"odd key\":{\"NULL\":true}}},\"Id\":{\"N\":\"103\"},"
            "\"InPublication\":{\"BOOL\":false},\"Title\":{\"S\":\"Book \\\"103\\\"\"}}}");
}

TEST(ChangeLineTest, CarriesMetadataKeysAndImages) {
  Item keys;
  keys["pk"] = AttributeValue::String("a");
  Item after = keys;
  after["v"] = AttributeValue::Num(Num("2"));
  EXPECT_EQ(
      ChangeLine(LineFormat::kDynamoJson, 1700000000123456, keys, nullptr, &after),
      "{\"Metadata\":{\"WriteTimestampMicros\":{\"N\":\"1700000000123456\"}},"
      "\"Keys\":{\"pk\":{\"S\":\"a\"}},\"NewImage\":{\"pk\":{\"S\":\"a\"},\"v\":{\"N\":\"2\"}}}");
  EXPECT_EQ(ChangeLine(LineFormat::kIon, 1700000000000000, keys, &keys, nullptr),
            "$ion_1_0 {Metadata:{WriteTimestampMicros:17d14},Keys:{pk:\"a\"},"
            "OldImage:{pk:\"a\"}}");
}

}  // namespace
}  // namespace ddbd::transfer
