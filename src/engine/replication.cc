#include "engine/replication.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <map>

#include "common/coding.h"
#include "common/logging.h"
#include "engine/backups.h"
#include "engine/commit.h"
#include "engine/streams.h"
#include "model/value_codec.h"

namespace ddbd::engine {
namespace {

constexpr size_t kReplicateBatch = 256;  // records per replicating commit
constexpr size_t kBackfillChunk = 100;   // items per backfill commit
constexpr size_t kLatencyWindow = 1000;  // records the latency percentiles are taken over
constexpr int64_t kGsiCatchUpWaitMs = 60 * 1000;

// The resource-in-use answer while a replica is being added or removed (the service's
// wording for a table being changed).
Status ReplicaChangeInProgress() {
  return Status::ResourceInUse("The resource which you are attempting to change is in use.");
}

Status LocalRegion() {
  return Status::Validation(
      "Cannot add, delete, or update the local region through ReplicaUpdates. Use CreateTable, "
      "DeleteTable, or UpdateTable as required.");
}

// The global table `table` belongs to, checked to be one where `table` is an ACTIVE replica
// and no replica is being added or removed.
Result<GlobalTableMeta> CurrentGlobal(const Catalog& catalog, const TableMeta& meta) {
  auto global = catalog.global_tables().Find(meta.account, meta.name);
  if (!global) {
    return Status::Validation("One or more parameter values were invalid: Table " + meta.name +
                              " is not a global table");  // message unverified
  }
  for (const auto& replica : global->replicas) {
    if (replica.state != ReplicaState::kActive) return ReplicaChangeInProgress();
  }
  return std::move(*global);
}

// The stored descriptor of a new replica: the source's schema, indexes and settings, with the
// replica's own overrides.
TableMeta ReplicaTableMeta(const TableMeta& source, const ReplicaMeta& replica) {
  TableMeta t;
  t.account = source.account;
  t.region = replica.region;
  t.name = source.name;
  t.hash_key = source.hash_key;
  t.range_key = source.range_key;
  t.attribute_definitions = source.attribute_definitions;
  t.billing_mode = source.billing_mode;
  t.read_capacity = source.read_capacity;
  t.write_capacity = source.write_capacity;
  t.max_read_request_units = source.max_read_request_units;
  t.max_write_request_units = source.max_write_request_units;
  t.next_index_id = source.next_index_id;
  for (const auto& index : source.indexes) {
    if (index.status == IndexStatus::kDeleting) continue;
    IndexMeta copy = index;
    copy.status = IndexStatus::kActive;
    copy.backfilling = false;
    copy.backfill_start_sequence = 0;
    for (const auto& [name, units] : replica.index_read_overrides) {
      if (name == copy.name && units > 0) copy.read_capacity = units;
    }
    t.indexes.push_back(std::move(copy));
  }
  if (replica.read_capacity_override > 0) t.read_capacity = replica.read_capacity_override;
  if (replica.max_read_override != -1) t.max_read_request_units = replica.max_read_override;
  t.table_class = replica.table_class.empty() ? source.table_class : replica.table_class;
  if (t.table_class == "STANDARD") t.table_class.clear();
  t.sse_kms_key_arn = replica.kms_key;
  t.ttl_attribute = source.ttl_attribute;
  t.ttl_enabled = source.ttl_enabled;
  t.ttl_modified_ms = source.ttl_modified_ms;
  t.global_version = std::string(kGlobalTableVersion);
  t.replica_source = replica.source_region;
  t.restore.in_progress = true;  // hidden until it is filled
  return t;
}

// The primary key of a record's item.
Result<PrimaryKey> RecordKey(const Table& table, const changelog::Record& record) {
  const model::Item& item = record.new_image ? *record.new_image : *record.old_image;
  return ValidateItemKey(table, item);
}

// The options of a service write replicating (or adorning) writes made in `region`.
CommitOptions ReplicationWrite(const std::string& region) {
  CommitOptions options;
  options.origin = changelog::Origin::kReplication;
  options.origin_detail = region;
  options.service_write = true;
  options.fail_on_conflict = false;
  return options;
}

// What LeaveGlobalTable needs of a member's table: who it was.
TableMeta MemberOf(const GlobalTableMeta& global, const std::string& region) {
  TableMeta meta;
  meta.account = global.account;
  meta.region = region;
  meta.name = global.name;
  meta.global_version = global.version;
  return meta;
}

// Commits `ops` with the cursor move of options.add_to_batch; with no ops, moves the cursor alone.
Status CommitMovingCursor(Catalog& catalog, const std::vector<WriteOp>& ops,
                          const CommitOptions& options) {
  if (!ops.empty()) return Commit(catalog, ops, options).status();
  storage::WriteBatch batch;
  options.add_to_batch(&batch);
  return catalog.store()->Write(&batch);
}

// The same table still (not a later one of the same name), if it is a replica.
std::shared_ptr<Table> ReplicaTable(Catalog& catalog, const std::string& account,
                                    const std::string& region, const std::string& name) {
  auto table = catalog.FindAny(account, region, name);
  if (!table || !table->shared_meta()->replicated()) return nullptr;
  return table;
}

// A replicated write of `item` (or its deletion) made at `time_us`, applied if it is later than
// the target's current version.
WriteOp LastWriterWinsOp(Table* target, PrimaryKey key, std::optional<model::Item> item,
                         int64_t time_us) {
  WriteOp op{target, std::move(key),
             [item = std::move(item)](const model::Item*) -> Result<MutationDecision> {
               if (!item) return MutationDecision{MutationDecision::Kind::kDelete, {}};
               return MutationDecision{MutationDecision::Kind::kPut, *item};
             }};
  op.write_time_us = time_us;
  op.last_writer_wins = true;
  return op;
}

// A filled replica turns ACTIVE, with a stream, replicating its own writes to every other
// region of `global` from now.
Status ActivateReplicaTable(Catalog& catalog, Table& target, const GlobalTableMeta& global) {
  return catalog
      .Modify(target,
              [&](TableMeta* m, storage::WriteBatch* batch) {
                m->restore = TableMeta::Restore();
                m->replica_source.clear();
                if (m->EnabledStream() == nullptr) {
                  DDBD_RETURN_IF_ERROR(
                      EnableStream(catalog, target, m, batch, StreamViewType::kNewAndOldImages));
                }
                for (const auto& other : global.replicas) {
                  if (other.region == m->region) continue;
                  target.log().SetCursor(batch, ReplicaConsumer(other.region),
                                         target.log().last_sequence());
                }
                return Status::OK();
              })
      .status();
}

// The body of a peer "apply": the target table and the writes' region, then per write a
// deletion flag and the item (or the deleted item) in the stored encoding, with its time.
std::string ApplyHeader(const std::string& name, const std::string& region,
                        const std::string& source_region) {
  std::string body;
  PutLengthPrefixed(&body, name);
  PutLengthPrefixed(&body, region);
  PutLengthPrefixed(&body, source_region);
  return body;
}
void AppendApplyEntry(std::string* body, const model::Item& image, bool deleted, int64_t time_us) {
  body->push_back(deleted ? 1 : 0);
  PutLengthPrefixed(body, model::EncodeStoredItem(image, time_us));
}
void AppendApplyEntry(std::string* body, std::string_view stored, bool deleted) {
  body->push_back(deleted ? 1 : 0);
  PutLengthPrefixed(body, stored);
}

}  // namespace

std::string ReplicaConsumer(const std::string& region) { return "replica/" + region; }

model::Item WithRepAttributes(model::Item item, const std::string& region, int64_t time_us) {
  char time[40];
  std::snprintf(time, sizeof(time), "%lld.%06lld", static_cast<long long>(time_us / 1000000),
                static_cast<long long>(time_us % 1000000));
  item["aws:rep:deleting"] = model::AttributeValue::Bool(false);
  item["aws:rep:updateregion"] = model::AttributeValue::String(region);
  item["aws:rep:updatetime"] = model::AttributeValue::Num(model::Number::Parse(time).value());
  return item;
}

Result<GlobalTableMeta> AddReplica(Catalog& catalog, Table& table, ReplicaMeta replica) {
  GlobalTables& globals = catalog.global_tables();
  std::lock_guard change(globals.change_mutex());
  const TableMeta meta = table.meta();
  if (replica.region == meta.region) return LocalRegion();
  if (meta.billing_mode == BillingMode::kProvisioned) {
    // ddbd has no auto scaling: provisioned tables are refused as the service refuses those
    // without it.
    return Status::Validation(
        "Table write capacity should either be Pay-Per-Request or AutoScaled.");
  }
  std::optional<GlobalTableMeta> global = globals.Find(meta.account, meta.name);
  if (global) {
    if (global->legacy()) {
      return Status::Validation(
          "One or more parameter values were invalid: ReplicaUpdates cannot be used with a "
          "global table of version 2017.11.29; use UpdateGlobalTable");  // message unverified
    }
    if (global->Find(meta.region) == nullptr) {
      return Status::Validation("One or more parameter values were invalid: Table " + meta.name +
                                " in region " + meta.region +
                                " is not a replica of the global table");  // message unverified
    }
    for (const auto& r : global->replicas) {
      if (r.state != ReplicaState::kActive) return ReplicaChangeInProgress();
    }
    if (global->Find(replica.region) != nullptr) {
      return Status::Validation("One or more parameter values were invalid: Replica " +
                                replica.region + " already exists for table " +
                                meta.name);  // message unverified
    }
  } else {
    global = GlobalTableMeta{
        meta.account, meta.name, std::string(kGlobalTableVersion), catalog.clock().NowMillis(), {}};
    ReplicaMeta self;
    self.region = meta.region;
    self.created_ms = meta.creation_time_ms;
    global->replicas.push_back(std::move(self));
  }
  if (catalog.FindAny(meta.account, replica.region, meta.name) != nullptr) {
    return Status::Validation("Failed to create a the new replica of table with name: '" +
                              meta.name +
                              "' because one or more replicas already existed as "
                              "tables.");  // message unverified
  }
  replica.state = ReplicaState::kCreating;
  replica.created_ms = catalog.clock().NowMillis();
  replica.source_region = meta.region;
  GlobalTableMeta updated = *global;
  auto result = catalog.Modify(table, [&](TableMeta* m, storage::WriteBatch* batch) -> Status {
    if (m->EnabledStream() == nullptr) {
      DDBD_RETURN_IF_ERROR(
          EnableStream(catalog, table, m, batch, StreamViewType::kNewAndOldImages));
    }
    m->global_version = std::string(kGlobalTableVersion);
    // Every other replica's writes reach the new one directly from the point they had reached
    // this table (what came before is in the copy), read before the copy's sequence is fixed.
    for (const auto& other : updated.replicas) {
      if (other.region == m->region) continue;
      auto other_table = ReplicaTable(catalog, m->account, other.region, m->name);
      if (!other_table) continue;
      DDBD_ASSIGN_OR_RETURN(auto reached, other_table->log().Cursor(ReplicaConsumer(m->region)));
      other_table->log().SetCursor(batch, ReplicaConsumer(replica.region), reached.value_or(0));
    }
    replica.source_sequence = table.log().last_sequence();
    table.log().SetCursor(batch, ReplicaConsumer(replica.region), replica.source_sequence);
    updated.replicas.push_back(replica);
    globals.Stage(batch, updated);
    return Status::OK();
  });
  DDBD_RETURN_IF_ERROR(result.status());
  globals.Publish(updated);
  catalog.notifier().Notify(meta.table_id);
  return updated;
}

Result<GlobalTableMeta> RemoveReplica(Catalog& catalog, Table& table, const std::string& region) {
  GlobalTables& globals = catalog.global_tables();
  std::lock_guard change(globals.change_mutex());
  const auto meta = table.shared_meta();
  if (region == meta->region) return LocalRegion();
  DDBD_ASSIGN_OR_RETURN(GlobalTableMeta global, CurrentGlobal(catalog, *meta));
  ReplicaMeta* replica = global.Find(region);
  if (replica == nullptr) {
    return Status::Validation("One or more parameter values were invalid: Replica " + region +
                              " does not exist for table " + meta->name);  // message unverified
  }
  replica->state = ReplicaState::kDeleting;
  DDBD_RETURN_IF_ERROR(globals.Write(global));
  catalog.notifier().Notify(meta->table_id);
  return global;
}

Result<GlobalTableMeta> UpdateReplica(Catalog& catalog, Table& table, const ReplicaMeta& change) {
  GlobalTables& globals = catalog.global_tables();
  std::lock_guard lock(globals.change_mutex());
  const auto meta = table.shared_meta();
  if (change.region == meta->region) return LocalRegion();
  DDBD_ASSIGN_OR_RETURN(GlobalTableMeta global, CurrentGlobal(catalog, *meta));
  ReplicaMeta* replica = global.Find(change.region);
  if (replica == nullptr) {
    return Status::Validation("One or more parameter values were invalid: Replica " +
                              change.region + " does not exist for table " +
                              meta->name);  // message unverified
  }
  auto target = ReplicaTable(catalog, meta->account, change.region, meta->name);
  if (!target) return ReplicaChangeInProgress();
  if (change.read_capacity_override > 0)
    replica->read_capacity_override = change.read_capacity_override;
  if (change.max_read_override != -1) replica->max_read_override = change.max_read_override;
  if (!change.table_class.empty()) replica->table_class = change.table_class;
  if (!change.kms_key.empty()) replica->kms_key = change.kms_key;
  for (const auto& [name, units] : change.index_read_overrides) {
    bool found = false;
    for (auto& [n, u] : replica->index_read_overrides) {
      if (n == name) u = units, found = true;
    }
    if (!found) replica->index_read_overrides.emplace_back(name, units);
  }
  // The replica's table takes its settings in its region.
  DDBD_RETURN_IF_ERROR(catalog
                           .Modify(*target,
                                   [&](TableMeta* m) {
                                     if (replica->read_capacity_override > 0 &&
                                         m->billing_mode == BillingMode::kProvisioned) {
                                       m->read_capacity = replica->read_capacity_override;
                                     }
                                     if (replica->max_read_override != -1) {
                                       m->max_read_request_units = replica->max_read_override;
                                     }
                                     if (!replica->table_class.empty()) {
                                       m->table_class = replica->table_class == "STANDARD"
                                                            ? std::string()
                                                            : replica->table_class;
                                     }
                                     for (auto& index : m->indexes) {
                                       for (const auto& [n, u] : replica->index_read_overrides) {
                                         if (n == index.name && u > 0 &&
                                             m->billing_mode == BillingMode::kProvisioned) {
                                           index.read_capacity = u;
                                         }
                                       }
                                     }
                                     return Status::OK();
                                   })
                           .status());
  target->ConfigureCapacity(catalog.options().throttling, catalog.options().burst_seconds);
  DDBD_RETURN_IF_ERROR(globals.Write(global));
  return global;
}

std::vector<std::shared_ptr<Table>> OtherLocalReplicas(const Catalog& catalog,
                                                       const TableMeta& meta) {
  std::vector<std::shared_ptr<Table>> out;
  if (!meta.replicated()) return out;
  auto global = catalog.global_tables().Find(meta.account, meta.name);
  if (!global || global->legacy()) return out;
  for (const auto& replica : global->replicas) {
    if (replica.region == meta.region || replica.state != ReplicaState::kActive) continue;
    auto table = catalog.Find(meta.account, replica.region, meta.name);
    if (table && table->shared_meta()->replicated()) out.push_back(std::move(table));
  }
  return out;
}

Status StopBeingReplica(Catalog& catalog, Table& table) {
  return catalog
      .Modify(table,
              [&](TableMeta* m, storage::WriteBatch* batch) {
                m->global_version.clear();
                DDBD_ASSIGN_OR_RETURN(auto state, table.log().State());
                for (const auto& cursor : state.cursors) {
                  if (cursor.consumer.rfind("replica/", 0) == 0) {
                    table.log().DropCursor(batch, cursor.consumer);
                  }
                }
                return Status::OK();
              })
      .status();
}

Status LeaveGlobalTable(Catalog& catalog, const TableMeta& dropped) {
  if (!dropped.replicated()) return Status::OK();
  GlobalTables& globals = catalog.global_tables();
  std::lock_guard change(globals.change_mutex());
  auto global = globals.Find(dropped.account, dropped.name);
  if (!global || global->Find(dropped.region) == nullptr) return Status::OK();
  // The others stop replicating to the region (their cursors for it go with the record's change).
  storage::WriteBatch batch;
  auto& replicas = global->replicas;
  replicas.erase(std::remove_if(replicas.begin(), replicas.end(),
                                [&](const ReplicaMeta& r) { return r.region == dropped.region; }),
                 replicas.end());
  for (const auto& other : replicas) {
    if (auto t = catalog.FindAny(dropped.account, other.region, dropped.name)) {
      t->log().DropCursor(&batch, ReplicaConsumer(dropped.region));
    }
  }
  std::shared_ptr<Table> last;
  if (replicas.size() == 1 && !global->legacy()) {
    // One region left: its table is no longer a global table (a legacy group stays).
    last = catalog.FindAny(dropped.account, replicas[0].region, dropped.name);
    replicas.clear();
  }
  globals.Stage(&batch, *global);
  DDBD_RETURN_IF_ERROR(catalog.store()->Write(&batch));
  globals.Publish(*global);
  if (last) {
    DDBD_RETURN_IF_ERROR(catalog
                             .Modify(*last,
                                     [](TableMeta* m) {
                                       m->global_version.clear();
                                       return Status::OK();
                                     })
                             .status());
  }
  return Status::OK();
}

// ------------------------------------------------------------------ version 2017.11.29

namespace {

bool SameKey(const KeyElement& a, const KeyElement& b) {
  return a.name == b.name && a.type == b.type;
}
bool SameKey(const std::optional<KeyElement>& a, const std::optional<KeyElement>& b) {
  return a.has_value() == b.has_value() && (!a || SameKey(*a, *b));
}

// The GSIs of a table, by name, with their key schemas (what the members must share).
std::map<std::string, const IndexMeta*> GsisOf(const TableMeta& meta) {
  std::map<std::string, const IndexMeta*> out;
  for (const auto& index : meta.indexes) {
    if (index.global) out[index.name] = &index;
  }
  return out;
}

// A table may join a legacy group with `model` (a member, or null for the first): it exists,
// is empty, has a stream of new and old images and the same keys and GSIs. Messages other
// than TableNotFoundException's are unverified.
Status CheckLegacyMember(Catalog& catalog, const std::shared_ptr<Table>& table,
                         const std::string& region, const std::string& name,
                         const TableMeta* model) {
  if (!table || table->restoring()) {
    return Status(ErrorCode::kTableNotFound,
                  "Table not found: Table: '" + name + "' not found in region: '" + region + "'.");
  }
  const auto meta = table->shared_meta();
  const StreamMeta* stream = meta->EnabledStream();
  if (stream == nullptr || stream->view_type != StreamViewType::kNewAndOldImages) {
    return Status::Validation("One or more parameter values were invalid: Table: " + name +
                              " in region: " + region +
                              " does not have a DynamoDB stream enabled with StreamViewType "
                              "NEW_AND_OLD_IMAGES");
  }
  if (catalog.Stats(*table).item_count != 0) {
    return Status::Validation("One or more parameter values were invalid: Table: " + name +
                              " in region: " + region + " is not empty");
  }
  if (model != nullptr) {
    bool same = SameKey(meta->hash_key, model->hash_key) &&
                SameKey(meta->range_key, model->range_key) &&
                meta->billing_mode == model->billing_mode;
    auto mine = GsisOf(*meta), theirs = GsisOf(*model);
    same = same && mine.size() == theirs.size();
    for (const auto& [index_name, index] : mine) {
      auto other = theirs.find(index_name);
      same = same && other != theirs.end() && SameKey(index->hash_key, other->second->hash_key) &&
             SameKey(index->range_key, other->second->range_key) &&
             index->more_hash_keys.size() == other->second->more_hash_keys.size() &&
             index->more_range_keys.size() == other->second->more_range_keys.size();
    }
    if (!same) {
      return Status::Validation("One or more parameter values were invalid: Table: " + name +
                                " in region: " + region +
                                " does not have the same key schema, global secondary indexes "
                                "and write capacity mode as the other replicas");
    }
  }
  return Status::OK();
}

// Makes `table` a member of `global` (whose record is staged in the same batch): every member
// replicates to every other from now on.
Status JoinLegacy(Catalog& catalog, Table& table, const GlobalTableMeta& global,
                  storage::WriteBatch* batch) {
  const TableMeta& meta = *table.shared_meta();
  table.log().SetCursor(batch, kRepAttributesConsumer, table.log().last_sequence());
  for (const auto& other : global.replicas) {
    if (other.region == meta.region) continue;
    table.log().SetCursor(batch, ReplicaConsumer(other.region), table.log().last_sequence());
    if (auto t = catalog.FindAny(meta.account, other.region, meta.name)) {
      t->log().SetCursor(batch, ReplicaConsumer(meta.region), t->log().last_sequence());
    }
  }
  return Status::OK();
}

Result<GlobalTableMeta> JoinLegacyTables(Catalog& catalog, GlobalTableMeta global,
                                         const std::vector<std::shared_ptr<Table>>& joining) {
  GlobalTables& globals = catalog.global_tables();
  for (const auto& table : joining) {
    ReplicaMeta replica;
    replica.region = table->shared_meta()->region;
    replica.created_ms = catalog.clock().NowMillis();
    global.replicas.push_back(std::move(replica));
  }
  // The record and the first table's change in one batch; the others follow (a crash between
  // leaves tables that say they are replicas of a group not listing them, which the service
  // repairs at start).
  for (size_t i = 0; i < joining.size(); ++i) {
    auto result = catalog.Modify(*joining[i], [&](TableMeta* m, storage::WriteBatch* batch) {
      m->global_version = global.version;
      DDBD_RETURN_IF_ERROR(JoinLegacy(catalog, *joining[i], global, batch));
      if (i == 0) globals.Stage(batch, global);
      return Status::OK();
    });
    DDBD_RETURN_IF_ERROR(result.status());
    if (i == 0) globals.Publish(global);
  }
  return global;
}

}  // namespace

Result<GlobalTableMeta> FindLegacyGlobalTable(const Catalog& catalog, const std::string& account,
                                              const std::string& name) {
  auto global = catalog.global_tables().Find(account, name);
  if (!global || !global->legacy()) {
    return Status(ErrorCode::kGlobalTableNotFound,
                  "Global table not found: Global table with name: '" + name +
                      "' does not exist.");  // message unverified
  }
  return std::move(*global);
}

Result<GlobalTableMeta> CreateLegacyGlobalTable(Catalog& catalog, const std::string& account,
                                                const std::string& name,
                                                const std::vector<std::string>& regions) {
  GlobalTables& globals = catalog.global_tables();
  std::lock_guard change(globals.change_mutex());
  if (globals.Find(account, name)) {
    return Status(ErrorCode::kGlobalTableAlreadyExists,
                  "Global table with this name already exists");  // message unverified
  }
  std::vector<std::shared_ptr<Table>> tables;
  for (const auto& region : regions) {
    auto table = catalog.Find(account, region, name);
    DDBD_RETURN_IF_ERROR(CheckLegacyMember(
        catalog, table, region, name, tables.empty() ? nullptr : tables[0]->shared_meta().get()));
    if (table->shared_meta()->replicated()) {
      return Status(ErrorCode::kGlobalTableAlreadyExists,
                    "Global table with this name already exists");  // message unverified
    }
    tables.push_back(std::move(table));
  }
  GlobalTableMeta global{
      account, name, std::string(kLegacyGlobalTableVersion), catalog.clock().NowMillis(), {}};
  return JoinLegacyTables(catalog, std::move(global), tables);
}

Result<GlobalTableMeta> AddLegacyReplica(Catalog& catalog, const std::string& account,
                                         const std::string& name, const std::string& region) {
  GlobalTables& globals = catalog.global_tables();
  std::lock_guard change(globals.change_mutex());
  DDBD_ASSIGN_OR_RETURN(GlobalTableMeta global, FindLegacyGlobalTable(catalog, account, name));
  if (global.Find(region) != nullptr) {
    return Status(ErrorCode::kReplicaAlreadyExists,
                  "Replica already exists in region: " + region);  // message unverified
  }
  std::shared_ptr<Table> model;
  for (const auto& member : global.replicas) {
    if ((model = catalog.Find(account, member.region, name))) {
      // The group's tables must all be empty when a region joins.
      if (catalog.Stats(*model).item_count != 0) {
        return Status::Validation("One or more parameter values were invalid: Table: " + name +
                                  " in region: " + member.region +
                                  " is not empty");  // message unverified
      }
    }
  }
  for (const auto& member : global.replicas) {
    if ((model = catalog.Find(account, member.region, name))) break;
  }
  auto table = catalog.Find(account, region, name);
  DDBD_RETURN_IF_ERROR(CheckLegacyMember(catalog, table, region, name,
                                         model ? model->shared_meta().get() : nullptr));
  if (table->shared_meta()->replicated()) {
    return Status::Validation("One or more parameter values were invalid: Table: " + name +
                              " in region: " + region +
                              " is already a replica of a global table");  // message unverified
  }
  return JoinLegacyTables(catalog, std::move(global), {table});
}

Result<GlobalTableMeta> RemoveLegacyReplica(Catalog& catalog, const std::string& account,
                                            const std::string& name, const std::string& region) {
  std::shared_ptr<Table> table;
  GlobalTableMeta global;
  {
    std::lock_guard change(catalog.global_tables().change_mutex());
    DDBD_ASSIGN_OR_RETURN(global, FindLegacyGlobalTable(catalog, account, name));
    if (global.Find(region) == nullptr) {
      return Status(ErrorCode::kReplicaNotFound,
                    "Replica not found in region: " + region);  // message unverified
    }
    table = catalog.FindAny(account, region, name);
  }
  DDBD_RETURN_IF_ERROR(LeaveGlobalTable(catalog, MemberOf(global, region)));
  if (table) DDBD_RETURN_IF_ERROR(StopBeingReplica(catalog, *table));
  auto now = catalog.global_tables().Find(account, name);
  if (now) return std::move(*now);
  global.replicas.clear();
  return global;
}

ReplicationService::ReplicationService(Catalog* catalog, ReplicaPeers* peers)
    : BackgroundService(std::chrono::milliseconds(1000)), catalog_(catalog), peers_(peers) {
  subscription_ = catalog_->notifier().Subscribe([this](const std::string&) { Notify(); });
  Start();
}

ReplicationService::~ReplicationService() {
  catalog_->notifier().Unsubscribe(subscription_);
  Stop();
}

bool ReplicationService::Step() {
  if (!repaired_) {
    RepairOrphans();
    repaired_ = true;
  }
  bool worked = false;
  for (const auto& global : catalog_->global_tables().All()) {
    if (Repair(global)) return true;
    for (const auto& replica : global.replicas) {
      // A replica is created by the server of its source region.
      if (replica.state == ReplicaState::kCreating && !Remote(replica.source_region)) {
        worked |= CreateReplica(global, replica);
      }
      if (replica.state == ReplicaState::kDeleting) worked |= DeleteReplica(global, replica);
    }
    for (const auto& source : global.replicas) {
      if (source.state != ReplicaState::kActive) continue;
      auto table = ReplicaTable(*catalog_, global.account, source.region, global.name);
      if (!table || table->restoring()) continue;
      if (global.legacy()) worked |= AddRepAttributes(*table);
      for (const auto& target : global.replicas) {
        if (target.region == source.region || target.state == ReplicaState::kDeleting) continue;
        // A replica on a peer is sent writes once it exists there and is filled.
        if (Remote(target.region) && target.state != ReplicaState::kActive) continue;
        worked |= Remote(target.region) ? ReplicateToPeer(global, *table, target.region)
                                        : Replicate(global, *table, target.region);
      }
    }
  }
  return worked;
}

bool ReplicationService::Replicate(const GlobalTableMeta& global, Table& source,
                                   const std::string& target_region) {
  const std::string consumer = ReplicaConsumer(target_region);
  auto cursor = source.log().Cursor(consumer);
  if (!cursor.ok() || !*cursor || **cursor >= source.log().last_sequence()) return false;
  auto target = ReplicaTable(*catalog_, global.account, target_region, global.name);
  if (!target || target->restoring()) return false;  // a new replica is filled first
  std::vector<changelog::Record> records;
  if (Status s = source.log().Read(**cursor, kReplicateBatch, &records); !s.ok()) {
    DDBD_LOG_ERROR("replication: reading {} in {}: {}", global.name, source.shared_meta()->region,
                   s.message());
    return false;
  }
  if (records.empty()) return false;
  const uint64_t last = records.back().sequence;
  // The last write of each item in the batch (each is later than the ones before it); writes
  // that were themselves replicated here are not sent on.
  std::map<std::string, const changelog::Record*> latest;
  for (const auto& record : records) {
    if (record.origin == changelog::Origin::kReplication) continue;
    latest[record.key] = &record;
  }
  std::vector<WriteOp> ops;
  ops.reserve(latest.size());
  const int64_t now_us = catalog_->clock().NowMicros();
  std::vector<int64_t> latencies;
  for (const auto& [key, record] : latest) {
    auto primary = RecordKey(*target, *record);
    if (!primary.ok()) continue;  // cannot happen: replicas share their key schema
    const std::string region = source.shared_meta()->region;
    WriteOp op{
        target.get(), std::move(primary).value(),
        [record, legacy = global.legacy(), region](const model::Item*) -> Result<MutationDecision> {
          if (!record->new_image) return MutationDecision{MutationDecision::Kind::kDelete, {}};
          if (legacy) {
            return MutationDecision{MutationDecision::Kind::kPut,
                                    WithRepAttributes(*record->new_image, region, record->time_us)};
          }
          return MutationDecision{MutationDecision::Kind::kPut, *record->new_image};
        }};
    op.write_time_us = record->time_us;
    op.last_writer_wins = true;
    ops.push_back(std::move(op));
    latencies.push_back(now_us - record->time_us);
  }
  CommitOptions options = ReplicationWrite(source.shared_meta()->region);
  options.add_to_batch = [&](storage::WriteBatch* batch) {
    source.log().SetCursor(batch, consumer, last);
  };
  Status s = CommitMovingCursor(*catalog_, ops, options);
  if (!s.ok()) {
    DDBD_LOG_ERROR("replication: {} from {} to {}: {}", global.name, source.shared_meta()->region,
                   target_region, s.message());
    return false;
  }
  NoteLatency(global, source.shared_meta()->region, target_region, latencies);
  return true;
}

bool ReplicationService::ReplicateToPeer(const GlobalTableMeta& global, Table& source,
                                         const std::string& target_region) {
  const std::string consumer = ReplicaConsumer(target_region);
  auto cursor = source.log().Cursor(consumer);
  if (!cursor.ok() || !*cursor || **cursor >= source.log().last_sequence()) return false;
  std::vector<changelog::Record> records;
  if (!source.log().Read(**cursor, kReplicateBatch, &records).ok() || records.empty()) {
    return false;
  }
  const uint64_t last = records.back().sequence;
  const std::string region = source.shared_meta()->region;
  std::map<std::string, const changelog::Record*> latest;
  for (const auto& record : records) {
    if (record.origin == changelog::Origin::kReplication) continue;
    latest[record.key] = &record;
  }
  std::string body = ApplyHeader(global.name, target_region, region);
  std::vector<int64_t> times;
  for (const auto& [key, record] : latest) {
    if (record->new_image) {
      AppendApplyEntry(&body,
                       global.legacy()
                           ? WithRepAttributes(*record->new_image, region, record->time_us)
                           : *record->new_image,
                       false, record->time_us);
    } else {
      AppendApplyEntry(&body, *record->old_image, true, record->time_us);
    }
    times.push_back(record->time_us);
  }
  if (!times.empty()) {
    auto sent = peers_->Call(target_region, global.account, "apply", body);
    if (!sent.ok()) {
      if (sent.status().code() == ErrorCode::kResourceNotFound) {
        // The replica is gone on its server (deleted there): the region leaves.
        DDBD_LOG_INFO("replication: the replica of {} in {} is gone; it leaves the global table",
                      global.name, target_region);
        (void)LeaveGlobalTable(*catalog_, MemberOf(global, target_region));
        return true;
      }
      return false;  // tried again from the same cursor
    }
  }
  storage::WriteBatch batch;
  source.log().SetCursor(&batch, consumer, last);
  if (!catalog_->store()->Write(&batch).ok()) return false;
  const int64_t now_us = catalog_->clock().NowMicros();
  for (int64_t& t : times) t = now_us - t;
  NoteLatency(global, region, target_region, times);
  return true;
}

Result<std::string> HandlePeerCall(Catalog& catalog, const std::string& op,
                                   const std::string& account, std::string_view body) {
  FieldReader r;
  r.in = body;
  auto bad = [] { return Status::Validation("malformed replication request"); };
  auto replica_table = [&](const std::string& region,
                           const std::string& name) -> Result<std::shared_ptr<Table>> {
    auto table = catalog.FindAny(account, region, name);
    if (!table || !table->shared_meta()->replicated()) {
      return Status::ResourceNotFound("no replica " + name + " in " + region);
    }
    return table;
  };
  if (op == "create") {
    TableMeta meta;
    GlobalTableMeta global;
    const std::string meta_bytes = r.String(), global_bytes = r.String();
    if (!r.ok || !DecodeTableMeta(meta_bytes, &meta) || !DecodeGlobalTable(global_bytes, &global))
      return bad();
    if (meta.account != account || global.account != account) {
      return Status(ErrorCode::kAccessDenied, "the replica belongs to another account");
    }
    std::lock_guard change(catalog.global_tables().change_mutex());
    auto existing = catalog.FindAny(account, meta.region, meta.name);
    // Created already (a retry after a crash, even after activation): nothing to do.
    if (existing && !existing->shared_meta()->replicated()) {
      return Status::Validation("a table named " + meta.name + " exists in " + meta.region);
    }
    if (!existing) DDBD_RETURN_IF_ERROR(catalog.Create(meta).status());
    DDBD_RETURN_IF_ERROR(catalog.global_tables().Write(global));
    return std::string();
  }
  if (op == "apply") {
    const std::string name = r.String(), region = r.String(), source_region = r.String();
    if (!r.ok) return bad();
    DDBD_ASSIGN_OR_RETURN(auto table, replica_table(region, name));
    std::vector<WriteOp> ops;
    while (r.ok && !r.in.empty()) {
      const bool deleted = r.Byte() != 0;
      const std::string stored = r.String();
      model::Item item;
      if (!r.ok || !model::DecodeItem(stored, &item)) return bad();
      DDBD_ASSIGN_OR_RETURN(PrimaryKey key, ValidateItemKey(*table, item));
      std::optional<model::Item> image;
      if (!deleted) image = std::move(item);
      ops.push_back(LastWriterWinsOp(table.get(), std::move(key), std::move(image),
                                     model::StoredItemWriteTime(stored).value_or(0)));
    }
    if (!ops.empty())
      DDBD_RETURN_IF_ERROR(Commit(catalog, ops, ReplicationWrite(source_region)).status());
    return std::string();
  }
  if (op == "activate") {
    const std::string name = r.String(), region = r.String(), global_bytes = r.String();
    GlobalTableMeta global;
    if (!r.ok || !DecodeGlobalTable(global_bytes, &global) || global.account != account)
      return bad();
    DDBD_ASSIGN_OR_RETURN(auto table, replica_table(region, name));
    if (table->restoring()) {
      DDBD_RETURN_IF_ERROR(WaitForGsis(*table, std::chrono::milliseconds(kGsiCatchUpWaitMs)));
      DDBD_RETURN_IF_ERROR(ActivateReplicaTable(catalog, *table, global));
    }
    std::lock_guard change(catalog.global_tables().change_mutex());
    DDBD_RETURN_IF_ERROR(catalog.global_tables().Write(global));
    catalog.notifier().Notify(table->table_id());
    return std::string();
  }
  if (op == "delete") {
    const std::string name = r.String(), region = r.String();
    if (!r.ok) return bad();
    auto table = catalog.FindAny(account, region, name);
    if (table && table->shared_meta()->replicated()) {
      DDBD_RETURN_IF_ERROR(catalog.Drop(account, region, name).status());
    }
    auto global = catalog.global_tables().Find(account, name);
    if (global) DDBD_RETURN_IF_ERROR(LeaveGlobalTable(catalog, MemberOf(*global, region)));
    return std::string();
  }
  return Status::Validation("unknown replication operation " + op);
}

bool ReplicationService::AddRepAttributes(Table& table) {
  auto cursor = table.log().Cursor(kRepAttributesConsumer);
  if (!cursor.ok() || !*cursor || **cursor >= table.log().last_sequence()) return false;
  std::vector<changelog::Record> records;
  if (!table.log().Read(**cursor, kReplicateBatch, &records).ok() || records.empty()) return false;
  const uint64_t last = records.back().sequence;
  const std::string region = table.shared_meta()->region;
  std::map<std::string, const changelog::Record*> latest;
  for (const auto& record : records) {
    if (record.origin == changelog::Origin::kReplication) continue;
    latest[record.key] = &record;
  }
  std::vector<WriteOp> ops;
  for (const auto& [key, record] : latest) {
    if (!record->new_image) continue;
    auto primary = RecordKey(table, *record);
    if (!primary.ok()) continue;
    // Only the version the record wrote is adorned (a later write is adorned by its own record),
    // keeping its write time, so every region holds the same item.
    WriteOp op{&table, std::move(primary).value(),
               [record, region](const model::Item* current) -> Result<MutationDecision> {
                 if (current == nullptr ||
                     model::EncodeItem(*current) != model::EncodeItem(*record->new_image)) {
                   return MutationDecision{};
                 }
                 return MutationDecision{
                     MutationDecision::Kind::kPut,
                     WithRepAttributes(*record->new_image, region, record->time_us)};
               }};
    op.write_time_us = record->time_us;
    ops.push_back(std::move(op));
  }
  CommitOptions options = ReplicationWrite(region);
  options.add_to_batch = [&](storage::WriteBatch* batch) {
    table.log().SetCursor(batch, kRepAttributesConsumer, last);
  };
  Status s = CommitMovingCursor(*catalog_, ops, options);
  if (!s.ok()) {
    DDBD_LOG_ERROR("replication: aws:rep attributes of {} in {}: {}", table.shared_meta()->name,
                   region, s.message());
    return false;
  }
  return true;
}

bool ReplicationService::CreateReplica(const GlobalTableMeta& global, const ReplicaMeta& replica) {
  auto source = ReplicaTable(*catalog_, global.account, replica.source_region, global.name);
  auto target = catalog_->FindAny(global.account, replica.region, global.name);
  auto fail = [&](const std::string& why) {
    DDBD_LOG_ERROR("replication: the replica of {} in {} cannot be created: {}", global.name,
                   replica.region, why);
    GlobalTableMeta changed = global;
    changed.Find(replica.region)->state = ReplicaState::kDeleting;
    (void)catalog_->global_tables().Write(changed);
    return true;
  };
  if (!source || source->restoring()) return fail("its source table is gone");
  if (Remote(replica.region)) {
    // On the peer: created hidden, filled with "apply" calls, then activated. Unreachable:
    // tried again (from the start; what is there already is not older and stays).
    std::string create = EncodeTableMeta(ReplicaTableMeta(source->meta(), replica));
    std::string body;
    PutLengthPrefixed(&body, create);
    PutLengthPrefixed(&body, EncodeGlobalTable(global));
    auto created = peers_->Call(replica.region, global.account, "create", body);
    if (!created.ok()) {
      if (created.status().code() == ErrorCode::kInternalServerError) return false;
      return fail(created.status().message());
    }
    const std::string header = ApplyHeader(global.name, replica.region, replica.source_region);
    std::string batch = header;
    size_t in_batch = 0;
    auto send = [&]() -> Status {
      if (in_batch == 0) return Status::OK();
      DDBD_RETURN_IF_ERROR(peers_->Call(replica.region, global.account, "apply", batch).status());
      batch = header;
      in_batch = 0;
      return Status::OK();
    };
    ItemSink sink = [&](const std::string&, std::string_view encoded) -> Status {
      AppendApplyEntry(&batch, encoded, false);
      return ++in_batch >= kBackfillChunk ? send() : Status::OK();
    };
    Status copied = TableAt(*catalog_, *source, replica.source_sequence, sink).status();
    if (copied.ok()) copied = send();
    GlobalTableMeta active = global;
    active.Find(replica.region)->state = ReplicaState::kActive;
    std::string activate;
    PutLengthPrefixed(&activate, global.name);
    PutLengthPrefixed(&activate, replica.region);
    PutLengthPrefixed(&activate, EncodeGlobalTable(active));
    if (copied.ok()) {
      copied = peers_->Call(replica.region, global.account, "activate", activate).status();
    }
    if (!copied.ok()) {
      DDBD_LOG_ERROR("replication: filling the replica of {} in {} (a peer): {}", global.name,
                     replica.region, copied.message());
      return false;
    }
  } else if (target && target->shared_meta()->replica_source.empty()) {
    if (!target->shared_meta()->replicated()) return fail("a table of that name exists there");
  } else {
    if (!target) {
      auto created = catalog_->Create(ReplicaTableMeta(source->meta(), replica));
      if (!created.ok()) return fail(created.status().message());
      target = std::move(created).value();
    }
    // Fill it with the source as it was at the replica's sequence (again from the start
    // after a crash: what is there already is not older, and stays).
    const std::string job = "replica/" + target->table_id();
    const CommitOptions options = ReplicationWrite(replica.source_region);
    BatchedCommitter writer(
        *catalog_, options, kBackfillChunk, job,
        JobProgress{"replica", global.name, replica.source_region + " -> " + replica.region, 0,
                    catalog_->Stats(*source).item_count, catalog_->clock().NowMicros()});
    ItemSink sink = [&](const std::string&, std::string_view encoded) -> Status {
      model::Item item;
      if (!model::DecodeItem(encoded, &item)) return Status::Internal("corrupt item");
      DDBD_ASSIGN_OR_RETURN(PrimaryKey key, ValidateItemKey(*target, item));
      // Items changed since the sequence carry no time here (0): the source's later records,
      // replicated next, replace them.
      return writer.Add(LastWriterWinsOp(target.get(), std::move(key), std::move(item),
                                         model::StoredItemWriteTime(encoded).value_or(0)));
    };
    writer.Publish();
    Status copied = TableAt(*catalog_, *source, replica.source_sequence, sink).status();
    if (copied.ok()) copied = writer.Flush();
    if (copied.ok()) copied = WaitForGsis(*target, std::chrono::milliseconds(kGsiCatchUpWaitMs));
    catalog_->jobs().Finish(job);
    if (!copied.ok()) {
      DDBD_LOG_ERROR("replication: filling the replica of {} in {}: {}", global.name,
                     replica.region, copied.message());
      return false;  // tried again
    }
    if (Status activated = ActivateReplicaTable(*catalog_, *target, global); !activated.ok()) {
      DDBD_LOG_ERROR("replication: activating the replica of {} in {}: {}", global.name,
                     replica.region, activated.message());
      return false;
    }
  }
  std::lock_guard change(catalog_->global_tables().change_mutex());
  auto current = catalog_->global_tables().Find(global.account, global.name);
  if (!current || current->Find(replica.region) == nullptr) return true;
  current->Find(replica.region)->state = ReplicaState::kActive;
  (void)catalog_->global_tables().Write(*current);
  return true;
}

bool ReplicationService::DeleteReplica(const GlobalTableMeta& global, const ReplicaMeta& replica) {
  if (Remote(replica.region)) {
    std::string body;
    PutLengthPrefixed(&body, global.name);
    PutLengthPrefixed(&body, replica.region);
    auto removed = peers_->Call(replica.region, global.account, "delete", body);
    if (!removed.ok() && removed.status().code() == ErrorCode::kInternalServerError) return false;
  }
  if (auto table = catalog_->FindAny(global.account, replica.region, global.name);
      table && table->shared_meta()->replicated()) {
    auto dropped = catalog_->Drop(global.account, replica.region, global.name);
    if (!dropped.ok()) {
      DDBD_LOG_ERROR("replication: deleting the replica of {} in {}: {}", global.name,
                     replica.region, dropped.status().message());
      return false;
    }
    catalog_->jobs().Finish("replica/" + dropped->table_id);
  }
  if (Status s = LeaveGlobalTable(*catalog_, MemberOf(global, replica.region)); !s.ok()) {
    DDBD_LOG_ERROR("replication: {} leaving {}: {}", replica.region, global.name, s.message());
  }
  return true;
}

bool ReplicationService::Repair(const GlobalTableMeta& global) {
  for (const auto& replica : global.replicas) {
    if (replica.state != ReplicaState::kActive || Remote(replica.region)) continue;
    if (ReplicaTable(*catalog_, global.account, replica.region, global.name)) continue;
    (void)LeaveGlobalTable(*catalog_, MemberOf(global, replica.region));
    return true;
  }
  if (global.replicas.size() == 1 && !global.legacy()) {
    GlobalTableMeta none = global;
    none.replicas.clear();
    (void)catalog_->global_tables().Write(none);
    return true;
  }
  return false;
}

void ReplicationService::RepairOrphans() {
  // A table that says it is a replica of a global table that does not list its region
  // stops being one (and its cursors for other regions go).
  for (const auto& table : catalog_->AllTables()) {
    auto meta = table->shared_meta();
    if (!meta->replicated() || !meta->replica_source.empty()) continue;
    if (catalog_->global_tables().IsMember(meta->account, meta->region, meta->name)) continue;
    (void)StopBeingReplica(*catalog_, *table);
  }
}

void ReplicationService::NoteLatency(const GlobalTableMeta& global, const std::string& source,
                                     const std::string& target,
                                     const std::vector<int64_t>& latencies_us) {
  std::lock_guard lock(lag_mu_);
  PairStats& stats = stats_[{global.account, global.name, source, target}];
  for (int64_t us : latencies_us) {
    stats.recent_us.push_back(us);
    if (stats.recent_us.size() > kLatencyWindow) stats.recent_us.pop_front();
  }
  stats.replicated += latencies_us.size();
}

std::vector<ReplicationService::Lag> ReplicationService::Lags() const {
  std::vector<Lag> out;
  for (const auto& global : catalog_->global_tables().All()) {
    for (const auto& source : global.replicas) {
      auto table = catalog_->FindAny(global.account, source.region, global.name);
      if (!table) continue;
      for (const auto& target : global.replicas) {
        if (target.region == source.region) continue;
        Lag lag{global.account, global.name, source.region, target.region};
        auto cursor = table->log().Cursor(ReplicaConsumer(target.region));
        if (cursor.ok() && *cursor) {
          const uint64_t last = table->log().last_sequence();
          lag.pending = last > **cursor ? last - **cursor : 0;
        }
        std::lock_guard lock(lag_mu_);
        auto it = stats_.find({global.account, global.name, source.region, target.region});
        if (it != stats_.end() && !it->second.recent_us.empty()) {
          std::vector<int64_t> sorted(it->second.recent_us.begin(), it->second.recent_us.end());
          std::sort(sorted.begin(), sorted.end());
          lag.p99_seconds = static_cast<double>(sorted[(sorted.size() - 1) * 99 / 100]) / 1e6;
          lag.last_seconds = static_cast<double>(it->second.recent_us.back()) / 1e6;
          lag.replicated = it->second.replicated;
        }
        out.push_back(std::move(lag));
      }
    }
  }
  return out;
}

}  // namespace ddbd::engine
