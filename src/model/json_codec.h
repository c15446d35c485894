// RapidJSON <-> AttributeValue, with the service's validation of attribute values.
//
// Included only by api/ .cc files (RapidJSON stays out of widely included headers).
// RAPIDJSON_ASSERT is redefined (common/rapidjson_config.h) to throw, so misuse becomes an
// InternalServerError in the dispatcher rather than an abort.
#pragma once

#include <string_view>

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

// Parses a request body as the dispatcher does: iterative (deep documents cannot exhaust the
// stack), invalid UTF-8 rejected, and strings or names holding an escaped surrogate that is not
// part of a pair (e.g. "\udc00", which would decode to invalid UTF-8) rejected too.
// SerializationException (with no message, as the service answers undecodable bodies) unless
// the body is a JSON object.
Status ParseRequestJson(std::string_view body, rapidjson::Document* doc);

// True if `text` is valid UTF-8 without encoded surrogates.
bool IsValidUtf8(std::string_view text);

// Name of a JSON value's type the way the service's deserializer reports it
// ("NUMBER_VALUE", "START_OBJECT", ...).
const char* JsonTokenName(const rapidjson::Value& json);

}  // namespace ddbd::model
