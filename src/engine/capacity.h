// Capacity-unit arithmetic, by the service's rules (docs/capacity.md):
//   reads: one unit per 4 KB (rounded up), halved for eventually consistent reads; an absent
//          item still costs the minimum;
//   writes: one unit per 1 KB (rounded up), at least one; a write that replaces an item is
//          charged on the larger of the old and new item.
#pragma once

#include <cstddef>

namespace ddbd::engine {

double ReadUnits(size_t item_bytes, bool consistent);
double WriteUnits(size_t item_bytes);

}  // namespace ddbd::engine
