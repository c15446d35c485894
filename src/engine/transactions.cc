#include "engine/transactions.h"

#include "common/coding.h"
#include "common/hash.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "engine/capacity.h"
#include "engine/commit.h"
#include "model/item_size.h"
#include "model/value_codec.h"
#include "storage/key_codec.h"

namespace ddbd::engine {

std::string NewTransactionId() { return NewUuid(); }

Result<std::vector<GetOpResult>> TransactGet(Catalog& catalog, const std::vector<GetOp>& ops,
                                             std::vector<Status>* op_statuses) {
  const size_t n = ops.size();
  if (op_statuses != nullptr) op_statuses->assign(n, Status::OK());
  std::vector<uint64_t> hashes(n);
  Status first_error;
  bool failed = false;
  auto fail = [&](size_t i, Status s) {
    if (op_statuses != nullptr) (*op_statuses)[i] = s;
    if (!failed) first_error = s;
    failed = true;
  };
  for (size_t i = 0; i < n; ++i) {
    Table& table = *ops[i].table;
    hashes[i] = storage::PartitionHash(ops[i].key.hash);
    if (auto admission = table.partitions().AdmitRead(hashes[i]);
        admission != PartitionMap::Admission::kAdmitted) {
      table.partitions().NoteThrottledRead(hashes[i]);
      fail(i, ThrottleError(*table.shared_meta(), "", false, admission));
      continue;
    }
    // An item a write is working on conflicts (the service's rule for TransactGetItems).
    if (table.holds().Held(StableHash64(StorageKeyOf(ops[i].key)))) fail(i, TransactionConflict());
  }
  if (failed) return first_error;

  auto snapshot = catalog.store()->NewSnapshot();
  std::vector<GetOpResult> results(n);
  for (size_t i = 0; i < n; ++i) {
    Table& table = *ops[i].table;
    std::string bytes;
    bool found = false;
    DDBD_RETURN_IF_ERROR(catalog.store()->Get(table.data(), StorageKeyOf(ops[i].key), &bytes,
                                              &found, snapshot.get()));
    if (found) {
      model::Item item;
      if (!model::DecodeItem(bytes, &item)) {
        return Status::Internal("corrupt item in table " + table.name());
      }
      results[i].size = model::ItemSize(item);
      results[i].item = std::move(item);
    }
    // Twice a strongly consistent read.
    results[i].units = 2 * ReadUnits(results[i].size, true);
  }
  for (size_t i = 0; i < n; ++i) {
    ops[i].table->partitions().ChargeRead(hashes[i], results[i].units);
  }
  return results;
}

std::string TokenStore::Key(const std::string& account, const std::string& region,
                            const std::string& token) const {
  std::string key = "txn-token/";
  PutLengthPrefixed(&key, account);
  PutLengthPrefixed(&key, region);
  key += token;
  return key;
}

std::pair<std::string, std::string> TokenStore::Record(const std::string& account,
                                                       const std::string& region,
                                                       const std::string& token,
                                                       uint64_t fingerprint) const {
  std::string value;
  PutFixed64BE(&value, static_cast<uint64_t>(catalog_->clock().NowMicros()));
  PutFixed64BE(&value, fingerprint);
  return {Key(account, region, token), value};
}

TokenStore::Outcome TokenStore::Begin(const std::string& account, const std::string& region,
                                      const std::string& token, uint64_t fingerprint) {
  Purge();
  const std::string key = Key(account, region, token);
  std::lock_guard lock(mu_);
  if (in_progress_.count(key)) return Outcome::kInProgress;
  std::string value;
  bool found = false;
  storage::Store* store = catalog_->store();
  if (store->Get(store->catalog(), key, &value, &found).ok() && found && value.size() == 16) {
    int64_t time_us = static_cast<int64_t>(DecodeFixed64BE(value.data()));
    if (catalog_->clock().NowMicros() - time_us < kWindowMicros) {
      return DecodeFixed64BE(value.data() + 8) == fingerprint ? Outcome::kCommitted
                                                              : Outcome::kMismatch;
    }
  }
  in_progress_.insert(key);
  return Outcome::kNew;
}

void TokenStore::Finish(const std::string& account, const std::string& region,
                        const std::string& token) {
  std::lock_guard lock(mu_);
  in_progress_.erase(Key(account, region, token));
}

void TokenStore::Purge() {
  const int64_t now = catalog_->clock().NowMicros();
  {
    std::lock_guard lock(mu_);
    if (now - last_purge_us_ < 60 * 1000000LL) return;
    last_purge_us_ = now;
  }
  storage::Store* store = catalog_->store();
  auto it = store->NewIterator(store->catalog(), "txn-token/", "txn-token0");
  storage::WriteBatch batch;
  for (it->SeekToFirst(); it->Valid(); it->Next()) {
    if (it->value().size() != 16) continue;
    int64_t time_us = static_cast<int64_t>(DecodeFixed64BE(it->value().data()));
    if (now - time_us >= kWindowMicros) batch.Delete(store->catalog(), it->key());
  }
  if (!batch.empty()) {
    Status s = store->Write(&batch);
    if (!s.ok()) DDBD_LOG_ERROR("transaction tokens: {}", s.ToString());
  }
}

}  // namespace ddbd::engine
