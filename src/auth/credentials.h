// The set of access keys the server accepts, read from an AWS shared credentials file.
//
// The file is the usual ~/.aws/credentials INI format:
//
//   # comment            ; comment too
//   [default]
//   aws_access_key_id = AKIAIOSFODNN7EXAMPLE
//   aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY
//   aws_account_id = 123456789012
//
//   [profile other]      ; "profile " prefix tolerated (config-file style)
//   ...
//
// Rules (close to Python's configparser, which the AWS CLI uses):
//   * Lines are trimmed; blank lines and lines starting with '#' or ';' are ignored. There are no
//     inline comments: "key = a # b" has the value "a # b".
//   * "[name]" opens a section; "[profile name]" names profile "name". Repeated sections merge,
//     later keys overriding earlier ones.
//   * "key = value" or "key: value" (split at the first '=' or ':'), whitespace around both
//     trimmed, keys case-insensitive. aws_access_key_id, aws_secret_access_key, aws_account_id
//     and aws_session_token are used; other keys (region, ...) are ignored.
//   * An indented line following a key is a continuation of that key's value (nested settings such
//     as "s3 =\n  max_concurrent_requests = 10") and is ignored.
//   * A profile lacking the key id or the secret is skipped (see skipped_profiles()).
//   * A UTF-8 byte order mark and CRLF line ends are accepted.
//
// Errors (all ErrorCode::kValidation, since a bad credentials file is bad configuration rather than
// a server fault; messages name the line): a key=value line before any section, a line that is
// neither section, comment nor key=value, an unterminated or empty section header, and two
// profiles giving the same access key id different secrets. LoadFile() also fails with kValidation
// if the file cannot be read.
//
// A CredentialStore is immutable after loading, so any number of threads may call its const
// methods concurrently.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

#include "auth/sigv4.h"

namespace ddbd::auth {

struct Credential {
  std::string access_key_id;
  std::string secret_access_key;
  std::string account_id;     // from aws_account_id, or ""
  std::string profile;        // section name the key came from
  std::string session_token;  // aws_session_token: requests must carry it, or ""
};

class CredentialStore {
 public:
  CredentialStore() = default;  // empty: Find() always returns nullptr

  // Reads and parses the file at `path`.
  static Result<CredentialStore> LoadFile(const std::string& path);
  // Parses credentials-file text.
  static Result<CredentialStore> Parse(std::string_view text);

  // The credential with this access key id, or nullptr if unknown. The pointer stays valid as
  // long as the store is alive and not moved-from or assigned to.
  const Credential* Find(std::string_view access_key_id) const;
  // A credential whose aws_account_id is `account` ("" matches profiles without one), or
  // nullptr.
  const Credential* FindByAccount(std::string_view account) const;
  // Number of usable access keys.
  size_t size() const { return by_key_id_.size(); }
  // Profiles ignored because they lacked aws_access_key_id or aws_secret_access_key, in file
  // order (for a startup warning).
  const std::vector<std::string>& skipped_profiles() const { return skipped_profiles_; }

 private:
  std::map<std::string, Credential, std::less<>> by_key_id_;
  std::vector<std::string> skipped_profiles_;
};

// A request whose signature has been verified.
struct AuthenticatedRequest {
  ParsedSignature signature;
  const Credential* credential = nullptr;  // points into the store passed to Authenticate()
};

// ParseSignature(), then the access key lookup (unknown key: UnrecognizedClientError()), then
// VerifySignature() at `now_unix_seconds`; a profile with aws_session_token needs the same
// X-Amz-Security-Token (UnrecognizedClientException otherwise), and X-Amz-Target and
// Content-Type, when present, must be signed (InvalidSignatureException). Thread-safe.
Result<AuthenticatedRequest> Authenticate(const HttpRequestView& req, const CredentialStore& store,
                                          int64_t now_unix_seconds,
                                          const ParseOptions& parse_options = ParseOptions(),
                                          const VerifyOptions& verify_options = VerifyOptions());

}  // namespace ddbd::auth
