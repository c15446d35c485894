// AWS Signature Version 4 (SigV4) request authentication.
//
// This module checks that a request was signed with the SigV4 algorithm by someone who knows the
// secret access key of the access key id named in the request. It supports both forms clients use:
//
//   * the Authorization header:
//       Authorization: AWS4-HMAC-SHA256 Credential=AKID/20240101/us-east-1/dynamodb/aws4_request,
//                      SignedHeaders=host;x-amz-date, Signature=<64 hex>
//     with the request time in X-Amz-Date (or, failing that, the Date header);
//   * presigned query strings: X-Amz-Algorithm, X-Amz-Credential, X-Amz-Date,
//     X-Amz-SignedHeaders, X-Amz-Signature, optional X-Amz-Expires and X-Amz-Security-Token.
//
// Verification is split in two so the caller can look up the secret in between:
//
//   DDBD_ASSIGN_OR_RETURN(ParsedSignature parsed, ParseSignature(request));
//   const Credential* cred = store.Find(parsed.identity.access_key_id);
//   if (cred == nullptr) return UnrecognizedClientError();
//   DDBD_RETURN_IF_ERROR(VerifySignature(request, parsed, cred->secret_access_key, now));
//
// (credentials.h's Authenticate() does exactly this.)
//
// Errors carry the ErrorCode and message text the real service answers with where those are known;
// sigv4.cc documents, per message, whether the text was confirmed from service output or guessed.
//
// The module knows nothing of HTTP libraries or DynamoDB tables: everything is a pure function over
// plain structs. All functions are thread-safe (they touch no shared mutable state) and never throw
// except std::bad_alloc.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ddbd/status.h"

namespace ddbd::auth {

// The only signing algorithm accepted.
inline constexpr std::string_view kSigV4Algorithm = "AWS4-HMAC-SHA256";
// Payload hash placeholder used by presigned URLs (and S3-style unsigned bodies).
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// How far X-Amz-Date may be from the server clock, either way.
inline constexpr int64_t kDefaultMaxClockSkewSeconds = 15 * 60;
// Largest X-Amz-Expires accepted (seven days), as for every SigV4 service.
inline constexpr int64_t kMaxPresignExpiresSeconds = 7 * 24 * 60 * 60;

// What the http layer hands over. All views must stay valid for the duration of the call that
// receives the struct (ParsedSignature copies what it keeps).
struct HttpRequestView {
  std::string_view method;  // "POST", exactly as on the request line
  // Raw request target as sent: "/" or "/path?query". Not percent-decoded. An absolute-form target
  // ("http://host/path?q") is accepted too; its scheme and authority are ignored.
  std::string_view target;
  // Header fields as received: names in any case, may repeat, values not yet trimmed.
  std::vector<std::pair<std::string_view, std::string_view>> headers;
  std::string_view body;
};

// Trimmed value of the first header named `name` (case-insensitive), or nullopt.
std::optional<std::string_view> FindHeader(const HttpRequestView& req, std::string_view name);

// Who signed, and for what scope (the Credential=AKID/date/region/service/aws4_request element).
struct SigV4Identity {
  std::string access_key_id;
  std::string region;
  std::string service;
  std::string date;  // yyyymmdd, as in the credential scope
};

// The structurally valid signature of a request, as found by ParseSignature().
struct ParsedSignature {
  SigV4Identity identity;
  // Lowercased names from SignedHeaders / X-Amz-SignedHeaders, in the order the client gave them
  // (clients sort them). Empty names are dropped.
  std::vector<std::string> signed_headers;
  std::string signature;     // as sent (normally 64 lowercase hex digits)
  std::string amz_date;      // request time, ISO 8601 basic format "20240101T000000Z"
  int64_t request_time = 0;  // amz_date as seconds since the Unix epoch
  bool presigned = false;    // true for the query-string form
  // X-Amz-Expires of a presigned request; -1 when absent or for the header form.
  int64_t expires_seconds = -1;
  // X-Amz-Security-Token (header, or query parameter for presigned requests); "" when absent.
  // Not validated here: the caller decides what session tokens mean.
  std::string security_token;
};

// Which credential scopes ParseSignature() accepts.
struct ParseOptions {
  // Required service in the credential scope; empty accepts any service.
  std::string_view service = "dynamodb";
  // Required region in the credential scope; empty accepts any non-empty region.
  std::string_view region;
  // With the server's time, a request time out of the allowed skew (or a presigned request
  // past its expiry) is answered as soon as the date is parsed, before the credential scope is
  // examined, as the service orders its checks (VerifySignature's time errors).
  std::optional<int64_t> now_unix_seconds;
  int64_t max_clock_skew_seconds = kDefaultMaxClockSkewSeconds;
};

// Parses the signature of `req` and checks its structure. Needs no secret, so it runs before the
// access key lookup. Never looks at the body.
//
// Failures (code: message):
//   * No Authorization header and no X-Amz-Algorithm query parameter:
//       kMissingAuthenticationToken "Request is missing Authentication Token".
//   * Authorization header not made of key=value pairs; missing Credential / Signature /
//     SignedHeaders or request date; unsupported algorithm; presigned query missing a required
//     parameter or with a bad X-Amz-Expires; credential not of 5 '/'-separated elements;
//     unparseable request date; a signed header absent from the request: kIncompleteSignature.
//   * Scope date differs from the request date; scope region / service / terminator not accepted
//     by `options`; "host" not among the signed headers: kInvalidSignature.
Result<ParsedSignature> ParseSignature(const HttpRequestView& req,
                                       const ParseOptions& options = ParseOptions());

struct VerifyOptions {
  // Allowed distance between the request time and `now`, either way.
  int64_t max_clock_skew_seconds = kDefaultMaxClockSkewSeconds;
  // Accept "UNSIGNED-PAYLOAD" as the payload hash of a request with a non-empty body (the body is
  // then not covered by the signature). Presigned requests with an empty body accept it always.
  bool allow_unsigned_payload = false;
};

// Fully verifies `req` against `parsed` (the result of ParseSignature(req)) and the secret access
// key of parsed.identity.access_key_id, at server time `now_unix_seconds`.
//
// The payload hash signed over is, in order of preference: the x-amz-content-sha256 header (or
// X-Amz-Content-Sha256 query parameter of a presigned request) when present, else the hex SHA-256
// of the body; presigned requests with an empty body may also have been signed with
// UNSIGNED-PAYLOAD. A client-declared payload hash must match the body unless it is
// UNSIGNED-PAYLOAD and that is allowed (see VerifyOptions).
//
// Failures (all kInvalidSignature unless noted):
//   * Header form, request time more than max_clock_skew_seconds before now:
//       "Signature expired: 20240101T000000Z is now earlier than 20240101T002000Z
//        (20240101T003500Z - 15 min.)"; after now: "Signature not yet current: <date> is still
//        later than <now + 15 min> (<now> + 15 min.)". Presigned requests get the second check,
//        and the first when they have no X-Amz-Expires.
//   * Presigned, now past request time + X-Amz-Expires: kAccessDenied "Request has expired".
//   * Wrong signature: "The request signature we calculated does not match the signature you
//     provided. Check your AWS Secret Access Key and signing method. Consult the service
//     documentation for details."
//   * Right signature over a declared payload hash that is not the body's:
//       "The provided 'x-amz-content-sha256' header does not match what was computed."
// Signatures are compared in constant time.
Status VerifySignature(const HttpRequestView& req, const ParsedSignature& parsed,
                       std::string_view secret_access_key, int64_t now_unix_seconds,
                       const VerifyOptions& options = VerifyOptions());

// The error to answer when the access key id is unknown: kUnrecognizedClient
// "The security token included in the request is invalid."
Status UnrecognizedClientError();

// ---------------------------------------------------------------------------------------------
// Building blocks, exposed for tests and for anyone who needs to sign (e.g. test clients).
// ---------------------------------------------------------------------------------------------

// Lowercase hex of the SHA-256 of `data`.
std::string HexSha256(std::string_view data);
// Lowercase hex of `bytes`.
std::string HexEncode(std::string_view bytes);
// Raw 16-byte MD5 of `data` (S3's Content-MD5 and ETags, export checksums).
std::string Md5(std::string_view data);
// Raw 32-byte HMAC-SHA256 of `data` under `key`.
std::string HmacSha256(std::string_view key, std::string_view data);

// SigV4 URI encoding: every byte except A-Z a-z 0-9 - _ . ~ (and '/' when keep_slash) becomes
// %XX with uppercase hex.
std::string UriEncode(std::string_view s, bool keep_slash);
// Percent-decodes `s`. Malformed escapes are kept literally; '+' is kept as '+'.
std::string UriDecode(std::string_view s);

// Canonical URI of a raw (still percent-encoded, as on the wire) path, with the rules of non-S3
// services: empty becomes "/", "." and ".." segments are resolved and empty segments dropped
// (keeping a trailing '/'), then the result is URI-encoded again (so "%20" becomes "%2520").
std::string CanonicalUri(std::string_view raw_path);
// Canonical query string of a raw query (without '?'): parameters decoded then re-encoded with
// UriEncode, "name" without '=' treated as "name=", sorted by name then value, joined by '&'.
// With exclude_signature, X-Amz-Signature parameters are left out (presigned requests).
std::string CanonicalQueryString(std::string_view raw_query, bool exclude_signature);
// "name:value\n" for each name in signed_headers (lowercase), in that order. The value is every
// field of that name in request order, each trimmed with runs of whitespace collapsed to one
// space, joined with ','. A header absent from the request yields an empty value.
std::string CanonicalHeaders(const HttpRequestView& req,
                             const std::vector<std::string>& signed_headers);
// The whole canonical request: method, canonical URI, canonical query string, canonical headers,
// blank line, signed headers joined by ';', payload hash.
std::string CanonicalRequest(const HttpRequestView& req,
                             const std::vector<std::string>& signed_headers,
                             std::string_view payload_hash, bool presigned);
// "yyyymmdd/region/service/aws4_request".
std::string CredentialScope(const SigV4Identity& identity);
// "AWS4-HMAC-SHA256\n<amz_date>\n<credential_scope>\n<hex sha256 of canonical_request>".
std::string StringToSign(std::string_view amz_date, std::string_view credential_scope,
                         std::string_view canonical_request);
// Raw 32-byte signing key: HMAC chain over "AWS4"+secret, date, region, service, "aws4_request".
std::string SigningKey(std::string_view secret_access_key, std::string_view date,
                       std::string_view region, std::string_view service);
// Hex signature of `req` as described by `parsed`, over the given payload hash.
std::string CalculateSignature(const HttpRequestView& req, const ParsedSignature& parsed,
                               std::string_view secret_access_key, std::string_view payload_hash);

// The headers that sign an outgoing request (Host, x-amz-date, x-amz-content-sha256,
// Authorization) with the key `access_key_id`/`secret` for `service` in `region`, at
// `unix_seconds`. `path` is the request path as sent (already URI-encoded), `query` the raw
// query string without '?'.
std::vector<std::pair<std::string, std::string>> SigningHeaders(
    std::string_view method, std::string_view host, std::string_view path, std::string_view query,
    std::string_view body, std::string_view access_key_id, std::string_view secret,
    std::string_view region, std::string_view service, int64_t unix_seconds);

// "20240101T000000Z" <-> seconds since the Unix epoch (UTC). Parse accepts exactly the 16-char
// ISO 8601 basic format with a valid calendar date and time; returns nullopt otherwise.
std::optional<int64_t> ParseAmzDate(std::string_view amz_date);
std::string FormatAmzDate(int64_t unix_seconds);
// RFC 7231 IMF-fixdate ("Mon, 09 Sep 2011 23:36:00 GMT", weekday optional), as in a Date header.
std::optional<int64_t> ParseHttpDate(std::string_view http_date);

}  // namespace ddbd::auth
