#include "transfer/object_store.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <utility>

#include "auth/sigv4.h"
#include "common/logging.h"
#include "common/uuid.h"
#include "http/client.h"

namespace ddbd::transfer {

std::string S3FailureCode(const Status& refusal) {
  if (refusal.code() == ErrorCode::kResourceNotFound &&
      refusal.message().find("Error Code: NoSuchBucket;") != std::string::npos) {
    return "S3NoSuchBucket";
  }
  if (refusal.message().find("Status Code: 403;") != std::string::npos) return "S3AccessDenied";
  return "UNKNOWN";
}

std::string S3ErrorText(std::string_view message, int status, std::string_view code,
                        std::string_view request_id) {
  std::string out(message);
  out += " (Service: Amazon S3; Status Code: " + std::to_string(status) + "; Error Code: ";
  out.append(code);
  out += "; Request ID: ";
  out.append(request_id);
  out += ")";
  return out;
}

namespace {

Status NoSuchBucket() {
  return Status::ResourceNotFound(
      S3ErrorText("The specified bucket does not exist", 404, "NoSuchBucket", NewUuid()));
}

// ---------------------------------------------------------------------------------------------
// A local directory.

class DirectoryStore : public ObjectStore {
 public:
  explicit DirectoryStore(std::string dir) : dir_(std::move(dir)) {}

  Status CheckBucket(const std::string& bucket) override {
    std::error_code ec;
    if (bucket.empty() || bucket.find('/') != std::string::npos || bucket == "." ||
        bucket == ".." || !std::filesystem::is_directory(dir_ / bucket, ec)) {
      return NoSuchBucket();
    }
    return Status::OK();
  }

  Result<std::string> Put(const std::string& bucket, const std::string& key,
                          std::string_view data) override {
    DDBD_RETURN_IF_ERROR(CheckBucket(bucket));
    const std::filesystem::path path = dir_ / bucket / key;
    std::error_code ec;
    std::filesystem::create_directories(path.parent_path(), ec);
    std::ofstream file(path, std::ios::binary | std::ios::trunc);
    file.write(data.data(), static_cast<std::streamsize>(data.size()));
    file.close();
    if (!file) return Status::Internal("could not write " + path.string());
    return auth::HexEncode(auth::Md5(data));
  }

  Result<std::string> Get(const std::string& bucket, const std::string& key) override {
    DDBD_RETURN_IF_ERROR(CheckBucket(bucket));
    std::ifstream file(dir_ / bucket / key, std::ios::binary);
    if (!file) {
      return Status::ResourceNotFound(
          S3ErrorText("The specified key does not exist.", 404, "NoSuchKey", NewUuid()));
    }
    std::stringstream raw;
    raw << file.rdbuf();
    return raw.str();
  }

  Result<std::vector<std::string>> List(const std::string& bucket,
                                        const std::string& prefix) override {
    DDBD_RETURN_IF_ERROR(CheckBucket(bucket));
    const std::filesystem::path bucket_dir = dir_ / bucket;
    std::vector<std::string> keys;
    std::error_code ec;
    for (auto it = std::filesystem::recursive_directory_iterator(bucket_dir, ec);
         !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
      if (!it->is_regular_file()) continue;
      std::string key = std::filesystem::relative(it->path(), bucket_dir).generic_string();
      if (key.rfind(prefix, 0) == 0) keys.push_back(std::move(key));
    }
    if (ec) return Status::Internal("could not list " + bucket_dir.string() + ": " + ec.message());
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::string Describe() const override { return "directory " + dir_.string(); }

 private:
  const std::filesystem::path dir_;
};

// ---------------------------------------------------------------------------------------------
// An S3-compatible endpoint.

std::string XmlUnescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out.push_back(s[i]);
      continue;
    }
    static constexpr std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool matched = false;
    for (const auto& [entity, c] : kEntities) {
      if (s.substr(i, entity.size()) == entity) {
        out.push_back(c);
        i += entity.size() - 1;
        matched = true;
        break;
      }
    }
    if (!matched) out.push_back('&');
  }
  return out;
}

std::string XmlEscape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      default:
        out.push_back(c);
    }
  }
  return out;
}

// The text of every <tag>…</tag> element of `xml`, in order (S3's responses have no nesting of
// a tag in itself, and no attributes on the elements read here).
std::vector<std::string> XmlValues(std::string_view xml, std::string_view tag) {
  std::vector<std::string> out;
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  size_t pos = 0;
  while ((pos = xml.find(open, pos)) != std::string_view::npos) {
    pos += open.size();
    const size_t end = xml.find(close, pos);
    if (end == std::string_view::npos) break;
    out.push_back(XmlUnescape(xml.substr(pos, end - pos)));
    pos = end + close.size();
  }
  return out;
}

std::string XmlValue(std::string_view xml, std::string_view tag) {
  auto values = XmlValues(xml, tag);
  return values.empty() ? std::string() : values.front();
}

std::string Unquote(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

class S3Store : public ObjectStore {
 public:
  S3Store(S3Options options, http::Url url) : options_(std::move(options)), url_(std::move(url)) {}

  Status CheckBucket(const std::string& bucket) override {
    if (bucket.empty()) return NoSuchBucket();
    return Call("GET", bucket, "", "list-type=2&max-keys=1", "").status();
  }

  Result<std::string> Put(const std::string& bucket, const std::string& key,
                          std::string_view data) override {
    if (data.size() <= options_.part_size) {
      DDBD_ASSIGN_OR_RETURN(http::Response put, Call("PUT", bucket, key, "", data));
      return Unquote(put.Header("ETag"));
    }
    // Multipart upload: create, the parts in order, complete (abort on failure).
    DDBD_ASSIGN_OR_RETURN(http::Response created, Call("POST", bucket, key, "uploads=", ""));
    const std::string upload_id = XmlValue(created.body, "UploadId");
    if (upload_id.empty()) return Status::Internal("S3 CreateMultipartUpload gave no UploadId");
    const std::string id_param = "uploadId=" + auth::UriEncode(upload_id, false);
    std::string complete = "<CompleteMultipartUpload>";
    Status status;
    for (size_t offset = 0, part = 1; offset < data.size(); offset += options_.part_size, ++part) {
      auto uploaded =
          Call("PUT", bucket, key, "partNumber=" + std::to_string(part) + "&" + id_param,
               data.substr(offset, options_.part_size));
      if (!uploaded.ok()) {
        status = uploaded.status();
        break;
      }
      complete += "<Part><PartNumber>" + std::to_string(part) + "</PartNumber><ETag>" +
                  XmlEscape(uploaded->Header("ETag")) + "</ETag></Part>";
    }
    complete += "</CompleteMultipartUpload>";
    if (status.ok()) {
      auto completed = Call("POST", bucket, key, id_param, complete);
      if (completed.ok()) return Unquote(XmlValue(completed->body, "ETag"));
      status = completed.status();
    }
    (void)Call("DELETE", bucket, key, id_param, "");
    return status;
  }

  Result<std::string> Get(const std::string& bucket, const std::string& key) override {
    DDBD_ASSIGN_OR_RETURN(http::Response response, Call("GET", bucket, key, "", ""));
    return std::move(response.body);
  }

  Result<std::vector<std::string>> List(const std::string& bucket,
                                        const std::string& prefix) override {
    std::vector<std::string> keys;
    std::string token;
    while (true) {
      std::string query = "list-type=2&prefix=" + auth::UriEncode(prefix, false);
      if (!token.empty()) query += "&continuation-token=" + auth::UriEncode(token, false);
      DDBD_ASSIGN_OR_RETURN(http::Response page, Call("GET", bucket, "", query, ""));
      for (auto& key : XmlValues(page.body, "Key")) keys.push_back(std::move(key));
      token = XmlValue(page.body, "NextContinuationToken");
      if (XmlValue(page.body, "IsTruncated") != "true" || token.empty()) break;
    }
    std::sort(keys.begin(), keys.end());
    return keys;
  }

  std::string Describe() const override { return "S3 endpoint " + options_.endpoint; }

 private:
  // One signed request to /bucket[/key][?query]. S3 errors (an <Error> answer) become
  // ResourceNotFound for NoSuchBucket and NoSuchKey, Validation for other 4xx answers and
  // Internal for the rest and for transport failures.
  Result<http::Response> Call(const std::string& method, const std::string& bucket,
                              const std::string& key, const std::string& query,
                              std::string_view body) {
    std::string path = url_.path + "/" + auth::UriEncode(bucket, false);
    if (!key.empty()) path += "/" + auth::UriEncode(key, true);
    http::Request request;
    request.method = method;
    request.target = query.empty() ? path : path + "?" + query;
    request.body.assign(body);
    request.headers = auth::SigningHeaders(method, url_.host + ":" + url_.port, path, query, body,
                                           options_.access_key_id, options_.secret_access_key,
                                           options_.region, "s3",
                                           std::chrono::duration_cast<std::chrono::seconds>(
                                               std::chrono::system_clock::now().time_since_epoch())
                                               .count());
    DDBD_ASSIGN_OR_RETURN(http::Response response, http::Send(url_, request, options_.timeout));
    // CompleteMultipartUpload may answer 200 with an error in the body.
    const bool error_body = response.body.find("<Error>") != std::string::npos &&
                            (response.status >= 300 || method == "POST");
    if (response.status < 300 && !error_body) return response;
    std::string code = XmlValue(response.body, "Code");
    std::string message = XmlValue(response.body, "Message");
    std::string request_id = XmlValue(response.body, "RequestId");
    if (request_id.empty()) request_id = std::string(response.Header("x-amz-request-id"));
    if (code.empty()) code = response.status == 404 ? "NoSuchBucket" : "Unknown";
    if (message.empty()) message = "S3 answered HTTP " + std::to_string(response.status);
    const std::string text = S3ErrorText(message, response.status, code, request_id);
    if (code == "NoSuchBucket" || code == "NoSuchKey") return Status::ResourceNotFound(text);
    if (response.status >= 400 && response.status < 500) return Status::Validation(text);
    return Status::Internal(text);
  }

  const S3Options options_;
  const http::Url url_;
};

}  // namespace

std::unique_ptr<ObjectStore> NewDirectoryStore(std::string dir) {
  return std::make_unique<DirectoryStore>(std::move(dir));
}

Result<std::unique_ptr<ObjectStore>> NewS3Store(S3Options options) {
  DDBD_ASSIGN_OR_RETURN(http::Url url, http::ParseUrl(options.endpoint));
  return std::unique_ptr<ObjectStore>(new S3Store(std::move(options), std::move(url)));
}

}  // namespace ddbd::transfer
