// Replication of global tables (docs/global-tables.md): every replica's change log is followed
// by one consumer per other replica ("replica/<region>"), which applies the writes made in its
// region to the other region's table through the commit path, with the write's original time,
// origin `replication` and the source region. Records that were themselves replicated are
// never sent on, so a write travels once from its region to each other one.
//
// Last writer wins: a replicated write is applied only if it is later than the item's current
// version (WriteOp::last_writer_wins: write time, then the item's encoding); deletions leave
// tombstones with their time. Every replica so ends with the latest version of each item,
// whatever the order writes arrive in, and applying a record twice changes nothing.
//
// Cursors: a consumer's cursor on the source log moves in the batch that writes the items it
// applied (CommitOptions::add_to_batch), so neither a crash nor a restart loses or repeats a
// write.
//
// A new replica (UpdateTable ReplicaUpdates Create) is a table created in its region, hidden
// like a restore, filled from the source table as it was at a change-log sequence S (the
// source's cursor for the new region starts at S, and every other replica's at the point its
// writes had reached the source), then made ACTIVE with a stream of new and old images; writes
// continue meanwhile. A replica removed through ReplicaUpdates Delete is deleted by the
// service thread; a replica's DeleteTable leaves the global table at once.
//
// Across servers: a region served by another ddbd (ReplicaPeers) holds its replicas there; the
// consumer for such a region sends the records to the peer ("apply") and moves its cursor once
// the peer has committed them, and a new replica there is created, filled and activated by
// calls too. HandlePeerCall is the receiving side.
//
// Thread-safety: one background thread; the functions and Lags() may be called from any thread.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include "ddbd/status.h"

#include "engine/background.h"
#include "engine/catalog.h"
#include "engine/global_tables.h"

namespace ddbd::engine {

// The change-log consumer that replicates a table's writes to `region`.
std::string ReplicaConsumer(const std::string& region);
// Version 2017.11.29 groups: the consumer that adds aws:rep:* attributes to local writes.
inline constexpr const char* kRepAttributesConsumer = "replica/aws:rep";
// `item` with the attributes a version 2017.11.29 global table adds to every item written in
// `region` at `time_us`: aws:rep:deleting (false), aws:rep:updateregion, aws:rep:updatetime
// (epoch seconds with six decimals).
model::Item WithRepAttributes(model::Item item, const std::string& region, int64_t time_us);

// Adds a replica of `table` in `replica.region` (UpdateTable ReplicaUpdates Create) with the
// service's checks; the table becomes a global table if it was not one. Returns the global
// table as it now is.
Result<GlobalTableMeta> AddReplica(Catalog& catalog, Table& table, ReplicaMeta replica);
// Starts removing the replica in `region` (ReplicaUpdates Delete), asked from `table`'s region.
Result<GlobalTableMeta> RemoveReplica(Catalog& catalog, Table& table, const std::string& region);
// Changes a replica's own settings (ReplicaUpdates Update): the fields of `replica` that are
// set replace the stored ones.
Result<GlobalTableMeta> UpdateReplica(Catalog& catalog, Table& table, const ReplicaMeta& replica);
// The table is no longer a replica: its global version and its replication cursors go.
Status StopBeingReplica(Catalog& catalog, Table& table);
// The tables of the other regions of `meta`'s version 2019.11.21 global table held by this
// server (ACTIVE members), to which table-wide settings changes are carried (billing mode,
// on-demand maximum write, write capacity, Time to Live), as the service keeps them alike.
std::vector<std::shared_ptr<Table>> OtherLocalReplicas(const Catalog& catalog,
                                                       const TableMeta& meta);
// After DeleteTable of a replica: the region leaves its global table.
Status LeaveGlobalTable(Catalog& catalog, const TableMeta& dropped);

// Version 2017.11.29 (CreateGlobalTable, UpdateGlobalTable), with that version's checks: the
// table exists in each region, with a stream of new and old images, the same key schema and
// GSIs as the others, and every table of the group is empty. Members join at once (there is
// nothing to copy). Errors carry the service's exception types.
Result<GlobalTableMeta> CreateLegacyGlobalTable(Catalog& catalog, const std::string& account,
                                                const std::string& name,
                                                const std::vector<std::string>& regions);
Result<GlobalTableMeta> AddLegacyReplica(Catalog& catalog, const std::string& account,
                                         const std::string& name, const std::string& region);
// The region leaves the group; its table stays, an ordinary table again.
Result<GlobalTableMeta> RemoveLegacyReplica(Catalog& catalog, const std::string& account,
                                            const std::string& name, const std::string& region);
// The legacy global table of that name, or GlobalTableNotFoundException.
Result<GlobalTableMeta> FindLegacyGlobalTable(const Catalog& catalog, const std::string& account,
                                              const std::string& name);

// Regions served by other ddbd servers (--replica-peer REGION=URL): a global table's replica
// in such a region lives on that server, and this one sends it its writes (and the peer sends
// back its own). Implemented over HTTP with SigV4 in server/replica_peers.cc.
class ReplicaPeers {
 public:
  virtual ~ReplicaPeers() = default;
  virtual bool Serves(const std::string& region) const = 0;
  // Sends peer operation `op` with `body` for `account` to the server of `region`; its answer.
  // NotFound (ResourceNotFound) when the peer has no such replica; Internal when unreachable.
  virtual Result<std::string> Call(const std::string& region, const std::string& account,
                                   const std::string& op, const std::string& body) = 0;
};

// The receiving side of ReplicaPeers::Call, for the caller's `account`: "create" (a hidden
// replica table to be filled), "apply" (writes, last writer wins), "activate" (the filled
// replica turns ACTIVE and starts replicating back), "delete" (the replica is removed).
Result<std::string> HandlePeerCall(Catalog& catalog, const std::string& op,
                                   const std::string& account, std::string_view body);

class ReplicationService : public BackgroundService {
 public:
  // Starts the thread. REQUIRES: `catalog` (and `peers`, may be null) outlive the service.
  explicit ReplicationService(Catalog* catalog, ReplicaPeers* peers = nullptr);
  ~ReplicationService() override;

  // One source → target pair of a global table.
  struct Lag {
    std::string account, table, source, target;
    uint64_t pending = 0;     // records of the source's log not yet replicated
    double p99_seconds = 0;   // ReplicationLatency: commit at the source to commit at the target
    double last_seconds = 0;  // of the last record replicated
    uint64_t replicated = 0;  // records applied (or found older) since the server started
  };
  std::vector<Lag> Lags() const;

 protected:
  bool Step() override;

 private:
  // Each returns true if it did some work.
  bool Replicate(const GlobalTableMeta& global, Table& source, const std::string& target);
  // Version 2017.11.29: adds the aws:rep:* attributes to items written in `table`'s region,
  // in a write of their own after the user's (as the service's replicator does).
  bool AddRepAttributes(Table& table);
  bool CreateReplica(const GlobalTableMeta& global, const ReplicaMeta& replica);
  bool DeleteReplica(const GlobalTableMeta& global, const ReplicaMeta& replica);
  // Members whose tables are gone leave; tables whose global table does not list them stop
  // being replicas (a crash between a DeleteTable and its record's change).
  bool Repair(const GlobalTableMeta& global);
  void RepairOrphans();
  void NoteLatency(const GlobalTableMeta& global, const std::string& source,
                   const std::string& target, const std::vector<int64_t>& latencies_us);

  // Replicate's half for a target on a peer server.
  bool ReplicateToPeer(const GlobalTableMeta& global, Table& source, const std::string& target);
  bool Remote(const std::string& region) const { return peers_ && peers_->Serves(region); }

  Catalog* catalog_;
  ReplicaPeers* peers_;
  uint64_t subscription_ = 0;
  bool repaired_ = false;  // the service thread only
  mutable std::mutex lag_mu_;
  struct PairStats {
    std::deque<int64_t> recent_us;  // latencies of the last records replicated
    uint64_t replicated = 0;
  };
  // (account, table, source, target) -> stats
  std::map<std::tuple<std::string, std::string, std::string, std::string>, PairStats>
      stats_;  // GUARDED_BY(lag_mu_)
};

}  // namespace ddbd::engine
