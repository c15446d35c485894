#include "auth/sigv4.h"

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdio>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>

namespace ddbd::auth {
namespace {

// ----- Error messages -------------------------------------------------------------------------
// "Confirmed" means the exact text was seen in responses of DynamoDB or another AWS service built
// on the same framework (com.amazon.coral.service), as quoted in public bug reports; "guessed"
// means no service output was found and the text follows the style of its confirmed siblings.

// Confirmed (DynamoDB, MissingAuthenticationTokenException).
constexpr std::string_view kMissingTokenMessage = "Request is missing Authentication Token";
// Confirmed (DynamoDB, InvalidSignatureException).
constexpr std::string_view kSignatureMismatchMessage =
    "The request signature we calculated does not match the signature you provided. Check your "
    "AWS Secret Access Key and signing method. Consult the service documentation for details.";
// Confirmed (DynamoDB, UnrecognizedClientException).
constexpr std::string_view kUnrecognizedClientMessage =
    "The security token included in the request is invalid.";
// Confirmed (DynamoDB, InvalidSignatureException).
constexpr std::string_view kHostNotSignedMessage =
    "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.";
// Confirmed from S3 (XAmzContentSHA256Mismatch); code here kInvalidSignature.
constexpr std::string_view kContentShaMismatchMessage =
    "The provided 'x-amz-content-sha256' header does not match what was computed.";
// Confirmed from S3 presigned URLs (AccessDenied). Coral services have no presigned-expiry error
// of their own that could be found (STS is reported to ignore X-Amz-Expires altogether).
constexpr std::string_view kRequestExpiredMessage = "Request has expired";

std::string Quoted(std::string_view s) {
  std::string out = "'";
  out.append(s);
  out += '\'';
  return out;
}

Status Incomplete(std::string message) {
  return Status(ErrorCode::kIncompleteSignature, std::move(message));
}
Status Invalid(std::string message) {
  return Status(ErrorCode::kInvalidSignature, std::move(message));
}

// ----- Small string helpers --------------------------------------------------------------------

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

char ToLower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = ToLower(c);
  return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (ToLower(a[i]) != ToLower(b[i])) return false;
  }
  return true;
}

std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    if (pos == std::string_view::npos) {
      parts.push_back(s.substr(start));
      return parts;
    }
    parts.push_back(s.substr(start, pos - start));
    start = pos + 1;
  }
}

// Header values by lowercased name, in request order, from one pass over the headers: checking
// and canonicalizing thousands of signed header names stays O(n log n), not quadratic.
class HeaderIndex {
 public:
  struct Entry {
    std::string name;  // lowercased, trimmed
    size_t position;
    std::string_view value;
  };
  // Requests with few headers and names (all SDK requests) are matched by linear search,
  // which allocates nothing; the index is built only when that would be slow.
  HeaderIndex(const HttpRequestView& req, size_t lookups)
      : req_(req), linear_(req.headers.size() * lookups <= 256) {
    if (linear_) return;
    entries_.reserve(req.headers.size());
    for (size_t i = 0; i < req.headers.size(); ++i) {
      entries_.push_back(Entry{Lower(Trim(req.headers[i].first)), i, req.headers[i].second});
    }
    std::sort(entries_.begin(), entries_.end(), [](const Entry& a, const Entry& b) {
      return a.name != b.name ? a.name < b.name : a.position < b.position;
    });
  }
  // Calls fn(value) for each header named `lower_name`, in request order; returns how many.
  template <typename Fn>
  size_t ForEach(std::string_view lower_name, Fn fn) const {
    size_t n = 0;
    if (linear_) {
      for (const auto& [key, value] : req_.headers) {
        if (!EqualsIgnoreCase(Trim(key), lower_name)) continue;
        fn(value);
        ++n;
      }
      return n;
    }
    auto [first, last] = Find(lower_name);
    for (auto it = first; it != last; ++it, ++n) fn(it->value);
    return n;
  }

 private:
  // The entries named `lower_name`, in request order.
  std::pair<std::vector<Entry>::const_iterator, std::vector<Entry>::const_iterator> Find(
      std::string_view lower_name) const {
    auto first = std::lower_bound(entries_.begin(), entries_.end(), lower_name,
                                  [](const Entry& e, std::string_view n) { return e.name < n; });
    auto last = first;
    while (last != entries_.end() && last->name == lower_name) ++last;
    return {first, last};
  }

  const HttpRequestView& req_;
  const bool linear_;
  std::vector<Entry> entries_;
};

// Splits the request target into raw path and raw query (without '?').
std::pair<std::string_view, std::string_view> SplitTarget(std::string_view target) {
  // Absolute form: skip "scheme://authority".
  if (size_t scheme_end = target.find("://");
      scheme_end != std::string_view::npos && target.find_first_of("/?") > scheme_end) {
    std::string_view rest = target.substr(scheme_end + 3);
    size_t path_start = rest.find_first_of("/?");
    target = path_start == std::string_view::npos ? std::string_view() : rest.substr(path_start);
  }
  if (size_t hash = target.find('#'); hash != std::string_view::npos)
    target = target.substr(0, hash);
  size_t q = target.find('?');
  if (q == std::string_view::npos) return {target, std::string_view()};
  return {target.substr(0, q), target.substr(q + 1)};
}

// Decoded (name, value) query parameters, in request order.
std::vector<std::pair<std::string, std::string>> DecodeQuery(std::string_view raw_query) {
  std::vector<std::pair<std::string, std::string>> params;
  if (raw_query.empty()) return params;
  for (std::string_view part : Split(raw_query, '&')) {
    if (part.empty()) continue;
    size_t eq = part.find('=');
    std::string_view name = part.substr(0, eq);
    std::string_view value =
        eq == std::string_view::npos ? std::string_view() : part.substr(eq + 1);
    params.emplace_back(UriDecode(name), UriDecode(value));
  }
  return params;
}

const std::string* FindParam(const std::vector<std::pair<std::string, std::string>>& params,
                             std::string_view name) {
  for (const auto& [key, value] : params) {
    if (key == name) return &value;
  }
  return nullptr;
}

// ----- Dates -----------------------------------------------------------------------------------

// Howard Hinnant's days_from_civil / civil_from_days (proleptic Gregorian, UTC).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t z, int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<int64_t>(yoe) + era * 400 + (*m <= 2);
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static constexpr std::array<unsigned, 12> kDays = {31, 28, 31, 30, 31, 30,
                                                     31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return (m == 2 && leap) ? 29 : kDays[m - 1];
}

bool ParseDigits(std::string_view s, int* out) {
  if (s.empty()) return false;
  int v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

std::optional<int64_t> ToUnix(int year, int month, int day, int hour, int minute, int second) {
  if (month < 1 || month > 12 || day < 1 ||
      static_cast<unsigned>(day) > DaysInMonth(year, static_cast<unsigned>(month)) || hour > 23 ||
      minute > 59 || second > 59) {
    return std::nullopt;
  }
  return DaysFromCivil(year, static_cast<unsigned>(month), static_cast<unsigned>(day)) * 86400 +
         hour * 3600 + minute * 60 + second;
}

// ----- Authorization header / query parsing ----------------------------------------------------

// The request date: X-Amz-Date, else Date (header form); the raw value is kept for messages.
struct RequestDate {
  std::string_view raw;
  bool from_date_header = false;
};

std::string MinutesText(int64_t seconds) {
  if (seconds % 60 == 0) return std::to_string(seconds / 60) + " min.";
  return std::to_string(seconds) + " sec.";
}

// The request time against the server's: skew either way, or a presigned request's expiry.
Status CheckRequestTime(const ParsedSignature& parsed, int64_t now_unix_seconds, int64_t skew) {
  if (parsed.request_time > now_unix_seconds + skew) {
    // Confirmed (Lambda, Serverless; "+ 5 min." there, DynamoDB uses 15 minutes).
    return Invalid("Signature not yet current: " + parsed.amz_date + " is still later than " +
                   FormatAmzDate(now_unix_seconds + skew) + " (" + FormatAmzDate(now_unix_seconds) +
                   " + " + MinutesText(skew) + ")");
  }
  if (parsed.presigned && parsed.expires_seconds >= 0) {
    if (now_unix_seconds > parsed.request_time + parsed.expires_seconds) {
      return Status(ErrorCode::kAccessDenied, std::string(kRequestExpiredMessage));
    }
  } else if (parsed.request_time < now_unix_seconds - skew) {
    // Confirmed (DynamoDB and others, "- 15 min.").
    return Invalid("Signature expired: " + parsed.amz_date + " is now earlier than " +
                   FormatAmzDate(now_unix_seconds - skew) + " (" + FormatAmzDate(now_unix_seconds) +
                   " - " + MinutesText(skew) + ")");
  }
  return Status::OK();
}

// Checks everything shared by both forms once the raw elements are known.
Status FinishParse(const HttpRequestView& req, std::string_view credential,
                   std::string_view signed_headers, RequestDate date, const ParseOptions& options,
                   ParsedSignature* out) {
  std::vector<std::string_view> scope = Split(credential, '/');
  if (scope.size() != 5) {
    // Confirmed (IncompleteSignature from SQS, STS, IAM, CloudFormation).
    return Incomplete(
        "Credential must have exactly 5 slash-delimited elements, e.g. "
        "keyid/date/region/service/term, got " +
        Quoted(credential));
  }

  std::optional<int64_t> time = ParseAmzDate(date.raw);
  if (!time && date.from_date_header) time = ParseHttpDate(date.raw);
  if (!time) {
    // Guessed.
    return Incomplete("Date must be in ISO-8601 'basic format'. Got " + Quoted(date.raw) +
                      ". See http://en.wikipedia.org/wiki/ISO_8601");
  }
  out->request_time = *time;
  out->amz_date = FormatAmzDate(*time);
  if (options.now_unix_seconds) {
    DDBD_RETURN_IF_ERROR(
        CheckRequestTime(*out, *options.now_unix_seconds, options.max_clock_skew_seconds));
  }

  std::string_view day = std::string_view(out->amz_date).substr(0, 8);
  if (scope[1] != day) {
    // Guessed.
    return Invalid(
        "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from "
        "HTTP: " +
        Quoted(scope[1]) + " != " + Quoted(day) + ", from " + Quoted(date.raw) + ".");
  }

  // Scope checks accumulate into one message, as the service does.
  std::string scope_error;
  if (scope[2].empty() || (!options.region.empty() && scope[2] != options.region)) {
    // Confirmed ("..., not 'us-east-1'. " from SQS, STS, IAM, MediaStore, API Gateway).
    scope_error += "Credential should be scoped to a valid region, not " + Quoted(scope[2]) + ". ";
  }
  if (scope[3].empty() || (!options.service.empty() && scope[3] != options.service)) {
    // Confirmed (DynamoDB: "Credential should be scoped to correct service: 'dynamodb'. ").
    scope_error += "Credential should be scoped to correct service: " +
                   Quoted(options.service.empty() ? scope[3] : options.service) + ". ";
  }
  if (scope[4] != "aws4_request") {
    // Guessed, in the style of the two above.
    scope_error += "Credential should be scoped with a valid terminator: 'aws4_request', not " +
                   Quoted(scope[4]) + ". ";
  }
  if (!scope_error.empty()) return Invalid(std::move(scope_error));

  out->identity.access_key_id = std::string(scope[0]);
  out->identity.date = std::string(scope[1]);
  out->identity.region = std::string(scope[2]);
  out->identity.service = std::string(scope[3]);

  bool host_signed = false;
  for (std::string_view name : Split(signed_headers, ';')) {
    name = Trim(name);
    if (name.empty()) continue;
    std::string lower = Lower(name);
    if (lower == "host" || lower == ":authority") host_signed = true;
    out->signed_headers.push_back(std::move(lower));
  }
  if (!host_signed) return Invalid(std::string(kHostNotSignedMessage));
  HeaderIndex index(req, out->signed_headers.size());
  for (const std::string& name : out->signed_headers) {
    if (index.ForEach(name, [](std::string_view) {}) == 0) {
      // Confirmed (AppSync, IncompleteSignatureException).
      return Incomplete(Quoted(name) +
                        " is named as a SignedHeader, but it does not exist in the HTTP request.");
    }
  }
  return Status::OK();
}

Result<ParsedSignature> ParseAuthorizationHeader(const HttpRequestView& req,
                                                 std::string_view authorization,
                                                 const ParseOptions& options) {
  std::string_view value = Trim(authorization);
  size_t space = value.find_first_of(" \t");
  std::string_view algorithm = value.substr(0, space);
  std::string_view rest =
      space == std::string_view::npos ? std::string_view() : value.substr(space);

  std::optional<std::string_view> credential, signed_headers, signature;
  size_t pos = 0;
  while (pos < rest.size()) {
    size_t end = rest.find_first_of(", \t", pos);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view token = rest.substr(pos, end - pos);
    pos = end + 1;
    if (token.empty()) continue;
    size_t eq = token.find('=');
    if (eq == std::string_view::npos) {
      // Confirmed (DynamoDB, Cloud9, CloudFormation; IncompleteSignature).
      return Incomplete(Quoted(token) +
                        " not a valid key=value pair (missing equal-sign) in Authorization "
                        "header: " +
                        Quoted(authorization) + ".");
    }
    std::string_view key = token.substr(0, eq);
    std::string_view val = token.substr(eq + 1);
    if (key == "Credential" && !credential) credential = val;
    if (key == "SignedHeaders" && !signed_headers) signed_headers = val;
    if (key == "Signature" && !signature) signature = val;
  }

  RequestDate date;
  if (std::optional<std::string_view> amz = FindHeader(req, "x-amz-date")) {
    date.raw = *amz;
  } else if (std::optional<std::string_view> http = FindHeader(req, "date")) {
    date.raw = *http;
    date.from_date_header = true;
  }
  bool has_date = !date.raw.empty();

  if (!credential || !signature || !signed_headers || !has_date) {
    // Confirmed, including the order and the trailing "Authorization=<header value>" (API Gateway,
    // Elasticsearch, SES: IncompleteSignature).
    std::string message;
    if (!credential) message += "Authorization header requires 'Credential' parameter. ";
    if (!signature) message += "Authorization header requires 'Signature' parameter. ";
    if (!signed_headers) message += "Authorization header requires 'SignedHeaders' parameter. ";
    if (!has_date) {
      message +=
          "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' "
          "header. ";
    }
    message += "Authorization=";
    message.append(authorization);
    return Incomplete(std::move(message));
  }
  if (algorithm != kSigV4Algorithm) {
    // Guessed.
    return Incomplete("Unsupported AWS 'algorithm': " + Quoted(algorithm) + ".");
  }

  ParsedSignature parsed;
  parsed.presigned = false;
  parsed.signature = std::string(*signature);
  if (std::optional<std::string_view> token = FindHeader(req, "x-amz-security-token")) {
    parsed.security_token = std::string(*token);
  }
  DDBD_RETURN_IF_ERROR(FinishParse(req, *credential, *signed_headers, date, options, &parsed));
  return parsed;
}

Result<ParsedSignature> ParsePresigned(
    const HttpRequestView& req, const std::vector<std::pair<std::string, std::string>>& params,
    const ParseOptions& options) {
  const std::string* algorithm = FindParam(params, "X-Amz-Algorithm");
  const std::string* credential = FindParam(params, "X-Amz-Credential");
  const std::string* signature = FindParam(params, "X-Amz-Signature");
  const std::string* signed_headers = FindParam(params, "X-Amz-SignedHeaders");
  const std::string* date = FindParam(params, "X-Amz-Date");
  if (!credential || !signature || !signed_headers || !date) {
    // Guessed, in the style of the Authorization header message.
    std::string message;
    for (auto [name, value] :
         {std::pair{"X-Amz-Credential", credential}, std::pair{"X-Amz-Signature", signature},
          std::pair{"X-Amz-SignedHeaders", signed_headers}, std::pair{"X-Amz-Date", date}}) {
      if (!value)
        message += std::string("AWS query-string parameters must include '") + name + "'. ";
    }
    message += "Re-examine the query-string parameters.";
    return Incomplete(std::move(message));
  }
  if (*algorithm != kSigV4Algorithm) {
    // From S3 (AuthorizationQueryParametersError); code here kIncompleteSignature.
    return Incomplete("X-Amz-Algorithm only supports \"AWS4-HMAC-SHA256\"");
  }

  ParsedSignature parsed;
  parsed.presigned = true;
  parsed.signature = *signature;
  if (const std::string* expires = FindParam(params, "X-Amz-Expires")) {
    // Messages from S3 (AuthorizationQueryParametersError); code here kIncompleteSignature.
    std::string_view text = *expires;
    bool negative = !text.empty() && text.front() == '-';
    if (negative) text.remove_prefix(1);
    if (text.empty() || text.size() > 18 ||
        !std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Incomplete("X-Amz-Expires should be a number");
    }
    int64_t seconds = 0;
    for (char c : text) seconds = seconds * 10 + (c - '0');
    if (negative && seconds != 0) return Incomplete("X-Amz-Expires must be non-negative");
    if (seconds > kMaxPresignExpiresSeconds) {
      return Incomplete(
          "X-Amz-Expires must be less than a week (in seconds); that is, the given X-Amz-Expires "
          "must be less than 604800 seconds");
    }
    parsed.expires_seconds = seconds;
  }
  if (const std::string* token = FindParam(params, "X-Amz-Security-Token")) {
    parsed.security_token = *token;
  } else if (std::optional<std::string_view> header = FindHeader(req, "x-amz-security-token")) {
    parsed.security_token = std::string(*header);
  }
  DDBD_RETURN_IF_ERROR(
      FinishParse(req, *credential, *signed_headers, RequestDate{*date, false}, options, &parsed));
  return parsed;
}

// Compares two strings in constant time with respect to their contents.
bool ConstantTimeEquals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

}  // namespace

std::optional<std::string_view> FindHeader(const HttpRequestView& req, std::string_view name) {
  for (const auto& [key, value] : req.headers) {
    if (EqualsIgnoreCase(Trim(key), name)) return Trim(value);
  }
  return std::nullopt;
}

// ----- Public API -------------------------------------------------------------------------------

Result<ParsedSignature> ParseSignature(const HttpRequestView& req, const ParseOptions& options) {
  if (std::optional<std::string_view> authorization = FindHeader(req, "authorization")) {
    return ParseAuthorizationHeader(req, *authorization, options);
  }
  std::vector<std::pair<std::string, std::string>> params =
      DecodeQuery(SplitTarget(req.target).second);
  if (FindParam(params, "X-Amz-Algorithm") != nullptr) return ParsePresigned(req, params, options);
  return Status(ErrorCode::kMissingAuthenticationToken, std::string(kMissingTokenMessage));
}

Status VerifySignature(const HttpRequestView& req, const ParsedSignature& parsed,
                       std::string_view secret_access_key, int64_t now_unix_seconds,
                       const VerifyOptions& options) {
  // Time checks first: they need no secret and give the more useful answer.
  DDBD_RETURN_IF_ERROR(CheckRequestTime(parsed, now_unix_seconds, options.max_clock_skew_seconds));

  // Candidate payload hashes the client may have signed.
  const std::string body_hash = HexSha256(req.body);
  std::optional<std::string> declared;
  if (std::optional<std::string_view> header = FindHeader(req, "x-amz-content-sha256")) {
    declared = std::string(*header);
  } else if (parsed.presigned) {
    std::vector<std::pair<std::string, std::string>> params =
        DecodeQuery(SplitTarget(req.target).second);
    if (const std::string* param = FindParam(params, "X-Amz-Content-Sha256")) declared = *param;
  }
  std::vector<std::string> candidates;
  if (declared) {
    candidates.push_back(*declared);
  } else {
    candidates.push_back(body_hash);
    if (parsed.presigned && (req.body.empty() || options.allow_unsigned_payload)) {
      candidates.emplace_back(kUnsignedPayload);
    }
  }

  bool match = false;
  for (const std::string& payload_hash : candidates) {
    std::string expected = CalculateSignature(req, parsed, secret_access_key, payload_hash);
    // Evaluate every candidate so timing does not depend on which one matched.
    match |= ConstantTimeEquals(expected, parsed.signature);
  }
  if (!match) return Invalid(std::string(kSignatureMismatchMessage));

  if (declared && *declared != body_hash) {
    bool unsigned_ok =
        *declared == kUnsignedPayload && (req.body.empty() || options.allow_unsigned_payload);
    if (!unsigned_ok) return Invalid(std::string(kContentShaMismatchMessage));
  }
  return Status::OK();
}

Status UnrecognizedClientError() {
  return Status(ErrorCode::kUnrecognizedClient, std::string(kUnrecognizedClientMessage));
}

std::string HexSha256(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_sha256(), nullptr);
  return HexEncode(std::string_view(reinterpret_cast<const char*>(digest), size));
}

std::string Md5(std::string_view data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(data.data(), data.size(), digest, &size, EVP_md5(), nullptr);
  return std::string(reinterpret_cast<const char*>(digest), size);
}

std::string HexEncode(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out += kHex[c >> 4];
    out += kHex[c & 0xf];
  }
  return out;
}

std::string HmacSha256(std::string_view key, std::string_view data) {
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), mac, &size);
  return std::string(reinterpret_cast<const char*>(mac), size);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                      c == '-' || c == '_' || c == '.' || c == '~' || (keep_slash && c == '/');
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xf];
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      int hi = hex(s[i + 1]);
      int lo = hex(s[i + 2]);
      if (hi >= 0 && lo >= 0) {
        out += static_cast<char>(hi * 16 + lo);
        i += 2;
        continue;
      }
    }
    out += s[i];
  }
  return out;
}

std::string CanonicalUri(std::string_view raw_path) {
  if (raw_path.empty()) return "/";
  std::vector<std::string_view> segments;
  for (std::string_view segment : Split(raw_path, '/')) {
    if (segment.empty() || segment == ".") continue;
    if (segment == "..") {
      if (!segments.empty()) segments.pop_back();
      continue;
    }
    segments.push_back(segment);
  }
  std::string path;
  if (raw_path.front() == '/') path += '/';
  for (size_t i = 0; i < segments.size(); ++i) {
    if (i > 0) path += '/';
    path.append(segments[i]);
  }
  if (raw_path.back() == '/' && !segments.empty()) path += '/';
  return UriEncode(path, /*keep_slash=*/true);
}

std::string CanonicalQueryString(std::string_view raw_query, bool exclude_signature) {
  std::vector<std::pair<std::string, std::string>> encoded;
  for (auto& [name, value] : DecodeQuery(raw_query)) {
    if (exclude_signature && name == "X-Amz-Signature") continue;
    encoded.emplace_back(UriEncode(name, false), UriEncode(value, false));
  }
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [name, value] : encoded) {
    if (!out.empty()) out += '&';
    out += name;
    out += '=';
    out += value;
  }
  return out;
}

std::string CanonicalHeaders(const HttpRequestView& req,
                             const std::vector<std::string>& signed_headers) {
  std::string out;
  HeaderIndex index(req, signed_headers.size());
  for (const std::string& name : signed_headers) {
    out += name;
    out += ':';
    bool first = true;
    index.ForEach(name, [&](std::string_view value) {
      if (!first) out += ',';
      first = false;
      // Trim, and collapse each run of whitespace into one space.
      std::string_view v = Trim(value);
      bool in_space = false;
      for (char c : v) {
        if (IsSpace(c)) {
          in_space = true;
          continue;
        }
        if (in_space) out += ' ';
        in_space = false;
        out += c;
      }
    });
    out += '\n';
  }
  return out;
}

std::string CanonicalRequest(const HttpRequestView& req,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool presigned) {
  auto [path, query] = SplitTarget(req.target);
  std::string out(req.method);
  out += '\n';
  out += CanonicalUri(path);
  out += '\n';
  out += CanonicalQueryString(query, /*exclude_signature=*/presigned);
  out += '\n';
  out += CanonicalHeaders(req, signed_headers);
  out += '\n';
  for (size_t i = 0; i < signed_headers.size(); ++i) {
    if (i > 0) out += ';';
    out += signed_headers[i];
  }
  out += '\n';
  out.append(payload_hash);
  return out;
}

std::string CredentialScope(const SigV4Identity& identity) {
  return identity.date + "/" + identity.region + "/" + identity.service + "/aws4_request";
}

std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request) {
  std::string out(kSigV4Algorithm);
  out += '\n';
  out.append(amz_date);
  out += '\n';
  out.append(credential_scope);
  out += '\n';
  out += HexSha256(canonical_request);
  return out;
}

std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service) {
  std::string secret = "AWS4";
  secret.append(secret_access_key);
  std::string key = HmacSha256(secret, date);
  OPENSSL_cleanse(secret.data(), secret.size());
  key = HmacSha256(key, region);
  key = HmacSha256(key, service);
  return HmacSha256(key, "aws4_request");
}

std::string CalculateSignature(const HttpRequestView& req, const ParsedSignature& parsed,
                               std::string_view secret_access_key, std::string_view payload_hash) {
  std::string canonical =
      CanonicalRequest(req, parsed.signed_headers, payload_hash, parsed.presigned);
  std::string to_sign = StringToSign(parsed.amz_date, CredentialScope(parsed.identity), canonical);
  // The signing key depends only on (secret, date, region, service): clients reuse it for a
  // whole day, so each thread keeps the last one (four HMACs saved per request).
  struct CachedKey {
    std::string secret, date, region, service, key;
  };
  thread_local CachedKey cached;
  const auto& id = parsed.identity;
  if (cached.key.empty() || cached.secret != secret_access_key || cached.date != id.date ||
      cached.region != id.region || cached.service != id.service) {
    cached = CachedKey{std::string(secret_access_key), id.date, id.region, id.service,
                       SigningKey(secret_access_key, id.date, id.region, id.service)};
  }
  return HexEncode(HmacSha256(cached.key, to_sign));
}

std::optional<int64_t> ParseAmzDate(std::string_view s) {
  if (s.size() != 16 || s[8] != 'T' || s[15] != 'Z') return std::nullopt;
  int year, month, day, hour, minute, second;
  if (!ParseDigits(s.substr(0, 4), &year) || !ParseDigits(s.substr(4, 2), &month) ||
      !ParseDigits(s.substr(6, 2), &day) || !ParseDigits(s.substr(9, 2), &hour) ||
      !ParseDigits(s.substr(11, 2), &minute) || !ParseDigits(s.substr(13, 2), &second)) {
    return std::nullopt;
  }
  return ToUnix(year, month, day, hour, minute, second);
}

std::string FormatAmzDate(int64_t unix_seconds) {
  int64_t days = unix_seconds / 86400;
  int64_t secs = unix_seconds % 86400;
  if (secs < 0) {
    secs += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04lld%02u%02uT%02d%02d%02dZ", static_cast<long long>(y), m, d,
                static_cast<int>(secs / 3600), static_cast<int>(secs / 60 % 60),
                static_cast<int>(secs % 60));
  return buf;
}

std::optional<int64_t> ParseHttpDate(std::string_view s) {
  s = Trim(s);
  // Optional "Mon, ".
  if (size_t comma = s.find(','); comma != std::string_view::npos) s = Trim(s.substr(comma + 1));
  // "09 Sep 2011 23:36:00 GMT"
  std::vector<std::string_view> fields;
  for (std::string_view f : Split(s, ' ')) {
    if (!f.empty()) fields.push_back(f);
  }
  if (fields.size() != 5 || (fields[4] != "GMT" && fields[4] != "UTC")) return std::nullopt;
  static constexpr std::array<std::string_view, 12> kMonths = {
      "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  int month = 0;
  for (size_t i = 0; i < kMonths.size(); ++i) {
    if (EqualsIgnoreCase(fields[1], kMonths[i])) month = static_cast<int>(i) + 1;
  }
  std::vector<std::string_view> hms = Split(fields[3], ':');
  int day, year, hour, minute, second;
  if (month == 0 || hms.size() != 3 || fields[0].size() > 2 || fields[2].size() != 4 ||
      hms[0].size() != 2 || hms[1].size() != 2 || hms[2].size() != 2 ||
      !ParseDigits(fields[0], &day) || !ParseDigits(fields[2], &year) ||
      !ParseDigits(hms[0], &hour) || !ParseDigits(hms[1], &minute) ||
      !ParseDigits(hms[2], &second)) {
    return std::nullopt;
  }
  return ToUnix(year, month, day, hour, minute, second);
}

std::vector<std::pair<std::string, std::string>> SigningHeaders(
    std::string_view method, std::string_view host, std::string_view path, std::string_view query,
    std::string_view body, std::string_view access_key_id, std::string_view secret,
    std::string_view region, std::string_view service, int64_t unix_seconds) {
  const std::string amz_date = FormatAmzDate(unix_seconds);
  const std::string payload_hash = HexSha256(body);
  const std::string signed_headers = "host;x-amz-content-sha256;x-amz-date";
  const std::string canonical =
      std::string(method) + "\n" + std::string(path) + "\n" + CanonicalQueryString(query, false) +
      "\nhost:" + std::string(host) + "\nx-amz-content-sha256:" + payload_hash +
      "\nx-amz-date:" + amz_date + "\n\n" + signed_headers + "\n" + payload_hash;
  const SigV4Identity identity{std::string(access_key_id), std::string(region),
                               std::string(service), amz_date.substr(0, 8)};
  const std::string scope = CredentialScope(identity);
  const std::string signature =
      HexEncode(HmacSha256(SigningKey(secret, identity.date, identity.region, service),
                           StringToSign(amz_date, scope, canonical)));
  return {
      {"Host", std::string(host)},
      {"x-amz-date", amz_date},
      {"x-amz-content-sha256", payload_hash},
      {"Authorization", std::string(kSigV4Algorithm) + " Credential=" + std::string(access_key_id) +
                            "/" + scope + ", SignedHeaders=" + signed_headers +
                            ", Signature=" + signature},
  };
}

}  // namespace ddbd::auth
