// Request members that several operations share, parsed one way with the service's
// constraint messages: ReturnConsumedCapacity (item operations, Query/Scan, batches),
// AttributeDefinitions (CreateTable, UpdateTable), ProvisionedThroughput (tables and GSIs),
// BillingMode and OnDemandThroughput. Constraint violations are collected into `errors` (the
// caller reports them together, as the service does); wrong JSON types are
// SerializationException at once.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "api/dispatcher.h"
#include "api/json_util.h"
#include "engine/table_admin.h"
#include "engine/table_meta.h"

namespace ddbd::api {

enum class CapacityMode { kNone, kTotal, kIndexes };
// ReturnConsumedCapacity: NONE (or absent), TOTAL or INDEXES.
Result<CapacityMode> ParseReturnConsumedCapacity(const Json& request, ConstraintErrors& errors);

// AttributeDefinitions (nullopt if absent). Types other than S, N and B are constraint
// errors.
Result<std::optional<std::vector<engine::KeyElement>>> ParseAttributeDefinitions(
    const Json& request, ConstraintErrors& errors);

// A ProvisionedThroughput member of `obj` (nullopt if absent); `path` is its constraint path
// (e.g. "provisionedThroughput").
Result<std::optional<engine::Throughput>> ParseProvisionedThroughput(
    const Json& obj, const std::string& path, ConstraintErrors& errors,
    const char* member = "ProvisionedThroughput");

// BillingMode (nullopt if absent).
Result<std::optional<engine::BillingMode>> ParseBillingMode(const Json& request,
                                                            ConstraintErrors& errors);

// OnDemandThroughput as (MaxReadRequestUnits, MaxWriteRequestUnits), -1 for an absent one
// (nullopt if the member is absent), with the service's range check (`creating`: CreateTable,
// where -1 is out of range too).
Result<std::optional<std::pair<int64_t, int64_t>>> ParseOnDemandThroughput(const Json& request,
                                                                           bool creating);

// The WarmThroughput member of a request or index definition (nullopt if absent; either
// member may be absent).
Result<std::optional<engine::WarmSpec>> ParseWarmThroughput(const Json& owner);

// StreamSpecification (nullopt if absent): StreamEnabled required, StreamViewType one of the
// four view types.
// SSESpecification: nullopt when absent; "" for the AWS owned key (Enabled false); else the ARN
// of the KMS key (the account's AWS managed key unless KMSMasterKeyId names one). Recorded and
// described; the data files are not encrypted with it (docs/compatibility.md).
Result<std::optional<std::string>> ParseSseSpecification(const Json& request,
                                                         const CallerContext& caller,
                                                         ConstraintErrors& errors,
                                                         const char* member = "SSESpecification");

Result<std::optional<engine::StreamChange>> ParseStreamSpecification(const Json& request,
                                                                     ConstraintErrors& errors);

}  // namespace ddbd::api
