#include "api/ops/shapes.h"

#include <cstdio>

#include "common/hash.h"

namespace ddbd::api {

Result<CapacityMode> ParseReturnConsumedCapacity(const Json& request, ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(auto capacity, GetString(request, "ReturnConsumedCapacity"));
  if (!capacity || *capacity == "NONE") return CapacityMode::kNone;
  if (*capacity == "TOTAL") return CapacityMode::kTotal;
  if (*capacity == "INDEXES") return CapacityMode::kIndexes;
  errors.Enum(*capacity, "returnConsumedCapacity", "[INDEXES, TOTAL, NONE]");
  return CapacityMode::kNone;
}

Result<std::optional<std::vector<engine::KeyElement>>> ParseAttributeDefinitions(
    const Json& request, ConstraintErrors& errors) {
  using Definitions = std::optional<std::vector<engine::KeyElement>>;
  DDBD_ASSIGN_OR_RETURN(const Json* defs, GetArray(request, "AttributeDefinitions"));
  if (defs == nullptr) return Definitions();
  std::vector<engine::KeyElement> definitions;
  for (rapidjson::SizeType i = 0; i < defs->Size(); ++i) {
    const Json& d = (*defs)[i];
    if (!d.IsObject()) return Status::Serialization("Unexpected value type in payload");
    DDBD_ASSIGN_OR_RETURN(auto attr_name, GetString(d, "AttributeName"));
    DDBD_ASSIGN_OR_RETURN(auto attr_type, GetString(d, "AttributeType"));
    std::string path = "attributeDefinitions." + std::to_string(i + 1) + ".member.";
    engine::KeyElement element;
    if (!attr_name) {
      errors.NotNull((path + "attributeName").c_str());
    } else {
      errors.Length(*attr_name, (path + "attributeName").c_str(), 1, 255);
      element.name = *attr_name;
    }
    if (!attr_type) {
      errors.NotNull((path + "attributeType").c_str());
    } else if (*attr_type == "S") {
      element.type = model::AttrType::kS;
    } else if (*attr_type == "N") {
      element.type = model::AttrType::kN;
    } else if (*attr_type == "B") {
      element.type = model::AttrType::kB;
    } else {
      errors.Enum(*attr_type, (path + "attributeType").c_str(), "[B, N, S]");
    }
    definitions.push_back(element);
  }
  return Definitions(std::move(definitions));
}

Result<std::optional<engine::Throughput>> ParseProvisionedThroughput(const Json& obj,
                                                                     const std::string& path,
                                                                     ConstraintErrors& errors,
                                                                     const char* member) {
  using Parsed = std::optional<engine::Throughput>;
  DDBD_ASSIGN_OR_RETURN(const Json* pt, GetObject(obj, member));
  if (pt == nullptr) return Parsed();
  DDBD_ASSIGN_OR_RETURN(auto read, GetInt(*pt, "ReadCapacityUnits"));
  DDBD_ASSIGN_OR_RETURN(auto write, GetInt(*pt, "WriteCapacityUnits"));
  const std::string read_path = path + ".readCapacityUnits";
  const std::string write_path = path + ".writeCapacityUnits";
  if (!read)
    errors.NotNull(read_path.c_str());
  else
    errors.Min(*read, read_path.c_str(), 1);
  if (!write)
    errors.NotNull(write_path.c_str());
  else
    errors.Min(*write, write_path.c_str(), 1);
  return Parsed(engine::Throughput{read.value_or(0), write.value_or(0)});
}

Result<std::optional<engine::BillingMode>> ParseBillingMode(const Json& request,
                                                            ConstraintErrors& errors) {
  using Parsed = std::optional<engine::BillingMode>;
  DDBD_ASSIGN_OR_RETURN(auto mode, GetString(request, "BillingMode"));
  if (!mode) return Parsed();
  if (*mode == "PROVISIONED") return Parsed(engine::BillingMode::kProvisioned);
  if (*mode == "PAY_PER_REQUEST") return Parsed(engine::BillingMode::kPayPerRequest);
  errors.Enum(*mode, "billingMode", "[PROVISIONED, PAY_PER_REQUEST]");
  return Parsed();
}

Result<std::optional<std::pair<int64_t, int64_t>>> ParseOnDemandThroughput(const Json& request,
                                                                           bool creating) {
  using Parsed = std::optional<std::pair<int64_t, int64_t>>;
  DDBD_ASSIGN_OR_RETURN(const Json* od, GetObject(request, "OnDemandThroughput"));
  if (od == nullptr) return Parsed();
  DDBD_ASSIGN_OR_RETURN(auto read, GetInt(*od, "MaxReadRequestUnits"));
  DDBD_ASSIGN_OR_RETURN(auto write, GetInt(*od, "MaxWriteRequestUnits"));
  // Each maximum is at least 1; UpdateTable also takes -1, which removes it. As the service
  // answers (aws-controllers-k8s/dynamodb-controller docs/api-quirks, DDB-TABLE-039).
  for (auto [value, name] :
       {std::pair{read, "MaxReadRequestUnits"}, std::pair{write, "MaxWriteRequestUnits"}}) {
    if (value && *value < 1 && (creating || *value != -1)) {
      return Status::Validation(std::string("One or more parameter values were invalid: "
                                            "Requested ") +
                                name +
                                " for OnDemandThroughput for table is outside of valid range");
    }
  }
  return Parsed(std::pair<int64_t, int64_t>{read.value_or(-1), write.value_or(-1)});
}

Result<std::optional<engine::WarmSpec>> ParseWarmThroughput(const Json& owner) {
  DDBD_ASSIGN_OR_RETURN(const Json* warm, GetObject(owner, "WarmThroughput"));
  if (warm == nullptr) return std::optional<engine::WarmSpec>();
  engine::WarmSpec spec;
  DDBD_ASSIGN_OR_RETURN(spec.read, GetInt(*warm, "ReadUnitsPerSecond"));
  DDBD_ASSIGN_OR_RETURN(spec.write, GetInt(*warm, "WriteUnitsPerSecond"));
  return std::optional<engine::WarmSpec>(spec);
}

Result<std::optional<std::string>> ParseSseSpecification(const Json& request,
                                                         const CallerContext& caller,
                                                         ConstraintErrors& errors,
                                                         const char* member) {
  using Parsed = std::optional<std::string>;
  DDBD_ASSIGN_OR_RETURN(const Json* spec, GetObject(request, member));
  if (spec == nullptr) return Parsed();
  DDBD_ASSIGN_OR_RETURN(auto enabled, GetBool(*spec, "Enabled"));
  DDBD_ASSIGN_OR_RETURN(auto type, GetString(*spec, "SSEType"));
  DDBD_ASSIGN_OR_RETURN(auto key, GetString(*spec, "KMSMasterKeyId"));
  if (type && !IsOneOf(*type, {"AES256", "KMS"})) {
    errors.Enum(*type, "sSESpecification.sSEType", "[AES256, KMS]");
    return Parsed();
  }
  // Enabled (or SSEType KMS): a KMS key, the account's AWS managed one unless named; otherwise
  // the AWS owned key (no SSEDescription).
  const bool kms = enabled.value_or(false) || (type && *type == "KMS" && !enabled.has_value());
  if (!kms) {
    if (key) {
      return Status::Validation(
          "One or more parameter values were invalid: KMSMasterKeyId can only be specified "
          "when SSE is enabled with SSEType KMS");  // message unverified
    }
    return Parsed(std::string());
  }
  if (type && *type == "AES256") {
    return Status::Validation(
        "One or more parameter values were invalid: SSEType AES256 is not supported; use "
        "KMS");  // message unverified
  }
  const std::string prefix = "arn:aws:kms:" + caller.region + ":" + caller.account + ":";
  if (!key) {
    // The AWS managed key aws/dynamodb: one per account and region.
    const uint64_t a = StableHash64(prefix + "alias/aws/dynamodb");
    const uint64_t b = StableHash64(prefix + "alias/aws/dynamodb#");
    char id[40];
    std::snprintf(id, sizeof(id), "%08x-%04x-4%03x-8%03x-%012llx", static_cast<unsigned>(a >> 32),
                  static_cast<unsigned>((a >> 16) & 0xFFFF), static_cast<unsigned>(a & 0xFFF),
                  static_cast<unsigned>((b >> 48) & 0xFFF),
                  static_cast<unsigned long long>(b & 0xFFFFFFFFFFFFULL));
    return Parsed(prefix + "key/" + id);
  }
  if (key->rfind("arn:", 0) == 0) return Parsed(*key);
  if (key->rfind("alias/", 0) == 0) return Parsed(prefix + *key);
  return Parsed(prefix + "key/" + *key);
}

Result<std::optional<engine::StreamChange>> ParseStreamSpecification(const Json& request,
                                                                     ConstraintErrors& errors) {
  using Parsed = std::optional<engine::StreamChange>;
  DDBD_ASSIGN_OR_RETURN(const Json* spec, GetObject(request, "StreamSpecification"));
  if (spec == nullptr) return Parsed();
  engine::StreamChange change;
  DDBD_ASSIGN_OR_RETURN(auto enabled, GetBool(*spec, "StreamEnabled"));
  if (!enabled) errors.NotNull("streamSpecification.streamEnabled");
  change.enabled = enabled.value_or(false);
  DDBD_ASSIGN_OR_RETURN(auto view, GetString(*spec, "StreamViewType"));
  if (view) {
    using engine::StreamViewType;
    if (*view == "KEYS_ONLY") {
      change.view_type = StreamViewType::kKeysOnly;
    } else if (*view == "NEW_IMAGE") {
      change.view_type = StreamViewType::kNewImage;
    } else if (*view == "OLD_IMAGE") {
      change.view_type = StreamViewType::kOldImage;
    } else if (*view == "NEW_AND_OLD_IMAGES") {
      change.view_type = StreamViewType::kNewAndOldImages;
    } else {
      errors.Enum(*view, "streamSpecification.streamViewType",
                  "[NEW_IMAGE, OLD_IMAGE, NEW_AND_OLD_IMAGES, KEYS_ONLY]");
    }
  }
  return Parsed(change);
}

}  // namespace ddbd::api
