// Contributor insights: UpdateContributorInsights, DescribeContributorInsights,
// ListContributorInsights over engine/insights (docs/contributor-insights.md).
#include "engine/insights.h"

#include "api/ops/ops.h"
#include "api/ops/table_description.h"

namespace ddbd::api {
namespace {

using engine::TableMeta;

// The caller's table, and the GSI named (if any), or the service's not-found answers.
Result<std::shared_ptr<engine::Table>> FindTarget(OpContext& ctx, const std::string& name,
                                                  const std::optional<std::string>& index) {
  auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, name);
  if (!table) return TableNotFound(name);
  if (index) {
    const engine::IndexMeta* i = table->shared_meta()->FindIndex(*index);
    if (i == nullptr || !i->global) {
      return Status::ResourceNotFound("Requested resource not found: Index: " + *index +
                                      " not found for table: " + name);
    }
  }
  return table;
}

// The service checks IndexName's length with a message of its own.
Status CheckIndexName(const std::optional<std::string>& index) {
  if (index && (index->size() < 3 || index->size() > 255)) {
    return Status::Validation(
        "IndexName must be at least 3 characters long and at most 255 characters long");
  }
  return Status::OK();
}

// The CloudWatch Contributor Insights rules the service names for a table or index.
std::vector<std::string> RuleNames(const TableMeta& meta, const std::optional<std::string>& index,
                                   const TableMeta::InsightsSetting& setting) {
  const bool sort_key =
      index ? meta.FindIndex(*index)->range_key.has_value() : meta.range_key.has_value();
  const std::string suffix =
      "-" + meta.name + (index ? "-" + *index : "") + "-" + std::to_string(setting.updated_ms);
  std::vector<std::string> out;
  const bool accessed = setting.mode != "THROTTLED_KEYS";
  if (accessed) out.push_back("DynamoDBContributorInsights-PKC" + suffix);
  out.push_back("DynamoDBContributorInsights-PKT" + suffix);
  if (sort_key) {
    if (accessed) out.push_back("DynamoDBContributorInsights-SKC" + suffix);
    out.push_back("DynamoDBContributorInsights-SKT" + suffix);
  }
  return out;
}

}  // namespace

Status UpdateContributorInsights(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  errors.TableName(name ? &*name : nullptr);
  DDBD_ASSIGN_OR_RETURN(auto index, GetString(request, "IndexName"));
  DDBD_ASSIGN_OR_RETURN(auto action, GetString(request, "ContributorInsightsAction"));
  if (!action) {
    errors.NotNull("contributorInsightsAction");
  } else if (!IsOneOf(*action, {"ENABLE", "DISABLE"})) {
    errors.Enum(*action, "contributorInsightsAction", "[ENABLE, DISABLE]");
  }
  DDBD_ASSIGN_OR_RETURN(auto mode, GetString(request, "ContributorInsightsMode"));
  if (mode && !IsOneOf(*mode, {"ACCESSED_AND_THROTTLED_KEYS", "THROTTLED_KEYS"})) {
    errors.Enum(*mode, "contributorInsightsMode", "[THROTTLED_KEYS, ACCESSED_AND_THROTTLED_KEYS]");
  }
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  DDBD_RETURN_IF_ERROR(CheckIndexName(index));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTarget(ctx, *name, index));
  const bool enable = *action == "ENABLE";
  const std::string index_key = index.value_or("");
  const int64_t now_ms = ctx.catalog.clock().NowMicros() / 1000;
  std::string final_mode;
  bool changed = true;
  DDBD_RETURN_IF_ERROR(
      ctx.catalog
          .Modify(*table,
                  [&](TableMeta* meta) {
                    TableMeta::InsightsSetting* setting = nullptr;
                    for (auto& s : meta->insights) {
                      if (s.index == index_key) setting = &s;
                    }
                    if (setting == nullptr && !enable) {
                      changed = false;  // never enabled: nothing to disable
                      return Status::OK();
                    }
                    if (setting == nullptr) {
                      meta->insights.push_back({index_key, false, "", 0});
                      setting = &meta->insights.back();
                    }
                    // ENABLE sets the mode (the default
                    // unless given); DISABLE keeps it, whatever it names. A
                    // request that changes nothing answers the settled state.
                    const std::string new_mode =
                        !enable ? setting->mode : mode.value_or("ACCESSED_AND_THROTTLED_KEYS");
                    changed = setting->enabled != enable || (enable && setting->mode != new_mode);
                    final_mode = new_mode;
                    if (!changed) return Status::OK();
                    setting->enabled = enable;
                    setting->mode = new_mode;
                    setting->updated_ms = now_ms;
                    return Status::OK();
                  })
          .status());
  if (!enable) ctx.catalog.insights().Forget(table->table_id(), index_key);
  out.StartObject();
  WriteKey(out, "TableName");
  WriteString(out, *name);
  if (index) {
    WriteKey(out, "IndexName");
    WriteString(out, *index);
  }
  WriteKey(out, "ContributorInsightsStatus");
  WriteString(out,
              enable ? (changed ? "ENABLING" : "ENABLED") : (changed ? "DISABLING" : "DISABLED"));
  if (!final_mode.empty()) {
    WriteKey(out, "ContributorInsightsMode");
    WriteString(out, final_mode);
  }
  out.EndObject();
  return Status::OK();
}

Status DescribeContributorInsights(OpContext& ctx, const Json& request, JsonWriter& out) {
  DDBD_ASSIGN_OR_RETURN(std::string name, RequireTableName(request));
  DDBD_ASSIGN_OR_RETURN(auto index, GetString(request, "IndexName"));
  DDBD_RETURN_IF_ERROR(CheckIndexName(index));
  DDBD_ASSIGN_OR_RETURN(auto table, FindTarget(ctx, name, index));
  auto meta = table->shared_meta();
  const TableMeta::InsightsSetting* setting = meta->FindInsights(index.value_or(""));
  out.StartObject();
  WriteKey(out, "TableName");
  WriteString(out, name);
  if (index) {
    WriteKey(out, "IndexName");
    WriteString(out, *index);
  }
  if (setting != nullptr && setting->enabled) {
    WriteKey(out, "ContributorInsightsRuleList");
    out.StartArray();
    for (const auto& rule : RuleNames(*meta, index, *setting)) WriteString(out, rule);
    out.EndArray();
  }
  WriteKey(out, "ContributorInsightsStatus");
  WriteString(out, setting != nullptr && setting->enabled ? "ENABLED" : "DISABLED");
  if (setting != nullptr) {
    WriteKey(out, "LastUpdateDateTime");
    out.Double(static_cast<double>(setting->updated_ms) / 1000.0);
    WriteKey(out, "ContributorInsightsMode");
    WriteString(out, setting->mode);
  }
  out.EndObject();
  return Status::OK();
}

Status ListContributorInsights(OpContext& ctx, const Json& request, JsonWriter& out) {
  ConstraintErrors errors;
  DDBD_ASSIGN_OR_RETURN(auto name, GetString(request, "TableName"));
  if (name) errors.TableName(&*name);
  DDBD_ASSIGN_OR_RETURN(auto max_results, GetInt(request, "MaxResults"));
  if (max_results) errors.Max(*max_results, "maxResults", 100);
  DDBD_ASSIGN_OR_RETURN(auto token, GetString(request, "NextToken"));
  DDBD_RETURN_IF_ERROR(errors.ToStatus());
  std::vector<std::shared_ptr<engine::Table>> tables;
  if (name) {
    auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, *name);
    if (!table) return TableNotFound(*name);
    tables.push_back(table);
  } else {
    bool more = false;
    for (const auto& n :
         ctx.catalog.List(ctx.caller.account, ctx.caller.region, "", ~size_t{0}, &more)) {
      if (auto table = ctx.catalog.Find(ctx.caller.account, ctx.caller.region, n)) {
        tables.push_back(table);
      }
    }
  }
  // One summary per table and per GSI, whatever their status, as the service lists them.
  struct Summary {
    std::string table, index, status, mode;
  };
  std::vector<Summary> all;
  for (const auto& table : tables) {
    auto meta = table->shared_meta();
    auto add = [&](const std::string& index) {
      const auto* s = meta->FindInsights(index);
      all.push_back({meta->name, index, s != nullptr && s->enabled ? "ENABLED" : "DISABLED",
                     s != nullptr ? s->mode : ""});
    };
    add("");
    for (const auto& index : meta->indexes) {
      if (index.global) add(index.name);
    }
  }
  size_t begin = 0;
  if (token) {
    char* end = nullptr;
    unsigned long long n = std::strtoull(token->c_str(), &end, 10);
    if (token->empty() || *end != '\0' || n > all.size()) {
      return Status::Validation("Invalid NextToken");  // message unverified
    }
    begin = static_cast<size_t>(n);
  }
  const size_t page = static_cast<size_t>(max_results && *max_results > 0 ? *max_results : 100);
  const size_t stop = std::min(all.size(), begin + page);
  out.StartObject();
  WriteKey(out, "ContributorInsightsSummaries");
  out.StartArray();
  for (size_t i = begin; i < stop; ++i) {
    out.StartObject();
    WriteKey(out, "TableName");
    WriteString(out, all[i].table);
    if (!all[i].index.empty()) {
      WriteKey(out, "IndexName");
      WriteString(out, all[i].index);
    }
    WriteKey(out, "ContributorInsightsStatus");
    WriteString(out, all[i].status);
    if (!all[i].mode.empty()) {
      WriteKey(out, "ContributorInsightsMode");
      WriteString(out, all[i].mode);
    }
    out.EndObject();
  }
  out.EndArray();
  if (stop < all.size()) {
    WriteKey(out, "NextToken");
    WriteString(out, std::to_string(stop));
  }
  out.EndObject();
  return Status::OK();
}

}  // namespace ddbd::api
