// The storage engine seam: the only header through which ddbd talks to RocksDB (and the only
// module that includes <rocksdb/...>). One Store per data directory.
//
// Column families: "default" holds the catalog (table descriptors); "stats" holds per-table
// counters updated with an int64-add merge operator; every table has a data family and a
// change-log family created by the engine. rocksdb::Status never leaves this module: I/O and
// corruption errors become Status::Internal (logged with detail).
//
// Thread-safety: all methods are safe to call concurrently, except that a ColumnFamily must
// not be used after DropColumnFamily returns for it (the engine guarantees this by
// reference-counting tables).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

namespace ddbd::storage {

// Opaque handle of a column family; owned by the Store.
class ColumnFamily;

struct StoreOptions {
  std::string path;          // data directory (created if missing); ignored if in_memory
  bool in_memory = false;    // keep everything in memory (tests, throwaway use)
  bool sync_writes = false;  // fsync the WAL on every write (survives power loss, slower)
};

// A set of writes applied atomically by Store::Write.
class WriteBatch {
 public:
  WriteBatch();
  ~WriteBatch();
  WriteBatch(const WriteBatch&) = delete;
  WriteBatch& operator=(const WriteBatch&) = delete;

  void Put(ColumnFamily* cf, std::string_view key, std::string_view value);
  void Delete(ColumnFamily* cf, std::string_view key);
  // Adds `delta` (two int64 counters) to the value under `key` in the stats family.
  void AddStats(std::string_view key, int64_t delta_a, int64_t delta_b);

 private:
  friend class Store;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// Forward iterator over [lower, upper) of one column family, on an implicit snapshot.
class Iterator {
 public:
  virtual ~Iterator() = default;
  virtual void SeekToFirst() = 0;
  virtual void SeekToLast() = 0;
  virtual void Seek(std::string_view key) = 0;
  virtual void SeekForPrev(std::string_view key) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  virtual void Prev() = 0;
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // Internal error if iteration stopped on an I/O error rather than the end of the range.
  virtual Status status() const = 0;
};

class Store {
 public:
  static Result<std::unique_ptr<Store>> Open(const StoreOptions& options);
  ~Store();

  // Existing column families other than "default" and "stats" (tables found at open).
  std::vector<std::string> ColumnFamilyNames() const;
  ColumnFamily* Find(std::string_view name) const;  // nullptr if absent
  Result<ColumnFamily*> CreateColumnFamily(const std::string& name);
  Status DropColumnFamily(ColumnFamily* cf);
  ColumnFamily* catalog() const;  // the "default" family

  // Point read. Returns OK with *found=false when the key is absent.
  Status Get(ColumnFamily* cf, std::string_view key, std::string* value, bool* found) const;
  Status Write(WriteBatch* batch);
  std::unique_ptr<Iterator> NewIterator(ColumnFamily* cf, std::string lower,
                                        std::string upper) const;
  // The two counters stored under `key` in the stats family (0, 0 if none).
  Status GetStats(std::string_view key, int64_t* a, int64_t* b) const;
  // Every stats entry whose key starts with `prefix`: (key, a, b).
  struct StatsEntry {
    std::string key;
    int64_t a = 0, b = 0;
  };
  Result<std::vector<StatsEntry>> StatsWithPrefix(std::string_view prefix) const;

 private:
  struct Rep;
  explicit Store(std::unique_ptr<Rep> rep);
  std::unique_ptr<Rep> rep_;
};

}  // namespace ddbd::storage
