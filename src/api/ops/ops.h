// Signatures of the operation handlers (one file per operation family under api/ops/).
// A handler validates its request before any I/O, calls the engine, and writes the JSON
// reply with `out`; on error it returns the Status and whatever it wrote is discarded.
#pragma once

#include "api/dispatcher.h"
#include "api/json_util.h"
#include "api/ops/shapes.h"
#include "api/ops/table_description.h"
#include "engine/backups.h"
#include "engine/catalog.h"
#include "engine/item_ops.h"
#include "engine/transactions.h"
#include "model/attribute_value.h"
#include "transfer/exports.h"
#include "transfer/imports.h"

namespace ddbd::api {

struct OpContext {
  engine::Catalog& catalog;
  const CallerContext& caller;
  engine::TokenStore& tokens;                  // ClientRequestToken idempotency (transactions)
  engine::BackupService* backups = nullptr;    // backups, restores, point-in-time recovery
  transfer::ExportService* exports = nullptr;  // exports to S3
  transfer::ImportService* imports = nullptr;  // imports from S3
};

using OpHandler = Status (*)(OpContext& ctx, const Json& request, JsonWriter& out);

#define DDBD_DECLARE_OP(name) Status name(OpContext& ctx, const Json& request, JsonWriter& out);
DDBD_DECLARE_OP(CreateTable)
DDBD_DECLARE_OP(DeleteTable)
DDBD_DECLARE_OP(DescribeTable)
DDBD_DECLARE_OP(ListTables)
DDBD_DECLARE_OP(UpdateTable)
DDBD_DECLARE_OP(DescribeEndpoints)
DDBD_DECLARE_OP(DescribeLimits)
DDBD_DECLARE_OP(PutItem)
DDBD_DECLARE_OP(GetItem)
DDBD_DECLARE_OP(DeleteItem)
DDBD_DECLARE_OP(UpdateItem)
DDBD_DECLARE_OP(Query)
DDBD_DECLARE_OP(Scan)
DDBD_DECLARE_OP(BatchGetItem)
DDBD_DECLARE_OP(BatchWriteItem)
DDBD_DECLARE_OP(TransactWriteItems)
DDBD_DECLARE_OP(TransactGetItems)
DDBD_DECLARE_OP(ListStreams)
DDBD_DECLARE_OP(DescribeStream)
DDBD_DECLARE_OP(GetShardIterator)
DDBD_DECLARE_OP(GetRecords)
DDBD_DECLARE_OP(UpdateTimeToLive)
DDBD_DECLARE_OP(DescribeTimeToLive)
DDBD_DECLARE_OP(TagResource)
DDBD_DECLARE_OP(UntagResource)
DDBD_DECLARE_OP(ListTagsOfResource)
DDBD_DECLARE_OP(UpdateContributorInsights)
DDBD_DECLARE_OP(DescribeContributorInsights)
DDBD_DECLARE_OP(ListContributorInsights)
DDBD_DECLARE_OP(ExecuteStatement)
DDBD_DECLARE_OP(BatchExecuteStatement)
DDBD_DECLARE_OP(ExecuteTransaction)
DDBD_DECLARE_OP(CreateBackup)
DDBD_DECLARE_OP(DescribeBackup)
DDBD_DECLARE_OP(DeleteBackup)
DDBD_DECLARE_OP(ListBackups)
DDBD_DECLARE_OP(RestoreTableFromBackup)
DDBD_DECLARE_OP(RestoreTableToPointInTime)
DDBD_DECLARE_OP(UpdateContinuousBackups)
DDBD_DECLARE_OP(DescribeContinuousBackups)
DDBD_DECLARE_OP(ExportTableToPointInTime)
DDBD_DECLARE_OP(DescribeExport)
DDBD_DECLARE_OP(ListExports)
DDBD_DECLARE_OP(ImportTable)
DDBD_DECLARE_OP(DescribeImport)
DDBD_DECLARE_OP(ListImports)
DDBD_DECLARE_OP(CreateGlobalTable)
DDBD_DECLARE_OP(UpdateGlobalTable)
DDBD_DECLARE_OP(DescribeGlobalTable)
DDBD_DECLARE_OP(ListGlobalTables)
DDBD_DECLARE_OP(DescribeGlobalTableSettings)
DDBD_DECLARE_OP(UpdateGlobalTableSettings)
// A Query whose filter may test key attributes (PartiQL's WHERE may, beyond the key condition).
DDBD_DECLARE_OP(QueryWithKeyFilter)
#undef DDBD_DECLARE_OP

// The old item carried by a ConditionalCheckFailedException (ReturnValuesOnConditionCheckFailure)
// and rendered by Dispatcher::ErrorReply as "Item".
struct ItemPayload : Status::Payload {
  explicit ItemPayload(model::Item i) : item(std::move(i)) {}
  model::Item item;
};

// One reason of a TransactionCanceledException, in action order: Code "None" for actions that
// would have succeeded; Item for a failed condition with ReturnValuesOnConditionCheckFailure.
struct CancellationReason {
  std::string code;
  std::string message;  // empty for "None"
  std::optional<model::Item> item;
};
struct CancellationPayload : Status::Payload {
  explicit CancellationPayload(std::vector<CancellationReason> r) : reasons(std::move(r)) {}
  std::vector<CancellationReason> reasons;
};

// A ConsumedCapacity object: TableName and CapacityUnits, and with `indexes` the Table /
// LocalSecondaryIndexes / GlobalSecondaryIndexes breakdown. Transactions also report which
// kind of units each figure is (`kind`: "ReadCapacityUnits" or "WriteCapacityUnits").
void WriteConsumedCapacityObject(JsonWriter& out, std::string_view table_name,
                                 const engine::ConsumedUnits& units, bool indexes,
                                 const char* kind = nullptr);

// Units consumed per table, in the order the tables first appear in a request (batches,
// transactions), and the ConsumedCapacity list they are reported as.
using PerTableUnits = std::vector<std::pair<std::string, engine::ConsumedUnits>>;
engine::ConsumedUnits& UnitsOf(PerTableUnits& per_table, const std::string& table);
void WriteCapacityList(JsonWriter& out, CapacityMode mode, const PerTableUnits& per_table,
                       const char* kind = nullptr);

// {"ItemCollectionKey": {...}, "SizeEstimateRangeGB": [lo, hi]} of a table with LSIs.
void WriteItemCollectionMetrics(JsonWriter& out, const engine::Table& table,
                                const engine::PrimaryKey& key, int64_t collection_bytes);

// The Tags member of a request ([{Key, Value}]) with the service's checks of each tag (length,
// characters, the reserved aws: prefix, duplicates) and of the set (50 tags, 10240 bytes).
Result<std::vector<std::pair<std::string, std::string>>> ReadTags(const Json& request);

// A CreateTable request (or ImportTable's TableCreationParameters) checked in the service's
// order: the table's descriptor, its stream, and which WarmThroughput the reply shows.
struct TableDefinition {
  engine::TableMeta meta;
  std::optional<engine::StreamChange> stream;
  WarmView warm_view;
};
Result<TableDefinition> ParseTableDefinition(OpContext& ctx, const Json& request);

// The change-log attribution of the caller's writes (a user request).
engine::CommitOptions UserWrite(const OpContext& ctx);

// Finds the caller's table named by the request's TableName (already validated), or
// ResourceNotFoundException "Requested resource not found" (the item operations' wording).
Result<std::shared_ptr<engine::Table>> FindTableForItemOp(OpContext& ctx, const std::string& name);

}  // namespace ddbd::api
