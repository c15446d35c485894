// Tests for engine/transactions: ClientRequestToken records (window, mismatch, in progress,
// purge) with a ManualClock, and TransactGet (snapshot reads, conflicts, capacity).
#include "engine/transactions.h"

#include <gtest/gtest.h>

#include "common/clock.h"
#include "common/hash.h"
#include "engine/catalog.h"
#include "engine/commit.h"
#include "one_table_fixture.h"
#include "storage/rocks.h"
#include "testutil/testutil.h"

namespace ddbd::engine {
namespace {

using model::AttrType;
using model::Item;
using testutil::N;
using testutil::S;

using TransactionsTest = testing::OneTableTest;

TEST_F(TransactionsTest, TokensAnswerForTenMinutesAndSurviveTheProcess) {
  TokenStore tokens(catalog_.get());
  using Outcome = TokenStore::Outcome;
  ASSERT_EQ(tokens.Begin("a", "r", "tok", 7), Outcome::kNew);
  EXPECT_EQ(tokens.Begin("a", "r", "tok", 7), Outcome::kInProgress);
  EXPECT_EQ(tokens.Begin("other", "r", "tok", 7), Outcome::kNew);  // per account
  tokens.Finish("other", "r", "tok");
  // The record commits with the transaction's batch.
  storage::WriteBatch batch;
  auto [key, value] = tokens.Record("a", "r", "tok", 7);
  batch.Put(store_->catalog(), key, value);
  ASSERT_TRUE(store_->Write(&batch).ok());
  tokens.Finish("a", "r", "tok");
  EXPECT_EQ(tokens.Begin("a", "r", "tok", 7), Outcome::kCommitted);
  EXPECT_EQ(tokens.Begin("a", "r", "tok", 8), Outcome::kMismatch);
  // A new TokenStore (a restart) reads the same record.
  TokenStore restarted(catalog_.get());
  EXPECT_EQ(restarted.Begin("a", "r", "tok", 7), Outcome::kCommitted);
  // After 10 minutes the token is new again, and the purge deletes its record.
  clock_.AdvanceSeconds(10 * 60);
  EXPECT_EQ(restarted.Begin("a", "r", "tok", 8), Outcome::kNew);
  restarted.Finish("a", "r", "tok");
  clock_.AdvanceSeconds(120);
  restarted.Purge();
  std::string stored;
  bool found = true;
  ASSERT_TRUE(store_->Get(store_->catalog(), key, &stored, &found).ok());
  EXPECT_FALSE(found);
}

TEST_F(TransactionsTest, TransactGetReadsAndChargesTwiceAConsistentRead) {
  Put("a", std::string(5000, 'x'));
  std::vector<Status> statuses;
  auto r = TransactGet(*catalog_, {GetOp{table_.get(), Key("a")}, GetOp{table_.get(), Key("b")}},
                       &statuses);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE((*r)[0].item.has_value());
  EXPECT_FALSE((*r)[1].item.has_value());
  EXPECT_EQ((*r)[0].units, 4);  // 5 KB: 2 x 2
  EXPECT_EQ((*r)[1].units, 2);  // a missing item still costs 2
}

TEST_F(TransactionsTest, TransactGetConflictsWithAnItemAWriteHolds) {
  Put("a", "1");
  const uint64_t hash = StableHash64(StorageKeyOf(Key("a")));
  ASSERT_TRUE(table_->holds().Acquire(hash, ItemHolds::Holder::kWrite));
  std::vector<Status> statuses;
  auto r = TransactGet(*catalog_, {GetOp{table_.get(), Key("b")}, GetOp{table_.get(), Key("a")}},
                       &statuses);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(statuses[0].ok());
  EXPECT_EQ(statuses[1].code(), ErrorCode::kTransactionConflict);
  // A transaction's hold makes a single write fail, and another transaction's op.
  table_->holds().Release(hash, ItemHolds::Holder::kWrite);
  ASSERT_TRUE(table_->holds().Acquire(hash, ItemHolds::Holder::kTransaction));
  auto put = Mutate(*catalog_, *table_, Key("a"), [](const Item*) -> Result<MutationDecision> {
    return MutationDecision{MutationDecision::Kind::kDelete, {}};
  });
  EXPECT_EQ(put.status().code(), ErrorCode::kTransactionConflict);
  CommitOptions txn;
  txn.transactional = true;
  auto committed = Commit(*catalog_,
                          {WriteOp{table_.get(), Key("a"),
                                   [](const Item*) -> Result<MutationDecision> {
                                     return MutationDecision{MutationDecision::Kind::kNoChange, {}};
                                   }}},
                          txn, &statuses);
  EXPECT_EQ(statuses[0].code(), ErrorCode::kTransactionConflict);
  table_->holds().Release(hash, ItemHolds::Holder::kTransaction);
  EXPECT_FALSE(table_->holds().Held(hash));
}

}  // namespace
}  // namespace ddbd::engine
