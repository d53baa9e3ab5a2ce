#include "integrity/crc32c.h"

#include <cstring>

#if defined(__x86_64__) && !defined(RAWIO_NO_SSE42)
#include <nmmintrin.h>
#endif

namespace rawio {

namespace {

// The portable table (slice-by-1). On x86-64 with SSE4.2 (every x86 server since 2008) it is
// never used: it is the path for non-x86 CPUs (and for builds with -DRAWIO_NO_SSE42, which is how
// the fallback is tested against the hardware path).
struct CrcTable {
  uint32_t t[256];
  CrcTable() {
    for (uint32_t i = 0; i < 256; ++i) {
      uint32_t c = i;
      for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
      t[i] = c;
    }
  }
};

uint32_t Crc32cPortable(uint32_t crc, const unsigned char* p, size_t len) {
  static const CrcTable table;
  for (size_t i = 0; i < len; ++i) crc = table.t[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
  return crc;
}

#if defined(__x86_64__) && !defined(RAWIO_NO_SSE42)
uint64_t Word(const void* p) {
  uint64_t w;
  std::memcpy(&w, p, 8);
  return w;
}

// The normal path: the SSE4.2 crc32 instruction, 8 bytes at a time.
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(uint32_t crc, const unsigned char* p,
                                                       size_t len) {
  uint64_t c = crc;
  for (; len >= 8; p += 8, len -= 8) c = _mm_crc32_u64(c, Word(p));
  auto c32 = static_cast<uint32_t>(c);
  while (len--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

__attribute__((target("sse4.2"))) void Crc32cSse42x4(uint32_t crc[4], const char* const p[4],
                                                     size_t len) {
  uint64_t c0 = crc[0], c1 = crc[1], c2 = crc[2], c3 = crc[3];
  size_t at = 0;
  for (; at + 8 <= len; at += 8) {
    c0 = _mm_crc32_u64(c0, Word(p[0] + at));
    c1 = _mm_crc32_u64(c1, Word(p[1] + at));
    c2 = _mm_crc32_u64(c2, Word(p[2] + at));
    c3 = _mm_crc32_u64(c3, Word(p[3] + at));
  }
  const uint64_t c[4] = {c0, c1, c2, c3};
  for (int k = 0; k < 4; ++k)
    crc[k] = Crc32cSse42(static_cast<uint32_t>(c[k]),
                         reinterpret_cast<const unsigned char*>(p[k]) + at, len - at);
}

bool HaveSse42() {
  static const bool have = __builtin_cpu_supports("sse4.2");
  return have;
}
#endif

}  // namespace

uint32_t Crc32cRaw(uint32_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__) && !defined(RAWIO_NO_SSE42)
  if (HaveSse42()) return Crc32cSse42(crc, p, len);
#endif
  return Crc32cPortable(crc, p, len);
}

void Crc32cRaw4(uint32_t crc[4], const char* const p[4], size_t len) {
#if defined(__x86_64__) && !defined(RAWIO_NO_SSE42)
  if (HaveSse42()) return Crc32cSse42x4(crc, p, len);
#endif
  for (int k = 0; k < 4; ++k) crc[k] = Crc32cRaw(crc[k], p[k], len);
}

}  // namespace rawio
