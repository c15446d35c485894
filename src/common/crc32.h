// CRC-32 (IEEE 802.3, the zlib polynomial), as botocore checks it in `x-amz-crc32`.
// Pure function, thread-safe.
#pragma once

#include <cstdint>
#include <string_view>

namespace ddbd {

uint32_t Crc32(std::string_view data);

}  // namespace ddbd
