// Logging behind our own macros, so spdlog stays replaceable and cheap when disabled.
#pragma once

#include <string_view>

#include <spdlog/spdlog.h>

namespace ddbd {

// Sets the global level from "trace|debug|info|warn|error|off". false if unknown.
bool SetLogLevel(std::string_view level);

}  // namespace ddbd

#define DDBD_LOG_DEBUG(...) SPDLOG_DEBUG(__VA_ARGS__)
#define DDBD_LOG_INFO(...) ::spdlog::info(__VA_ARGS__)
#define DDBD_LOG_WARN(...) ::spdlog::warn(__VA_ARGS__)
#define DDBD_LOG_ERROR(...) ::spdlog::error(__VA_ARGS__)
