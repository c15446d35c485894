// Little helpers for our binary encodings (varints, big-endian fixed ints). Formats that use
// them are documented in docs/formats/.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace ddbd {

inline void PutVarint64(std::string* out, uint64_t v) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}

// Reads a varint from the front of *in. false on truncated or over-long input.
inline bool GetVarint64(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (int shift = 0; shift <= 63 && !in->empty(); shift += 7) {
    auto byte = static_cast<unsigned char>(in->front());
    in->remove_prefix(1);
    result |= static_cast<uint64_t>(byte & 0x7F) << shift;
    if (!(byte & 0x80)) {
      *v = result;
      return true;
    }
  }
  return false;
}

inline void PutFixed64BE(std::string* out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out->push_back(static_cast<char>((v >> (i * 8)) & 0xFF));
}
inline void PutFixed32BE(std::string* out, uint32_t v) {
  for (int i = 3; i >= 0; --i) out->push_back(static_cast<char>((v >> (i * 8)) & 0xFF));
}
inline uint64_t DecodeFixed64BE(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// Length-prefixed bytes.
inline void PutLengthPrefixed(std::string* out, std::string_view s) {
  PutVarint64(out, s.size());
  out->append(s);
}
inline bool GetLengthPrefixed(std::string_view* in, std::string_view* s) {
  uint64_t n;
  if (!GetVarint64(in, &n) || n > in->size()) return false;
  *s = in->substr(0, n);
  in->remove_prefix(n);
  return true;
}

// Reads, in order, fields written with PutVarint64, PutLengthPrefixed and single bytes; `ok`
// turns false at the first malformed field (later reads then return zero values).
struct FieldReader {
  std::string_view in;
  bool ok = true;
  std::string String() {
    std::string_view s;
    ok = ok && GetLengthPrefixed(&in, &s);
    return ok ? std::string(s) : std::string();
  }
  int64_t Int() {
    uint64_t v = 0;
    ok = ok && GetVarint64(&in, &v);
    return static_cast<int64_t>(v);
  }
  uint8_t Byte() {
    if (!ok || in.empty()) {
      ok = false;
      return 0;
    }
    uint8_t b = static_cast<uint8_t>(in.front());
    in.remove_prefix(1);
    return b;
  }
};

}  // namespace ddbd
