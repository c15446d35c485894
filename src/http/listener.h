// The HTTP/1.1 front end (Boost.Beast): accepts connections, reads requests with a body
// limit and idle timeout, calls the Handler, writes responses; keep-alive. Knows nothing of
// DynamoDB. Beast stays inside listener.cc.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "ddbd/status.h"

#include "http/message.h"

namespace ddbd::http {

struct ListenerOptions {
  std::string bind_address = "127.0.0.1";
  uint16_t port = 8000;  // 0 = any free port
  size_t body_limit = 17 * 1024 * 1024;
  int idle_timeout_seconds = 120;
  int threads = 2;
  // At most this many open connections (0: no limit); further clients wait in the listen
  // backlog until one closes, so descriptors are never exhausted.
  size_t max_connections = 0;
  // At most this many bytes of request bodies being read or handled at once, across all
  // connections (0: no limit); a request over the budget waits before its body is read (TCP
  // back-pressure), so memory stays bounded under many large uploads. A request alone is
  // always admitted.
  size_t max_inflight_bytes = 0;
};

class Listener {
 public:
  // Binds and starts accepting (requests are served once Run() is called).
  // Internal error if the address cannot be bound.
  static Result<std::unique_ptr<Listener>> Bind(const ListenerOptions& options, Handler handler);
  ~Listener();

  uint16_t port() const;
  // Serves until Stop() or SIGINT/SIGTERM; returns after the I/O threads have finished.
  void Run();
  // Thread-safe; may be called from any thread (or a signal-driven handler).
  void Stop();

 private:
  struct Impl;
  explicit Listener(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddbd::http
