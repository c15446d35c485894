// CreateTable: the request's shape and the service's semantic checks, in its order.
#include <algorithm>
#include <set>

#include "api/ops/index_defs.h"
#include "api/ops/ops.h"
#include "api/ops/shapes.h"
#include "api/ops/table_description.h"

namespace ddbd::api {

using engine::BillingMode;
using engine::KeyElement;
using engine::TableMeta;

Result<TableDefinition> ParseTableDefinition(OpContext& ctx, const Json& request) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  errors.TableName(name ? &*name : nullptr);
  DDBD_ASSIGN_OR_RETURN(auto parsed_definitions, ParseAttributeDefinitions(request, errors));
  if (!parsed_definitions) errors.NotNull("attributeDefinitions");
  std::vector<KeyElement> definitions = parsed_definitions.value_or(std::vector<KeyElement>());
  DDBD_ASSIGN_OR_RETURN(const Json* schema, GetArray(request, "KeySchema"));

  // Key schema.
  struct SchemaElement {
    std::string name, type;
  };
  std::vector<SchemaElement> elements;
  if (schema == nullptr) {
    errors.NotNull("keySchema");
  } else {
    if (schema->Size() < 1 || schema->Size() > 2) {
      errors.Add(
          "Value '[]' at 'keySchema' failed to satisfy constraint: Member must have length " +
          std::string(schema->Size() < 1 ? "greater than or equal to 1"
                                         : "less than or equal to 2"));
    }
    for (rapidjson::SizeType i = 0; i < schema->Size(); ++i) {
      const Json& e = (*schema)[i];
      if (!e.IsObject()) return Status::Serialization("Unexpected value type in payload");
      DDBD_ASSIGN_OR_RETURN(auto attr_name, GetString(e, "AttributeName"));
      DDBD_ASSIGN_OR_RETURN(auto key_type, GetString(e, "KeyType"));
      std::string path = "keySchema." + std::to_string(i + 1) + ".member.";
      SchemaElement element;
      if (!attr_name) {
        errors.NotNull((path + "attributeName").c_str());
      } else {
        errors.Length(*attr_name, (path + "attributeName").c_str(), 1, 255);
        element.name = *attr_name;
      }
      if (!key_type) {
        errors.NotNull((path + "keyType").c_str());
      } else if (*key_type != "HASH" && *key_type != "RANGE") {
        errors.Enum(*key_type, (path + "keyType").c_str(), "[HASH, RANGE]");
      } else {
        element.type = *key_type;
      }
      elements.push_back(element);
    }
  }
  DDBD_ASSIGN_OR_RETURN(const Json* lsi_json, GetArray(request, "LocalSecondaryIndexes"));
  DDBD_ASSIGN_OR_RETURN(const Json* gsi_json, GetArray(request, "GlobalSecondaryIndexes"));
  DDBD_ASSIGN_OR_RETURN(auto lsi_specs,
                        ParseIndexSpecs(lsi_json, false, "localSecondaryIndexes", errors));
  DDBD_ASSIGN_OR_RETURN(auto gsi_specs,
                        ParseIndexSpecs(gsi_json, true, "globalSecondaryIndexes", errors));
  DDBD_ASSIGN_OR_RETURN(auto throughput,
                        ParseProvisionedThroughput(request, "provisionedThroughput", errors));
  DDBD_ASSIGN_OR_RETURN(auto billing, ParseBillingMode(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto on_demand, ParseOnDemandThroughput(request, true));
  DDBD_ASSIGN_OR_RETURN(auto stream, ParseStreamSpecification(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto warm, ParseWarmThroughput(request));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());

  // Semantic checks, in the service's order.
  BillingMode mode = billing.value_or(BillingMode::kProvisioned);
  if (mode == BillingMode::kProvisioned && !throughput) {
    return Status::Validation(
        "One or more parameter values were invalid: ReadCapacityUnits and WriteCapacityUnits "
        "must both be specified when BillingMode is PROVISIONED");
  }
  if (mode == BillingMode::kPayPerRequest && throughput) {
    return Status::Validation(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  }
  if (mode == BillingMode::kProvisioned && on_demand) {
    return engine::OnDemandOnProvisioned(*on_demand, true);
  }
  if (elements[0].type != "HASH") {
    return Status::Validation(
        "Invalid KeySchema: The first KeySchemaElement is not a HASH key type");
  }
  if (elements.size() == 2) {
    if (elements[1].type != "RANGE") {
      return Status::Validation(
          "Invalid KeySchema: The second KeySchemaElement is not a RANGE key type");
    }
    if (elements[0].name == elements[1].name) {
      return Status::Validation(
          "Both the Hash Key and the Range Key element in the KeySchema have the same name");
    }
  }
  std::set<std::string> defined;
  for (const auto& d : definitions) {
    if (!defined.insert(d.name).second) {
      // As the service answers (scylladb/scylladb issue 13870 quotes it).
      return Status::Validation("Attribute Name is duplicated: " + d.name);
    }
  }
  std::vector<std::string> missing;
  for (const auto& e : elements) {
    if (!defined.count(e.name)) missing.push_back(e.name);
  }
  if (!missing.empty() && definitions.size() < elements.size()) {
    return Status::Validation("Invalid KeySchema: Some index key attribute have no definition");
  }
  if (!missing.empty()) {
    std::vector<std::string> def_names;
    for (const auto& d : definitions) def_names.push_back(d.name);
    std::vector<std::string> key_names;
    for (const auto& e : elements) key_names.push_back(e.name);
    return Status::Validation(
        "One or more parameter values were invalid: Some index key attributes are not defined in "
        "AttributeDefinitions. Keys: " +
        NameList(key_names) + ", AttributeDefinitions: " + NameList(def_names));
  }
  std::set<std::string> key_attributes;
  for (const auto& e : elements) key_attributes.insert(e.name);
  for (const auto* specs : {&lsi_specs, &gsi_specs}) {
    for (const auto& spec : *specs) {
      for (const auto& key : spec.KeyNames()) key_attributes.insert(key);
    }
  }

  TableMeta meta;
  meta.account = ctx.caller.account;
  meta.region = ctx.caller.region;
  meta.name = *name;
  meta.attribute_definitions = definitions;
  auto type_of = [&](const std::string& attr) {
    for (const auto& d : definitions) {
      if (d.name == attr) return d.type;
    }
    return model::AttrType::kS;
  };
  meta.hash_key = KeyElement{elements[0].name, type_of(elements[0].name)};
  if (elements.size() == 2)
    meta.range_key = KeyElement{elements[1].name, type_of(elements[1].name)};
  meta.billing_mode = mode;
  if (throughput) {
    meta.read_capacity = throughput->read;
    meta.write_capacity = throughput->write;
  }
  if (on_demand) {
    meta.max_read_request_units = on_demand->first;
    meta.max_write_request_units = on_demand->second;
  }
  // CreateTable's reply shows WarmThroughput only where the request gave it (UPDATING).
  WarmView warm_view{.omit_others = true, .updating = {}};
  if (warm) warm_view.updating.push_back("");
  for (const auto& spec : gsi_specs) {
    if (spec.warm) warm_view.updating.push_back(spec.meta.name);
  }
  DDBD_RETURN_IF_ERROR(engine::AddIndexes(std::move(lsi_specs), &meta));
  DDBD_RETURN_IF_ERROR(engine::AddIndexes(std::move(gsi_specs), &meta));
  engine::RaiseWarmThroughput(&meta);
  if (warm) DDBD_RETURN_IF_ERROR(engine::SetWarmThroughput(&meta, "", *warm, true));
  if (definitions.size() != key_attributes.size()) {
    if (!meta.indexes.empty()) {
      std::vector<std::string> def_names, used(key_attributes.begin(), key_attributes.end());
      for (const auto& d : definitions) def_names.push_back(d.name);
      return Status::Validation(
          "One or more parameter values were invalid: Some AttributeDefinitions are not used. "
          "AttributeDefinitions: " +
          NameList(def_names) + ", keys used: " + NameList(used));
    }
    return Status::Validation(
        "One or more parameter values were invalid: Number of attributes in KeySchema does not "
        "exactly match number of attributes defined in AttributeDefinitions");
  }
  {
    ConstraintErrors sse_errors;
    DDBD_ASSIGN_OR_RETURN(auto sse, ParseSseSpecification(request, ctx.caller, sse_errors));
    DDBD_RETURN_IF_ERROR(sse_errors.ToStatus());
    if (sse) meta.sse_kms_key_arn = *sse;
  }
  DDBD_ASSIGN_OR_RETURN(auto deletion_protection, GetBool(request, "DeletionProtectionEnabled"));
  meta.deletion_protection = deletion_protection.value_or(false);
  DDBD_ASSIGN_OR_RETURN(auto table_class, GetString(request, "TableClass"));
  if (table_class) meta.table_class = *table_class;
  DDBD_ASSIGN_OR_RETURN(meta.tags, ReadTags(request));
  if (stream) DDBD_RETURN_IF_ERROR(engine::CheckNewTableStream(*stream));
  return TableDefinition{std::move(meta), std::move(stream), std::move(warm_view)};
}

Status CreateTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(TableDefinition definition, ParseTableDefinition(ctx, request));
  // The multi-account form of global tables is not built (docs/global-tables.md).
  for (const char* field : {"GlobalTableSourceArn", "GlobalTableSettingsReplicationMode"}) {
    if (request.HasMember(field)) {
      return Status::Validation(std::string("ddbd does not support ") + field +
                                " (multi-account global tables) yet");
    }
  }
  const auto& stream = definition.stream;
  const WarmView& warm_view = definition.warm_view;
  DDBD_ASSIGN_OR_RETURN(auto table, ctx.catalog.Create(std::move(definition.meta)));
  if (stream && stream->enabled) {
    DDBD_RETURN_IF_ERROR(engine::EnableNewTableStream(ctx.catalog, *table, *stream->view_type));
  }
  out.StartObject();
  WriteKey(out, "TableDescription");
  // Like the service, the creating call reports CREATING; the table is usable at once and
  // DescribeTable reports ACTIVE.
  WriteTableDescription(out, table->meta(), engine::TableStats(), "CREATING", ctx.catalog,
                        table.get(), warm_view);
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
