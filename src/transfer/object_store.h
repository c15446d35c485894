// Where exports write and imports read: the server's "S3". Two kinds:
//   * a local directory (--s3-dir DIR): bucket B is the directory DIR/B, object key K the file
//     DIR/B/K;
//   * an S3-compatible endpoint (--s3-endpoint URL): path-style requests (URL/B/K) signed with
//     SigV4 for service "s3": PutObject (multipart upload for objects over the part size),
//     GetObject, ListObjectsV2, HeadBucket.
// Errors: a missing bucket is Status NotFound with the S3 error's text in the service's Java
// form ("The specified bucket does not exist (Service: Amazon S3; Status Code: 404; Error Code:
// NoSuchBucket; Request ID: …)"); other S3 errors are Internal with the same form; connection
// failures are Internal (callers retry those later). Thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "ddbd/status.h"

namespace ddbd::transfer {

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // OK if the bucket exists; NotFound (see above) if not.
  virtual Status CheckBucket(const std::string& bucket) = 0;
  // Writes the object; returns its ETag without quotes (the hex MD5 of the data, or for a
  // multipart upload S3's "<hex MD5 of the parts' MD5s>-<parts>").
  virtual Result<std::string> Put(const std::string& bucket, const std::string& key,
                                  std::string_view data) = 0;
  virtual Result<std::string> Get(const std::string& bucket, const std::string& key) = 0;
  // Keys of the bucket's objects that start with `prefix`, in key order.
  virtual Result<std::vector<std::string>> List(const std::string& bucket,
                                                const std::string& prefix) = 0;
  // What --help and the log call it: the directory or the endpoint.
  virtual std::string Describe() const = 0;
};

std::unique_ptr<ObjectStore> NewDirectoryStore(std::string dir);

struct S3Options {
  std::string endpoint;  // http://host[:port]
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  // Objects larger than this go up in parts of this size (S3's minimum part is 5 MiB).
  size_t part_size = size_t{16} << 20;
  std::chrono::milliseconds timeout{60000};
};
// Internal error for a malformed endpoint.
Result<std::unique_ptr<ObjectStore>> NewS3Store(S3Options options);

// The FailureCode of an export or import that S3 refused with `refusal` (not an internal
// error): S3NoSuchBucket for a missing bucket, S3AccessDenied for any 403, else UNKNOWN.
std::string S3FailureCode(const Status& refusal);

// The text of the service's failure messages for an S3 error (Java SDK style).
std::string S3ErrorText(std::string_view message, int status, std::string_view code,
                        std::string_view request_id);

}  // namespace ddbd::transfer
