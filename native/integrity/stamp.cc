#include "integrity/stamp.h"

#include <cstring>

#if defined(__x86_64__) && !defined(RAWIO_NO_SSE42)
#include <nmmintrin.h>
#endif

namespace rawio {

namespace {

constexpr char kMagic[8] = {'R', 'A', 'W', 'I', 'O', 'S', 'T', 'P'};
constexpr uint16_t kStampVersion = 1;
constexpr uint32_t kMixSector = 512;  // lib/integrity's MIX_SECTOR
constexpr size_t kFieldOffset = 8, kFieldSeed = 16, kFieldGen = 24, kFieldBs = 28, kFieldTs = 32,
                 kFieldVersion = 40, kFieldHeaderSize = 42, kFieldCrc = 44;

// The stamp is little-endian on disk; so are the hosts rawio builds for (x86-64, arm64).
static_assert(__BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__,
              "the stamp codec assumes a little-endian host");

template <typename T>
void Put(char* p, size_t at, T v) {
  std::memcpy(p + at, &v, sizeof v);
}
template <typename T>
T Get(const char* p, size_t at) {
  T v;
  std::memcpy(&v, p + at, sizeof v);
  return v;
}

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
// The normal path: the SSE4.2 crc32 instruction, 8 bytes at a time.
__attribute__((target("sse4.2"))) uint32_t Crc32cSse42(uint32_t crc, const unsigned char* p,
                                                       size_t len) {
  uint64_t c = crc;
  while (len >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    c = _mm_crc32_u64(c, w);
    p += 8;
    len -= 8;
  }
  uint32_t c32 = static_cast<uint32_t>(c);
  while (len--) c32 = _mm_crc32_u8(c32, *p++);
  return c32;
}

bool HaveSse42() {
  static const bool have = __builtin_cpu_supports("sse4.2");
  return have;
}
#endif

uint32_t Crc32cRaw(uint32_t crc, const void* data, size_t len) {
  const auto* p = static_cast<const unsigned char*>(data);
#if defined(__x86_64__) && !defined(RAWIO_NO_SSE42)
  if (HaveSse42()) return Crc32cSse42(crc, p, len);
#endif
  return Crc32cPortable(crc, p, len);
}

// CRC32C of the block with its crc field read as zero.
uint32_t BlockCrc(const char* block, uint32_t bs) {
  static const char kZero[4] = {0, 0, 0, 0};
  uint32_t c = ~0u;
  c = Crc32cRaw(c, block, kFieldCrc);
  c = Crc32cRaw(c, kZero, 4);
  c = Crc32cRaw(c, block + kStampHeaderSize, bs - kStampHeaderSize);
  return ~c;
}

uint32_t Fmix32(uint32_t h) {
  h ^= h >> 16;
  h *= 0x85ebca6bu;
  h ^= h >> 13;
  h *= 0xc2b2ae35u;
  h ^= h >> 16;
  return h;
}

struct Xorshift {
  uint32_t x, y, z, w;
  explicit Xorshift(const StampId& id) {
    x = Fmix32(static_cast<uint32_t>(id.offset) ^ 0x9e3779b9u);
    y = Fmix32(static_cast<uint32_t>(id.offset >> 32) ^ 0x85ebca6bu ^ x);
    z = Fmix32(static_cast<uint32_t>(id.seed) ^ 0xc2b2ae35u ^ y);
    w = Fmix32(static_cast<uint32_t>(id.seed >> 32) ^ 0x27d4eb2fu ^ z) ^
        Fmix32(id.gen ^ 0x165667b1u);
    if ((x | y | z | w) == 0) w = 1;
  }
  uint32_t Next() {
    uint32_t t = x ^ (x << 11);
    x = y;
    y = z;
    z = w;
    w = w ^ (w >> 19) ^ (t ^ (t >> 8));
    return w;
  }
};

void FillPayload(char* payload, size_t len, const StampId& id) {
  Xorshift g(id);
  for (size_t i = 0; i + 4 <= len; i += 4) Put<uint32_t>(payload, i, g.Next());
}

bool PayloadMatches(const char* payload, size_t len, const StampId& id) {
  Xorshift g(id);
  for (size_t i = 0; i + 4 <= len; i += 4)
    if (Get<uint32_t>(payload, i) != g.Next()) return false;
  return true;
}

bool IsZero(const char* p, size_t len) {
  for (size_t i = 0; i < len; ++i)
    if (p[i]) return false;
  return true;
}

// Some MIX_SECTOR-sized piece of the payload area holds exactly the expected payload (a mix).
bool HoldsExpectedPiece(const char* block, uint32_t bs, const StampId& id) {
  Xorshift g(id);
  uint32_t sector_start = 0;
  bool sector_ok = true;
  // Word by word: a piece is [max(start, 48), min(start + 512, bs)), at least 16 bytes long.
  for (uint32_t at = kStampHeaderSize; at + 4 <= bs; at += 4) {
    uint32_t start = at / kMixSector * kMixSector;
    if (start != sector_start) {
      uint32_t from = sector_start > kStampHeaderSize ? sector_start : kStampHeaderSize;
      if (sector_ok && start - from >= 16) return true;
      sector_start = start;
      sector_ok = true;
    }
    if (Get<uint32_t>(block, at) != g.Next()) sector_ok = false;
  }
  uint32_t from = sector_start > kStampHeaderSize ? sector_start : kStampHeaderSize;
  return sector_ok && bs >= from + 16;
}

}  // namespace

const char* StampKindName(StampKind k) {
  static const char* const kNames[kStampKindCount] = {"ok",   "misdirected", "stale",
                                                      "torn", "zeroed",      "foreign"};
  return kNames[static_cast<int>(k)];
}

uint32_t Crc32c(uint32_t crc, const void* data, size_t len) { return ~Crc32cRaw(~crc, data, len); }

bool StampBlockSizeValid(uint32_t bs) {
  return bs >= kStampMinBlock && bs <= kStampMaxBlock && bs % 4 == 0;
}

void EncodeStamp(char* block, uint32_t bs, const StampId& id, uint64_t timestamp_ns) {
  std::memcpy(block, kMagic, sizeof kMagic);
  Put<uint64_t>(block, kFieldOffset, id.offset);
  Put<uint64_t>(block, kFieldSeed, id.seed);
  Put<uint32_t>(block, kFieldGen, id.gen);
  Put<uint32_t>(block, kFieldBs, bs);
  Put<uint64_t>(block, kFieldTs, timestamp_ns);
  Put<uint16_t>(block, kFieldVersion, kStampVersion);
  Put<uint16_t>(block, kFieldHeaderSize, static_cast<uint16_t>(kStampHeaderSize));
  Put<uint32_t>(block, kFieldCrc, 0);
  FillPayload(block + kStampHeaderSize, bs - kStampHeaderSize, id);
  Put<uint32_t>(block, kFieldCrc, BlockCrc(block, bs));
}

StampKind ClassifyStamp(const char* block, uint32_t bs, const StampId& expected) {
  if (std::memcmp(block, kMagic, sizeof kMagic) != 0) {
    if (IsZero(block, bs)) return StampKind::kZeroed;
    return HoldsExpectedPiece(block, bs, expected) ? StampKind::kTorn : StampKind::kForeign;
  }
  if (Get<uint32_t>(block, kFieldBs) != bs ||
      Get<uint16_t>(block, kFieldHeaderSize) != kStampHeaderSize)
    return StampKind::kForeign;
  if (BlockCrc(block, bs) != Get<uint32_t>(block, kFieldCrc)) return StampKind::kTorn;
  StampId found;
  found.offset = Get<uint64_t>(block, kFieldOffset);
  found.seed = Get<uint64_t>(block, kFieldSeed);
  found.gen = Get<uint32_t>(block, kFieldGen);
  if (!PayloadMatches(block + kStampHeaderSize, bs - kStampHeaderSize, found))
    return StampKind::kForeign;
  if (found.offset != expected.offset) return StampKind::kMisdirected;
  // Another seed is another run's stamp, not a lost write of this one.
  if (found.seed != expected.seed) return StampKind::kForeign;
  if (found.gen != expected.gen) return StampKind::kStale;
  return StampKind::kOk;
}

}  // namespace rawio
