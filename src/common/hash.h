// Stable 64-bit hash used to place partition keys on partitions. The value is part of the
// on-disk key format (docs/formats/key-encoding.md): DO NOT CHANGE the algorithm.
#pragma once

#include <cstdint>
#include <string_view>

namespace ddbd {

// 64-bit FNV-1a followed by the SplitMix64 finalizer (spreads FNV's weak high bits).
uint64_t StableHash64(std::string_view data);

}  // namespace ddbd
