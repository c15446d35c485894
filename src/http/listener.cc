#include "http/listener.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <ctime>
#include <thread>
#include <vector>

#include <zlib.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include "common/logging.h"

namespace ddbd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;
using tcp_stream = beast::tcp_stream;

void ToRequest(const bhttp::request<bhttp::string_body>& in, Request* out) {
  out->method = std::string(in.method_string());
  out->target = std::string(in.target());
  out->headers.reserve(16);
  for (const auto& field : in) {
    out->headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
}

// The current time as an HTTP date (IMF-fixdate), formatted once a second per thread.
const std::string& HttpDate() {
  thread_local time_t last = 0;
  thread_local std::string text;
  const time_t now = time(nullptr);
  if (now != last) {
    struct tm tm;
    gmtime_r(&now, &tm);
    char buf[64];
    strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
    text = buf;
    last = now;
  }
  return text;
}

// Inflates a gzip, zlib or raw deflate body. False if it is not one, or decodes past `limit`.
enum class Inflated { kOk, kInvalid, kTooLarge };
Inflated Inflate(const std::string& in, bool raw_deflate, size_t limit, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, raw_deflate ? -MAX_WBITS : 32 + MAX_WBITS) != Z_OK) {
    return Inflated::kInvalid;
  }
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char chunk[65536];
  int rc = Z_OK;
  Inflated result = Inflated::kOk;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof(chunk);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      result = Inflated::kInvalid;  // corrupt, or truncated (Z_BUF_ERROR)
      break;
    }
    out->append(chunk, sizeof(chunk) - zs.avail_out);
    if (out->size() > limit) {
      result = Inflated::kTooLarge;
      break;
    }
  }
  if (result == Inflated::kOk && zs.avail_in != 0) result = Inflated::kInvalid;  // trailing bytes
  inflateEnd(&zs);
  return result;
}

// Decodes a gzip or deflate body (Content-Encoding), keeping the raw one for signatures.
// False if the decoded body is larger than `limit`.
bool DecodeContent(Request* request, size_t limit) {
  std::string encoding(request->Header("Content-Encoding"));
  for (auto& c : encoding) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (encoding.empty() || encoding == "identity") return true;
  if (encoding != "gzip" && encoding != "x-gzip" && encoding != "deflate") return true;
  std::string decoded;
  Inflated r = Inflate(request->body, false, limit, &decoded);
  if (r == Inflated::kInvalid && encoding == "deflate") {
    decoded.clear();
    r = Inflate(request->body, true, limit, &decoded);  // deflate without the zlib wrapper
  }
  if (r == Inflated::kTooLarge) return false;
  if (r == Inflated::kInvalid) {
    request->decode_failed = true;
    return true;
  }
  request->decoded_body = std::move(decoded);
  return true;
}

bhttp::response<bhttp::string_body> FromResponse(Response&& in, unsigned version, bool keep_alive) {
  bhttp::response<bhttp::string_body> res{static_cast<bhttp::status>(in.status), version};
  res.set(bhttp::field::server, "ddbd");
  res.set(bhttp::field::date, HttpDate());
  for (auto& [k, v] : in.headers) res.set(k, v);
  res.body() = std::move(in.body);
  res.keep_alive(keep_alive);
  res.prepare_payload();
  return res;
}

// What all connections share: the number open and the body bytes in flight.
struct Limits {
  const ListenerOptions& options;
  std::atomic<size_t> connections{0};
  std::atomic<size_t> inflight_bytes{0};

  // Reserves `bytes` of the in-flight budget; false if it does not fit now.
  bool TryReserve(size_t bytes) {
    if (options.max_inflight_bytes == 0) return true;
    size_t current = inflight_bytes.load();
    for (;;) {
      // A request alone is always admitted, whatever its size.
      if (current != 0 && current + bytes > options.max_inflight_bytes) return false;
      if (inflight_bytes.compare_exchange_weak(current, current + bytes)) return true;
    }
  }
  void Release(size_t bytes) {
    if (options.max_inflight_bytes != 0) inflight_bytes -= bytes;
  }
};

asio::awaitable<void> Pause(std::chrono::milliseconds duration) {
  asio::steady_timer timer(co_await asio::this_coro::executor, duration);
  beast::error_code ec;
  co_await timer.async_wait(asio::redirect_error(asio::use_awaitable, ec));
}

// Parse errors of a request's line or headers that deserve a 400 (not a connection that
// ended or timed out).
bool IsMalformed(const beast::error_code& ec) {
  static constexpr bhttp::error kMalformed[] = {bhttp::error::header_limit,
                                                bhttp::error::bad_line_ending,
                                                bhttp::error::bad_method,
                                                bhttp::error::bad_target,
                                                bhttp::error::bad_version,
                                                bhttp::error::bad_field,
                                                bhttp::error::bad_value,
                                                bhttp::error::bad_content_length,
                                                bhttp::error::bad_transfer_encoding};
  for (bhttp::error e : kMalformed) {
    if (ec == e) return true;
  }
  return false;
}

asio::awaitable<void> Session(tcp_stream stream, const Handler& handler, Limits& limits) {
  const ListenerOptions& options = limits.options;
  struct Count {
    Limits& limits;
    ~Count() { --limits.connections; }
  } count{limits};
  beast::flat_buffer buffer;
  beast::error_code ec;
  for (;;) {
    bhttp::request_parser<bhttp::string_body> parser;
    parser.body_limit(options.body_limit);
    parser.header_limit(64 * 1024);
    stream.expires_after(std::chrono::seconds(options.idle_timeout_seconds));
    co_await bhttp::async_read_header(stream, buffer, parser,
                                      asio::redirect_error(asio::use_awaitable, ec));
    if (ec == bhttp::error::end_of_stream) break;
    if (IsMalformed(ec)) {
      // A request line or header block that is too long or not HTTP: answer, then close.
      Response bad{400, {{"Content-Type", "text/plain"}}, "Bad Request"};
      auto res = FromResponse(std::move(bad), 11, false);
      co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      // Lingering close: read (up to 1 MiB, 2 s) what the client is still sending, so that
      // closing with unread bytes does not reset the connection before it reads the 400.
      stream.socket().shutdown(tcp::socket::shutdown_send, ec);
      stream.expires_after(std::chrono::seconds(2));
      char sink[16384];
      for (size_t drained = 0; drained < (size_t{1} << 20);) {
        drained += co_await stream.async_read_some(asio::buffer(sink),
                                                   asio::redirect_error(asio::use_awaitable, ec));
        if (ec) break;
      }
      co_return;
    }
    if (ec && ec != bhttp::error::body_limit) break;
    // The body's bytes come out of the shared budget before it is read.
    const size_t reserved =
        ec ? 0
           : std::min<size_t>(parser.content_length().value_or(options.body_limit),
                              options.body_limit);
    const auto give_up =
        std::chrono::steady_clock::now() + std::chrono::seconds(options.idle_timeout_seconds);
    while (!limits.TryReserve(reserved)) {
      if (std::chrono::steady_clock::now() > give_up) co_return;
      co_await Pause(std::chrono::milliseconds(10));
    }
    struct Reservation {
      Limits& limits;
      size_t bytes;
      ~Reservation() { limits.Release(bytes); }
    } reservation{limits, reserved};
    if (!ec) {
      stream.expires_after(std::chrono::seconds(options.idle_timeout_seconds));
      co_await bhttp::async_read(stream, buffer, parser,
                                 asio::redirect_error(asio::use_awaitable, ec));
    }
    Request request;
    if (!ec) {
      auto& raw = parser.get();
      ToRequest(raw, &request);
      request.body = std::move(raw.body());
      // The size limit applies to the decoded body too.
      if (!DecodeContent(&request, options.body_limit)) ec = bhttp::error::body_limit;
    }
    if (ec == bhttp::error::body_limit) {
      Response too_large{413, {{"Content-Type", "text/plain"}}, "Request entity too large"};
      auto res = FromResponse(std::move(too_large), 11, false);
      co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
      break;
    }
    if (ec) break;
    auto& raw = parser.get();
    Response response;
    handler(request, &response);
    bool keep_alive = raw.keep_alive();
    auto res = FromResponse(std::move(response), raw.version(), keep_alive);
    co_await bhttp::async_write(stream, res, asio::redirect_error(asio::use_awaitable, ec));
    if (ec || !keep_alive) break;
  }
  stream.socket().shutdown(tcp::socket::shutdown_send, ec);
}

}  // namespace

struct Listener::Impl {
  ListenerOptions options;
  Handler handler;
  Limits limits{options};
  asio::io_context ioc;
  tcp::acceptor acceptor{ioc};
  // With the default 127.0.0.1, also [::1] on the same port: "localhost" resolves to ::1
  // first for many clients (Node.js 18 does not fall back to IPv4).
  tcp::acceptor acceptor_v6{ioc};
  asio::signal_set signals{ioc, SIGINT, SIGTERM};

  asio::awaitable<void> Accept(tcp::acceptor& from) {
    bool logged = false;
    for (;;) {
      // At the connection limit, new clients wait in the listen backlog.
      while (options.max_connections != 0 && limits.connections >= options.max_connections) {
        co_await Pause(std::chrono::milliseconds(20));
        if (!from.is_open()) co_return;
      }
      beast::error_code ec;
      tcp::socket socket =
          co_await from.async_accept(asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        if (!from.is_open()) co_return;
        // Out of descriptors (or another transient error): back off instead of spinning.
        if (!logged) DDBD_LOG_WARN("accept failed: {}; retrying", ec.message());
        logged = true;
        co_await Pause(std::chrono::milliseconds(100));
        continue;
      }
      logged = false;
      socket.set_option(tcp::no_delay(true), ec);
      ++limits.connections;
      asio::co_spawn(from.get_executor(), Session(tcp_stream(std::move(socket)), handler, limits),
                     asio::detached);
    }
  }
};

Listener::Listener(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Listener::~Listener() = default;

Result<std::unique_ptr<Listener>> Listener::Bind(const ListenerOptions& options, Handler handler) {
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->handler = std::move(handler);
  beast::error_code ec;
  auto address = asio::ip::make_address(options.bind_address, ec);
  if (ec) return Status::Internal("invalid bind address: " + options.bind_address);
  tcp::endpoint endpoint{address, options.port};
  impl->acceptor.open(endpoint.protocol(), ec);
  if (!ec) impl->acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) impl->acceptor.bind(endpoint, ec);
  if (!ec) impl->acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) {
    return Status::Internal("cannot listen on " + options.bind_address + ":" +
                            std::to_string(options.port) + ": " + ec.message());
  }
  if (options.bind_address == "127.0.0.1") {
    // Best effort: a machine without IPv6 keeps the IPv4 listener alone.
    tcp::endpoint v6{asio::ip::address_v6::loopback(), impl->acceptor.local_endpoint().port()};
    beast::error_code ec6;
    impl->acceptor_v6.open(v6.protocol(), ec6);
    if (!ec6) impl->acceptor_v6.set_option(asio::ip::v6_only(true), ec6);
    if (!ec6) impl->acceptor_v6.set_option(asio::socket_base::reuse_address(true), ec6);
    if (!ec6) impl->acceptor_v6.bind(v6, ec6);
    if (!ec6) impl->acceptor_v6.listen(asio::socket_base::max_listen_connections, ec6);
    if (ec6) impl->acceptor_v6.close(ec6);
  }
  return std::unique_ptr<Listener>(new Listener(std::move(impl)));
}

uint16_t Listener::port() const { return impl_->acceptor.local_endpoint().port(); }

void Listener::Run() {
  impl_->signals.async_wait([this](const beast::error_code& ec, int signal) {
    if (!ec) {
      DDBD_LOG_INFO("signal {} received, shutting down", signal);
      Stop();
    }
  });
  asio::co_spawn(impl_->ioc, impl_->Accept(impl_->acceptor), asio::detached);
  if (impl_->acceptor_v6.is_open()) {
    asio::co_spawn(impl_->ioc, impl_->Accept(impl_->acceptor_v6), asio::detached);
  }
  std::vector<std::thread> threads;
  for (int i = 1; i < impl_->options.threads; ++i) {
    threads.emplace_back([this] { impl_->ioc.run(); });
  }
  impl_->ioc.run();
  for (auto& t : threads) t.join();
}

void Listener::Stop() {
  asio::post(impl_->ioc, [this] {
    beast::error_code ec;
    impl_->acceptor.close(ec);
    impl_->acceptor_v6.close(ec);
    impl_->signals.cancel(ec);
    impl_->ioc.stop();
  });
}

}  // namespace ddbd::http
