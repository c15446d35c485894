// Transactions beyond the commit path (docs/transactions.md).
//
// TransactWriteItems commits its actions with engine::Commit (options.transactional): one
// batch, twice the capacity units, conflicts with other transactions through ItemHolds. This
// file adds what the commit path does not know:
//
//  - TransactGet: reads every item from one storage snapshot (a consistent view across tables),
//    is cancelled when an item is held by a write in flight, and costs twice the units of a
//    strongly consistent read.
//  - TokenStore: ClientRequestToken idempotency. A token and a fingerprint of its request are
//    written in the transaction's own batch (so a token exists exactly when its transaction
//    committed), answered for 10 minutes, and survive restarts; a token whose transaction is
//    still running is "in progress".
//
// Thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "ddbd/status.h"

#include "engine/catalog.h"
#include "engine/item_ops.h"

namespace ddbd::engine {

// A new transaction's id (change-log records of its items carry it).
std::string NewTransactionId();

struct GetOp {
  Table* table = nullptr;  // REQUIRES: kept alive by the caller
  PrimaryKey key;
};

struct GetOpResult {
  std::optional<model::Item> item;
  size_t size = 0;
  double units = 0;  // read units charged to the item's table
};

// Reads `ops` from one snapshot. On failure (a conflict, throttling) nothing is charged and
// the first failing op's error is returned; with `op_statuses` every op's outcome.
Result<std::vector<GetOpResult>> TransactGet(Catalog& catalog, const std::vector<GetOp>& ops,
                                             std::vector<Status>* op_statuses = nullptr);

// Idempotency records of ClientRequestToken, per account and region.
class TokenStore {
 public:
  static constexpr int64_t kWindowMicros = 10 * 60 * 1000000LL;

  explicit TokenStore(Catalog* catalog) : catalog_(catalog) {}

  // What the token says about a request with `fingerprint`.
  enum class Outcome {
    kNew,         // unknown (or expired): run the transaction
    kCommitted,   // the same request committed within the window: answer without writing
    kMismatch,    // a different request used the token within the window
    kInProgress,  // the token's transaction is running now
  };
  // Checks the token and, for kNew, marks it in progress until Finish.
  Outcome Begin(const std::string& account, const std::string& region, const std::string& token,
                uint64_t fingerprint);
  // Ends what Begin marked in progress.
  void Finish(const std::string& account, const std::string& region, const std::string& token);
  // The catalog entry recording a committed transaction, to commit in its batch.
  std::pair<std::string, std::string> Record(const std::string& account, const std::string& region,
                                             const std::string& token, uint64_t fingerprint) const;
  // Deletes records past the window (at most every minute; called by Begin).
  void Purge();

 private:
  std::string Key(const std::string& account, const std::string& region,
                  const std::string& token) const;

  Catalog* catalog_;
  std::mutex mu_;
  std::set<std::string> in_progress_;  // GUARDED_BY(mu_)
  int64_t last_purge_us_ = 0;          // GUARDED_BY(mu_)
};

}  // namespace ddbd::engine
