// The server: composition root that owns storage, catalog, api dispatcher, authentication
// and the HTTP listener, and wires http -> auth -> api.
#pragma once

#include <memory>

#include "ddbd/options.h"
#include "ddbd/status.h"

namespace ddbd {

class Server {
 public:
  // Opens the data directory and binds the listening socket.
  static Result<std::unique_ptr<Server>> Start(const ServerOptions& options);
  ~Server();

  uint16_t port() const;
  // Serves until SIGINT/SIGTERM or Stop(); then closes storage cleanly.
  void Run();
  void Stop();

 private:
  struct Impl;
  explicit Server(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace ddbd
