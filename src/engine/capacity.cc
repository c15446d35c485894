#include "engine/capacity.h"

namespace ddbd::engine {

double ReadUnits(size_t item_bytes, bool consistent) {
  size_t units = item_bytes == 0 ? 1 : (item_bytes + 4095) / 4096;
  return consistent ? static_cast<double>(units) : units / 2.0;
}

double WriteUnits(size_t item_bytes) {
  size_t units = item_bytes == 0 ? 1 : (item_bytes + 1023) / 1024;
  return static_cast<double>(units);
}

}  // namespace ddbd::engine
