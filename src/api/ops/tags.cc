// Tags: TagResource, UntagResource, ListTagsOfResource for tables, and the Tags of
// CreateTable (ReadTags). Tags live in the table's descriptor, so they survive restarts and go
// with the table.
#include <algorithm>
#include <cctype>
#include <optional>

#include <strings.h>

#include "api/ops/ops.h"
#include "api/ops/table_description.h"
#include "engine/table_meta.h"

namespace ddbd::api {
namespace {

constexpr size_t kMaxTags = 50;
constexpr size_t kTagsPerPage = 10;
constexpr size_t kMaxKeyChars = 128;
constexpr size_t kMaxValueChars = 256;
constexpr size_t kMaxTagSetBytes = 10240;

using Tags = std::vector<std::pair<std::string, std::string>>;

// The code points of UTF-8 text (malformed bytes end it: nullopt).
std::optional<std::vector<char32_t>> CodePoints(const std::string& s) {
  std::vector<char32_t> out;
  for (size_t i = 0; i < s.size();) {
    const auto b = static_cast<unsigned char>(s[i]);
    const size_t n = b < 0x80           ? 1
                     : (b >> 5) == 0x6  ? 2
                     : (b >> 4) == 0xE  ? 3
                     : (b >> 3) == 0x1E ? 4
                                        : 0;
    if (n == 0 || i + n > s.size()) return std::nullopt;
    char32_t c = n == 1 ? b : b & (0xFF >> (n + 1));
    for (size_t k = 1; k < n; ++k) {
      const auto cont = static_cast<unsigned char>(s[i + k]);
      if ((cont & 0xC0) != 0x80) return std::nullopt;
      c = (c << 6) | (cont & 0x3F);
    }
    out.push_back(c);
    i += n;
  }
  return out;
}

// Characters of tag keys and values, as AWS documents them: letters of any script, digits,
// spaces and + - = . _ : / @. Without Unicode tables, code points above ASCII count as letters
// except the punctuation, symbol, emoji and private-use blocks.
bool TagChar(char32_t c) {
  if (c < 0x80) {
    return std::isalnum(static_cast<int>(c)) || c == ' ' || c == '+' || c == '-' || c == '=' ||
           c == '.' || c == '_' || c == ':' || c == '/' || c == '@';
  }
  if (c < 0xC0) return c == 0xAA || c == 0xB5 || c == 0xBA;  // Latin-1 symbols but ª µ º
  if (c == 0xD7 || c == 0xF7) return false;                  // × ÷
  return !((c >= 0x2000 && c <= 0x2BFF) || (c >= 0x3000 && c <= 0x303F) ||
           (c >= 0xE000 && c <= 0xF8FF) || (c >= 0xFE00 && c <= 0xFE0F) ||
           (c >= 0xFF00 && c <= 0xFF0F) || (c >= 0x1F000 && c <= 0x1FAFF));
}

bool ValidTagText(const std::string& s, size_t min_chars, size_t max_chars) {
  auto chars = CodePoints(s);
  return chars && chars->size() >= min_chars && chars->size() <= max_chars &&
         std::all_of(chars->begin(), chars->end(), TagChar);
}

// The service's check of a tag key, in TagResource, UntagResource and CreateTable.
Status CheckTagKey(const std::optional<std::string>& key) {
  if (!key || !ValidTagText(*key, 1, kMaxKeyChars)) {
    return Status::Validation("The Tag Key provided is invalid, Key: " + key.value_or("null"));
  }
  if (key->size() >= 4 && strncasecmp(key->c_str(), "aws:", 4) == 0) {
    return Status::Validation("Tag Key cannot be prefixed with aws:, Key: " + *key);
  }
  return Status::OK();
}

Status TooManyTags() {
  return Status::Validation("Number of Tags exceed the current limit for the provided ResourceArn");
}

// The limits of a resource's whole tag set.
Status CheckTagSet(const Tags& tags) {
  if (tags.size() > kMaxTags) return TooManyTags();
  size_t bytes = 0;
  for (const auto& [key, value] : tags) bytes += key.size() + value.size();
  if (bytes > kMaxTagSetBytes) {
    return Status::Validation("Tag set size " + std::to_string(bytes) +
                              " bytes is above max size limit of " +
                              std::to_string(kMaxTagSetBytes) + " bytes");
  }
  return Status::OK();
}

// What a tagging operation's ResourceArn names: a table of the caller's, or one of its
// streams.
struct TagTarget {
  std::shared_ptr<engine::Table> table;
  std::optional<std::string> stream_label;
};

Result<TagTarget> TargetOfArn(OpContext& ctx, const std::string& arn) {
  if (arn.rfind("arn:", 0) != 0) {
    return Status::Validation(
        "One or more parameter values were invalid: ARNs must start with 'arn:': " + arn);
  }
  auto parsed = engine::ParseTableArn(arn);
  if (parsed && !parsed->sub.empty() && !parsed->StreamLabel()) {
    if (parsed->sub.rfind("index/", 0) == 0) {
      return Status::Validation(
          "One or more parameter values were invalid: Invalid resource arn provided, only table "
          "or stream is accepted. Provided resource arn: " +
          arn);
    }
    parsed.reset();
  }
  if (!parsed) {
    return Status::Validation(
        "One or more parameter values were invalid: Provided Arn is not a DynamoDB resource "
        "arn: " +
        arn);
  }
  if (parsed->region != ctx.caller.region) {
    return Status::Validation("Invalid TableArn: Invalid ResourceArn provided as input " + arn);
  }
  if (parsed->account != ctx.caller.account) {
    return Status(ErrorCode::kAccessDenied, "Access is denied");
  }
  TagTarget target;
  target.table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, parsed->table);
  target.stream_label = parsed->StreamLabel();
  bool found = target.table != nullptr;
  if (found && target.stream_label) {
    const auto meta = target.table->shared_meta();
    found = std::any_of(meta->streams.begin(), meta->streams.end(),
                        [&](const auto& s) { return s.label == *target.stream_label; });
  }
  if (!found) {
    return Status::ResourceNotFound("Requested resource not found: ResourceArn: " + arn +
                                    " not found");
  }
  return target;
}

Status StreamTagsUnsupported(const std::string& arn) {
  return Status::Validation("ddbd does not tag streams (docs/compatibility.md): " + arn);
}

Result<std::string> RequireArn(const Json& request, ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(auto arn, GetString(request, "ResourceArn"));
  if (!arn) {
    errors.NotNull("resourceArn");
    return std::string();
  }
  errors.Length(*arn, "resourceArn", 1, 1283);
  return *arn;
}

// Adds `tags` to `current` (a key already there takes the new value).
Status MergeTags(Tags* current, const Tags& tags) {
  auto merged = *current;
  for (const auto& [key, value] : tags) {
    auto it =
        std::find_if(merged.begin(), merged.end(), [&](const auto& t) { return t.first == key; });
    if (it != merged.end()) {
      it->second = value;
    } else {
      merged.emplace_back(key, value);
    }
  }
  DDBD_RETURN_IF_ERROR(CheckTagSet(merged));
  *current = std::move(merged);
  return Status::OK();
}

}  // namespace

Result<Tags> ReadTags(const Json& request) {
  Tags out;
  DDBD_ASSIGN_OR_RETURN(const Json* tags, GetArray(request, "Tags"));
  if (tags == nullptr) return out;
  for (const auto& tag : tags->GetArray()) {
    if (!tag.IsObject()) return Status::Serialization("Unexpected value type in payload");
    DDBD_ASSIGN_OR_RETURN(auto key, GetString(tag, "Key"));
    DDBD_ASSIGN_OR_RETURN(auto value, GetString(tag, "Value"));
    DDBD_RETURN_IF_ERROR(CheckTagKey(key));
    if (!value || !ValidTagText(*value, 0, kMaxValueChars)) {
      return Status::Validation("The Tag Value provided is invalid, Value: " +
                                value.value_or("null"));
    }
    for (const auto& [seen, unused] : out) {
      if (seen == *key) {
        return Status::Validation("Duplicate Tag Keys provided as input: Duplicate Tag Key found " +
                                  seen);
      }
    }
    out.emplace_back(*key, *value);
  }
  DDBD_RETURN_IF_ERROR(CheckTagSet(out));
  return out;
}

Status TagResource(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string arn, RequireArn(request, errors));
  DDBD_ASSIGN_OR_RETURN(const Json* list, GetArray(request, "Tags"));
  if (list == nullptr) errors.NotNull("tags");
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(TagTarget target, TargetOfArn(ctx, arn));
  if (list->Empty()) {
    return Status::Validation("Atleast one Tag needs to be provided as Input.");  // sic
  }
  DDBD_ASSIGN_OR_RETURN(Tags tags, ReadTags(request));
  if (target.stream_label) return StreamTagsUnsupported(arn);
  DDBD_RETURN_IF_ERROR(
      ctx.catalog
          .Modify(*target.table,
                  [&](engine::TableMeta* meta) { return MergeTags(&meta->tags, tags); })
          .status());
  out.StartObject();
  out.EndObject();
  return Status::OK();
}

Status UntagResource(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string arn, RequireArn(request, errors));
  DDBD_ASSIGN_OR_RETURN(const Json* keys_json, GetArray(request, "TagKeys"));
  if (keys_json == nullptr) errors.NotNull("tagKeys");
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(TagTarget target, TargetOfArn(ctx, arn));
  if (keys_json->Empty()) {
    return Status::Validation("Atleast one Tag Key needs to be provided as Input.");  // sic
  }
  if (keys_json->Size() > kMaxTags) return TooManyTags();
  std::vector<std::string> keys;
  for (const auto& k : keys_json->GetArray()) {
    if (!k.IsString()) return Status::Serialization("Unexpected value type in payload");
    keys.emplace_back(k.GetString(), k.GetStringLength());
    DDBD_RETURN_IF_ERROR(CheckTagKey(keys.back()));
  }
  if (target.stream_label) return StreamTagsUnsupported(arn);
  DDBD_RETURN_IF_ERROR(ctx.catalog
                           .Modify(*target.table,
                                   [&](engine::TableMeta* meta) {
                                     std::erase_if(meta->tags, [&](const auto& t) {
                                       return std::find(keys.begin(), keys.end(), t.first) !=
                                              keys.end();
                                     });
                                     return Status::OK();
                                   })
                           .status());
  out.StartObject();
  out.EndObject();
  return Status::OK();
}

Status ListTagsOfResource(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string arn, RequireArn(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "NextToken"));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(TagTarget target, TargetOfArn(ctx, arn));
  auto meta = target.table->shared_meta();
  static const Tags kNone;
  const Tags& tags = target.stream_label ? kNone : meta->tags;  // streams have no tags here
  // NextToken: the index of the next tag, as text (ddbd's own, opaque to clients).
  size_t begin = 0;
  if (token) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(token->c_str(), &end, 10);
    if (token->empty() || *end != '\0' || n > tags.size()) {
      return Status::Validation("Invalid NextToken");  // message unverified
    }
    begin = static_cast<size_t>(n);
  }
  const size_t stop = std::min(tags.size(), begin + kTagsPerPage);
  out.StartObject();
  WriteKey(out, "Tags");
  out.StartArray();
  for (size_t i = begin; i < stop; ++i) {
    out.StartObject();
    WriteKey(out, "Key");
    WriteString(out, tags[i].first);
    WriteKey(out, "Value");
    WriteString(out, tags[i].second);
    out.EndObject();
  }
  out.EndArray();
  if (stop < tags.size()) {
    WriteKey(out, "NextToken");
    WriteString(out, std::to_string(stop));
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
