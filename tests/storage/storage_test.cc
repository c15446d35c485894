// Tests for src/storage: the order-preserving key encoding and the RocksDB Store.
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <stdlib.h>

#include "model/attribute_value.h"
#include "model/number.h"
#include "storage/key_codec.h"
#include "storage/rocks.h"
#include "testutil/testutil.h"

namespace ddbd::storage {
namespace {

using model::AttributeValue;
using model::Number;

using testutil::B;
using testutil::N;
using testutil::S;
using testutil::TempDir;

// ---------------------------------------------------------------------------------- key codec

// Random number text with up to 38 significant digits and a wide exponent range.
std::string RandomNumberText(std::mt19937_64& rng) {
  std::string digits;
  int n = 1 + rng() % 38;
  for (int i = 0; i < n; ++i) digits.push_back(static_cast<char>('0' + rng() % 10));
  std::string text = (rng() % 2) ? "-" : "";
  text += digits;
  switch (rng() % 3) {
    case 0:
      break;  // integer
    case 1:
      text.insert(text.size() - rng() % n, ".");
      break;
    default:
      text += "E" + std::to_string(static_cast<int>(rng() % 160) - 80);
      break;
  }
  return text;
}

TEST(KeyCodecTest, NumberSortKeysEncodeInNumericOrder) {
  std::mt19937_64 rng(7);
  std::vector<Number> numbers;
  for (auto text : {"0", "-0", "1", "-1", "1E-130", "-1E-130", "0.5", "10", "9.99", "1E125",
                    "-9.9999999999999999999999999999999999999E+125"}) {
    numbers.push_back(*Number::Parse(text));
  }
  while (numbers.size() < 2000) {
    auto r = Number::Parse(RandomNumberText(rng));
    if (r.ok()) numbers.push_back(*r);
  }
  const AttributeValue partition = S("p");
  std::vector<std::pair<std::string, Number>> encoded;
  for (const auto& n : numbers) {
    AttributeValue sort = AttributeValue::Num(n);
    encoded.emplace_back(EncodePrimaryKey(kBaseIndexId, partition, &sort), n);
  }
  std::sort(encoded.begin(), encoded.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (size_t i = 1; i < encoded.size(); ++i) {
    const Number& prev = encoded[i - 1].second;
    const Number& cur = encoded[i].second;
    ASSERT_LE(prev.Compare(cur), 0) << prev.ToString() << " sorted before " << cur.ToString();
    // Equal keys iff equal numbers.
    EXPECT_EQ(encoded[i - 1].first == encoded[i].first, prev.Compare(cur) == 0);
  }
}

TEST(KeyCodecTest, StringAndBinarySortKeysOrderByBytes) {
  std::vector<std::string> values = {
      std::string("\0", 1),
      std::string("\0\0", 2),
      std::string("\0\x01", 2),
      std::string("a\0", 2),
      std::string("a\0b", 3),
      std::string("a\0\xFF", 3),
      "a",
      "ab",
      "a\x01",
      "a\xFF",
      "\xFF",
      "\xFF\xFF",
      "b",
      "abc",
      std::string("ab\0", 3),
      std::string("\x01\0", 2),
      "z",
  };
  std::mt19937 rng(3);
  for (int i = 0; i < 300; ++i) {
    std::string s(1 + rng() % 6, '\0');
    for (auto& c : s)
      c = "\x00\x01\xFF"
          "ab"[rng() % 5];
    values.push_back(s);
  }
  for (bool binary : {false, true}) {
    const AttributeValue partition = N("42");
    std::vector<std::pair<std::string, std::string>> encoded;
    for (const auto& v : values) {
      AttributeValue sort = binary ? B(v) : S(v);
      encoded.emplace_back(EncodePrimaryKey(kBaseIndexId, partition, &sort), v);
    }
    std::sort(encoded.begin(), encoded.end());
    for (size_t i = 1; i < encoded.size(); ++i) {
      // std::string compares bytes as unsigned char, like memcmp.
      ASSERT_LE(encoded[i - 1].second, encoded[i].second) << "binary=" << binary << " at " << i;
      EXPECT_EQ(encoded[i - 1].first == encoded[i].first,
                encoded[i - 1].second == encoded[i].second);
    }
  }
}

TEST(KeyCodecTest, ItemsOfOnePartitionAreContiguous) {
  // Partition keys that are prefixes of each other or differ only after a 0x00 byte.
  std::vector<AttributeValue> partitions = {
      S("a"),     S(std::string("a\0", 2)),
      S("ab"),    S(std::string("a\0b", 3)),
      B("a\x01"), N("1"),
      N("10"),    N("-1"),
      N("0.1"),   S("\xFF"),
      S("b"),     S(std::string("\0", 1)),
  };
  std::vector<AttributeValue> sorts = {S(""),  S(std::string("\0", 1)), S("a"),
                                       S("b"), S("\xFF\xFF"),           S(std::string("a\0b", 3))};
  std::vector<std::pair<std::string, size_t>> keys;  // key, partition index
  for (size_t p = 0; p < partitions.size(); ++p) {
    std::string prefix = EncodePrimaryKey(kBaseIndexId, partitions[p], nullptr);
    for (const auto& s : sorts) {
      std::string key = EncodePrimaryKey(kBaseIndexId, partitions[p], &s);
      EXPECT_EQ(key.compare(0, prefix.size(), prefix), 0) << "partition " << p;
      keys.emplace_back(key, p);
    }
  }
  std::sort(keys.begin(), keys.end());
  std::set<size_t> finished;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (i > 0 && keys[i].second != keys[i - 1].second) {
      ASSERT_TRUE(finished.insert(keys[i - 1].second).second);
      ASSERT_EQ(finished.count(keys[i].second), 0u)
          << "partition " << keys[i].second << " is split by another partition";
    }
  }
  // Within one partition, sort-key order is byte order of the sort keys.
  for (size_t i = 1; i < keys.size(); ++i) {
    if (keys[i].second == keys[i - 1].second) {
      EXPECT_LT(keys[i - 1].first, keys[i].first);
    }
  }
}

TEST(KeyCodecTest, EqualNumbersEncodeIdentically) {
  const AttributeValue one = N("1"), one_point_zero = N("1.0"), one_e0 = N("1E0"),
                       ten_e_minus = N("10E-1");
  EXPECT_EQ(PartitionHash(one), PartitionHash(one_point_zero));
  EXPECT_EQ(PartitionHash(one), PartitionHash(one_e0));
  EXPECT_EQ(EncodePrimaryKey(0, one, nullptr), EncodePrimaryKey(0, one_point_zero, nullptr));
  EXPECT_EQ(EncodePrimaryKey(0, one, &one_e0), EncodePrimaryKey(0, one_point_zero, &ten_e_minus));
  // Same bytes as a string and as a binary value share an encoding (types never mix in a
  // table), but a string and a number of the same text do not.
  EXPECT_EQ(EncodePrimaryKey(0, S("x"), nullptr), EncodePrimaryKey(0, B("x"), nullptr));
  EXPECT_NE(EncodePrimaryKey(0, S("1"), nullptr), EncodePrimaryKey(0, N("1"), nullptr));
  EXPECT_NE(PartitionHash(S("a")), PartitionHash(S("b")));
}

TEST(KeyCodecTest, LayoutAndIndexBounds) {
  const AttributeValue pk = S(std::string("k\0", 2));
  std::string key = EncodePrimaryKey(3, pk, nullptr);
  // index id (4 bytes BE) | hash (8 bytes BE) | escaped "k\0" + terminator.
  ASSERT_EQ(key.size(), 4u + 8u + 5u);
  EXPECT_EQ(key.substr(0, 4), std::string("\0\0\0\x03", 4));
  uint64_t hash = PartitionHash(pk);
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(static_cast<uint8_t>(key[4 + i]), static_cast<uint8_t>(hash >> (56 - 8 * i)));
  }
  EXPECT_EQ(key.substr(12), std::string("k\0\xFF\0\x01", 5));

  EXPECT_EQ(IndexLowerBound(3), std::string("\0\0\0\x03", 4));
  EXPECT_EQ(IndexUpperBound(3), IndexLowerBound(4));
  EXPECT_LE(IndexLowerBound(3), key);
  EXPECT_LT(key, IndexUpperBound(3));
  const AttributeValue max_sort = S(std::string(1024, '\xFF'));
  EXPECT_LT(EncodePrimaryKey(3, S(std::string(2048, '\xFF')), &max_sort), IndexUpperBound(3));
  EXPECT_LT(IndexUpperBound(2), EncodePrimaryKey(3, S(""), nullptr));
}

// ---------------------------------------------------------------------------------- Store

std::unique_ptr<Store> OpenInMemory() {
  StoreOptions options;
  options.in_memory = true;
  auto r = Store::Open(options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

std::unique_ptr<Store> OpenAt(const std::string& path) {
  StoreOptions options;
  options.path = path;
  auto r = Store::Open(options);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : nullptr;
}

std::string GetOrAbsent(Store& store, ColumnFamily* cf, std::string_view key) {
  std::string value;
  bool found = true;
  Status s = store.Get(cf, key, &value, &found);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return found ? value : "<absent>";
}

std::vector<std::string> Keys(Iterator& it) {
  std::vector<std::string> keys;
  for (; it.Valid(); it.Next()) keys.emplace_back(it.key());
  EXPECT_TRUE(it.status().ok());
  return keys;
}

TEST(StoreTest, FamiliesInMemory) {
  auto store = OpenInMemory();
  ASSERT_NE(store, nullptr);
  EXPECT_TRUE(store->ColumnFamilyNames().empty());  // "default" and "stats" are not listed
  ASSERT_NE(store->catalog(), nullptr);
  EXPECT_EQ(store->Find("default"), store->catalog());
  EXPECT_NE(store->Find("stats"), nullptr);
  EXPECT_EQ(store->Find("d-t"), nullptr);

  auto created = store->CreateColumnFamily("d-t");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(store->Find("d-t"), *created);
  auto again = store->CreateColumnFamily("d-t");  // idempotent
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, *created);
  ASSERT_TRUE(store->CreateColumnFamily("l-t").ok());
  auto names = store->ColumnFamilyNames();
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"d-t", "l-t"}));

  ASSERT_TRUE(store->DropColumnFamily(*created).ok());
  EXPECT_EQ(store->Find("d-t"), nullptr);
  EXPECT_EQ(store->ColumnFamilyNames(), std::vector<std::string>{"l-t"});
}

TEST(StoreTest, PutGetDeleteThroughBatches) {
  auto store = OpenInMemory();
  ASSERT_NE(store, nullptr);
  ColumnFamily* a = *store->CreateColumnFamily("a");
  ColumnFamily* b = *store->CreateColumnFamily("b");

  EXPECT_EQ(GetOrAbsent(*store, a, "k"), "<absent>");
  WriteBatch batch;
  batch.Put(a, "k", "va");
  batch.Put(b, "k", "vb");
  batch.Put(a, std::string("bin\0key", 7), std::string("v\0", 2));
  ASSERT_TRUE(store->Write(&batch).ok());
  EXPECT_EQ(GetOrAbsent(*store, a, "k"), "va");
  EXPECT_EQ(GetOrAbsent(*store, b, "k"), "vb");  // families are separate key spaces
  EXPECT_EQ(GetOrAbsent(*store, a, std::string("bin\0key", 7)), std::string("v\0", 2));
  EXPECT_EQ(GetOrAbsent(*store, a, "bin"), "<absent>");

  WriteBatch overwrite;
  overwrite.Put(a, "k", "va2");
  overwrite.Delete(b, "k");
  overwrite.Delete(b, "never-existed");
  ASSERT_TRUE(store->Write(&overwrite).ok());
  EXPECT_EQ(GetOrAbsent(*store, a, "k"), "va2");
  EXPECT_EQ(GetOrAbsent(*store, b, "k"), "<absent>");

  // Within one batch, the last operation on a key wins.
  WriteBatch ordered;
  ordered.Put(a, "x", "1");
  ordered.Delete(a, "x");
  ordered.Put(a, "y", "1");
  ordered.Put(a, "y", "2");
  ASSERT_TRUE(store->Write(&ordered).ok());
  EXPECT_EQ(GetOrAbsent(*store, a, "x"), "<absent>");
  EXPECT_EQ(GetOrAbsent(*store, a, "y"), "2");
}

TEST(StoreTest, IteratorBounds) {
  auto store = OpenInMemory();
  ASSERT_NE(store, nullptr);
  ColumnFamily* cf = *store->CreateColumnFamily("t");
  ColumnFamily* other = *store->CreateColumnFamily("u");
  WriteBatch batch;
  for (const char* k : {"a", "b", "ba", "c", "d", "e"}) batch.Put(cf, k, std::string("v") + k);
  batch.Put(other, "bb", "other family");
  ASSERT_TRUE(store->Write(&batch).ok());

  auto it = store->NewIterator(cf, "b", "d");
  it->Seek("b");
  EXPECT_EQ(Keys(*it), (std::vector<std::string>{"b", "ba", "c"}));
  it->Seek("bb");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  EXPECT_EQ(it->value(), "vc");
  it->Seek("d");  // the upper bound is exclusive
  EXPECT_FALSE(it->Valid());
  it->SeekForPrev("zzz");
  ASSERT_TRUE(it->Valid());
  EXPECT_EQ(it->key(), "c");
  it->Prev();
  EXPECT_EQ(it->key(), "ba");
  it->Prev();
  EXPECT_EQ(it->key(), "b");
  it->Prev();  // the lower bound stops backward iteration too
  EXPECT_FALSE(it->Valid());
  EXPECT_TRUE(it->status().ok());

  // Empty upper bound means unbounded.
  auto all = store->NewIterator(cf, "", "");
  all->Seek("");
  EXPECT_EQ(Keys(*all), (std::vector<std::string>{"a", "b", "ba", "c", "d", "e"}));

  // An implicit snapshot: writes after creation are not seen.
  auto snapshot = store->NewIterator(cf, "", "");
  WriteBatch later;
  later.Put(cf, "bz", "late");
  ASSERT_TRUE(store->Write(&later).ok());
  snapshot->Seek("");
  EXPECT_EQ(Keys(*snapshot).size(), 6u);
}

TEST(StoreTest, StatsMerge) {
  auto store = OpenInMemory();
  ASSERT_NE(store, nullptr);
  int64_t a = -1, b = -1;
  ASSERT_TRUE(store->GetStats("t1", &a, &b).ok());
  EXPECT_EQ(a, 0);
  EXPECT_EQ(b, 0);

  WriteBatch first;
  first.AddStats("t1", 3, 100);
  first.AddStats("t2", 1, 1);
  ASSERT_TRUE(store->Write(&first).ok());
  WriteBatch second;
  second.AddStats("t1", -1, -40);
  second.AddStats("t1", 5, 1000);  // two deltas for one key in one batch
  ASSERT_TRUE(store->Write(&second).ok());
  ASSERT_TRUE(store->GetStats("t1", &a, &b).ok());
  EXPECT_EQ(a, 7);
  EXPECT_EQ(b, 1060);
  ASSERT_TRUE(store->GetStats("t2", &a, &b).ok());
  EXPECT_EQ(a, 1);
  EXPECT_EQ(b, 1);

  // Negative totals survive (the counters are signed).
  WriteBatch negative;
  negative.AddStats("t3", -2, -5);
  ASSERT_TRUE(store->Write(&negative).ok());
  ASSERT_TRUE(store->GetStats("t3", &a, &b).ok());
  EXPECT_EQ(a, -2);
  EXPECT_EQ(b, -5);
}

TEST(StoreTest, ConcurrentStatsAddUp) {
  auto store = OpenInMemory();
  ASSERT_NE(store, nullptr);
  constexpr int kThreads = 4, kWrites = 250;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&store, t] {
      for (int i = 0; i < kWrites; ++i) {
        WriteBatch batch;
        batch.AddStats("hot", 1, t + 1);
        EXPECT_TRUE(store->Write(&batch).ok());
      }
    });
  }
  for (auto& th : threads) th.join();
  int64_t a, b;
  ASSERT_TRUE(store->GetStats("hot", &a, &b).ok());
  EXPECT_EQ(a, kThreads * kWrites);
  EXPECT_EQ(b, kWrites * (1 + 2 + 3 + 4));
}

TEST(StoreTest, ReopenOnDiskKeepsDataFamiliesAndStats) {
  TempDir dir;
  ASSERT_FALSE(dir.path().empty());
  {
    auto store = OpenAt(dir.path());
    ASSERT_NE(store, nullptr);
    ColumnFamily* data = *store->CreateColumnFamily("d-x");
    ColumnFamily* gone = *store->CreateColumnFamily("d-gone");
    WriteBatch batch;
    batch.Put(data, "k1", "v1");
    batch.Put(store->catalog(), "table/x", "descriptor");
    batch.Put(gone, "k", "v");
    batch.AddStats("x", 2, 30);
    ASSERT_TRUE(store->Write(&batch).ok());
    WriteBatch more;
    more.AddStats("x", 1, 5);
    ASSERT_TRUE(store->Write(&more).ok());
    ASSERT_TRUE(store->DropColumnFamily(gone).ok());
  }
  {
    auto store = OpenAt(dir.path());
    ASSERT_NE(store, nullptr);
    EXPECT_EQ(store->ColumnFamilyNames(), std::vector<std::string>{"d-x"});
    ColumnFamily* data = store->Find("d-x");
    ASSERT_NE(data, nullptr);
    EXPECT_EQ(GetOrAbsent(*store, data, "k1"), "v1");
    EXPECT_EQ(GetOrAbsent(*store, store->catalog(), "table/x"), "descriptor");
    int64_t a, b;
    ASSERT_TRUE(store->GetStats("x", &a, &b).ok());
    EXPECT_EQ(a, 3);
    EXPECT_EQ(b, 35);
    // Merges keep working on top of the reopened value.
    WriteBatch batch;
    batch.AddStats("x", -3, -35);
    ASSERT_TRUE(store->Write(&batch).ok());
    ASSERT_TRUE(store->GetStats("x", &a, &b).ok());
    EXPECT_EQ(a, 0);
    EXPECT_EQ(b, 0);
  }
}

TEST(StoreTest, OpenFailsOnAFile) {
  TempDir dir;
  std::string file = dir.path() + "/not-a-directory";
  std::ofstream(file) << "x";
  StoreOptions options;
  options.path = file;
  auto r = Store::Open(options);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kInternalServerError);
  EXPECT_EQ(r.status().message().rfind("cannot open data directory " + file, 0), 0u)
      << r.status().message();
}

TEST(StoreTest, InMemoryStoresAreIndependent) {
  auto one = OpenInMemory();
  auto two = OpenInMemory();
  ASSERT_NE(one, nullptr);
  ASSERT_NE(two, nullptr);
  WriteBatch batch;
  batch.Put(one->catalog(), "k", "v");
  ASSERT_TRUE(one->Write(&batch).ok());
  EXPECT_EQ(GetOrAbsent(*one, one->catalog(), "k"), "v");
  EXPECT_EQ(GetOrAbsent(*two, two->catalog(), "k"), "<absent>");
}

}  // namespace
}  // namespace ddbd::storage
