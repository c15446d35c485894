// Helpers for reading request members with the service's type checks and constraint
// messages. Included by api/ .cc files only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "common/rapidjson.h"
#include "model/json_codec.h"

namespace ddbd::api {

using Json = rapidjson::Value;
using model::JsonWriter;

// Collects constraint violations and renders them the way the service's validator does:
// "1 validation error detected: Value 'x' at 'tableName' failed to satisfy constraint: ..."
// (several joined with "; " under "N validation errors detected: ").
class ConstraintErrors {
 public:
  void Add(std::string text) { errors_.push_back(std::move(text)); }
  void NotNull(const char* path);
  void Length(const std::string& value, const char* path, size_t min, size_t max);
  // A table name; `arn_shape`: where the model takes a table name or ARN (TableArn, min 1),
  // an empty one is one length error.
  void TableName(const std::string* value, const char* path = "tableName", bool arn_shape = true);
  void Enum(const std::string& value, const char* path, const char* allowed);
  void Min(int64_t value, const char* path, int64_t min);
  void Max(int64_t value, const char* path, int64_t max);
  bool empty() const { return errors_.empty(); }
  Status ToStatus() const;

 private:
  std::vector<std::string> errors_;
};

// Member readers: absent (or JSON null) -> nullopt/nullptr; present with the wrong JSON type
// -> SerializationException.
Result<std::optional<std::string>> GetString(const Json& obj, const char* name);
Result<std::optional<bool>> GetBool(const Json& obj, const char* name);
Result<std::optional<int64_t>> GetInt(const Json& obj, const char* name);
// A timestamp (epoch seconds, fractions allowed) in microseconds.
Result<std::optional<int64_t>> GetTimestamp(const Json& obj, const char* name);
Result<const Json*> GetObject(const Json& obj, const char* name);
Result<const Json*> GetArray(const Json& obj, const char* name);

// "ValidationException" for a value outside an enum of the model.
bool IsOneOf(const std::string& value, std::initializer_list<const char*> allowed);

void WriteString(JsonWriter& w, std::string_view s);
void WriteKey(JsonWriter& w, std::string_view s);

}  // namespace ddbd::api
