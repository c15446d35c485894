// Tags: TagResource, UntagResource, ListTagsOfResource for tables, and the Tags of
// CreateTable (ReadTags). Tags live in the table's descriptor, so they survive restarts and go
// with the table.
#include <algorithm>

#include "api/ops/ops.h"
#include "api/ops/table_description.h"
#include "engine/table_meta.h"

namespace ddbd::api {
namespace {

constexpr size_t kMaxTags = 50;
constexpr size_t kTagsPerPage = 10;

// Characters of tag keys and values, as AWS documents them: letters, digits, spaces and
// + - = . _ : / @ (bytes >= 0x80 are taken as letters of other scripts).
bool ValidTagText(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    unsigned char u = static_cast<unsigned char>(c);
    return u >= 0x80 || std::isalnum(u) || c == ' ' || c == '+' || c == '-' || c == '=' ||
           c == '.' || c == '_' || c == ':' || c == '/' || c == '@';
  });
}

// The caller's table an ARN names (the tagging operations take ARNs only).
Result<std::shared_ptr<engine::Table>> TableOfArn(OpContext& ctx, const std::string& arn) {
  if (arn.rfind("arn:", 0) != 0) {
    return Status::Validation("Invalid TableArn: Invalid ResourceArn provided as input " +
                              arn);  // message unverified
  }
  const std::string prefix = "arn:aws:dynamodb:";
  if (arn.rfind(prefix, 0) != 0) {
    return Status(ErrorCode::kAccessDenied,
                  "User is not authorized to access this resource");  // message unverified
  }
  auto parsed = engine::ParseTableArn(arn);
  if (!parsed || !parsed->sub.empty()) {
    return Status::Validation("Invalid TableArn: " + arn);  // message unverified
  }
  if (parsed->account != ctx.caller.account) {
    return Status(ErrorCode::kAccessDenied,
                  "User is not authorized to access this resource");  // message unverified
  }
  if (parsed->region != ctx.caller.region) {
    return Status::Validation("Invalid TableArn: " + arn);  // message unverified
  }
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, parsed->table);
  if (!table) {
    // Quoted from the service (turbot/steampipe-plugin-aws issue 1516), its spelling included.
    return Status::ResourceNotFound("Requested resource not found: ResourcArn: " + arn +
                                    " not found");
  }
  return table;
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
Status MergeTags(std::vector<std::pair<std::string, std::string>>* current,
                 const std::vector<std::pair<std::string, std::string>>& tags) {
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
  if (merged.size() > kMaxTags) {
    return Status(ErrorCode::kLimitExceeded,
                  "Tag limit exceeded: a resource can have at most 50 tags");  // message unverified
  }
  *current = std::move(merged);
  return Status::OK();
}

}  // namespace

Result<std::vector<std::pair<std::string, std::string>>> ReadTags(const Json& request,
                                                                  ConstraintErrors& errors) {
  std::vector<std::pair<std::string, std::string>> out;
  DDBD_ASSIGN_OR_RETURN(const Json* tags, GetArray(request, "Tags"));
  if (tags == nullptr) return out;
  for (rapidjson::SizeType i = 0; i < tags->Size(); ++i) {
    const Json& tag = (*tags)[i];
    if (!tag.IsObject()) return Status::Serialization("Unexpected value type in payload");
    DDBD_ASSIGN_OR_RETURN(auto key, GetString(tag, "Key"));
    DDBD_ASSIGN_OR_RETURN(auto value, GetString(tag, "Value"));
    const std::string path = "tags." + std::to_string(i + 1) + ".member.";
    if (!key) {
      errors.NotNull((path + "key").c_str());
    } else {
      errors.Length(*key, (path + "key").c_str(), 1, 128);
    }
    if (!value) {
      errors.NotNull((path + "value").c_str());
    } else {
      errors.Length(*value, (path + "value").c_str(), 0, 256);
    }
    out.emplace_back(key.value_or(""), value.value_or(""));
  }
  return out;
}

Status CheckTags(const std::vector<std::pair<std::string, std::string>>& tags) {
  for (const auto& [key, value] : tags) {
    if (key.rfind("aws:", 0) == 0) {
      return Status::Validation(
          "One or more parameter values were invalid: Tag keys with the prefix 'aws:' are "
          "reserved for AWS use: " +
          key);  // message unverified
    }
    if (!ValidTagText(key) || !ValidTagText(value)) {
      return Status::Validation(
          "One or more parameter values were invalid: Tags may contain only letters, digits, "
          "spaces and + - = . _ : / @");  // message unverified
    }
  }
  if (tags.size() > kMaxTags) {
    return Status(ErrorCode::kLimitExceeded,
                  "Tag limit exceeded: a resource can have at most 50 tags");  // message unverified
  }
  return Status::OK();
}

Status TagResource(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string arn, RequireArn(request, errors));
  if (!request.HasMember("Tags") || request["Tags"].IsNull()) errors.NotNull("tags");
  DDBD_ASSIGN_OR_RETURN(auto tags, ReadTags(request, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_RETURN_IF_ERROR(CheckTags(tags));
  DDBD_ASSIGN_OR_RETURN(auto table, TableOfArn(ctx, arn));
  DDBD_RETURN_IF_ERROR(
      ctx.catalog
          .Modify(*table, [&](engine::TableMeta* meta) { return MergeTags(&meta->tags, tags); })
          .status());
  out.StartObject();
  out.EndObject();
  return Status::OK();
}

Status UntagResource(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::string arn, RequireArn(request, errors));
  DDBD_ASSIGN_OR_RETURN(const Json* keys_json, GetArray(request, "TagKeys"));
  std::vector<std::string> keys;
  if (keys_json == nullptr) {
    errors.NotNull("tagKeys");
  } else {
    for (rapidjson::SizeType i = 0; i < keys_json->Size(); ++i) {
      const Json& k = (*keys_json)[i];
      if (!k.IsString()) return Status::Serialization("Unexpected value type in payload");
      keys.emplace_back(k.GetString(), k.GetStringLength());
      errors.Length(keys.back(), ("tagKeys." + std::to_string(i + 1) + ".member").c_str(), 1, 128);
    }
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_ASSIGN_OR_RETURN(auto table, TableOfArn(ctx, arn));
  DDBD_RETURN_IF_ERROR(ctx.catalog
                           .Modify(*table,
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
  DDBD_ASSIGN_OR_RETURN(auto table, TableOfArn(ctx, arn));
  auto meta = table->shared_meta();
  // NextToken: the index of the next tag, as text (ddbd's own, opaque to clients).
  size_t begin = 0;
  if (token) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(token->c_str(), &end, 10);
    if (token->empty() || *end != '\0' || n > meta->tags.size()) {
      return Status::Validation("Invalid NextToken");  // message unverified
    }
    begin = static_cast<size_t>(n);
  }
  const size_t stop = std::min(meta->tags.size(), begin + kTagsPerPage);
  out.StartObject();
  WriteKey(out, "Tags");
  out.StartArray();
  for (size_t i = begin; i < stop; ++i) {
    out.StartObject();
    WriteKey(out, "Key");
    WriteString(out, meta->tags[i].first);
    WriteKey(out, "Value");
    WriteString(out, meta->tags[i].second);
    out.EndObject();
  }
  out.EndArray();
  if (stop < meta->tags.size()) {
    WriteKey(out, "NextToken");
    WriteString(out, std::to_string(stop));
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
