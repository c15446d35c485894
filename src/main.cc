// ddbd: flags -> ServerOptions -> Server::Run.
#include <cstdio>

#include "ddbd/server.h"
#include "ddbd/version.h"

#include "common/logging.h"

int main(int argc, char** argv) {
  ddbd::ServerOptions options;
  auto action = ddbd::ParseCommandLine({argv + 1, argv + argc}, &options);
  if (!action.ok()) {
    std::fprintf(stderr, "ddbd: %s\n", action.status().message().c_str());
    return 2;
  }
  if (*action == ddbd::CommandLineAction::kHelp) {
    std::fputs(ddbd::UsageText().c_str(), stdout);
    return 0;
  }
  if (*action == ddbd::CommandLineAction::kVersion) {
    std::printf("ddbd %s\n", DDBD_VERSION);
    return 0;
  }
  if (!ddbd::SetLogLevel(options.log_level)) {
    std::fprintf(stderr, "ddbd: unknown log level: %s\n", options.log_level.c_str());
    return 2;
  }
  auto server = ddbd::Server::Start(options);
  if (!server.ok()) {
    DDBD_LOG_ERROR("{}", server.status().message());
    return 1;
  }
  (*server)->Run();
  return 0;
}
