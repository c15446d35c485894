#include "api/json_util.h"

#include <cmath>
#include <cstring>
#include <regex>

namespace ddbd::api {
namespace {

Status WrongType(const Json& value, const char* target) {
  return Status::Serialization(std::string(model::JsonTokenName(value)) +
                               " cannot be converted to " + target);
}

const Json* Find(const Json& obj, const char* name) {
  auto it = obj.FindMember(name);
  if (it == obj.MemberEnd() || it->value.IsNull()) return nullptr;
  return &it->value;
}

bool IsTableNameChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '.' || c == '-';
}

}  // namespace

void ConstraintErrors::NotNull(const char* path) {
  Add(std::string("Value null at '") + path +
      "' failed to satisfy constraint: Member must not be null");
}

void ConstraintErrors::Length(const std::string& value, const char* path, size_t min, size_t max) {
  if (value.size() < min) {
    Add("Value '" + value + "' at '" + path +
        "' failed to satisfy constraint: Member must have length greater than or equal to " +
        std::to_string(min));
  } else if (value.size() > max) {
    Add("Value '" + value + "' at '" + path +
        "' failed to satisfy constraint: Member must have length less than or equal to " +
        std::to_string(max));
  }
}

void ConstraintErrors::TableName(const std::string* value, const char* path, bool arn_shape) {
  if (value == nullptr) {
    NotNull(path);
    return;
  }
  if (value->empty() && arn_shape) {
    // A table name or ARN (the model's TableArn shape): one error for an empty one.
    Length(*value, path, 1, 1024);
    return;
  }
  bool pattern_ok = !value->empty();
  for (char c : *value) pattern_ok &= IsTableNameChar(c);
  if (!pattern_ok) {
    Add("Value '" + *value + "' at '" + path +
        "' failed to satisfy constraint: Member must satisfy regular expression pattern: "
        "[a-zA-Z0-9_.-]+");
  }
  Length(*value, path, 3, 255);
}

void ConstraintErrors::Enum(const std::string& value, const char* path, const char* allowed) {
  Add("Value '" + value + "' at '" + path +
      "' failed to satisfy constraint: Member must satisfy enum value set: " + allowed);
}

void ConstraintErrors::Min(int64_t value, const char* path, int64_t min) {
  if (value < min) {
    Add("Value '" + std::to_string(value) + "' at '" + path +
        "' failed to satisfy constraint: Member must have value greater than or equal to " +
        std::to_string(min));
  }
}

void ConstraintErrors::Max(int64_t value, const char* path, int64_t max) {
  if (value > max) {
    Add("Value '" + std::to_string(value) + "' at '" + path +
        "' failed to satisfy constraint: Member must have value less than or equal to " +
        std::to_string(max));
  }
}

Status ConstraintErrors::ToStatus() const {
  if (errors_.empty()) return Status::OK();
  std::string msg =
      std::to_string(errors_.size()) +
      (errors_.size() == 1 ? " validation error detected: " : " validation errors detected: ");
  for (size_t i = 0; i < errors_.size(); ++i) {
    if (i) msg += "; ";
    msg += errors_[i];
  }
  return Status::Validation(std::move(msg));
}

Result<std::optional<std::string>> GetString(const Json& obj, const char* name) {
  const Json* v = Find(obj, name);
  if (v == nullptr) return std::optional<std::string>();
  if (!v->IsString()) return WrongType(*v, "String");
  return std::optional<std::string>(std::string(v->GetString(), v->GetStringLength()));
}

Result<std::optional<bool>> GetBool(const Json& obj, const char* name) {
  const Json* v = Find(obj, name);
  if (v == nullptr) return std::optional<bool>();
  if (!v->IsBool()) return WrongType(*v, "Boolean");
  return std::optional<bool>(v->GetBool());
}

Result<std::optional<int64_t>> GetInt(const Json& obj, const char* name) {
  const Json* v = Find(obj, name);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->IsInt64()) return WrongType(*v, "Long");
  return std::optional<int64_t>(v->GetInt64());
}

Result<std::optional<int64_t>> GetTimestamp(const Json& obj, const char* name) {
  const Json* v = Find(obj, name);
  if (v == nullptr) return std::optional<int64_t>();
  if (!v->IsNumber()) return WrongType(*v, "Timestamp");
  return std::optional<int64_t>(static_cast<int64_t>(std::llround(v->GetDouble() * 1e6)));
}

Result<const Json*> GetObject(const Json& obj, const char* name) {
  const Json* v = Find(obj, name);
  if (v != nullptr && !v->IsObject()) return WrongType(*v, "Map");
  return v;
}

Result<const Json*> GetArray(const Json& obj, const char* name) {
  const Json* v = Find(obj, name);
  if (v != nullptr && !v->IsArray()) return WrongType(*v, "List");
  return v;
}

bool IsOneOf(const std::string& value, std::initializer_list<const char*> allowed) {
  for (const char* a : allowed) {
    if (value == a) return true;
  }
  return false;
}

void WriteString(JsonWriter& w, std::string_view s) {
  w.String(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}
void WriteKey(JsonWriter& w, std::string_view s) {
  w.Key(s.data(), static_cast<rapidjson::SizeType>(s.size()));
}

}  // namespace ddbd::api
