#include "api/dispatcher.h"

#include <exception>
#include <string>

#include "api/ops/ops.h"
#include "common/logging.h"
#include "engine/table_meta.h"

namespace ddbd::api {
namespace {

enum Service { kDynamo, kStreams };

Status UnknownOperation() {
  return Status(ErrorCode::kUnknownOperation, "Unknown operation exception");
}

// Operations of the API that ddbd does not implement yet answer like unknown ones, with a
// message saying so (docs/compatibility.md lists them).
Status NotImplemented(OpContext&, const Json&, JsonWriter&) {
  return Status(ErrorCode::kUnknownOperation, "This operation is not implemented by ddbd yet");
}

struct OperationRow {
  Service service;
  std::string_view name;
  OpHandler handler;
};

constexpr OperationRow kOperations[] = {
#define DDBD_OP(service, name, handler) {service, name, &handler},
#include "api/operations.def"
#undef DDBD_OP
};

const OperationRow* FindOperation(std::string_view target) {
  constexpr std::string_view kDynamoPrefix = "DynamoDB_20120810.";
  constexpr std::string_view kStreamsPrefix = "DynamoDBStreams_20120810.";
  Service service;
  if (target.substr(0, kDynamoPrefix.size()) == kDynamoPrefix) {
    service = kDynamo;
    target.remove_prefix(kDynamoPrefix.size());
  } else if (target.substr(0, kStreamsPrefix.size()) == kStreamsPrefix) {
    service = kStreams;
    target.remove_prefix(kStreamsPrefix.size());
  } else {
    return nullptr;
  }
  for (const auto& row : kOperations) {
    if (row.service == service && row.name == target) return &row;
  }
  return nullptr;
}

// Where the service accepts a table ARN for a table name (TableName of single-table operations
// and of transaction items), the ARN of one of the caller's tables becomes its name. A
// well-formed table ARN of another account or region names no table of the caller's.
Status ResolveTableArn(rapidjson::Value& owner, const CallerContext& caller,
                       rapidjson::MemoryPoolAllocator<>& allocator) {
  if (!owner.IsObject()) return Status::OK();
  auto it = owner.FindMember("TableName");
  if (it == owner.MemberEnd() || !it->value.IsString()) return Status::OK();
  auto arn = engine::ParseTableArn({it->value.GetString(), it->value.GetStringLength()});
  if (!arn || !arn->sub.empty()) return Status::OK();  // not a table ARN: the name's checks answer
  if (!arn->Of(caller.account, caller.region)) {
    return Status::ResourceNotFound("Requested resource not found");
  }
  it->value.SetString(arn->table.data(), static_cast<rapidjson::SizeType>(arn->table.size()),
                      allocator);
  return Status::OK();
}

Status ResolveTableArns(std::string_view operation, rapidjson::Document& request,
                        const CallerContext& caller) {
  if (!request.IsObject()) return Status::OK();
  auto& allocator = request.GetAllocator();
  DDBD_RETURN_IF_ERROR(ResolveTableArn(request, caller, allocator));
  if (operation == "TransactWriteItems" || operation == "TransactGetItems") {
    auto items = request.FindMember("TransactItems");
    if (items != request.MemberEnd() && items->value.IsArray()) {
      for (auto& item : items->value.GetArray()) {
        if (!item.IsObject()) continue;
        for (auto& action : item.GetObject()) {
          DDBD_RETURN_IF_ERROR(ResolveTableArn(action.value, caller, allocator));
        }
      }
    }
  }
  return Status::OK();
}

}  // namespace

bool Dispatcher::IsKnownOperation(std::string_view target) {
  return FindOperation(target) != nullptr;
}

Dispatcher::Dispatcher(engine::Catalog* catalog, triggers::TriggerService* triggers,
                       engine::BackupService* backups, transfer::ExportService* exports,
                       transfer::ImportService* imports)
    : catalog_(catalog),
      triggers_(triggers),
      backups_(backups),
      exports_(exports),
      imports_(imports),
      tokens_(std::make_unique<engine::TokenStore>(catalog)) {}
Dispatcher::~Dispatcher() = default;

ApiReply Dispatcher::Handle(std::string_view target, std::string_view body,
                            const CallerContext& caller) const noexcept {
  try {
    const OperationRow* op = FindOperation(target);
    if (op == nullptr) return ErrorReply(UnknownOperation());
    // The parsed request lives in a per-thread arena first (no 64 KB chunk allocation per
    // request); big documents spill to the heap.
    thread_local char arena[32 * 1024];
    rapidjson::MemoryPoolAllocator<> allocator(arena, sizeof(arena));
    rapidjson::Document request(&allocator);
    // Invalid UTF-8 and lone surrogates are rejected before anything else looks at it.
    if (Status parsed = model::ParseRequestJson(body, &request); !parsed.ok()) {
      return ErrorReply(parsed);
    }
    if (op->service == kDynamo && op->name != "CreateTable") {
      if (Status resolved = ResolveTableArns(op->name, request, caller); !resolved.ok()) {
        return ErrorReply(resolved);
      }
    }
    rapidjson::StringBuffer buffer(nullptr, 4096);
    JsonWriter writer(buffer);
    OpContext ctx{*catalog_, caller, *tokens_, backups_, exports_, imports_};
    Status status = op->handler(ctx, request, writer);
    if (!status.ok()) return ErrorReply(status);
    return ApiReply{200, std::string(buffer.GetString(), buffer.GetSize()), {}};
  } catch (const std::exception& e) {
    DDBD_LOG_ERROR("internal error in {}: {}", target, e.what());
    return ErrorReply(Status::Internal("Internal server error"));
  } catch (...) {
    DDBD_LOG_ERROR("internal error in {}", target);
    return ErrorReply(Status::Internal("Internal server error"));
  }
}

}  // namespace ddbd::api
