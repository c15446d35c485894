// Gzip of a whole buffer (export data files, compressed HTTP responses).
#pragma once

#include <string>
#include <string_view>

namespace ddbd {

// The gzip member (RFC 1952) of `in`, at zlib's compression level `level` (1-9).
std::string Gzip(std::string_view in, int level = 6);

}  // namespace ddbd
