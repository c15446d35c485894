#include "server/replica_peers.h"

#include <chrono>

#include "auth/sigv4.h"

namespace ddbd::server {
namespace {

constexpr auto kCallTimeout = std::chrono::seconds(30);
constexpr auto kRetryAfter = std::chrono::seconds(1);
// Without a credentials file, peers accept any well-formed signature.
constexpr const char* kAnonymousKey = "ddbd-replication";

}  // namespace

Result<std::unique_ptr<HttpReplicaPeers>> HttpReplicaPeers::Make(
    const std::vector<std::string>& peers, const auth::CredentialStore* credentials,
    std::string default_account) {
  auto out = std::make_unique<HttpReplicaPeers>();
  out->credentials_ = credentials;
  out->default_account_ = std::move(default_account);
  for (const auto& entry : peers) {
    const size_t eq = entry.find('=');
    DDBD_ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(entry.substr(eq + 1)));
    out->urls_[entry.substr(0, eq)] = std::move(url);
  }
  return out;
}

Result<std::string> HttpReplicaPeers::Call(const std::string& region, const std::string& account,
                                           const std::string& op, const std::string& body) {
  auto it = urls_.find(region);
  if (it == urls_.end()) return Status::Internal("no peer serves " + region);
  const http::Url& url = it->second;
  {
    std::lock_guard lock(mu_);
    auto wait = retry_after_.find(region);
    if (wait != retry_after_.end() && std::chrono::steady_clock::now() < wait->second) {
      return Status::Internal("the peer serving " + region + " did not answer; retrying");
    }
  }
  std::string key_id = kAnonymousKey, secret = kAnonymousKey;
  if (credentials_ != nullptr) {
    const auth::Credential* credential = credentials_->FindByAccount(account);
    if (credential == nullptr && account == default_account_) {
      credential = credentials_->FindByAccount("");
    }
    if (credential == nullptr) {
      return Status::Internal("no key of account " + account + " in the credentials file");
    }
    key_id = credential->access_key_id;
    secret = credential->secret_access_key;
  }
  http::Request request;
  request.method = "POST";
  request.target = url.path + "/ddbd/replication/" + op;
  request.body = body;
  request.headers = auth::SigningHeaders("POST", url.host + ":" + url.port, request.target, "",
                                         body, key_id, secret, region, "dynamodb",
                                         std::chrono::duration_cast<std::chrono::seconds>(
                                             std::chrono::system_clock::now().time_since_epoch())
                                             .count());
  auto response = http::Send(url, request, kCallTimeout);
  if (!response.ok()) {
    std::lock_guard lock(mu_);
    retry_after_[region] = std::chrono::steady_clock::now() + kRetryAfter;
    return Status::Internal(response.status().message());
  }
  if (response->status == 200) return std::move(response->body);
  if (response->status == 404) return Status::ResourceNotFound(response->body);
  if (response->status >= 500) return Status::Internal(response->body);
  return Status::Validation(response->body);
}

}  // namespace ddbd::server
