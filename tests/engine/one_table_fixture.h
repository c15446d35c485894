// A fixture shared by the engine tests: an in-memory store, a catalog on a ManualClock, and one
// on-demand table "t" with a string hash key "pk".
#pragma once

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "common/clock.h"
#include "engine/catalog.h"
#include "engine/commit.h"
#include "storage/rocks.h"
#include "testutil/testutil.h"

namespace ddbd::engine::testing {

class OneTableTest : public ::testing::Test {
 protected:
  void SetUp() override {
    storage::StoreOptions options;
    options.in_memory = true;
    store_ = std::move(storage::Store::Open(options)).value();
    CatalogOptions catalog_options;
    catalog_options.clock = &clock_;
    catalog_options.throttling = false;
    catalog_ = std::move(Catalog::Open(store_.get(), catalog_options)).value();
    TableMeta meta;
    meta.account = "123456789012";
    meta.region = "us-east-1";
    meta.name = "t";
    meta.hash_key = {"pk", model::AttrType::kS};
    meta.attribute_definitions = {meta.hash_key};
    meta.billing_mode = BillingMode::kPayPerRequest;
    table_ = std::move(catalog_->Create(meta)).value();
  }
  void TearDown() override {
    table_.reset();
    catalog_.reset();
    store_.reset();
  }
  static PrimaryKey Key(const std::string& pk) { return PrimaryKey{testutil::S(pk), std::nullopt}; }
  // Puts {pk, v} through the single-item commit path.
  void Put(const std::string& pk, const std::string& v) {
    model::Item item{{"pk", testutil::S(pk)}, {"v", testutil::S(v)}};
    ASSERT_TRUE(
        Mutate(*catalog_, *table_, Key(pk), [&](const model::Item*) -> Result<MutationDecision> {
          return MutationDecision{MutationDecision::Kind::kPut, item};
        }).ok());
  }

  ManualClock clock_;
  std::unique_ptr<storage::Store> store_;
  std::unique_ptr<Catalog> catalog_;
  std::shared_ptr<Table> table_;
};

}  // namespace ddbd::engine::testing
