// ServerOptions: everything `ddbd` can be told on its command line.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ddbd/status.h"

namespace ddbd {

struct ServerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 8000;  // 0 = pick a free port (logged at start)
  std::string data_dir = "./ddbd-data";
  bool in_memory = false;        // no data directory; everything is lost at exit
  std::string credentials_file;  // empty = accept any well-formed credentials
  std::string log_level = "info";
  int threads = 0;           // 0 = number of cores
  bool sync_writes = false;  // fsync every write (power-loss durability)
  std::string default_account = "000000000000";
  bool throttling = true;            // enforce provisioned and per-partition capacity
  bool legacy_global_tables = true;  // CreateGlobalTable (version 2017.11.29) creates groups
  double burst_seconds = 300;        // unused capacity a provisioned partition may bank
  int64_t partition_split_bytes = int64_t{10} << 30;  // split partitions past this size
  int backfill_pause_ms = 0;  // test hook: pause between GSI backfill chunks
  // 0: GSI reads wait until the index has every write that returned before them; > 0: index
  // updates are held back this long and reads do not wait (the service's eventual consistency).
  int gsi_propagation_delay_ms = 0;
  bool test_hooks = false;       // POST /test/advance-clock?seconds=N moves the server's time
  int transaction_delay_ms = 0;  // test hook: keep each transaction in flight this long
  // Writes are refused while the data directory has less free space than this.
  uint64_t min_free_disk_bytes = uint64_t{64} << 20;
  // Open connections at most; 0 = derived from the descriptor limit (RLIMIT_NOFILE).
  size_t max_connections = 0;
  // Bytes of request bodies in flight at most, across connections (requests over it wait).
  size_t max_inflight_bytes = size_t{256} << 20;
  // Change-log records are kept at least this long (longer while a consumer needs them).
  int64_t change_log_retention_seconds = 0;
  int64_t item_collection_limit = int64_t{10} << 30;  // bytes; the service's 10 GB
  // How often the Time to Live sweeper deletes expired items, in seconds.
  int ttl_interval_seconds = 5;
  // How far LatestRestorableDateTime trails the clock (the service: 5 minutes).
  int64_t pitr_lag_seconds = 300;
  // The share of a core a backup copy may use (percent): copies never slow the load much.
  int backup_copy_share_percent = 10;
  // Where exports write (buckets are its directories); "" = <data dir>/s3, or ./ddbd-s3 in memory.
  std::string s3_dir;
  // ...or an S3-compatible endpoint (http://host:port; path-style, SigV4), which replaces it.
  std::string s3_endpoint;
  std::string s3_region = "us-east-1";
  // "KEY:SECRET" for the endpoint; "" = AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
  std::string s3_credentials;
  // Objects larger than this are uploaded in parts of this size (multipart upload).
  size_t s3_part_size = size_t{16} << 20;
  // Where triggers' functions run: the Lambda Invoke API at this endpoint (http://host:port)...
  std::string lambda_endpoint;
  // ...or, per function, NAME=http://host:port or NAME=exec:PATH (a command per batch).
  std::vector<std::string> lambda_functions;
  // Global tables across servers: REGION=http://host:port, the ddbd serving REGION.
  std::vector<std::string> replica_peers;
};

// What the command line asked for.
enum class CommandLineAction { kRun, kHelp, kVersion };

// Parses argv (without argv[0]). ValidationException-coded Status with a usage message on
// unknown or malformed flags.
Result<CommandLineAction> ParseCommandLine(const std::vector<std::string>& args,
                                           ServerOptions* options);
std::string UsageText();

}  // namespace ddbd
