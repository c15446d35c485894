// Transactions: TransactWriteItems and TransactGetItems (docs/transactions.md).
//
// The request is checked in the service's order: constraints (lengths, required members,
// enums), one action per element, expressions, tables, keys (a key that does not match the
// schema cancels the transaction with a ValidationError reason; an empty key value is a
// request-level ValidationException), several actions on one item, sizes, the idempotency
// token. The actions then commit together through engine::Commit (transactional: twice the
// units, conflicts with other transactions), and a failure becomes a TransactionCanceled-
// Exception whose CancellationReasons follow the actions' order.
#include <algorithm>
#include <map>
#include <set>

#include "api/ops/expressions.h"
#include "api/ops/ops.h"
#include "api/ops/shapes.h"
#include "common/hash.h"
#include "engine/capacity.h"
#include "engine/commit.h"
#include "engine/transactions.h"
#include "expr/eval.h"
#include "model/item_size.h"

namespace ddbd::api {
namespace {

using engine::MutationDecision;
using model::AttributeMap;
using model::Item;

constexpr size_t kMaxActions = 100;
constexpr size_t kMaxTokenLength = 36;
constexpr size_t kMaxAggregateBytes = 4 * 1024 * 1024;

enum class Action { kPut, kUpdate, kDelete, kConditionCheck, kGet };

constexpr const char* kActionMembers[] = {"Put", "Update", "Delete", "ConditionCheck", "Get"};
constexpr const char* kActionPaths[] = {"put", "update", "delete", "conditionCheck", "get"};

// One element of TransactItems, parsed.
struct Element {
  Action action = Action::kPut;
  const Json* json = nullptr;  // the action's object
  std::string table_name;
  std::shared_ptr<engine::Table> table;
  AttributeMap key_map;  // Key, or the Put's Item
  Item item;             // Put
  RequestExpressions e;
  bool return_old_on_failure = false;
  engine::PrimaryKey key;
  std::optional<Status> key_error;  // cancels with ValidationError
};

std::string ElementPath(size_t i, Action action) {
  return "transactItems." + std::to_string(i + 1) + ".member." +
         kActionPaths[static_cast<int>(action)];
}

// A constraint violation on the TransactItems list's length (the service prints the list).
void ListLength(const Json& items, ConstraintErrors& errors) {
  if (items.Empty()) {
    errors.Add(
        "Value '[]' at 'transactItems' failed to satisfy constraint: Member must have length "
        "greater than or equal to 1");
  } else if (items.Size() > kMaxActions) {
    errors.Add(
        "Value '[...]' at 'transactItems' failed to satisfy constraint: Member must have "
        "length less than or equal to 100");  // the list dump is abbreviated
  }
}

// The table of an action: a name or a table ARN of the caller's account and region.
Result<std::shared_ptr<engine::Table>> FindTable(OpContext& ctx, const std::string& name_or_arn) {
  // The dispatcher has already turned the ARNs of the caller's tables into names.
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name_or_arn);
  if (!table) return Status::ResourceNotFound("Requested resource not found");
  return table;
}

// Parses TransactItems: constraints first (collected), then one action per element.
Result<std::vector<Element>> ParseElements(const Json& request, bool get,
                                           ConstraintErrors& errors) {
  std::vector<Element> elements;
  DDBD_ASSIGN_OR_RETURN(const Json* items, GetArray(request, "TransactItems"));
  if (items == nullptr) {
    errors.NotNull("transactItems");
    return elements;
  }
  ListLength(*items, errors);
  for (rapidjson::SizeType i = 0; i < items->Size() && i < kMaxActions; ++i) {
    const Json& element = (*items)[i];
    if (!element.IsObject()) return Status::Serialization("Unexpected value type in payload");
    Element parsed;
    int present = 0;
    for (Action action :
         {Action::kPut, Action::kUpdate, Action::kDelete, Action::kConditionCheck, Action::kGet}) {
      if ((action == Action::kGet) != get) continue;
      DDBD_ASSIGN_OR_RETURN(const Json* json,
                            GetObject(element, kActionMembers[static_cast<int>(action)]));
      if (json == nullptr) continue;
      ++present;
      parsed.action = action;
      parsed.json = json;
    }
    if (get && present == 0) {
      errors.NotNull(("transactItems." + std::to_string(i + 1) + ".member.get").c_str());
    }
    if (parsed.json != nullptr) {
      const std::string path = ElementPath(i, parsed.action);
      const Json& action = *parsed.json;
      DDBD_ASSIGN_OR_RETURN(auto table, GetString(action, "TableName"));
      if (!table) {
        errors.NotNull((path + ".tableName").c_str());
      } else {
        parsed.table_name = *table;
        errors.Length(*table, (path + ".tableName").c_str(), 1, 1024);
      }
      const char* key_member = parsed.action == Action::kPut ? "Item" : "Key";
      if (!action.HasMember(key_member) || action[key_member].IsNull()) {
        errors.NotNull((path + (parsed.action == Action::kPut ? ".item" : ".key")).c_str());
      }
      if (parsed.action == Action::kUpdate && !action.HasMember("UpdateExpression")) {
        errors.NotNull((path + ".updateExpression").c_str());
      }
      if (parsed.action == Action::kConditionCheck && !action.HasMember("ConditionExpression")) {
        errors.NotNull((path + ".conditionExpression").c_str());
      }
      DDBD_ASSIGN_OR_RETURN(auto on_failure,
                            GetString(action, "ReturnValuesOnConditionCheckFailure"));
      if (on_failure) {
        if (*on_failure == "ALL_OLD") {
          parsed.return_old_on_failure = true;
        } else if (*on_failure != "NONE") {
          errors.Enum(*on_failure, (path + ".returnValuesOnConditionCheckFailure").c_str(),
                      "[ALL_OLD, NONE]");
        }
      }
    }
    parsed.json = present == 1 ? parsed.json : nullptr;
    elements.push_back(std::move(parsed));
  }
  return elements;
}

// The attribute map of the action's Key (or the Put's Item), and its expressions.
Status ReadActionContents(Element& el) {
  const Json& action = *el.json;
  const char* member = el.action == Action::kPut ? "Item" : "Key";
  DDBD_ASSIGN_OR_RETURN(const Json* map, GetObject(action, member));
  if (map != nullptr) DDBD_RETURN_IF_ERROR(model::DecodeAttributeMap(*map, &el.key_map));
  if (el.action == Action::kPut) el.item = el.key_map;
  ExpressionParams params;
  params.placeholders_without_expressions = true;
  params.condition = el.action != Action::kGet;
  params.update = el.action == Action::kUpdate;
  params.projection = el.action == Action::kGet;
  DDBD_ASSIGN_OR_RETURN(el.e, ReadExpressions(action, params));
  return Status::OK();
}

// Resolves each action's table and checks its key: an empty key value is a request-level
// ValidationException; a key that does not match the schema (or is too long) cancels the
// transaction with a ValidationError reason for that action.
Status ResolveKeys(OpContext& ctx, std::vector<Element>& elements) {
  for (auto& el : elements) {
    DDBD_ASSIGN_OR_RETURN(el.table, FindTable(ctx, el.table_name));
  }
  for (auto& el : elements) {
    auto key = el.action == Action::kPut ? engine::ValidateItemKey(*el.table, el.item)
                                         : engine::ValidateKey(*el.table, el.key_map);
    if (key.ok()) {
      el.key = std::move(key).value();
      continue;
    }
    const std::string& message = key.status().message();
    if (message.find("cannot contain an empty") != std::string::npos) return key.status();
    if (message.find("Item size has exceeded") != std::string::npos) return key.status();
    if (message.find("size limit") != std::string::npos ||
        message.find("maximum size limit") != std::string::npos) {
      el.key_error = key.status();
    } else {
      el.key_error = Status::Validation("The provided key element does not match the schema");
    }
  }
  return Status::OK();
}

// The cancellation of a transaction, from each action's outcome.
Status Cancellation(const std::vector<Status>& outcomes) {
  std::vector<CancellationReason> reasons;
  std::string codes;
  for (const auto& s : outcomes) {
    CancellationReason reason;
    switch (s.code()) {
      case ErrorCode::kOk:
        reason.code = "None";
        break;
      case ErrorCode::kConditionalCheckFailed:
        reason.code = "ConditionalCheckFailed";
        reason.message = "The conditional request failed";
        if (const auto* item = dynamic_cast<const ItemPayload*>(s.payload())) {
          reason.item = item->item;
        }
        break;
      case ErrorCode::kItemCollectionSizeLimitExceeded:
        reason.code = "ItemCollectionSizeLimitExceeded";
        reason.message = "Collection size exceeded.";
        break;
      case ErrorCode::kTransactionConflict:
        reason.code = "TransactionConflict";
        reason.message = "Transaction is ongoing for the item";
        break;
      case ErrorCode::kProvisionedThroughputExceeded:
        reason.code = "ProvisionedThroughputExceeded";
        reason.message = s.message();
        break;
      case ErrorCode::kThrottling:
        reason.code = "ThrottlingError";
        reason.message = s.message();
        break;
      case ErrorCode::kValidation:
        reason.code = "ValidationError";
        reason.message = s.message();
        break;
      default:
        return s;  // internal errors are not cancellations
    }
    codes += (codes.empty() ? "" : ", ") + reason.code;
    reasons.push_back(std::move(reason));
  }
  return Status(ErrorCode::kTransactionCanceled,
                "Transaction cancelled, please refer cancellation reasons for specific reasons [" +
                    codes + "]",
                std::make_shared<const CancellationPayload>(std::move(reasons)));
}

// Cancels with ValidationError reasons if any key did not match its table's schema.
Status KeyCancellation(const std::vector<Element>& elements) {
  bool any = false;
  std::vector<Status> outcomes;
  for (const auto& el : elements) {
    outcomes.push_back(el.key_error.value_or(Status::OK()));
    any |= el.key_error.has_value();
  }
  return any ? Cancellation(outcomes) : Status::OK();
}

Status DuplicateCheck(const std::vector<Element>& elements) {
  std::set<std::pair<const engine::Table*, std::string>> seen;
  for (const auto& el : elements) {
    if (!seen.emplace(el.table.get(), engine::StorageKeyOf(el.key)).second) {
      return Status::Validation(
          "Transaction request cannot include multiple operations on one item");
    }
  }
  return Status::OK();
}

// The action's condition; a failure carries the old item when asked for.
Status CheckCondition(const Element& el, const Item* old) {
  if (!el.e.condition || expr::EvaluateCondition(*el.e.condition, old, el.e.ph)) {
    return Status::OK();
  }
  std::shared_ptr<const Status::Payload> payload;
  if (el.return_old_on_failure && old != nullptr) {
    payload = std::make_shared<const ItemPayload>(*old);
  }
  return Status::ConditionalCheckFailed("The conditional request failed", std::move(payload));
}

engine::MutationFn DecideFor(const Element& el) {
  return [&el](const Item* old) -> Result<MutationDecision> {
    DDBD_RETURN_IF_ERROR(CheckCondition(el, old));
    switch (el.action) {
      case Action::kPut:
        return MutationDecision{MutationDecision::Kind::kPut, el.item};
      case Action::kDelete:
        return MutationDecision{MutationDecision::Kind::kDelete, {}};
      case Action::kUpdate: {
        MutationDecision decision{MutationDecision::Kind::kPut, old ? *old : el.key_map};
        // Removing attributes from a missing item creates nothing.
        if (!old && el.e.update && expr::OnlyRemoves(*el.e.update)) {
          decision.kind = MutationDecision::Kind::kNoChange;
          return decision;
        }
        if (el.e.update) {
          DDBD_RETURN_IF_ERROR(expr::ApplyUpdate(*el.e.update, old, el.e.ph, &decision.new_item));
        }
        return decision;
      }
      default:
        return MutationDecision{MutationDecision::Kind::kNoChange, {}};
    }
  };
}

// Canonical JSON (object members sorted), so a token's request compares equal whatever the
// order of its members.
void Canonical(const Json& v, JsonWriter& w) {
  if (v.IsObject()) {
    std::vector<const Json::Member*> members;
    for (const auto& m : v.GetObject()) members.push_back(&m);
    std::sort(members.begin(), members.end(), [](const auto* a, const auto* b) {
      return std::string_view(a->name.GetString(), a->name.GetStringLength()) <
             std::string_view(b->name.GetString(), b->name.GetStringLength());
    });
    w.StartObject();
    for (const auto* m : members) {
      w.Key(m->name.GetString(), m->name.GetStringLength());
      Canonical(m->value, w);
    }
    w.EndObject();
  } else if (v.IsArray()) {
    w.StartArray();
    for (const auto& e : v.GetArray()) Canonical(e, w);
    w.EndArray();
  } else {
    v.Accept(w);
  }
}

uint64_t Fingerprint(const Json& v) {
  rapidjson::StringBuffer buffer;
  JsonWriter writer(buffer);
  Canonical(v, writer);
  return StableHash64(std::string_view(buffer.GetString(), buffer.GetSize()));
}

void Add(engine::ConsumedUnits& into, const engine::ConsumedUnits& units) {
  into.table += units.table;
  for (const auto& [name, u] : units.local_indexes) into.local_indexes[name] += u;
  for (const auto& [name, u] : units.global_indexes) into.global_indexes[name] += u;
}

// What a repeat of a committed transaction reports: a transactional read of each item now.
Result<PerTableUnits> ReplayUnits(OpContext& ctx, const std::vector<Element>& elements) {
  PerTableUnits per_table;
  for (const auto& el : elements) {
    DDBD_ASSIGN_OR_RETURN(engine::ReadResult read,
                          engine::GetItemUnmetered(ctx.catalog, *el.table, el.key));
    UnitsOf(per_table, el.table->name()).table += 2 * engine::ReadUnits(read.size, true);
  }
  return per_table;
}

}  // namespace

Status TransactWriteItems(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::vector<Element> elements, ParseElements(request, false, errors));
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "ClientRequestToken"));
  if (token) errors.Length(*token, "clientRequestToken", 1, kMaxTokenLength);
  DDBD_ASSIGN_OR_RETURN(CapacityMode capacity, ParseReturnConsumedCapacity(request, errors));
  DDBD_ASSIGN_OR_RETURN(auto metrics, GetString(request, "ReturnItemCollectionMetrics"));
  if (metrics && *metrics != "SIZE" && *metrics != "NONE") {
    errors.Enum(*metrics, "returnItemCollectionMetrics", "[SIZE, NONE]");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  for (auto& el : elements) {
    if (el.json == nullptr) {
      return Status::Validation(
          "TransactItems can only contain one of Check, Put, Update or Delete");  // unverified
    }
  }
  for (auto& el : elements) DDBD_RETURN_IF_ERROR(ReadActionContents(el));
  DDBD_RETURN_IF_ERROR(ResolveKeys(ctx, elements));
  DDBD_RETURN_IF_ERROR(KeyCancellation(elements));
  DDBD_RETURN_IF_ERROR(DuplicateCheck(elements));
  size_t aggregate = 0;
  for (const auto& el : elements) {
    aggregate += model::ItemSize(el.action == Action::kPut ? el.item : el.key_map);
  }
  if (aggregate > kMaxAggregateBytes) {
    return Status::Validation(
        "The aggregate size of the items in the transaction exceeds 4 MB");  // unverified
  }

  // Idempotency: a committed repeat answers without writing; the token is recorded in the
  // transaction's own batch.
  uint64_t fingerprint = 0;
  if (token) {
    fingerprint = Fingerprint(request["TransactItems"]);
    switch (ctx.tokens.Begin(ctx.caller.account, ctx.caller.region, *token, fingerprint)) {
      case engine::TokenStore::Outcome::kInProgress:
        return Status(ErrorCode::kTransactionInProgress,
                      "Transaction from previous request is still in progress");
      case engine::TokenStore::Outcome::kMismatch:
        return Status(ErrorCode::kIdempotentParameterMismatch,
                      "DynamoDB rejected the request because you retried a request with a "
                      "different payload but with an idempotent token that was already "
                      "used.");  // message unverified
      case engine::TokenStore::Outcome::kCommitted: {
        DDBD_ASSIGN_OR_RETURN(PerTableUnits replay, ReplayUnits(ctx, elements));
        out.StartObject();
        WriteCapacityList(out, capacity, replay, "ReadCapacityUnits");
        out.EndObject();
        return Status::OK();
      }
      case engine::TokenStore::Outcome::kNew:
        break;
    }
  }
  struct TokenGuard {
    OpContext& ctx;
    const std::optional<std::string>& token;
    ~TokenGuard() {
      if (token) ctx.tokens.Finish(ctx.caller.account, ctx.caller.region, *token);
    }
  } guard{ctx, token};

  std::vector<engine::WriteOp> ops;
  ops.reserve(elements.size());
  for (const auto& el : elements)
    ops.push_back(engine::WriteOp{el.table.get(), el.key, DecideFor(el)});
  engine::CommitOptions options = UserWrite(ctx);
  options.origin = changelog::Origin::kTransaction;
  options.origin_detail = engine::NewTransactionId();
  options.transactional = true;
  if (token) {
    options.catalog_puts.push_back(
        ctx.tokens.Record(ctx.caller.account, ctx.caller.region, *token, fingerprint));
  }
  std::vector<Status> outcomes;
  auto committed = engine::Commit(ctx.catalog, ops, options, &outcomes);
  if (!committed.ok()) {
    bool any_action = false;
    for (const auto& s : outcomes) any_action |= !s.ok();
    return any_action ? Cancellation(outcomes) : committed.status();
  }

  PerTableUnits per_table;
  std::map<std::string, std::vector<std::pair<size_t, int64_t>>> collections;
  for (size_t i = 0; i < elements.size(); ++i) {
    const auto& result = (*committed)[i];
    Add(UnitsOf(per_table, elements[i].table->name()), result.units);
    if (result.collection_size && elements[i].action != Action::kConditionCheck) {
      collections[elements[i].table->name()].emplace_back(i, *result.collection_size);
    }
  }
  out.StartObject();
  WriteCapacityList(out, capacity, per_table, "WriteCapacityUnits");
  if (metrics && *metrics == "SIZE" && !collections.empty()) {
    WriteKey(out, "ItemCollectionMetrics");
    out.StartObject();
    for (const auto& [table, list] : collections) {
      WriteKey(out, table);
      out.StartArray();
      for (const auto& [i, bytes] : list) {
        WriteItemCollectionMetrics(out, *elements[i].table, elements[i].key, bytes);
      }
      out.EndArray();
    }
    out.EndObject();
  }
  out.EndObject();
  return Status::OK();
}

Status TransactGetItems(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(std::vector<Element> elements, ParseElements(request, true, errors));
  DDBD_ASSIGN_OR_RETURN(CapacityMode capacity, ParseReturnConsumedCapacity(request, errors));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  for (auto& el : elements) DDBD_RETURN_IF_ERROR(ReadActionContents(el));
  DDBD_RETURN_IF_ERROR(ResolveKeys(ctx, elements));
  DDBD_RETURN_IF_ERROR(KeyCancellation(elements));
  DDBD_RETURN_IF_ERROR(DuplicateCheck(elements));

  std::vector<engine::GetOp> ops;
  for (const auto& el : elements) ops.push_back(engine::GetOp{el.table.get(), el.key});
  std::vector<Status> outcomes;
  auto read = engine::TransactGet(ctx.catalog, ops, &outcomes);
  if (!read.ok()) {
    bool any_action = false;
    for (const auto& s : outcomes) any_action |= !s.ok();
    return any_action ? Cancellation(outcomes) : read.status();
  }
  size_t total = 0;
  for (const auto& r : *read) total += r.size;
  if (total > kMaxAggregateBytes) {
    return Status::Validation(
        "The aggregate size of the items in the transaction exceeded 4 MB");  // unverified
  }
  PerTableUnits per_table;
  for (size_t i = 0; i < elements.size(); ++i) {
    UnitsOf(per_table, elements[i].table->name()).table += (*read)[i].units;
  }
  out.StartObject();
  WriteCapacityList(out, capacity, per_table, "ReadCapacityUnits");
  WriteKey(out, "Responses");
  out.StartArray();
  for (size_t i = 0; i < elements.size(); ++i) {
    out.StartObject();
    const auto& item = (*read)[i].item;
    if (item) {
      // A projection that keeps nothing leaves the slot empty, as for a missing item.
      const Element& el = elements[i];
      Item shown = el.e.projection ? expr::Project(*item, el.e.projection->paths, el.e.ph) : *item;
      if (!shown.empty()) {
        WriteKey(out, "Item");
        model::WriteAttributeMap(out, shown);
      }
    }
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
