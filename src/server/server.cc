#include "ddbd/server.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

#include <sys/resource.h>

#include "api/dispatcher.h"
#include "auth/credentials.h"
#include "auth/sigv4.h"
#include "common/clock.h"
#include "common/crc32.h"
#include "common/gzip.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "engine/backups.h"
#include "engine/catalog.h"
#include "engine/gsi_applier.h"
#include "engine/replication.h"
#include "engine/ttl.h"
#include "http/listener.h"
#include "server/metrics.h"
#include "server/replica_peers.h"
#include "storage/rocks.h"
#include "transfer/exports.h"
#include "transfer/imports.h"
#include "triggers/trigger_service.h"

namespace ddbd {
namespace {

constexpr char kJsonContentType[] = "application/x-amz-json-1.0";

// How the process's descriptors are shared: the soft limit is raised to the hard one, RocksDB
// keeps a quarter open for table files, and connections get what is left after room for the
// WAL, manifest, logs, listeners and threads.
struct DescriptorBudget {
  uint64_t limit = 0;
  int storage_files = -1;
  size_t connections = 0;
};

DescriptorBudget PlanDescriptors() {
  DescriptorBudget budget;
  struct rlimit rl;
  if (getrlimit(RLIMIT_NOFILE, &rl) != 0) return budget;
  if (rl.rlim_cur < rl.rlim_max) {
    rlimit raised = rl;
    raised.rlim_cur = rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &raised) == 0) rl = raised;
  }
  if (rl.rlim_cur == RLIM_INFINITY) return budget;
  constexpr uint64_t kHeadroom = 64;
  budget.limit = rl.rlim_cur;
  budget.storage_files = static_cast<int>(std::max<uint64_t>(32, budget.limit / 4));
  uint64_t used = static_cast<uint64_t>(budget.storage_files) + kHeadroom;
  budget.connections = budget.limit > used + 16 ? budget.limit - used : 16;
  return budget;
}

// Where exports write and imports read: the S3-compatible endpoint if one is named, else the
// local directory.
Result<std::shared_ptr<transfer::ObjectStore>> OpenS3(const ServerOptions& options) {
  if (options.s3_endpoint.empty()) {
    std::string dir = options.s3_dir;
    if (dir.empty()) dir = options.in_memory ? "ddbd-s3" : options.data_dir + "/s3";
    return std::shared_ptr<transfer::ObjectStore>(transfer::NewDirectoryStore(dir));
  }
  transfer::S3Options s3;
  s3.endpoint = options.s3_endpoint;
  s3.region = options.s3_region;
  s3.part_size = options.s3_part_size;
  if (!options.s3_credentials.empty()) {
    const size_t colon = options.s3_credentials.find(':');
    s3.access_key_id = options.s3_credentials.substr(0, colon);
    s3.secret_access_key = options.s3_credentials.substr(colon + 1);
  } else {
    const char* key = std::getenv("AWS_ACCESS_KEY_ID");
    const char* secret = std::getenv("AWS_SECRET_ACCESS_KEY");
    if (key == nullptr || secret == nullptr) {
      return Status::Validation(
          "--s3-endpoint needs credentials: --s3-credentials KEY:SECRET, or AWS_ACCESS_KEY_ID "
          "and AWS_SECRET_ACCESS_KEY in the environment");
    }
    s3.access_key_id = key;
    s3.secret_access_key = secret;
  }
  auto store = transfer::NewS3Store(std::move(s3));
  if (!store.ok()) return Status::Validation("--s3-endpoint: " + store.status().message());
  return std::shared_ptr<transfer::ObjectStore>(std::move(*store));
}

}  // namespace

struct Server::Impl {
  ServerOptions options;
  const Clock* clock = Clock::System();
  mutable OffsetClock test_clock;  // the clock with --test-hooks
  std::unique_ptr<storage::Store> store;
  std::unique_ptr<engine::Catalog> catalog;
  std::unique_ptr<engine::GsiApplier> gsi_applier;
  std::unique_ptr<engine::LogTrimmer> log_trimmer;
  std::unique_ptr<engine::TtlSweeper> ttl_sweeper;
  std::unique_ptr<engine::BackupService> backups;
  std::unique_ptr<server::HttpReplicaPeers> replica_peers;
  std::unique_ptr<engine::ReplicationService> replication;
  std::unique_ptr<transfer::ExportService> exports;
  std::unique_ptr<transfer::ImportService> imports;
  std::unique_ptr<triggers::MappingStore> mappings;
  std::unique_ptr<triggers::TriggerService> triggers;
  std::unique_ptr<api::Dispatcher> dispatcher;
  std::optional<auth::CredentialStore> credentials;
  std::unique_ptr<http::Listener> listener;
  mutable RequestMetrics metrics;

  // Authenticates the request (signed for `service`); fills the caller's account and region.
  Status Authenticate(const http::Request& request, api::CallerContext* caller,
                      std::string_view service = "dynamodb") const {
    auth::HttpRequestView view{request.method, request.target, {}, request.body};
    view.headers.reserve(request.headers.size());
    for (const auto& [k, v] : request.headers) view.headers.emplace_back(k, v);
    auth::ParseOptions parse_options;
    parse_options.service = service;
    if (credentials) {
      DDBD_ASSIGN_OR_RETURN(
          auto authenticated,
          auth::Authenticate(view, *credentials, clock->NowSeconds(), parse_options));
      caller->region = authenticated.signature.identity.region;
      caller->access_key = authenticated.signature.identity.access_key_id;
      caller->account = authenticated.credential->account_id.empty()
                            ? options.default_account
                            : authenticated.credential->account_id;
      return Status::OK();
    }
    DDBD_ASSIGN_OR_RETURN(auto parsed, auth::ParseSignature(view, parse_options));
    caller->region = parsed.identity.region;
    caller->access_key = parsed.identity.access_key_id;
    caller->account = options.default_account;
    return Status::OK();
  }

  // A peer's replication call (server/replica_peers.h), authenticated as any request.
  static constexpr std::string_view kReplicationPath = "/ddbd/replication/";
  void HandleReplication(const http::Request& request, std::string_view op,
                         http::Response* response) const {
    api::CallerContext caller;
    Result<std::string> answer = Authenticate(request, &caller);
    if (answer.ok()) {
      answer = engine::HandlePeerCall(*catalog, std::string(op), caller.account, request.content());
    }
    response->headers.emplace_back("Content-Type", "application/octet-stream");
    if (answer.ok()) {
      response->status = 200;
      response->body = std::move(answer).value();
      return;
    }
    const ErrorCode code = answer.status().code();
    response->status = code == ErrorCode::kResourceNotFound      ? 404
                       : code == ErrorCode::kInternalServerError ? 500
                                                                 : 400;
    response->body = answer.status().message();
  }

  void Handle(const http::Request& request, http::Response* response) const {
    if (request.method == "GET" && request.target == "/health") {
      response->status = 200;
      response->headers.emplace_back("Content-Type", "application/json");
      response->body = R"({"status":"ok"})";
      return;
    }
    if (request.method == "GET" && request.target == "/") {
      // As the service's endpoint answers ("healthy: dynamodb.us-east-1.amazonaws.com"), with
      // the name the client used.
      response->status = 200;
      response->headers.emplace_back("Content-Type", "text/plain");
      response->body = "healthy: " + std::string(request.Header("Host"));
      return;
    }
    if (request.method == "OPTIONS") {
      // A browser's CORS preflight: any origin, the methods and headers it asks for.
      response->status = 200;
      response->headers.emplace_back("Access-Control-Allow-Origin", "*");
      response->headers.emplace_back("Access-Control-Allow-Methods",
                                     "GET, POST, PUT, DELETE, OPTIONS");
      std::string_view asked = request.Header("Access-Control-Request-Headers");
      response->headers.emplace_back("Access-Control-Allow-Headers",
                                     asked.empty() ? std::string("*") : std::string(asked));
      response->headers.emplace_back("Access-Control-Max-Age", "172800");
      response->headers.emplace_back("x-amzn-RequestId", http::NewRequestId());
      return;
    }
    if (options.test_hooks && request.method == "POST" &&
        request.target.rfind("/test/advance-clock?seconds=", 0) == 0) {
      int64_t seconds = std::atoll(request.target.c_str() + 28);
      test_clock.Advance(seconds * 1000000);
      response->status = 200;
      response->headers.emplace_back("Content-Type", "application/json");
      response->body = "{\"advanced\":" + std::to_string(seconds) + "}";
      return;
    }
    if (request.method == "GET" && request.target == "/metrics") {
      response->status = 200;
      response->headers.emplace_back("Content-Type", "text/plain; version=0.0.4");
      response->body = metrics.Prometheus(*catalog, *gsi_applier) + TriggersPrometheus(*triggers) +
                       InsightsPrometheus(*catalog) + ReplicationPrometheus(*replication) +
                       "# HELP ddbd_ttl_deleted_items_total Items Time to Live deleted.\n"
                       "# TYPE ddbd_ttl_deleted_items_total counter\n"
                       "ddbd_ttl_deleted_items_total " +
                       std::to_string(ttl_sweeper->deleted()) + "\n";
      return;
    }
    if (request.method == "GET" && request.target.rfind("/contributor-insights", 0) == 0) {
      auto param = [&](const char* name) {
        std::string key = std::string(name) + "=";
        auto q = request.target.find('?');
        std::string_view query = q == std::string::npos
                                     ? std::string_view()
                                     : std::string_view(request.target).substr(q + 1);
        while (!query.empty()) {
          std::string_view pair = query.substr(0, query.find('&'));
          query.remove_prefix(std::min(query.size(), pair.size() + 1));
          if (pair.substr(0, key.size()) == key) return auth::UriDecode(pair.substr(key.size()));
        }
        return std::string();
      };
      response->status = 200;
      response->headers.emplace_back("Content-Type", "application/json");
      response->body = ContributorInsightsJson(*catalog, param("table"), param("index"));
      return;
    }
    if (request.method == "GET" && request.target.rfind("/partitions", 0) == 0) {
      std::string table;
      if (auto q = request.target.find("table="); q != std::string::npos) {
        table = request.target.substr(q + 6);
        table = table.substr(0, table.find('&'));
      }
      response->status = 200;
      response->headers.emplace_back("Content-Type", "application/json");
      response->body = PartitionsJson(*catalog, table);
      return;
    }
    auto started = std::chrono::steady_clock::now();
    const std::string_view path =
        std::string_view(request.target)
            .substr(0, std::min(request.target.size(), request.target.find('?')));
    if (request.method == "POST" && path.rfind(kReplicationPath, 0) == 0) {
      HandleReplication(request, path.substr(kReplicationPath.size()), response);
      return;
    }
    if (api::Dispatcher::IsLambdaPath(path)) {
      HandleLambda(request, path, started, response);
      return;
    }
    api::ApiReply reply;
    api::CallerContext caller;
    caller.host = std::string(request.Header("Host"));
    if (request.method != "POST") {
      reply = api::Dispatcher::ErrorReply(
          Status(ErrorCode::kUnknownOperation, "Unknown operation exception"));
    } else if (Status auth_status = Authenticate(request, &caller); !auth_status.ok()) {
      reply = api::Dispatcher::ErrorReply(auth_status);
    } else if (request.decode_failed) {
      // A body that is not the gzip or deflate data its Content-Encoding says.
      reply = api::Dispatcher::ErrorReply(Status(ErrorCode::kSerialization, ""));
    } else {
      reply = dispatcher->Handle(request.Header("X-Amz-Target"), request.content(), caller);
    }
    // Only known operations get a series of their own: any other target (unauthenticated
    // requests can send anything) counts as "unknown", so /metrics stays bounded.
    std::string_view target = request.Header("X-Amz-Target");
    std::string operation = api::Dispatcher::IsKnownOperation(target)
                                ? std::string(target.substr(target.find('.') + 1))
                                : std::string("unknown");
    std::string outcome = "OK";
    if (reply.http_status != 200) {
      auto hash = reply.body.find('#');
      auto end = reply.body.find('"', hash);
      outcome = hash == std::string::npos ? "Error" : reply.body.substr(hash + 1, end - hash - 1);
    }
    metrics.Record(
        operation, outcome,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    response->status = reply.http_status;
    response->headers.emplace_back("Content-Type", kJsonContentType);
    response->headers.emplace_back("x-amzn-RequestId", http::NewRequestId());
    // The service gzips larger responses for clients that accept it; x-amz-crc32 is then
    // the CRC of the compressed bytes, as SDKs check it.
    if (reply.body.size() > kCompressAbove && AcceptsGzip(request.Header("Accept-Encoding"))) {
      reply.body = Gzip(reply.body);
      response->headers.emplace_back("Content-Encoding", "gzip");
    }
    response->headers.emplace_back("x-amz-crc32", std::to_string(Crc32(reply.body)));
    AddCorsHeaders(request, response);
    response->body = std::move(reply.body);
  }

  // Responses above this many bytes are compressed when the client accepts gzip (the
  // service's threshold, about 4 KB, as AWS staff describe it).
  static constexpr size_t kCompressAbove = 4096;

  // True if an Accept-Encoding header lists gzip (or *) without q=0.
  static bool AcceptsGzip(std::string_view header) {
    while (!header.empty()) {
      std::string_view item = header.substr(0, header.find(','));
      header.remove_prefix(std::min(header.size(), item.size() + 1));
      std::string lower;
      for (char c : item) {
        if (c != ' ' && c != '\t')
          lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      const std::string coding = lower.substr(0, lower.find(';'));
      if (coding != "gzip" && coding != "x-gzip" && coding != "*") continue;
      const size_t q = lower.find(";q=");
      if (q == std::string::npos) return true;
      const std::string weight = lower.substr(q + 3);
      if (weight.find_first_not_of("0.") != std::string::npos) return true;  // q > 0
    }
    return false;
  }

  // Browsers (the JS SDK in a web page) read responses of any origin.
  static void AddCorsHeaders(const http::Request& request, http::Response* response) {
    if (request.Header("Origin").empty()) return;
    response->headers.emplace_back("Access-Control-Allow-Origin", "*");
    response->headers.emplace_back(
        "Access-Control-Expose-Headers",
        "x-amzn-RequestId,x-amzn-ErrorType,x-amzn-ErrorMessage,Date,x-amz-crc32");
  }

  // The Lambda API's event source mapping operations (REST-JSON, signed for "lambda").
  void HandleLambda(const http::Request& request, std::string_view path,
                    std::chrono::steady_clock::time_point started, http::Response* response) const {
    api::RestRequest rest{request.method, path, {}, request.content()};
    if (path.size() < request.target.size()) {
      std::string_view query = std::string_view(request.target).substr(path.size() + 1);
      while (!query.empty()) {
        std::string_view pair = query.substr(0, query.find('&'));
        query.remove_prefix(std::min(query.size(), pair.size() + 1));
        const size_t eq = pair.find('=');
        rest.query.emplace_back(
            auth::UriDecode(pair.substr(0, eq)),
            eq == std::string_view::npos ? std::string() : auth::UriDecode(pair.substr(eq + 1)));
      }
    }
    api::ApiReply reply;
    api::CallerContext caller;
    if (Status auth_status = Authenticate(request, &caller, "lambda"); !auth_status.ok()) {
      reply = api::Dispatcher::ErrorReply(auth_status);
      reply.headers.emplace_back("x-amzn-ErrorType",
                                 std::string(GetErrorInfo(auth_status.code()).wire_name));
    } else {
      reply = dispatcher->HandleLambda(rest, caller);
    }
    std::string outcome = "OK";
    for (const auto& [name, value] : reply.headers) {
      if (name == "x-amzn-ErrorType") outcome = value;
    }
    metrics.Record(
        std::string(api::Dispatcher::LambdaOperationName(request.method, path)), outcome,
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count());
    response->status = reply.http_status;
    response->headers.emplace_back("Content-Type", "application/json");
    response->headers.emplace_back("x-amzn-RequestId", NewUuid());
    for (auto& header : reply.headers) response->headers.push_back(std::move(header));
    AddCorsHeaders(request, response);
    response->body = std::move(reply.body);
  }
};

Server::Server(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Server::~Server() = default;

Result<std::unique_ptr<Server>> Server::Start(const ServerOptions& options) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  if (options.test_hooks) impl->clock = &impl->test_clock;
  if (!options.credentials_file.empty()) {
    DDBD_ASSIGN_OR_RETURN(auto credentials,
                          auth::CredentialStore::LoadFile(options.credentials_file));
    DDBD_LOG_INFO("verifying signatures for {} access keys from {}", credentials.size(),
                  options.credentials_file);
    impl->credentials = std::move(credentials);
  }
  const DescriptorBudget descriptors = PlanDescriptors();
  storage::StoreOptions store_options;
  store_options.max_open_files = descriptors.storage_files;
  store_options.min_free_bytes = options.min_free_disk_bytes;
  store_options.path = options.data_dir;
  store_options.in_memory = options.in_memory;
  store_options.sync_writes = options.sync_writes;
  DDBD_ASSIGN_OR_RETURN(impl->store, storage::Store::Open(store_options));
  engine::CatalogOptions catalog_options;
  catalog_options.throttling = options.throttling;
  catalog_options.legacy_global_tables = options.legacy_global_tables;
  catalog_options.burst_seconds = options.burst_seconds;
  catalog_options.partition_split_bytes = options.partition_split_bytes;
  catalog_options.item_collection_limit = options.item_collection_limit;
  catalog_options.clock = impl->clock;
  catalog_options.transaction_delay_ms = options.transaction_delay_ms;
  DDBD_ASSIGN_OR_RETURN(impl->catalog, engine::Catalog::Open(impl->store.get(), catalog_options));
  impl->gsi_applier = std::make_unique<engine::GsiApplier>(
      impl->catalog.get(), options.backfill_pause_ms, options.gsi_propagation_delay_ms);
  impl->log_trimmer = std::make_unique<engine::LogTrimmer>(impl->catalog.get(),
                                                           options.change_log_retention_seconds);
  impl->ttl_sweeper =
      std::make_unique<engine::TtlSweeper>(impl->catalog.get(), options.ttl_interval_seconds);
  DDBD_ASSIGN_OR_RETURN(auto functions, triggers::FunctionDirectory::Make(
                                            options.lambda_endpoint, options.lambda_functions));
  DDBD_ASSIGN_OR_RETURN(impl->mappings, triggers::MappingStore::Open(impl->store.get()));
  impl->triggers = std::make_unique<triggers::TriggerService>(
      impl->catalog.get(), impl->mappings.get(), std::move(functions));
  impl->triggers->Sync();
  impl->backups = std::make_unique<engine::BackupService>(
      impl->catalog.get(), options.pitr_lag_seconds, options.backup_copy_share_percent);
  impl->backups->Start();
  if (!options.replica_peers.empty()) {
    DDBD_ASSIGN_OR_RETURN(
        impl->replica_peers,
        server::HttpReplicaPeers::Make(options.replica_peers,
                                       impl->credentials ? &*impl->credentials : nullptr,
                                       options.default_account));
  }
  impl->replication =
      std::make_unique<engine::ReplicationService>(impl->catalog.get(), impl->replica_peers.get());
  DDBD_ASSIGN_OR_RETURN(std::shared_ptr<transfer::ObjectStore> s3, OpenS3(options));
  DDBD_LOG_INFO("exports and imports use the {}", s3->Describe());
  impl->exports = std::make_unique<transfer::ExportService>(impl->catalog.get(), s3);
  impl->exports->Start();
  impl->imports = std::make_unique<transfer::ImportService>(impl->catalog.get(), s3);
  impl->imports->Start();
  impl->dispatcher = std::make_unique<api::Dispatcher>(impl->catalog.get(), impl->triggers.get(),
                                                       impl->backups.get(), impl->exports.get(),
                                                       impl->imports.get());

  http::ListenerOptions listener_options;
  listener_options.bind_address = options.bind_address;
  listener_options.port = options.port;
  listener_options.max_connections =
      options.max_connections != 0 ? options.max_connections : descriptors.connections;
  listener_options.max_inflight_bytes = options.max_inflight_bytes;
  DDBD_LOG_DEBUG("descriptors: limit {}, storage files {}, connections {}", descriptors.limit,
                 descriptors.storage_files, listener_options.max_connections);
  listener_options.threads =
      options.threads > 0 ? options.threads : std::max(2u, std::thread::hardware_concurrency());
  Impl* raw = impl.get();
  DDBD_ASSIGN_OR_RETURN(
      impl->listener,
      http::Listener::Bind(listener_options, [raw](const http::Request& req, http::Response* res) {
        raw->Handle(req, res);
      }));
  return std::unique_ptr<Server>(new Server(std::move(impl)));
}

uint16_t Server::port() const { return impl_->listener->port(); }

void Server::Run() {
  DDBD_LOG_INFO("ddbd listening on {}:{} ({})", impl_->options.bind_address, port(),
                impl_->options.in_memory ? "in memory" : "data in " + impl_->options.data_dir);
  impl_->listener->Run();
  DDBD_LOG_INFO("ddbd stopped");
}

void Server::Stop() { impl_->listener->Stop(); }

}  // namespace ddbd
