// The storage engine seam: the only header through which ddbd talks to RocksDB (and the only
// module that includes <rocksdb/...>). One Store per data directory.
//
// Column families: "default" holds the catalog (table descriptors, cursors); "stats" holds
// per-table counters updated with an int64-add merge operator; "items", "indexes" and
// "changes" are shared by every table (each table owns a key prefix in them, a KeySpace).
// Tables created before the shared layout keep a data and a change-log family of their own.
// rocksdb::Status never leaves this module: I/O and corruption errors become
// Status::Internal (logged with detail).
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

// A range of one column family owned by one thing (a table's items and LSI entries, one
// GSI's entries, a table's change log): the family plus a key prefix. Keys given to and
// returned through a KeySpace are relative to the prefix, so code that builds keys does not
// know the layout. Spaces of tables from before the shared layout have an empty prefix and
// a family of their own.
struct KeySpace {
  ColumnFamily* cf = nullptr;
  std::string prefix;
  bool valid() const { return cf != nullptr; }
};

// The shared families (docs/formats/key-encoding.md, "Layout").
inline constexpr char kItemsFamily[] = "items";      // table items and LSI entries
inline constexpr char kIndexesFamily[] = "indexes";  // GSI entries
inline constexpr char kChangesFamily[] = "changes";  // change logs

struct StoreOptions {
  std::string path;          // data directory (created if missing); ignored if in_memory
  bool in_memory = false;    // keep everything in memory (tests, throwaway use)
  bool sync_writes = false;  // fsync the WAL on every write (survives power loss, slower)
  int max_open_files = -1;   // table files RocksDB keeps open (-1: all)
  // Writes are refused (Status::Internal) while the data directory's file system has less
  // free space than this, so RocksDB itself never runs out of space (its flushes and
  // compactions need room); they resume once space is freed. 0: no check.
  uint64_t min_free_bytes = uint64_t{64} << 20;
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
  void Put(const KeySpace& space, std::string_view key, std::string_view value);
  void Delete(const KeySpace& space, std::string_view key);
  // Deletes [begin, end) of the space (relative keys); an empty `end` means the end of the
  // space. REQUIRES: a non-empty prefix or a non-empty `end`.
  void DeleteRange(const KeySpace& space, std::string_view begin, std::string_view end);
  // Deletes [begin, end) of a family (absolute keys).
  void DeleteRange(ColumnFamily* cf, std::string_view begin, std::string_view end);
  // True if nothing was added.
  bool empty() const;
  // Adds `delta` (two int64 counters) to the value under `key` in the stats family.
  void AddStats(std::string_view key, int64_t delta_a, int64_t delta_b);

 private:
  friend class Store;
  struct Rep;
  std::unique_ptr<Rep> rep_;
};

// A consistent view of the whole store at one point in time (TransactGetItems reads every
// item from one). Released when the last reference goes.
class Snapshot {
 public:
  virtual ~Snapshot() = default;
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

  // Existing column families other than the built-in ones (default, stats and the shared
  // families): the families of tables from before the shared layout.
  std::vector<std::string> ColumnFamilyNames() const;
  ColumnFamily* Find(std::string_view name) const;  // nullptr if absent
  Result<ColumnFamily*> CreateColumnFamily(const std::string& name);
  Status DropColumnFamily(ColumnFamily* cf);
  ColumnFamily* catalog() const;  // the "default" family
  ColumnFamily* stats() const;    // the counters family
  // A shared family (kItemsFamily, kIndexesFamily, kChangesFamily), or nullptr while they
  // do not exist yet (a data directory that never had a table of the shared layout).
  ColumnFamily* shared(std::string_view name) const;
  // Creates the shared families that are missing, in one step (creating families costs
  // milliseconds, so an empty data directory does not pay it at start).
  Status EnsureSharedFamilies();

  // Point read. Returns OK with *found=false when the key is absent.
  // With `snapshot`, reads the value as of the snapshot.
  Status Get(ColumnFamily* cf, std::string_view key, std::string* value, bool* found,
             const Snapshot* snapshot = nullptr) const;
  Status Get(const KeySpace& space, std::string_view key, std::string* value, bool* found,
             const Snapshot* snapshot = nullptr) const;
  // The store as it is now, for consistent reads of several keys.
  std::shared_ptr<const Snapshot> NewSnapshot() const;
  // Writes the batch atomically. After a write fails (disk full, no descriptors left), no
  // further write reaches RocksDB until it has recovered: each later Write first tries
  // RocksDB's Resume() (at most once a second) and fails at once while that does not work.
  Status Write(WriteBatch* batch);

  // The write path's health, for /metrics.
  struct Health {
    bool writable = true;        // false while writes are refused
    int64_t free_bytes = -1;     // free space of the data directory (-1: not checked)
    uint64_t failed_writes = 0;  // writes refused or failed since start
  };
  Health health() const;
  // Iterates [lower, upper) of a family; an empty `upper` means no upper bound.
  std::unique_ptr<Iterator> NewIterator(ColumnFamily* cf, std::string lower,
                                        std::string upper) const;
  // Iterates [lower, upper) of a space (relative keys; an empty `upper` means the end of the
  // space); the iterator's keys are relative too. With `snapshot`, as of the snapshot.
  std::unique_ptr<Iterator> NewIterator(const KeySpace& space, std::string lower, std::string upper,
                                        const Snapshot* snapshot = nullptr) const;
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
