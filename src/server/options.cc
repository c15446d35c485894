#include "ddbd/options.h"

#include <charconv>

namespace ddbd {

std::string UsageText() {
  return R"(Usage: ddbd [flags]
A DynamoDB-compatible database server.

  --port N            TCP port to listen on (default 8000; 0 = pick a free one and log it)
  --bind ADDRESS      address to listen on (default 127.0.0.1; 0.0.0.0 for all interfaces)
  --data-dir DIR      where data is kept (default ./ddbd-data)
  --in-memory         keep everything in memory; nothing is written to disk
  --credentials FILE  verify SigV4 signatures against the profiles of FILE (the
                      ~/.aws/credentials format; aws_account_id gives a profile's account).
                      Without it, any well-formed credentials are accepted.
  --sync              fsync the write-ahead log on every write (survive power loss)
  --threads N         I/O threads (default: number of cores)
  --item-collection-limit BYTES
                      size limit of an item collection of a table with local secondary
                      indexes (default 10 GB, as the service; small values help tests)
  --no-throttling     never throttle: capacity is still reported, not enforced
  --no-legacy-global-tables
                      answer CreateGlobalTable (global tables version 2017.11.29) with the
                      service's refusal, as the service does since 2026; by default ddbd
                      still creates them, for older tooling
  --partition-split-bytes BYTES
                      split a partition past this size (default 10 GB, as the service)
  --burst-seconds N   seconds of unused provisioned capacity a partition banks (default 300,
                      as the service; small values make throttling tests quick)
  --gsi-propagation-delay MS
                      hold global secondary index updates back MS milliseconds, to test
                      code against the service's eventually consistent GSIs (default 0:
                      a Query or Scan on a GSI sees every write that returned before it)
  --change-log-retention-seconds N
                      keep change-log records at least this long, and longer while a
                      consumer (a GSI, later a stream or replica) still needs them
                      (default 0: only what consumers need)
  --test-backfill-pause-ms N
                      (tests) pause N ms between GSI backfill chunks
  --test-hooks        (tests) serve POST /test/advance-clock?seconds=N, which moves the
                      server's clock forward (stream trimming, iterator expiry, TTL)
  --test-transaction-delay-ms N
                      (tests) keep every transaction in flight N ms before it commits, so
                      that conflicts and in-progress tokens can be observed
  --min-free-disk-bytes BYTES
                      refuse writes (InternalServerError) while the data directory has less
                      free space, so the storage never runs out of it; writes resume by
                      themselves once space is freed (default 67108864)
  --max-connections N open connections at most; more clients wait until one closes
                      (default: from the descriptor limit, leaving room for the storage)
  --max-inflight-bytes BYTES
                      request bodies being read or handled at once, in bytes; a request
                      over it waits (default 268435456)
  --ttl-interval SECONDS
                      how often Time to Live deletes expired items (default 5): an item
                      goes within about this long of its expiry time (the service takes
                      up to a few days)
  --pitr-lag-seconds N
                      how far a table's LatestRestorableDateTime trails the clock with
                      point-in-time recovery on (default 300, as the service; 0 lets a
                      table be restored to the second just past)
  --backup-copy-share PERCENT
                      the share of a core a backup copy may use, sleeping the rest, so
                      that taking a backup does not slow the table's load down
                      (default 10; 100 copies as fast as it can)
  --s3-dir DIR        where exports to S3 go and imports come from: bucket B is the
                      directory DIR/B, which must exist (default DATA_DIR/s3, or ./ddbd-s3
                      with --in-memory)
  --s3-endpoint URL   use an S3-compatible server instead (http://host:port, e.g. MinIO or
                      s3rver): path-style requests signed with SigV4
  --s3-region REGION  the region S3 requests are signed for (default us-east-1)
  --s3-credentials KEY:SECRET
                      the access key S3 requests are signed with (default: the environment's
                      AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY)
  --s3-part-size BYTES
                      objects larger than this go up as a multipart upload in parts of this
                      size (default 16777216; at least 5242880, S3's smallest part)
  --lambda-endpoint URL
                      where the functions of triggers (Lambda event source mappings on
                      streams) run: an http:// endpoint serving the Lambda Invoke API
                      (POST /2015-03-31/functions/NAME/invocations), e.g. the one of
                      `sam local start-lambda`
  --replica-peer REGION=URL
                      the ddbd at URL (http://host:port) serves REGION: replicas of global
                      tables there live on it, and the two servers replicate to each other
                      over HTTP, signed with a key of --credentials (repeatable)
  --lambda-function NAME=URL | NAME=exec:PATH
                      where function NAME runs (overrides --lambda-endpoint): an endpoint
                      as above, or a command run per batch with the event on its standard
                      input (its output is the response, a non-zero exit a failure);
                      repeatable
  --log-level LEVEL   trace, debug, info, warn, error or off (default info)
  --help              this text
  --version           print the version
)";
}

Result<CommandLineAction> ParseCommandLine(const std::vector<std::string>& args,
                                           ServerOptions* options) {
  auto bad = [](const std::string& what) {
    return Status::Validation(what + "\n\n" + UsageText());
  };
  for (size_t i = 0; i < args.size(); ++i) {
    std::string flag = args[i];
    std::string value;
    bool has_inline_value = false;
    if (auto eq = flag.find('='); flag.rfind("--", 0) == 0 && eq != std::string::npos) {
      value = flag.substr(eq + 1);
      flag = flag.substr(0, eq);
      has_inline_value = true;
    }
    auto take_value = [&]() -> bool {
      if (has_inline_value) return true;
      if (i + 1 >= args.size()) return false;
      value = args[++i];
      return true;
    };
    auto take_int = [&](int64_t min, int64_t max, int64_t* out) -> bool {
      if (!take_value()) return false;
      auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), *out);
      return ec == std::errc() && p == value.data() + value.size() && *out >= min && *out <= max;
    };
    int64_t n = 0;
    if (flag == "--help" || flag == "-h") return CommandLineAction::kHelp;
    if (flag == "--version") return CommandLineAction::kVersion;
    if (flag == "--no-legacy-global-tables") {
      options->legacy_global_tables = false;
    } else if (flag == "--no-throttling") {
      options->throttling = false;
    } else if (flag == "--change-log-retention-seconds") {
      if (!take_int(0, int64_t{1} << 40, &n))
        return bad("--change-log-retention-seconds needs seconds");
      options->change_log_retention_seconds = n;
    } else if (flag == "--gsi-propagation-delay") {
      if (!take_int(0, 600000, &n)) return bad("--gsi-propagation-delay needs milliseconds");
      options->gsi_propagation_delay_ms = static_cast<int>(n);
    } else if (flag == "--burst-seconds") {
      if (!take_int(0, 3600, &n)) return bad("--burst-seconds needs a number from 0 to 3600");
      options->burst_seconds = static_cast<double>(n);
    } else if (flag == "--partition-split-bytes") {
      if (!take_int(1, int64_t{1} << 50, &n)) return bad("--partition-split-bytes needs bytes");
      options->partition_split_bytes = n;
    } else if (flag == "--in-memory") {
      options->in_memory = true;
    } else if (flag == "--sync") {
      options->sync_writes = true;
    } else if (flag == "--port") {
      if (!take_int(0, 65535, &n)) return bad("--port needs a number from 0 to 65535");
      options->port = static_cast<uint16_t>(n);
    } else if (flag == "--threads") {
      if (!take_int(1, 256, &n)) return bad("--threads needs a number from 1 to 256");
      options->threads = static_cast<int>(n);
    } else if (flag == "--item-collection-limit") {
      if (!take_int(1, int64_t{1} << 50, &n)) return bad("--item-collection-limit needs bytes");
      options->item_collection_limit = n;
    } else if (flag == "--test-backfill-pause-ms") {
      if (!take_int(0, 60000, &n)) return bad("--test-backfill-pause-ms needs milliseconds");
      options->backfill_pause_ms = static_cast<int>(n);
    } else if (flag == "--test-hooks") {
      options->test_hooks = true;
    } else if (flag == "--test-transaction-delay-ms") {
      if (!take_int(0, 60000, &n)) return bad("--test-transaction-delay-ms needs milliseconds");
      options->transaction_delay_ms = static_cast<int>(n);
    } else if (flag == "--min-free-disk-bytes") {
      if (!take_int(0, int64_t{1} << 50, &n)) return bad("--min-free-disk-bytes needs bytes");
      options->min_free_disk_bytes = static_cast<uint64_t>(n);
    } else if (flag == "--max-connections") {
      if (!take_int(1, 1 << 20, &n)) return bad("--max-connections needs a number from 1");
      options->max_connections = static_cast<size_t>(n);
    } else if (flag == "--max-inflight-bytes") {
      if (!take_int(1 << 20, int64_t{1} << 40, &n)) {
        return bad("--max-inflight-bytes needs bytes (at least 1048576)");
      }
      options->max_inflight_bytes = static_cast<size_t>(n);
    } else if (flag == "--bind") {
      if (!take_value()) return bad("--bind needs an address");
      options->bind_address = value;
    } else if (flag == "--data-dir") {
      if (!take_value()) return bad("--data-dir needs a directory");
      options->data_dir = value;
    } else if (flag == "--credentials") {
      if (!take_value()) return bad("--credentials needs a file");
      options->credentials_file = value;
    } else if (flag == "--pitr-lag-seconds") {
      if (!take_int(0, 86400, &n)) return bad("--pitr-lag-seconds needs seconds from 0 to 86400");
      options->pitr_lag_seconds = n;
    } else if (flag == "--backup-copy-share") {
      if (!take_int(1, 100, &n)) return bad("--backup-copy-share needs a percentage from 1 to 100");
      options->backup_copy_share_percent = static_cast<int>(n);
    } else if (flag == "--s3-dir") {
      if (!take_value()) return bad("--s3-dir needs a directory");
      options->s3_dir = value;
    } else if (flag == "--s3-endpoint") {
      if (!take_value()) return bad("--s3-endpoint needs a URL");
      options->s3_endpoint = value;
    } else if (flag == "--s3-region") {
      if (!take_value() || value.empty()) return bad("--s3-region needs a region");
      options->s3_region = value;
    } else if (flag == "--s3-credentials") {
      if (!take_value() || value.find(':') == std::string::npos) {
        return bad("--s3-credentials needs KEY:SECRET");
      }
      options->s3_credentials = value;
    } else if (flag == "--s3-part-size") {
      if (!take_int(int64_t{5} << 20, int64_t{5} << 30, &n)) {
        return bad("--s3-part-size needs bytes from 5242880 to 5368709120");
      }
      options->s3_part_size = static_cast<size_t>(n);
    } else if (flag == "--ttl-interval") {
      if (!take_int(1, 86400, &n)) return bad("--ttl-interval needs seconds from 1 to 86400");
      options->ttl_interval_seconds = static_cast<int>(n);
    } else if (flag == "--lambda-endpoint") {
      if (!take_value()) return bad("--lambda-endpoint needs a URL");
      options->lambda_endpoint = value;
    } else if (flag == "--replica-peer") {
      if (!take_value() || value.find("=http://") == std::string::npos) {
        return bad("--replica-peer needs REGION=http://host:port");
      }
      options->replica_peers.push_back(value);
    } else if (flag == "--lambda-function") {
      if (!take_value() || value.find('=') == std::string::npos) {
        return bad("--lambda-function needs NAME=URL or NAME=exec:PATH");
      }
      options->lambda_functions.push_back(value);
    } else if (flag == "--log-level") {
      if (!take_value()) return bad("--log-level needs a level");
      options->log_level = value;
    } else {
      return bad("unknown flag: " + args[i]);
    }
  }
  return CommandLineAction::kRun;
}

}  // namespace ddbd
