// Global tables across servers (docs/global-tables.md): the regions other ddbd servers serve
// (--replica-peer REGION=URL) and the calls replication makes to them. Each call is an HTTP
// POST of a binary body to /ddbd/replication/<op> on the peer, signed with SigV4 (service
// "dynamodb", the peer's region) with a key of the account from the credentials file, so the
// peer authenticates it as it authenticates any request and applies it to that account.
// Thread-safe.
#pragma once

#include <chrono>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "ddbd/status.h"

#include "auth/credentials.h"
#include "engine/replication.h"
#include "http/client.h"

namespace ddbd::server {

class HttpReplicaPeers : public engine::ReplicaPeers {
 public:
  // `peers`: REGION=http://host:port entries. `credentials` (may be null: any key is then
  // accepted by peers without a credentials file) must outlive this.
  static Result<std::unique_ptr<HttpReplicaPeers>> Make(const std::vector<std::string>& peers,
                                                        const auth::CredentialStore* credentials,
                                                        std::string default_account);

  bool Serves(const std::string& region) const override { return urls_.count(region) != 0; }
  Result<std::string> Call(const std::string& region, const std::string& account,
                           const std::string& op, const std::string& body) override;

 private:
  std::map<std::string, http::Url> urls_;
  // A peer that failed to answer is not called again for a second (the replication thread
  // serves every table; an unreachable peer must not hold it up).
  std::mutex mu_;
  std::map<std::string, std::chrono::steady_clock::time_point> retry_after_;  // GUARDED_BY(mu_)
  const auth::CredentialStore* credentials_ = nullptr;
  std::string default_account_;
};

}  // namespace ddbd::server
