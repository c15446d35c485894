// ddbd-bench: a load generator for DynamoDB-compatible endpoints.
//
// Keep-alive HTTP/1.1 connections (one thread each), every request signed with SigV4, a
// configurable operation mix (GetItem, PutItem, UpdateItem, Query, BatchWriteItem, or
// DescribeEndpoints as the server's cheapest authenticated request), item sizes, uniform or
// Zipfian keys, a fixed request count or duration, and closed-loop (as fast as possible) or
// open-loop (--rate) pacing. Reports ops/s and p50/p99/p99.9 latency; in open loop, latency
// is measured from each request's scheduled time, so a stalled server is not hidden
// (no coordinated omission).
//
//   ddbd-bench --endpoint 127.0.0.1:8000 --setup --keys 10000 --mix get=1 --duration 10
#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth/sigv4.h"

namespace {

using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  int port = 8000;
  std::string table = "ddbd_bench";
  std::string access_key = "bench";
  std::string secret_key = "bench-secret";
  std::string region = "us-east-1";
  int connections = 4;
  double duration = 10;
  long requests = 0;  // overrides duration when > 0
  double rate = 0;    // total requests/s; 0 = closed loop
  long keys = 10000;
  int item_size = 1000;
  double zipf = 0;  // 0 = uniform
  bool setup = false;
  std::map<std::string, double> mix = {{"get", 1}};
};

[[noreturn]] void Usage() {
  std::fputs(
      "usage: ddbd-bench [--endpoint HOST:PORT] [--table T] [--connections N]\n"
      "                  [--duration S | --requests N] [--rate R]\n"
      "                  [--mix get=W,put=W,update=W,query=W,batch=W,describe=W]\n"
      "                  [--keys N] [--item-size BYTES] [--zipf S] [--setup]\n"
      "                  [--access-key K --secret-key S --region R]\n",
      stderr);
  std::exit(2);
}

Options Parse(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string {
      if (i + 1 >= argc) Usage();
      return argv[++i];
    };
    if (a == "--endpoint") {
      std::string e = next();
      auto colon = e.rfind(':');
      if (colon == std::string::npos) Usage();
      o.host = e.substr(0, colon);
      o.port = std::atoi(e.c_str() + colon + 1);
    } else if (a == "--table") {
      o.table = next();
    } else if (a == "--connections") {
      o.connections = std::atoi(next().c_str());
    } else if (a == "--duration") {
      o.duration = std::atof(next().c_str());
    } else if (a == "--requests") {
      o.requests = std::atol(next().c_str());
    } else if (a == "--rate") {
      o.rate = std::atof(next().c_str());
    } else if (a == "--keys") {
      o.keys = std::atol(next().c_str());
    } else if (a == "--item-size") {
      o.item_size = std::atoi(next().c_str());
    } else if (a == "--zipf") {
      o.zipf = std::atof(next().c_str());
    } else if (a == "--setup") {
      o.setup = true;
    } else if (a == "--access-key") {
      o.access_key = next();
    } else if (a == "--secret-key") {
      o.secret_key = next();
    } else if (a == "--region") {
      o.region = next();
    } else if (a == "--mix") {
      o.mix.clear();
      std::string spec = next();
      size_t pos = 0;
      while (pos < spec.size()) {
        size_t comma = spec.find(',', pos);
        std::string part =
            spec.substr(pos, comma == std::string::npos ? std::string::npos : comma - pos);
        auto eq = part.find('=');
        o.mix[part.substr(0, eq)] = eq == std::string::npos ? 1 : std::atof(part.c_str() + eq + 1);
        if (comma == std::string::npos) break;
        pos = comma + 1;
      }
    } else {
      Usage();
    }
  }
  return o;
}

// One keep-alive connection.
class Connection {
 public:
  Connection(const std::string& host, int port) {
    addrinfo hints{}, *res = nullptr;
    hints.ai_family = AF_INET;
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &res) != 0) {
      std::fprintf(stderr, "cannot resolve %s\n", host.c_str());
      std::exit(1);
    }
    fd_ = socket(res->ai_family, res->ai_socktype, 0);
    if (connect(fd_, res->ai_addr, res->ai_addrlen) != 0) {
      std::perror("connect");
      std::exit(1);
    }
    freeaddrinfo(res);
    int one = 1;
    setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  }
  ~Connection() { close(fd_); }

  // Sends a request and reads the whole response; returns the status and body.
  int RoundTrip(const std::string& request, std::string* body) {
    size_t sent = 0;
    while (sent < request.size()) {
      ssize_t n = send(fd_, request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
      if (n <= 0) return -1;
      sent += static_cast<size_t>(n);
    }
    size_t header_end;
    while ((header_end = buffer_.find("\r\n\r\n")) == std::string::npos) {
      if (!Fill()) return -1;
    }
    int status = std::atoi(buffer_.c_str() + 9);
    size_t length = 0;
    for (const char* name : {"Content-Length: ", "content-length: "}) {
      auto pos = buffer_.find(name);
      if (pos != std::string::npos && pos < header_end)
        length = std::strtoul(&buffer_[pos + 16], nullptr, 10);
    }
    while (buffer_.size() < header_end + 4 + length) {
      if (!Fill()) return -1;
    }
    body->assign(buffer_, header_end + 4, length);
    buffer_.erase(0, header_end + 4 + length);
    return status;
  }

 private:
  bool Fill() {
    char chunk[16384];
    ssize_t n = recv(fd_, chunk, sizeof(chunk), 0);
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
  int fd_ = -1;
  std::string buffer_;
};

// Signs and frames DynamoDB requests.
class Signer {
 public:
  explicit Signer(const Options& o) : o_(o) {}

  std::string Frame(const std::string& operation, const std::string& body) {
    int64_t now = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::system_clock::now().time_since_epoch())
                      .count();
    std::string amz_date = ddbd::auth::FormatAmzDate(now);
    std::string date = amz_date.substr(0, 8);
    if (date != key_date_) {
      key_ = ddbd::auth::SigningKey(o_.secret_key, date, o_.region, "dynamodb");
      key_date_ = date;
    }
    std::string host = o_.host + ":" + std::to_string(o_.port);
    std::string target = "DynamoDB_20120810." + operation;
    std::string canonical = "POST\n/\n\ncontent-type:application/x-amz-json-1.0\nhost:" + host +
                            "\nx-amz-date:" + amz_date + "\nx-amz-target:" + target +
                            "\n\ncontent-type;host;x-amz-date;x-amz-target\n" +
                            ddbd::auth::HexSha256(body);
    std::string scope = date + "/" + o_.region + "/dynamodb/aws4_request";
    std::string to_sign =
        "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + ddbd::auth::HexSha256(canonical);
    std::string signature = ddbd::auth::HexEncode(ddbd::auth::HmacSha256(key_, to_sign));
    std::string request =
        "POST / HTTP/1.1\r\nHost: " + host + "\r\nX-Amz-Date: " + amz_date +
        "\r\nX-Amz-Target: " + target +
        "\r\nContent-Type: application/x-amz-json-1.0\r\nAuthorization: "
        "AWS4-HMAC-SHA256 Credential=" +
        o_.access_key + "/" + scope +
        ", SignedHeaders=content-type;host;x-amz-date;x-amz-target, Signature=" + signature +
        "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n\r\n";
    return request + body;
  }

 private:
  const Options& o_;
  std::string key_date_, key_;
};

// Key chooser: uniform or Zipfian over [0, keys).
class Keys {
 public:
  Keys(long n, double s) {
    if (s <= 0) return;
    cdf_.resize(static_cast<size_t>(n));
    double sum = 0;
    for (long i = 0; i < n; ++i) sum += 1.0 / std::pow(static_cast<double>(i + 1), s);
    double acc = 0;
    for (long i = 0; i < n; ++i) {
      acc += 1.0 / std::pow(static_cast<double>(i + 1), s) / sum;
      cdf_[static_cast<size_t>(i)] = acc;
    }
  }
  long Next(std::mt19937_64& rng, long n) const {
    if (cdf_.empty()) return static_cast<long>(rng() % static_cast<uint64_t>(n));
    double u = std::uniform_real_distribution<double>(0, 1)(rng);
    return static_cast<long>(std::lower_bound(cdf_.begin(), cdf_.end(), u) - cdf_.begin());
  }

 private:
  std::vector<double> cdf_;
};

std::string Key(long k) { return "key" + std::to_string(k); }

std::string PutBody(const Options& o, long k, const std::string& pad) {
  return "{\"TableName\":\"" + o.table + "\",\"Item\":{\"pk\":{\"S\":\"" + Key(k) +
         "\"},\"n\":{\"N\":\"" + std::to_string(k) + "\"},\"pad\":{\"S\":\"" + pad + "\"}}}";
}

std::string Body(const Options& o, const std::string& op, long k, const std::string& pad,
                 std::mt19937_64& rng, const Keys& keys) {
  if (op == "get") {
    return "{\"TableName\":\"" + o.table + "\",\"Key\":{\"pk\":{\"S\":\"" + Key(k) + "\"}}}";
  }
  if (op == "put") return PutBody(o, k, pad);
  if (op == "update") {
    return "{\"TableName\":\"" + o.table + "\",\"Key\":{\"pk\":{\"S\":\"" + Key(k) +
           "\"}},\"UpdateExpression\":\"ADD hits :one\",\"ExpressionAttributeValues\":{\":one\":"
           "{\"N\":\"1\"}}}";
  }
  if (op == "query") {
    return "{\"TableName\":\"" + o.table +
           "\",\"KeyConditionExpression\":\"pk = :p\",\"ExpressionAttributeValues\":{\":p\":{\"S\":"
           "\"" +
           Key(k) + "\"}}}";
  }
  if (op == "batch") {
    std::string body = "{\"RequestItems\":{\"" + o.table + "\":[";
    for (int i = 0; i < 25; ++i) {
      long key = keys.Next(rng, o.keys);
      if (i) body += ",";
      body += "{\"PutRequest\":{\"Item\":{\"pk\":{\"S\":\"" + Key(key) + "\"},\"pad\":{\"S\":\"" +
              pad + "\"}}}}";
    }
    return body + "]}}";
  }
  return "{}";  // describe
}

std::string OperationName(const std::string& op) {
  if (op == "get") return "GetItem";
  if (op == "put") return "PutItem";
  if (op == "update") return "UpdateItem";
  if (op == "query") return "Query";
  if (op == "batch") return "BatchWriteItem";
  if (op == "describe") return "DescribeEndpoints";
  std::fprintf(stderr, "unknown operation in --mix: %s\n", op.c_str());
  std::exit(2);
}

void Setup(const Options& o) {
  Connection c(o.host, o.port);
  Signer signer(o);
  std::string body;
  c.RoundTrip(signer.Frame("DeleteTable", "{\"TableName\":\"" + o.table + "\"}"), &body);
  int status = c.RoundTrip(
      signer.Frame("CreateTable", "{\"TableName\":\"" + o.table +
                                      "\",\"BillingMode\":\"PAY_PER_REQUEST\",\"KeySchema\":[{"
                                      "\"AttributeName\":\"pk\",\"KeyType\":\"HASH\"}],"
                                      "\"AttributeDefinitions\":[{\"AttributeName\":\"pk\","
                                      "\"AttributeType\":\"S\"}]}"),
      &body);
  if (status != 200) {
    std::fprintf(stderr, "CreateTable failed: %s\n", body.c_str());
    std::exit(1);
  }
  std::string pad(static_cast<size_t>(std::max(0, o.item_size - 40)), 'x');
  for (long k = 0; k < o.keys; ++k) {
    status = c.RoundTrip(signer.Frame("PutItem", PutBody(o, k, pad)), &body);
    if (status != 200) {
      std::fprintf(stderr, "PutItem failed: %s\n", body.c_str());
      std::exit(1);
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  Options o = Parse(argc, argv);
  if (o.setup) Setup(o);
  std::vector<std::pair<std::string, double>> mix(o.mix.begin(), o.mix.end());
  double total_weight = 0;
  for (const auto& [op, w] : mix) total_weight += w;
  Keys keys(o.keys, o.zipf);
  std::string pad(static_cast<size_t>(std::max(0, o.item_size - 40)), 'x');

  std::atomic<long> issued{0};
  std::mutex mu;
  std::vector<double> latencies;
  std::map<std::string, long> errors;
  auto start = Clock::now();
  auto deadline = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(o.duration));
  std::vector<std::thread> threads;
  for (int t = 0; t < o.connections; ++t) {
    threads.emplace_back([&, t] {
      Connection c(o.host, o.port);
      Signer signer(o);
      std::mt19937_64 rng(static_cast<uint64_t>(t) * 7919 + 1);
      std::vector<double> mine;
      std::map<std::string, long> my_errors;
      std::string body;
      double interval = o.rate > 0 ? o.connections / o.rate : 0;
      auto next = start + std::chrono::duration_cast<Clock::duration>(
                              std::chrono::duration<double>(interval * t / o.connections));
      while (true) {
        if (o.requests > 0 ? issued.fetch_add(1) >= o.requests : Clock::now() >= deadline) break;
        double pick = std::uniform_real_distribution<double>(0, total_weight)(rng);
        std::string op = mix.back().first;
        for (const auto& [name, w] : mix) {
          if (pick < w) {
            op = name;
            break;
          }
          pick -= w;
        }
        std::string request =
            signer.Frame(OperationName(op), Body(o, op, keys.Next(rng, o.keys), pad, rng, keys));
        auto scheduled = Clock::now();
        if (interval > 0) {
          std::this_thread::sleep_until(next);
          scheduled = next;
          next +=
              std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(interval));
        }
        int status = c.RoundTrip(request, &body);
        mine.push_back(std::chrono::duration<double>(Clock::now() - scheduled).count());
        if (status != 200) {
          auto hash = body.find('#');
          ++my_errors[status < 0 ? "connection"
                                 : body.substr(hash + 1, body.find('"', hash) - hash - 1)];
          if (status < 0) break;
        }
      }
      std::lock_guard lock(mu);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
      for (const auto& [k, v] : my_errors) errors[k] += v;
    });
  }
  for (auto& t : threads) t.join();
  double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  std::sort(latencies.begin(), latencies.end());
  auto pct = [&](double p) {
    if (latencies.empty()) return 0.0;
    return latencies[std::min(latencies.size() - 1, static_cast<size_t>(latencies.size() * p))] *
           1e3;
  };
  std::printf("requests %zu  seconds %.2f  ops/s %.0f  p50 %.3f ms  p99 %.3f ms  p99.9 %.3f ms",
              latencies.size(), elapsed, latencies.size() / elapsed, pct(0.5), pct(0.99),
              pct(0.999));
  for (const auto& [k, v] : errors) std::printf("  %s %ld", k.c_str(), v);
  std::printf("\n");
  return 0;
}
