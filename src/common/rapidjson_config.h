// Include before any RapidJSON header: turns RapidJSON's asserts into exceptions (caught and
// answered as InternalServerError by api::Dispatcher) and enables std::string support.
#pragma once

#include <stdexcept>

#ifndef RAPIDJSON_ASSERT
#define RAPIDJSON_ASSERT(x) \
  do {                      \
    if (!(x)) throw std::logic_error("rapidjson assertion failed: " #x); \
  } while (0)
#endif
#define RAPIDJSON_HAS_STDSTRING 1
#define RAPIDJSON_NOEXCEPT_ASSERT(x)
