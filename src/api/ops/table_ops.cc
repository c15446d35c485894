// Control plane: CreateTable, DescribeTable, ListTables, DeleteTable, UpdateTable, plus the
// trivial DescribeEndpoints and DescribeLimits.
#include <chrono>
#include <set>

#include "api/ops/index_defs.h"
#include "api/ops/ops.h"
#include "engine/catalog.h"
#include "engine/gsi_applier.h"

namespace ddbd::api {
namespace {

using engine::BillingMode;
using engine::KeyElement;
using engine::TableMeta;

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void WriteEpoch(JsonWriter& w, int64_t ms) { w.Double(static_cast<double>(ms) / 1000.0); }

void WriteKeySchema(JsonWriter& w, const TableMeta& m) {
  w.StartArray();
  w.StartObject();
  WriteKey(w, "AttributeName");
  WriteString(w, m.hash_key.name);
  WriteKey(w, "KeyType");
  WriteString(w, "HASH");
  w.EndObject();
  if (m.range_key) {
    w.StartObject();
    WriteKey(w, "AttributeName");
    WriteString(w, m.range_key->name);
    WriteKey(w, "KeyType");
    WriteString(w, "RANGE");
    w.EndObject();
  }
  w.EndArray();
}

// The TableDescription shape of CreateTable, DescribeTable, UpdateTable and DeleteTable.
void WriteTableDescription(JsonWriter& w, const TableMeta& m, const engine::TableStats& stats,
                           std::string_view status, const engine::Catalog& catalog,
                           const engine::Table* table) {
  w.StartObject();
  WriteKey(w, "AttributeDefinitions");
  w.StartArray();
  for (const auto& d : m.attribute_definitions) {
    w.StartObject();
    WriteKey(w, "AttributeName");
    WriteString(w, d.name);
    WriteKey(w, "AttributeType");
    WriteString(w, model::AttrTypeName(d.type));
    w.EndObject();
  }
  w.EndArray();
  WriteKey(w, "TableName");
  WriteString(w, m.name);
  WriteKey(w, "KeySchema");
  WriteKeySchema(w, m);
  WriteKey(w, "TableStatus");
  WriteString(w, status);
  WriteKey(w, "CreationDateTime");
  WriteEpoch(w, m.creation_time_ms);
  WriteKey(w, "ProvisionedThroughput");
  w.StartObject();
  if (m.last_increase_ms) {
    WriteKey(w, "LastIncreaseDateTime");
    WriteEpoch(w, m.last_increase_ms);
  }
  if (m.last_decrease_ms) {
    WriteKey(w, "LastDecreaseDateTime");
    WriteEpoch(w, m.last_decrease_ms);
  }
  WriteKey(w, "NumberOfDecreasesToday");
  w.Int64(m.decreases_today);
  WriteKey(w, "ReadCapacityUnits");
  w.Int64(m.billing_mode == BillingMode::kProvisioned ? m.read_capacity : 0);
  WriteKey(w, "WriteCapacityUnits");
  w.Int64(m.billing_mode == BillingMode::kProvisioned ? m.write_capacity : 0);
  w.EndObject();
  WriteKey(w, "TableSizeBytes");
  w.Int64(stats.size_bytes);
  WriteKey(w, "ItemCount");
  w.Int64(stats.item_count);
  WriteKey(w, "TableArn");
  WriteString(w, m.Arn());
  WriteKey(w, "TableId");
  WriteString(w, m.table_id);
  if (m.billing_mode == BillingMode::kPayPerRequest || m.billing_mode_update_ms) {
    WriteKey(w, "BillingModeSummary");
    w.StartObject();
    WriteKey(w, "BillingMode");
    WriteString(w,
                m.billing_mode == BillingMode::kPayPerRequest ? "PAY_PER_REQUEST" : "PROVISIONED");
    if (m.billing_mode == BillingMode::kPayPerRequest) {
      WriteKey(w, "LastUpdateToPayPerRequestDateTime");
      WriteEpoch(w, m.billing_mode_update_ms ? m.billing_mode_update_ms : m.creation_time_ms);
    }
    w.EndObject();
  }
  if (m.billing_mode == BillingMode::kPayPerRequest &&
      (m.max_read_request_units != -1 || m.max_write_request_units != -1)) {
    WriteKey(w, "OnDemandThroughput");
    w.StartObject();
    WriteKey(w, "MaxReadRequestUnits");
    w.Int64(m.max_read_request_units);
    WriteKey(w, "MaxWriteRequestUnits");
    w.Int64(m.max_write_request_units);
    w.EndObject();
  }
  if (!m.table_class.empty()) {
    WriteKey(w, "TableClassSummary");
    w.StartObject();
    WriteKey(w, "TableClass");
    WriteString(w, m.table_class);
    w.EndObject();
  }
  WriteIndexDescriptions(w, m, catalog, table);
  WriteKey(w, "DeletionProtectionEnabled");
  w.Bool(m.deletion_protection);
  w.EndObject();
}

Result<std::string> RequireTableName(const Json& request) {
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  ConstraintErrors errors;
  errors.TableName(name ? &*name : nullptr);
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  return *name;
}

Status TableNotFound(const std::string& name) {
  return Status::ResourceNotFound("Requested resource not found: Table: " + name + " not found");
}

struct Throughput {
  std::optional<int64_t> read, write;
};

// Reads ProvisionedThroughput, collecting constraint errors under `path`.
Result<std::optional<Throughput>> ReadThroughput(const Json& request, ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(const Json* pt, GetObject(request, "ProvisionedThroughput"));
  if (pt == nullptr) return std::optional<Throughput>();
  Throughput t;
  DDBD_ASSIGN_OR_RETURN(t.read, GetInt(*pt, "ReadCapacityUnits"));
  DDBD_ASSIGN_OR_RETURN(t.write, GetInt(*pt, "WriteCapacityUnits"));
  if (!t.read)
    errors.NotNull("provisionedThroughput.readCapacityUnits");
  else
    errors.Min(*t.read, "provisionedThroughput.readCapacityUnits", 1);
  if (!t.write)
    errors.NotNull("provisionedThroughput.writeCapacityUnits");
  else
    errors.Min(*t.write, "provisionedThroughput.writeCapacityUnits", 1);
  return std::optional<Throughput>(t);
}

struct OnDemandMaximums {
  int64_t read = -1, write = -1;
};

Result<std::optional<OnDemandMaximums>> ReadOnDemand(const Json& request,
                                                     ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(const Json* od, GetObject(request, "OnDemandThroughput"));
  if (od == nullptr) return std::optional<OnDemandMaximums>();
  OnDemandMaximums m;
  DDBD_ASSIGN_OR_RETURN(auto read, GetInt(*od, "MaxReadRequestUnits"));
  DDBD_ASSIGN_OR_RETURN(auto write, GetInt(*od, "MaxWriteRequestUnits"));
  m.read = read.value_or(-1);
  m.write = write.value_or(-1);
  for (auto [value, path] : {std::pair{m.read, "onDemandThroughput.maxReadRequestUnits"},
                             std::pair{m.write, "onDemandThroughput.maxWriteRequestUnits"}}) {
    if (value != -1 && value < 1) errors.Min(value, path, 1);
  }
  return std::optional<OnDemandMaximums>(m);
}

Result<std::optional<BillingMode>> ReadBillingMode(const Json& request, ConstraintErrors& errors) {
  DDBD_ASSIGN_OR_RETURN(auto mode, GetString(request, "BillingMode"));
  if (!mode) return std::optional<BillingMode>();
  if (*mode == "PROVISIONED") return std::optional<BillingMode>(BillingMode::kProvisioned);
  if (*mode == "PAY_PER_REQUEST") return std::optional<BillingMode>(BillingMode::kPayPerRequest);
  errors.Enum(*mode, "billingMode", "[PROVISIONED, PAY_PER_REQUEST]");
  return std::optional<BillingMode>();
}

std::string NameList(const std::vector<std::string>& names) {
  std::string out = "[";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i) out += ", ";
    out += names[i];
  }
  return out + "]";
}

// One GlobalSecondaryIndexUpdates entry: Create (backfilled by the GSI applier), Delete, or
// Update (throughput).
Status UpdateGlobalIndexes(OpContext& ctx, const Json& request, const Json& updates,
                           engine::Table& table) {
  if (updates.Size() > 1) {
    return Status(ErrorCode::kLimitExceeded,
                  "Subscriber limit exceeded: Only 1 online index can be created or deleted "
                  "simultaneously per table");
  }
  const Json& update = updates[0];
  if (!update.IsObject()) return Status::Serialization("Unexpected value type in payload");
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(const Json* create, GetObject(update, "Create"));
  DDBD_ASSIGN_OR_RETURN(const Json* remove, GetObject(update, "Delete"));
  DDBD_ASSIGN_OR_RETURN(const Json* change, GetObject(update, "Update"));
  if (create != nullptr) {
    DDBD_ASSIGN_OR_RETURN(
        IndexSpec spec,
        ParseIndexSpec(*create, true, "globalSecondaryIndexUpdates.1.member.create", errors));
    DDBD_RETURN_IF_ERROR(errors.ToStatus());
    std::vector<KeyElement> new_definitions;
    DDBD_ASSIGN_OR_RETURN(const Json* defs, GetArray(request, "AttributeDefinitions"));
    if (defs != nullptr) {
      for (const auto& d : defs->GetArray()) {
        if (!d.IsObject()) return Status::Serialization("Unexpected value type in payload");
        DDBD_ASSIGN_OR_RETURN(auto attr_name, GetString(d, "AttributeName"));
        DDBD_ASSIGN_OR_RETURN(auto attr_type, GetString(d, "AttributeType"));
        KeyElement e;
        e.name = attr_name.value_or("");
        std::string t = attr_type.value_or("");
        e.type =
            t == "N" ? model::AttrType::kN : (t == "B" ? model::AttrType::kB : model::AttrType::kS);
        new_definitions.push_back(e);
      }
    }
    // The new index's keys must be defined in this request.
    for (const auto* key : {&spec.hash_name, spec.range_name ? &*spec.range_name : nullptr}) {
      if (key == nullptr) continue;
      bool defined = false;
      for (const auto& d : new_definitions) defined |= d.name == *key;
      if (!defined) {
        return Status::Validation("Invalid KeySchema: Some index key attribute have no definition");
      }
    }
    uint32_t new_id = 0;
    DDBD_ASSIGN_OR_RETURN(TableMeta meta, ctx.catalog.Modify(table, [&](TableMeta* m) -> Status {
      for (const auto& d : new_definitions) {
        bool known = false;
        for (const auto& existing : m->attribute_definitions) {
          if (existing.name != d.name) continue;
          known = true;
          if (existing.type != d.type) {
            return Status::Validation(
                "One or more parameter values were invalid: Attribute " + d.name +
                " is already defined with a different type");  // message unverified
          }
        }
        if (!known) m->attribute_definitions.push_back(d);
      }
      if (m->FindIndex(spec.meta.name) != nullptr) {
        return Status::Validation("One or more parameter values were invalid: Index with name " +
                                  spec.meta.name + " already exists");
      }
      new_id = m->next_index_id;
      spec.meta.status = engine::IndexStatus::kCreating;
      spec.meta.backfilling = true;
      DDBD_RETURN_IF_ERROR(AddIndexes({spec}, m));
      DDBD_RETURN_IF_ERROR(ctx.catalog.CreateIndexFamily(table, new_id));
      // Every record from here on is owed to the index after its backfill scan.
      std::lock_guard commit(table.commit_mutex());
      m->indexes.back().backfill_start_sequence = table.LastSequence() + 1;
      return Status::OK();
    }));
    (void)meta;
    ctx.catalog.NotifyWrite();
    return Status::OK();
  }
  if (remove != nullptr) {
    DDBD_ASSIGN_OR_RETURN(auto index_name, GetString(*remove, "IndexName"));
    std::string name = index_name.value_or("");
    uint32_t id = 0;
    DDBD_RETURN_IF_ERROR(
        ctx.catalog
            .Modify(table,
                    [&](TableMeta* m) -> Status {
                      for (auto it = m->indexes.begin(); it != m->indexes.end(); ++it) {
                        if (it->global && it->name == name) {
                          id = it->id;
                          m->indexes.erase(it);
                          return Status::OK();
                        }
                      }
                      return Status::ResourceNotFound("Requested resource not found: Index: " +
                                                      name + " not found");  // message unverified
                    })
            .status());
    table.RetireIndexFamily(id);
    return Status::OK();
  }
  if (change != nullptr) {
    DDBD_ASSIGN_OR_RETURN(auto index_name, GetString(*change, "IndexName"));
    DDBD_ASSIGN_OR_RETURN(auto pt, ReadThroughput(*change, errors));
    DDBD_RETURN_IF_ERROR(errors.ToStatus());
    std::string name = index_name.value_or("");
    return ctx.catalog
        .Modify(table,
                [&](TableMeta* m) -> Status {
                  for (auto& index : m->indexes) {
                    if (!index.global || index.name != name) continue;
                    if (m->billing_mode == BillingMode::kPayPerRequest && pt) {
                      return Status::Validation(
                          "One or more parameter values were invalid: ProvisionedThroughput should "
                          "not be "
                          "specified for index: " +
                          name + " when BillingMode is PAY_PER_REQUEST");
                    }
                    if (pt) {
                      index.read_capacity = *pt->read;
                      index.write_capacity = *pt->write;
                    }
                    return Status::OK();
                  }
                  return Status::ResourceNotFound("Requested resource not found: Index: " + name +
                                                  " not found");
                })
        .status();
  }
  return Status::Validation(
      "One or more parameter values were invalid: One of GlobalSecondaryIndexUpdate.Create, "
      "Update or Delete must be specified");
}

}  // namespace

Status CreateTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  DDBD_ASSIGN_OR_RETURN(const Json* defs, GetArray(request, "AttributeDefinitions"));
  DDBD_ASSIGN_OR_RETURN(const Json* schema, GetArray(request, "KeySchema"));
  errors.TableName(name ? &*name : nullptr);

  // Attribute definitions.
  std::vector<KeyElement> definitions;
  if (defs == nullptr) {
    errors.NotNull("attributeDefinitions");
  } else {
    for (rapidjson::SizeType i = 0; i < defs->Size(); ++i) {
      const Json& d = (*defs)[i];
      if (!d.IsObject()) return Status::Serialization("Unexpected value type in payload");
      DDBD_ASSIGN_OR_RETURN(auto attr_name, GetString(d, "AttributeName"));
      DDBD_ASSIGN_OR_RETURN(auto attr_type, GetString(d, "AttributeType"));
      std::string path = "attributeDefinitions." + std::to_string(i + 1) + ".member.";
      KeyElement element;
      if (!attr_name)
        errors.NotNull((path + "attributeName").c_str());
      else
        element.name = *attr_name;
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
  }
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
      if (!attr_name)
        errors.NotNull((path + "attributeName").c_str());
      else
        element.name = *attr_name;
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
  DDBD_ASSIGN_OR_RETURN(auto throughput, ReadThroughput(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto billing, ReadBillingMode(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto on_demand, ReadOnDemand(request, errors));
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
    return Status::Validation(
        "One or more parameter values were invalid: OnDemandThroughput can only be specified "
        "when BillingMode is PAY_PER_REQUEST");  // message unverified
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
      return Status::Validation("Cannot have two attributes with the same name");
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
      key_attributes.insert(spec.hash_name);
      if (spec.range_name) key_attributes.insert(*spec.range_name);
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
    meta.read_capacity = *throughput->read;
    meta.write_capacity = *throughput->write;
  }
  if (on_demand) {
    meta.max_read_request_units = on_demand->read;
    meta.max_write_request_units = on_demand->write;
  }
  DDBD_RETURN_IF_ERROR(AddIndexes(std::move(lsi_specs), &meta));
  DDBD_RETURN_IF_ERROR(AddIndexes(std::move(gsi_specs), &meta));
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
  DDBD_ASSIGN_OR_RETURN(auto deletion_protection, GetBool(request, "DeletionProtectionEnabled"));
  meta.deletion_protection = deletion_protection.value_or(false);
  DDBD_ASSIGN_OR_RETURN(auto table_class, GetString(request, "TableClass"));
  if (table_class) meta.table_class = *table_class;
  DDBD_ASSIGN_OR_RETURN(const Json* tags, GetArray(request, "Tags"));
  if (tags != nullptr) {
    for (const auto& tag : tags->GetArray()) {
      if (!tag.IsObject()) return Status::Serialization("Unexpected value type in payload");
      DDBD_ASSIGN_OR_RETURN(auto key, GetString(tag, "Key"));
      DDBD_ASSIGN_OR_RETURN(auto value, GetString(tag, "Value"));
      meta.tags.emplace_back(key.value_or(""), value.value_or(""));
    }
  }

  DDBD_ASSIGN_OR_RETURN(auto table, ctx.catalog.Create(std::move(meta)));
  out.StartObject();
  WriteKey(out, "TableDescription");
  // Like the service, the creating call reports CREATING; the table is usable at once and
  // DescribeTable reports ACTIVE.
  WriteTableDescription(out, table->meta(), engine::TableStats(), "CREATING", ctx.catalog,
                        table.get());
  out.EndObject();
  return Status::OK();
}

Status DescribeTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  out.StartObject();
  WriteKey(out, "Table");
  WriteTableDescription(out, table->meta(), ctx.catalog.Stats(*table), "ACTIVE", ctx.catalog,
                        table.get());
  out.EndObject();
  return Status::OK();
}

Status DeleteTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  if (table->meta().deletion_protection) {
    return Status::Validation(
        "Resource cannot be deleted as it is currently protected against "
        "deletion. Disable deletion protection first.");
  }
  engine::TableStats stats = ctx.catalog.Stats(*table);
  DDBD_ASSIGN_OR_RETURN(TableMeta meta,
                        ctx.catalog.Drop(ctx.caller.account, ctx.caller.region, name));
  out.StartObject();
  WriteKey(out, "TableDescription");
  WriteTableDescription(out, meta, stats, "DELETING", ctx.catalog, nullptr);
  out.EndObject();
  return Status::OK();
}

Status ListTables(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(auto start, GetString(request, "ExclusiveStartTableName"));
  DDBD_ASSIGN_OR_RETURN(auto limit, GetInt(request, "Limit"));
  ConstraintErrors errors;
  if (start) errors.TableName(&*start, "exclusiveStartTableName");
  if (limit && *limit < 1) errors.Min(*limit, "limit", 1);
  if (limit && *limit > 100) {
    errors.Add("Value '" + std::to_string(*limit) +
               "' at 'limit' failed to satisfy constraint: Member must have value less than or "
               "equal to 100");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  bool more = false;
  auto names = ctx.catalog.List(ctx.caller.account, ctx.caller.region, start.value_or(""),
                                static_cast<size_t>(limit.value_or(100)), &more);
  out.StartObject();
  if (more && !names.empty()) {
    WriteKey(out, "LastEvaluatedTableName");
    WriteString(out, names.back());
  }
  WriteKey(out, "TableNames");
  out.StartArray();
  for (const auto& n : names) WriteString(out, n);
  out.EndArray();
  out.EndObject();
  return Status::OK();
}

Status UpdateTable(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto throughput, ReadThroughput(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto billing, ReadBillingMode(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto deletion_protection, GetBool(request, "DeletionProtectionEnabled"));
  DDBD_ASSIGN_OR_RETURN(auto table_class, GetString(request, "TableClass"));
  DDBD_ASSIGN_OR_RETURN(auto on_demand, ReadOnDemand(request, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  for (const char* unsupported : {"StreamSpecification", "ReplicaUpdates", "SSESpecification"}) {
    if (request.HasMember(unsupported) && !request[unsupported].IsNull()) {
      return Status::Validation(std::string("ddbd does not support ") + unsupported + " yet");
    }
  }
  DDBD_ASSIGN_OR_RETURN(const Json* gsi_updates, GetArray(request, "GlobalSecondaryIndexUpdates"));
  if (gsi_updates != nullptr && !gsi_updates->Empty()) {
    if (throughput || billing || deletion_protection || table_class || on_demand) {
      return Status::Validation(
          "One or more parameter values were invalid: GlobalSecondaryIndexUpdates cannot be "
          "combined with other table updates in ddbd yet");
    }
    DDBD_RETURN_IF_ERROR(UpdateGlobalIndexes(ctx, request, *gsi_updates, *table));
    out.StartObject();
    WriteKey(out, "TableDescription");
    WriteTableDescription(out, table->meta(), ctx.catalog.Stats(*table), "UPDATING", ctx.catalog,
                          table.get());
    out.EndObject();
    return Status::OK();
  }
  if (!throughput && !billing && !deletion_protection && !table_class && !on_demand) {
    return Status::Validation(
        "At least one of ProvisionedThroughput, BillingMode, UpdateStreamEnabled, "
        "GlobalSecondaryIndexUpdates or SSESpecification or ReplicaUpdates is required");
  }
  TableMeta meta = table->meta();
  int64_t now = NowMs();
  BillingMode mode = billing.value_or(meta.billing_mode);
  if (mode == BillingMode::kPayPerRequest && throughput) {
    return Status::Validation(
        "One or more parameter values were invalid: Neither ReadCapacityUnits nor "
        "WriteCapacityUnits can be specified when BillingMode is PAY_PER_REQUEST");
  }
  if (mode == BillingMode::kProvisioned && meta.billing_mode == BillingMode::kPayPerRequest &&
      !throughput) {
    return Status::Validation(
        "One or more parameter values were invalid: ProvisionedThroughput must be specified when "
        "BillingMode is PROVISIONED");
  }
  if (throughput && mode == BillingMode::kProvisioned &&
      meta.billing_mode == BillingMode::kProvisioned && *throughput->read == meta.read_capacity &&
      *throughput->write == meta.write_capacity && !billing) {
    return Status::Validation(
        "The provisioned throughput for the table will not change. The requested value equals "
        "the current value. Current ReadCapacityUnits provisioned for the table: " +
        std::to_string(meta.read_capacity) +
        ". Requested ReadCapacityUnits: " + std::to_string(*throughput->read) +
        ". Current WriteCapacityUnits provisioned for the table: " +
        std::to_string(meta.write_capacity) +
        ". Requested WriteCapacityUnits: " + std::to_string(*throughput->write) +
        ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request "
        "higher limits.");
  }
  if (billing && *billing != meta.billing_mode) {
    meta.billing_mode = *billing;
    meta.billing_mode_update_ms = now;
  }
  if (throughput) {
    if (*throughput->read > meta.read_capacity || *throughput->write > meta.write_capacity) {
      meta.last_increase_ms = now;
    }
    if (*throughput->read < meta.read_capacity || *throughput->write < meta.write_capacity) {
      meta.last_decrease_ms = now;
      ++meta.decreases_today;
    }
    meta.read_capacity = *throughput->read;
    meta.write_capacity = *throughput->write;
  }
  if (on_demand) {
    if (mode != BillingMode::kPayPerRequest) {
      return Status::Validation(
          "One or more parameter values were invalid: OnDemandThroughput can only be specified "
          "when BillingMode is PAY_PER_REQUEST");  // message unverified
    }
    meta.max_read_request_units = on_demand->read;
    meta.max_write_request_units = on_demand->write;
  }
  if (deletion_protection) meta.deletion_protection = *deletion_protection;
  if (table_class) meta.table_class = *table_class;
  DDBD_RETURN_IF_ERROR(ctx.catalog.Update(*table, meta));
  out.StartObject();
  WriteKey(out, "TableDescription");
  WriteTableDescription(out, meta, ctx.catalog.Stats(*table), "UPDATING", ctx.catalog, table.get());
  out.EndObject();
  return Status::OK();
}

Status DescribeEndpoints(OpContext&, const Json&, JsonWriter& out) {
  out.StartObject();
  WriteKey(out, "Endpoints");
  out.StartArray();
  out.StartObject();
  WriteKey(out, "Address");
  WriteString(out, "localhost");
  WriteKey(out, "CachePeriodInMinutes");
  out.Int64(1440);
  out.EndObject();
  out.EndArray();
  out.EndObject();
  return Status::OK();
}

Status DescribeLimits(OpContext&, const Json&, JsonWriter& out) {
  out.StartObject();
  for (const char* key : {"AccountMaxReadCapacityUnits", "AccountMaxWriteCapacityUnits"}) {
    WriteKey(out, key);
    out.Int64(80000);
  }
  for (const char* key : {"TableMaxReadCapacityUnits", "TableMaxWriteCapacityUnits"}) {
    WriteKey(out, key);
    out.Int64(40000);
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
