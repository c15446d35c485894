#include "auth/credentials.h"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

namespace ddbd::auth {
namespace {

bool IsBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsBlank(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsBlank(s.back())) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

Status LineError(size_t line, std::string_view what) {
  return Status::Validation("credentials line " + std::to_string(line) + ": " + std::string(what));
}

// One profile as read so far.
struct Section {
  std::string name;
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;
  std::string session_token;
};

}  // namespace

Result<CredentialStore> CredentialStore::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return Status::Validation("cannot read credentials file '" + path +
                              "': " + std::strerror(errno));
  }
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) {
    return Status::Validation("cannot read credentials file '" + path + "'");
  }
  return Parse(text.str());
}

Result<CredentialStore> CredentialStore::Parse(std::string_view text) {
  if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);

  std::vector<Section> sections;  // in first-seen order; repeated headers merge
  Section* current = nullptr;
  bool in_key = false;  // the previous content line was key=value (continuations allowed)
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;

    std::string_view line = Trim(raw);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;

    if (IsBlank(raw.front()) && in_key) continue;  // continuation of a (nested) value

    if (line.front() == '[') {
      if (line.back() != ']') return LineError(line_no, "unterminated section header");
      std::string_view name = Trim(line.substr(1, line.size() - 2));
      if (name.substr(0, 8) == "profile " || name.substr(0, 8) == "profile\t") {
        name = Trim(name.substr(8));
      }
      if (name.empty()) return LineError(line_no, "empty section name");
      current = nullptr;
      for (Section& s : sections) {
        if (s.name == name) current = &s;
      }
      if (current == nullptr) {
        sections.push_back(Section{std::string(name), "", "", ""});
        current = &sections.back();
      }
      in_key = false;
      continue;
    }

    size_t delim = line.find_first_of("=:");
    if (delim == std::string_view::npos) {
      return LineError(line_no, "expected '[profile]', 'key = value' or a comment");
    }
    std::string key = Lower(Trim(line.substr(0, delim)));
    std::string_view value = Trim(line.substr(delim + 1));
    if (key.empty()) return LineError(line_no, "missing key before '='");
    if (current == nullptr) return LineError(line_no, "key = value before any [profile] header");
    in_key = true;
    if (key == "aws_access_key_id") {
      current->access_key_id = std::string(value);
    } else if (key == "aws_secret_access_key") {
      current->secret_access_key = std::string(value);
    } else if (key == "aws_account_id") {
      current->account_id = std::string(value);
    } else if (key == "aws_session_token") {
      current->session_token = std::string(value);
    }
  }

  CredentialStore store;
  for (Section& s : sections) {
    if (s.access_key_id.empty() || s.secret_access_key.empty()) {
      store.skipped_profiles_.push_back(s.name);
      continue;
    }
    auto it = store.by_key_id_.find(s.access_key_id);
    if (it != store.by_key_id_.end()) {
      if (it->second.secret_access_key != s.secret_access_key) {
        return Status::Validation("credentials: access key id '" + s.access_key_id +
                                  "' appears in profiles '" + it->second.profile + "' and '" +
                                  s.name + "' with different secrets");
      }
      continue;  // same key twice: keep the first profile
    }
    std::string key_id = s.access_key_id;
    store.by_key_id_.emplace(
        std::move(key_id), Credential{s.access_key_id, std::move(s.secret_access_key),
                                      std::move(s.account_id), s.name, std::move(s.session_token)});
  }
  return store;
}

const Credential* CredentialStore::Find(std::string_view access_key_id) const {
  auto it = by_key_id_.find(access_key_id);
  return it == by_key_id_.end() ? nullptr : &it->second;
}

const Credential* CredentialStore::FindByAccount(std::string_view account) const {
  for (const auto& [id, credential] : by_key_id_) {
    if (credential.account_id == account && credential.session_token.empty()) return &credential;
  }
  return nullptr;
}

Result<AuthenticatedRequest> Authenticate(const HttpRequestView& req, const CredentialStore& store,
                                          int64_t now_unix_seconds,
                                          const ParseOptions& parse_options,
                                          const VerifyOptions& verify_options) {
  // The request time is checked before the credential scope and the key, as the service does.
  ParseOptions timed = parse_options;
  timed.now_unix_seconds = now_unix_seconds;
  timed.max_clock_skew_seconds = verify_options.max_clock_skew_seconds;
  DDBD_ASSIGN_OR_RETURN(ParsedSignature parsed, ParseSignature(req, timed));
  const Credential* credential = store.Find(parsed.identity.access_key_id);
  if (credential == nullptr) return UnrecognizedClientError();
  DDBD_RETURN_IF_ERROR(VerifySignature(req, parsed, credential->secret_access_key, now_unix_seconds,
                                       verify_options));
  // Temporary credentials: the session token must come with the request.
  if (!credential->session_token.empty() && parsed.security_token != credential->session_token) {
    return UnrecognizedClientError();
  }
  // Headers that decide what a request does must be covered by the signature, so that a
  // captured request cannot be replayed as another operation.
  for (std::string_view name : {"x-amz-target", "content-type"}) {
    if (!FindHeader(req, name)) continue;
    bool signed_header = false;
    for (const auto& s : parsed.signed_headers) signed_header |= s == name;
    if (!signed_header) {
      return Status(ErrorCode::kInvalidSignature,
                    "There were headers present in the request which were not signed: " +
                        std::string(name));  // message unverified
    }
  }
  return AuthenticatedRequest{std::move(parsed), credential};
}

}  // namespace ddbd::auth
