// RapidJSON <-> AttributeValue, with the service's validation of attribute values.
//
// Included only by api/ .cc files (RapidJSON stays out of widely included headers).
// RAPIDJSON_ASSERT is redefined (common/rapidjson_config.h) to throw, so misuse becomes an
// InternalServerError in the dispatcher rather than an abort.
#pragma once

#include "ddbd/status.h"

#include "common/rapidjson.h"
#include "model/attribute_value.h"

namespace ddbd::model {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

// Maximum nesting of M and L values the service accepts.
constexpr int kMaxNestingDepth = 32;

// Decodes {"S": "..."} and friends. Errors: ValidationException (empty or multi-typed value,
// bad number, empty or duplicate set, NULL not true, nesting too deep) or SerializationException
// (wrong JSON type for a member, bad base64), with the service's messages.
Status DecodeAttributeValue(const rapidjson::Value& json, AttributeValue* out, int depth = 0);
// Decodes an object of attribute name -> value (an Item or a Key).
Status DecodeAttributeMap(const rapidjson::Value& json, AttributeMap* out);

void WriteAttributeValue(JsonWriter& writer, const AttributeValue& value);
void WriteAttributeMap(JsonWriter& writer, const AttributeMap& map);

// Name of a JSON value's type the way the service's deserializer reports it
// ("NUMBER_VALUE", "START_OBJECT", ...).
const char* JsonTokenName(const rapidjson::Value& json);

}  // namespace ddbd::model
