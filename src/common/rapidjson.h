// The one way ddbd includes RapidJSON: configuration first (asserts throw, caught and
// answered as InternalServerError by api::Dispatcher; std::string support), then the headers.
// Never include <rapidjson/...> directly: a translation unit that did would compile RapidJSON
// with different settings (an ODR violation). Used only by model/json_codec and api.
#pragma once

#include <stdexcept>

#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x)                                              \
  do {                                                                   \
    if (!(x)) throw std::logic_error("rapidjson assertion failed: " #x); \
  } while (0)
#endif
#define RAPIDJSON_HAS_STDSTRING 1
#define RAPIDJSON_NOEXCEPT_ASSERT(x)

// clang-format off
#include <rapidjson/document.h>
#include <rapidjson/error/en.h>
#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>
// clang-format on
