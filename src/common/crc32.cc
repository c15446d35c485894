#include "common/crc32.h"

#include <algorithm>

#include <zlib.h>

namespace ddbd {

// zlib's CRC-32 (the same polynomial botocore checks) is several times faster than a
// byte-at-a-time table; it showed up at ~5% of GetItem's server time in a profile.
uint32_t Crc32(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!data.empty()) {
    uInt chunk = static_cast<uInt>(std::min<size_t>(data.size(), 1u << 30));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), chunk);
    data.remove_prefix(chunk);
  }
  return static_cast<uint32_t>(crc);
}

}  // namespace ddbd
