#include "engine/table_admin.h"

#include <algorithm>
#include <set>
#include <tuple>

#include "engine/streams.h"

namespace ddbd::engine {
namespace {

Status Invalid(const std::string& what) {
  return Status::Validation("One or more parameter values were invalid: " + what);
}

constexpr size_t kMaxLocalIndexes = 5;
constexpr size_t kMaxGlobalIndexes = 20;
constexpr size_t kMaxProjectedAttributes = 100;
constexpr int64_t kMaxWarmUnits = 40000;  // TableMaxReadCapacityUnits (DescribeLimits)

}  // namespace

Status OnDemandOnProvisioned(const std::pair<int64_t, int64_t>& on_demand, bool creating) {
  // Quoted from the service (aws-controllers-k8s/dynamodb-controller docs/api-quirks,
  // DDB-TABLE-038 for CreateTable, DDB-TABLE-061 for UpdateTable).
  const std::string member = on_demand.first != -1 ? "MaxReadRequestUnits" : "MaxWriteRequestUnits";
  return Status::Validation(
      "One or more parameter values were invalid: " + member +
      " for OnDemandThroughput cannot be specified when " +
      (creating ? "table BillingMode is PROVISIONED." : "the table BillingMode is PROVISIONED"));
}

Status SetWarmThroughput(TableMeta* meta, const std::string& index_name, const WarmSpec& spec,
                         bool creating) {
  IndexMeta* index = nullptr;
  for (auto& i : meta->indexes) {
    if (i.global && i.name == index_name) index = &i;
  }
  if (!index_name.empty() && index == nullptr) {
    return Status::ResourceNotFound("Requested resource not found: Index: " + index_name +
                                    " not found");
  }
  const std::string what = index ? "index " + index_name : "table";
  const bool on_demand = meta->billing_mode == BillingMode::kPayPerRequest;
  int64_t& warm_read = index ? index->warm_read : meta->warm_read;
  int64_t& warm_write = index ? index->warm_write : meta->warm_write;
  const auto initial = InitialWarmThroughput(*meta, index);
  struct Member {
    const char* name;
    const char* capacity;
    std::optional<int64_t> requested;
    int64_t current;
    int64_t initial;
  };
  for (const Member& m :
       {Member{"ReadUnitsPerSecond", "ReadCapacityUnits", spec.read, warm_read, initial.first},
        Member{"WriteUnitsPerSecond", "WriteCapacityUnits", spec.write, warm_write,
               initial.second}}) {
    if (!m.requested) continue;
    const std::string requested =
        std::string("Requested ") + m.name + " for WarmThroughput for " + what;
    if (creating && *m.requested < m.initial) {
      return Invalid(
          requested +
          (on_demand ? " is lower than initial throughput for OnDemand. See: "
                       "https://docs.aws.amazon.com/amazondynamodb/latest/"
                       "developerguide/on-demand-capacity-mode.html"
                       "#on-demand-capacity-mode-initial"
                     : std::string(" is lower than ") + m.capacity + " of ProvisionedThroughput"));
    }
    if (!creating && *m.requested < m.current) {
      return Invalid(requested +
                     " is lower than current WarmThroughput, decreasing WarmThroughput is not "
                     "supported");
    }
    if (*m.requested > kMaxWarmUnits) {
      return Status(ErrorCode::kLimitExceeded,
                    "Subscriber limit exceeded: " + requested + " exceeds Table" +
                        (m.name[0] == 'R' ? "MaxReadCapacityUnits" : "MaxWriteCapacityUnits") +
                        " of the account in region " + meta->region);  // suffix unverified
    }
  }
  if (spec.read) warm_read = std::max(*spec.read, creating ? initial.first : warm_read);
  if (spec.write) warm_write = std::max(*spec.write, creating ? initial.second : warm_write);
  return Status::OK();
}

Status AddIndexes(std::vector<IndexSpec> specs, TableMeta* meta) {
  size_t locals = 0, globals = 0;
  for (const auto& index : meta->indexes) (index.global ? globals : locals)++;
  std::set<std::string> names;
  for (const auto& index : meta->indexes) names.insert(index.name);
  for (const auto& spec : specs) (spec.meta.global ? globals : locals)++;
  if (locals > kMaxLocalIndexes) {
    return Invalid("Number of LocalSecondaryIndexes exceeds per-table limit of 5");
  }
  if (globals > kMaxGlobalIndexes) {
    return Invalid("GlobalSecondaryIndex count exceeds the per-table limit of 20");
  }
  auto type_of = [&](const std::string& attr) -> std::optional<model::AttrType> {
    for (const auto& d : meta->attribute_definitions) {
      if (d.name == attr) return d.type;
    }
    return std::nullopt;
  };
  size_t projected = 0;
  for (const auto& index : meta->indexes) projected += index.non_key_attributes.size();
  for (auto& spec : specs) {
    IndexMeta& index = spec.meta;
    if (!names.insert(index.name).second) return Invalid("Duplicate index name: " + index.name);
    if (!index.global) {
      if (!meta->range_key) {
        return Invalid(
            "Table KeySchema does not have a range key, which is required when "
            "specifying a LocalSecondaryIndex");
      }
      if (spec.hash_name != meta->hash_key.name) {
        return Invalid(
            "Index KeySchema does not have the same leading hash key as table "
            "KeySchema for index: " +
            index.name + ". index hash key: " + spec.hash_name +
            ", table hash key: " + meta->hash_key.name);
      }
      if (!spec.range_name) {
        return Invalid("Index KeySchema for LocalSecondaryIndex must have a range key for index: " +
                       index.name);
      }
    }
    const std::vector<std::string> keys = spec.KeyNames();
    for (const auto& k : keys) {
      if (!type_of(k)) {
        std::string defs;
        for (const auto& d : meta->attribute_definitions)
          defs += (defs.empty() ? "" : ", ") + d.name;
        std::string key_list;
        for (const auto& kk : keys) key_list += (key_list.empty() ? "" : ", ") + kk;
        return Invalid(
            "Some index key attributes are not defined in AttributeDefinitions. Keys: [" +
            key_list + "], AttributeDefinitions: [" + defs + "]");
      }
    }
    index.hash_key = KeyElement{spec.hash_name, *type_of(spec.hash_name)};
    if (spec.range_name) index.range_key = KeyElement{*spec.range_name, *type_of(*spec.range_name)};
    for (const auto& name : spec.more_hash_names) {
      index.more_hash_keys.push_back(KeyElement{name, *type_of(name)});
    }
    for (const auto& name : spec.more_range_names) {
      index.more_range_keys.push_back(KeyElement{name, *type_of(name)});
    }
    if (index.global) {
      if (meta->billing_mode == BillingMode::kProvisioned && !spec.has_throughput) {
        return Status::Validation(
            "No provisioned throughput specified for the global secondary index");
      }
      if (meta->billing_mode == BillingMode::kPayPerRequest && spec.has_throughput) {
        return Invalid("ProvisionedThroughput should not be specified for index: " + index.name +
                       " when BillingMode is PAY_PER_REQUEST");
      }
    }
    projected += index.non_key_attributes.size();
    if (projected > kMaxProjectedAttributes) {
      return Invalid("Number of projected attributes in all indexes exceeds limit of 100");
    }
    index.id = meta->next_index_id++;
    meta->indexes.push_back(index);
    if (index.global) {
      std::tie(meta->indexes.back().warm_read, meta->indexes.back().warm_write) =
          InitialWarmThroughput(*meta, &meta->indexes.back());
      if (spec.warm) DDBD_RETURN_IF_ERROR(SetWarmThroughput(meta, index.name, *spec.warm, true));
    }
  }
  return Status::OK();
}

Status CreateGlobalIndex(Catalog& catalog, Table& table, IndexSpec spec,
                         const std::vector<KeyElement>& definitions) {
  uint32_t new_id = 0;
  DDBD_RETURN_IF_ERROR(catalog
                           .Modify(table,
                                   [&](TableMeta* m, storage::WriteBatch* batch) -> Status {
                                     for (const auto& d : definitions) {
                                       bool known = false;
                                       for (const auto& existing : m->attribute_definitions) {
                                         if (existing.name != d.name) continue;
                                         known = true;
                                         if (existing.type != d.type) {
                                           return Invalid("Attribute " + d.name +
                                                          " is already defined with a different "
                                                          "type");  // message unverified
                                         }
                                       }
                                       if (!known) m->attribute_definitions.push_back(d);
                                     }
                                     if (m->FindIndex(spec.meta.name) != nullptr) {
                                       return Invalid("Index with name " + spec.meta.name +
                                                      " already exists");
                                     }
                                     new_id = m->next_index_id;
                                     spec.meta.status = IndexStatus::kCreating;
                                     spec.meta.backfilling = true;
                                     DDBD_RETURN_IF_ERROR(AddIndexes({spec}, m));
                                     DDBD_RETURN_IF_ERROR(catalog.AddIndexSpace(table, new_id));
                                     // Every record from here on is owed to the index after its
                                     // backfill scan: its cursor holds them in the log from now.
                                     std::lock_guard commit(table.log().commit_mutex());
                                     const uint64_t last = table.log().last_sequence();
                                     m->indexes.back().backfill_start_sequence = last + 1;
                                     table.log().SetCursor(batch, GsiConsumer(new_id), last);
                                     return Status::OK();
                                   })
                           .status());
  catalog.notifier().Notify(table.table_id());
  return Status::OK();
}

Status DeleteGlobalIndex(Catalog& catalog, Table& table, const std::string& name) {
  uint32_t id = 0;
  DDBD_RETURN_IF_ERROR(
      catalog
          .Modify(table,
                  [&](TableMeta* m, storage::WriteBatch* batch) -> Status {
                    for (auto it = m->indexes.begin(); it != m->indexes.end(); ++it) {
                      if (!it->global || it->name != name) continue;
                      id = it->id;
                      m->indexes.erase(it);
                      // Its cursor no longer holds the log; its counters and progress go.
                      table.log().DropCursor(batch, GsiConsumer(id));
                      batch->Delete(catalog.store()->stats(), IndexStatsKey(m->table_id, id));
                      batch->Delete(catalog.store()->catalog(), GsiBackfillKey(m->table_id, id));
                      return Status::OK();
                    }
                    return Status::ResourceNotFound("Requested resource not found: Index: " + name +
                                                    " not found");  // message unverified
                  })
          .status());
  table.RetireIndexSpace(id);
  catalog.jobs().Finish("backfill/" + table.table_id() + "/" + std::to_string(id));
  catalog.notifier().Notify(table.table_id());
  return Status::OK();
}

Status UpdateGlobalIndex(Catalog& catalog, Table& table, const std::string& name,
                         std::optional<Throughput> throughput,
                         const std::optional<WarmSpec>& warm) {
  return catalog
      .Modify(table,
              [&](TableMeta* m) -> Status {
                for (auto& index : m->indexes) {
                  if (!index.global || index.name != name) continue;
                  if (m->billing_mode == BillingMode::kPayPerRequest && throughput) {
                    return Invalid("ProvisionedThroughput should not be specified for index: " +
                                   name + " when BillingMode is PAY_PER_REQUEST");
                  }
                  if (throughput && throughput->read == index.read_capacity &&
                      throughput->write == index.write_capacity) {
                    // The service's (DDB-TABLE-164 of aws-controllers-k8s/dynamodb-controller
                    // docs/api-quirks; the text after "Current WriteCapacityUnits" unverified).
                    const std::string of = "index " + name;
                    return Status::Validation(
                        "The provisioned throughput for the " + of +
                        " will not change. The requested value equals the current value. Current "
                        "ReadCapacityUnits provisioned for " +
                        of + ": " + std::to_string(index.read_capacity) +
                        ". Requested ReadCapacityUnits: " + std::to_string(throughput->read) +
                        ". Current WriteCapacityUnits provisioned for " + of + ": " +
                        std::to_string(index.write_capacity) +
                        ". Requested WriteCapacityUnits: " + std::to_string(throughput->write) +
                        ". Refer to the Amazon DynamoDB Developer Guide for current limits and "
                        "how to request higher limits.");
                  }
                  if (throughput) {
                    index.read_capacity = throughput->read;
                    index.write_capacity = throughput->write;
                  }
                  if (warm) return SetWarmThroughput(m, name, *warm, false);
                  return Status::OK();
                }
                return Status::ResourceNotFound("Requested resource not found: Index: " + name +
                                                " not found");
              })
      .status();
}

const char* StreamViewTypeName(StreamViewType type) {
  switch (type) {
    case StreamViewType::kKeysOnly:
      return "KEYS_ONLY";
    case StreamViewType::kNewImage:
      return "NEW_IMAGE";
    case StreamViewType::kOldImage:
      return "OLD_IMAGE";
    case StreamViewType::kNewAndOldImages:
      return "NEW_AND_OLD_IMAGES";
  }
  return "NEW_AND_OLD_IMAGES";
}

namespace {

Status ViewTypeRequired() {
  return Invalid("StreamViewType is required when StreamEnabled is true");  // unverified
}

}  // namespace

Status CheckNewTableStream(const StreamChange& change) {
  if (!change.enabled && change.view_type) {
    return Invalid(
        "Table is being created with a stream disabled, UpdateViewType should not be specified");
  }
  if (change.enabled && !change.view_type) return ViewTypeRequired();
  return Status::OK();
}

Status EnableNewTableStream(Catalog& catalog, Table& table, StreamViewType view_type) {
  return catalog
      .Modify(table,
              [&](TableMeta* meta, storage::WriteBatch* batch) {
                return EnableStream(catalog, table, meta, batch, view_type);
              })
      .status();
}

Result<TableMeta> UpdateTableSettings(Catalog& catalog, Table& table,
                                      const TableSettings& settings) {
  const int64_t now = catalog.clock().NowMillis();
  return catalog.Modify(table, [&](TableMeta* meta, storage::WriteBatch* batch) -> Status {
    if (settings.stream) {
      // Checked against the current descriptor, with the service's messages.
      const StreamChange& change = *settings.stream;
      if (change.enabled) {
        if (meta->EnabledStream() != nullptr) {
          return Status::Validation("Table already has an enabled stream: TableName: " +
                                    meta->name);
        }
        if (!change.view_type) return ViewTypeRequired();
      } else {
        if (change.view_type) {
          return Invalid("If stream is being disabled, then UpdateViewType must not be specified");
        }
        if (meta->replicated()) {
          return Invalid("Disabling Stream is not allowed for a Global Table replica.");
        }
        if (meta->EnabledStream() == nullptr) {
          return Status::Validation("Table does not have an enabled stream: TableName: " +
                                    meta->name);  // message unverified
        }
      }
    }
    const auto& throughput = settings.throughput;
    BillingMode mode = settings.billing_mode.value_or(meta->billing_mode);
    if (mode == BillingMode::kPayPerRequest && throughput) {
      return Invalid(
          "Neither ReadCapacityUnits nor WriteCapacityUnits can be specified when BillingMode "
          "is PAY_PER_REQUEST");
    }
    // Restating PROVISIONED without throughput, or the current throughput (with or without the
    // mode), is refused as the service refuses it (aws-controllers-k8s/dynamodb-controller
    // docs/api-quirks, DDB-TABLE-057).
    if (settings.billing_mode == BillingMode::kProvisioned && !throughput) {
      return Invalid("ProvisionedThroughput must be specified when BillingMode is PROVISIONED");
    }
    if (throughput && mode == BillingMode::kProvisioned &&
        meta->billing_mode == BillingMode::kProvisioned &&
        throughput->read == meta->read_capacity && throughput->write == meta->write_capacity) {
      return Status::Validation(
          "The provisioned throughput for the table will not change. The requested value equals "
          "the current value. Current ReadCapacityUnits provisioned for the table: " +
          std::to_string(meta->read_capacity) +
          ". Requested ReadCapacityUnits: " + std::to_string(throughput->read) +
          ". Current WriteCapacityUnits provisioned for the table: " +
          std::to_string(meta->write_capacity) +
          ". Requested WriteCapacityUnits: " + std::to_string(throughput->write) +
          ". Refer to the Amazon DynamoDB Developer Guide for current limits and how to request "
          "higher limits.");
    }
    if (settings.billing_mode && *settings.billing_mode != meta->billing_mode) {
      meta->billing_mode = *settings.billing_mode;
      meta->billing_mode_update_ms = now;
    }
    if (throughput) {
      if (throughput->read > meta->read_capacity || throughput->write > meta->write_capacity) {
        meta->last_increase_ms = now;
      }
      if (throughput->read < meta->read_capacity || throughput->write < meta->write_capacity) {
        meta->last_decrease_ms = now;
        ++meta->decreases_today;
      }
      meta->read_capacity = throughput->read;
      meta->write_capacity = throughput->write;
    }
    if (settings.on_demand) {
      if (mode != BillingMode::kPayPerRequest)
        return OnDemandOnProvisioned(*settings.on_demand, false);
      meta->max_read_request_units = settings.on_demand->first;
      meta->max_write_request_units = settings.on_demand->second;
    }
    if (settings.deletion_protection) meta->deletion_protection = *settings.deletion_protection;
    if (settings.table_class) meta->table_class = *settings.table_class;
    if (settings.sse_kms_key_arn) meta->sse_kms_key_arn = *settings.sse_kms_key_arn;
    if (settings.warm) DDBD_RETURN_IF_ERROR(SetWarmThroughput(meta, "", *settings.warm, false));
    if (settings.stream && settings.stream->enabled) {
      DDBD_RETURN_IF_ERROR(EnableStream(catalog, table, meta, batch, *settings.stream->view_type));
    } else if (settings.stream) {
      DDBD_RETURN_IF_ERROR(DisableStream(catalog, table, meta));
    }
    return Status::OK();
  });
}

}  // namespace ddbd::engine
