#include "http/client.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace ddbd::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using asio::ip::tcp;

Status Failed(std::string_view what, const beast::error_code& ec) {
  return Status::Internal(std::string(what) + ": " + ec.message());
}

}  // namespace

Result<Url> ParseUrl(std::string_view text) {
  constexpr std::string_view kScheme = "http://";
  if (text.substr(0, kScheme.size()) != kScheme) {
    return Status::Internal("not an http:// URL: " + std::string(text));
  }
  text.remove_prefix(kScheme.size());
  Url url;
  const size_t slash = text.find('/');
  std::string_view authority = text.substr(0, slash);
  if (slash != std::string_view::npos) url.path = std::string(text.substr(slash));
  while (!url.path.empty() && url.path.back() == '/') url.path.pop_back();
  if (const size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
    url.port = std::string(authority.substr(colon + 1));
    authority = authority.substr(0, colon);
    if (url.port.empty() || url.port.find_first_not_of("0123456789") != std::string::npos) {
      return Status::Internal("bad port in URL: " + std::string(text));
    }
  }
  if (authority.empty()) return Status::Internal("no host in URL: " + std::string(text));
  url.host = std::string(authority);
  return url;
}

Result<Response> Send(const Url& url, const Request& request, std::chrono::milliseconds timeout,
                      const std::atomic<bool>* cancel) {
  asio::io_context ioc;
  beast::tcp_stream stream(ioc);
  beast::error_code result;
  beast::flat_buffer buffer;
  bhttp::request<bhttp::string_body> req{bhttp::string_to_verb(request.method), request.target, 11};
  req.set(bhttp::field::host, url.host + ":" + url.port);
  req.set(bhttp::field::user_agent, "ddbd");
  for (const auto& [name, value] : request.headers) req.set(name, value);
  req.body() = request.body;
  req.keep_alive(false);
  req.prepare_payload();
  bhttp::response_parser<bhttp::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  const char* stage = "resolve";

  tcp::resolver resolver(ioc);
  stream.expires_after(timeout);
  resolver.async_resolve(
      url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type endpoints) {
        if (ec) {
          result = ec;
          return;
        }
        stage = "connect";
        stream.async_connect(endpoints, [&](beast::error_code ec, const tcp::endpoint&) {
          if (ec) {
            result = ec;
            return;
          }
          stage = "write";
          bhttp::async_write(stream, req, [&](beast::error_code ec, size_t) {
            if (ec) {
              result = ec;
              return;
            }
            stage = "read";
            bhttp::async_read(stream, buffer, parser,
                              [&](beast::error_code ec, size_t) { result = ec; });
          });
        });
      });
  while (!ioc.stopped()) {
    ioc.run_for(std::chrono::milliseconds(100));
    if (cancel != nullptr && cancel->load() && !ioc.stopped()) {
      resolver.cancel();
      stream.close();
      ioc.run();
      return Status::Internal("cancelled: the server is stopping");
    }
  }
  if (result) return Failed(std::string(stage) + " " + url.host + ":" + url.port, result);
  auto res = parser.release();
  Response out;
  out.status = static_cast<int>(res.result_int());
  for (const auto& field : res) {
    out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  out.body = std::move(res.body());
  beast::error_code ignored;
  stream.socket().shutdown(tcp::socket::shutdown_both, ignored);
  return out;
}

}  // namespace ddbd::http
