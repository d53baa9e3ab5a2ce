#include "integrity/stamp.h"

#include <cstring>

#include "integrity/crc32c.h"

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

// CRC32C of the block with its crc field read as zero.
uint32_t BlockCrc(const char* block, uint32_t bs) {
  static const char kZero[4] = {0, 0, 0, 0};
  uint32_t c = ~0u;
  c = Crc32cRaw(c, block, kFieldCrc);
  c = Crc32cRaw(c, kZero, 4);
  c = Crc32cRaw(c, block + kStampHeaderSize, bs - kStampHeaderSize);
  return ~c;
}

// BlockCrc of four blocks, the four CRC chains side by side.
void BlockCrc4(const char* const b[4], uint32_t bs, uint32_t out[4]) {
  char head[4][kStampHeaderSize];  // the headers with their crc field read as zero
  const char* heads[4];
  const char* payloads[4];
  for (int k = 0; k < 4; ++k) {
    std::memcpy(head[k], b[k], kStampHeaderSize);
    std::memset(head[k] + kFieldCrc, 0, 4);
    heads[k] = head[k];
    payloads[k] = b[k] + kStampHeaderSize;
    out[k] = ~0u;
  }
  Crc32cRaw4(out, heads, kStampHeaderSize);
  Crc32cRaw4(out, payloads, bs - kStampHeaderSize);
  for (int k = 0; k < 4; ++k) out[k] = ~out[k];
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

// Four blocks' payload generators at once, one block a lane (GCC's and clang's vector extensions:
// SSE2 on x86-64, NEON on arm64). Each round gives 16 bytes of every block: four steps of the
// generators (step j: word j of each block), transposed so that vector k holds block k's words.
typedef uint32_t U32x4 __attribute__((vector_size(16)));
#if defined(__clang__)
#define RAWIO_SHUFFLE(a, b, i, j, k, l) __builtin_shufflevector(a, b, i, j, k, l)
#else
#define RAWIO_SHUFFLE(a, b, i, j, k, l) __builtin_shuffle(a, b, U32x4{i, j, k, l})
#endif

class Xorshift4 {
 public:
  explicit Xorshift4(const StampId id[4]) {
    Xorshift g[4] = {Xorshift(id[0]), Xorshift(id[1]), Xorshift(id[2]), Xorshift(id[3])};
    x_ = U32x4{g[0].x, g[1].x, g[2].x, g[3].x};
    y_ = U32x4{g[0].y, g[1].y, g[2].y, g[3].y};
    z_ = U32x4{g[0].z, g[1].z, g[2].z, g[3].z};
    w_ = U32x4{g[0].w, g[1].w, g[2].w, g[3].w};
  }
  U32x4 Next() {
    U32x4 t = x_ ^ (x_ << 11);
    x_ = y_;
    y_ = z_;
    z_ = w_;
    w_ = w_ ^ (w_ >> 19) ^ (t ^ (t >> 8));
    return w_;
  }
  // The next four words of each block: out[k] is block k's.
  void Next4(U32x4 out[4]) {
    U32x4 s0 = Next(), s1 = Next(), s2 = Next(), s3 = Next();
    U32x4 t0 = RAWIO_SHUFFLE(s0, s1, 0, 4, 1, 5), t1 = RAWIO_SHUFFLE(s2, s3, 0, 4, 1, 5);
    U32x4 t2 = RAWIO_SHUFFLE(s0, s1, 2, 6, 3, 7), t3 = RAWIO_SHUFFLE(s2, s3, 2, 6, 3, 7);
    out[0] = RAWIO_SHUFFLE(t0, t1, 0, 1, 4, 5);
    out[1] = RAWIO_SHUFFLE(t0, t1, 2, 3, 6, 7);
    out[2] = RAWIO_SHUFFLE(t2, t3, 0, 1, 4, 5);
    out[3] = RAWIO_SHUFFLE(t2, t3, 2, 3, 6, 7);
  }

 private:
  U32x4 x_, y_, z_, w_;
};

void FillPayloads4(char* const b[4], uint32_t bs, const StampId id[4]) {
  Xorshift4 g(id);
  uint32_t at = kStampHeaderSize;
  for (U32x4 w[4]; at + 16 <= bs; at += 16) {
    g.Next4(w);
    for (int k = 0; k < 4; ++k) std::memcpy(b[k] + at, &w[k], 16);
  }
  for (; at + 4 <= bs; at += 4) {
    U32x4 w = g.Next();
    for (int k = 0; k < 4; ++k) Put<uint32_t>(b[k], at, w[k]);
  }
}

bool PayloadsMatch4(const char* const b[4], uint32_t bs, const StampId id[4]) {
  Xorshift4 g(id);
  U32x4 diff = {0, 0, 0, 0};
  uint32_t at = kStampHeaderSize;
  for (U32x4 w[4]; at + 16 <= bs; at += 16) {
    g.Next4(w);
    for (int k = 0; k < 4; ++k) {
      U32x4 data;
      std::memcpy(&data, b[k] + at, 16);
      diff |= data ^ w[k];
    }
  }
  uint32_t rest = diff[0] | diff[1] | diff[2] | diff[3];
  for (; at + 4 <= bs; at += 4) {
    U32x4 w = g.Next();
    for (int k = 0; k < 4; ++k) rest |= Get<uint32_t>(b[k], at) ^ w[k];
  }
  return rest == 0;
}

void EncodeHeader(char* block, uint32_t bs, const StampId& id, uint64_t timestamp_ns) {
  std::memcpy(block, kMagic, sizeof kMagic);
  Put<uint64_t>(block, kFieldOffset, id.offset);
  Put<uint64_t>(block, kFieldSeed, id.seed);
  Put<uint32_t>(block, kFieldGen, id.gen);
  Put<uint32_t>(block, kFieldBs, bs);
  Put<uint64_t>(block, kFieldTs, timestamp_ns);
  Put<uint16_t>(block, kFieldVersion, kStampVersion);
  Put<uint16_t>(block, kFieldHeaderSize, static_cast<uint16_t>(kStampHeaderSize));
  Put<uint32_t>(block, kFieldCrc, 0);
}

// A stamp with a right header and CRC: the id it names (else false, and ClassifyStamp says what).
bool SoundHeader(const char* block, uint32_t bs, StampId* found) {
  if (std::memcmp(block, kMagic, sizeof kMagic) != 0 || Get<uint32_t>(block, kFieldBs) != bs ||
      Get<uint16_t>(block, kFieldHeaderSize) != kStampHeaderSize)
    return false;
  found->offset = Get<uint64_t>(block, kFieldOffset);
  found->seed = Get<uint64_t>(block, kFieldSeed);
  found->gen = Get<uint32_t>(block, kFieldGen);
  return true;
}

// A whole stamp's verdict against the one expected: ClassifyStamp's last steps.
StampKind Against(const StampId& found, const StampId& expected) {
  if (found.offset != expected.offset) return StampKind::kMisdirected;
  // Another seed is another run's stamp, not a lost write of this one.
  if (found.seed != expected.seed) return StampKind::kForeign;
  if (found.gen != expected.gen) return StampKind::kStale;
  return StampKind::kOk;
}

// Four blocks that are all whole stamps (header, CRC and payload right), the common case of a
// check: their verdicts, and true. False when any is not: ClassifyStamp decides each then.
bool ClassifyWhole4(const char* const b[4], uint32_t bs, const StampId expected[4],
                    uint8_t kinds[4]) {
  StampId found[4];
  for (int k = 0; k < 4; ++k)
    if (!SoundHeader(b[k], bs, &found[k])) return false;
  uint32_t crc[4];
  BlockCrc4(b, bs, crc);
  for (int k = 0; k < 4; ++k)
    if (crc[k] != Get<uint32_t>(b[k], kFieldCrc)) return false;
  if (!PayloadsMatch4(b, bs, found)) return false;
  for (int k = 0; k < 4; ++k) kinds[k] = static_cast<uint8_t>(Against(found[k], expected[k]));
  return true;
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
  EncodeHeader(block, bs, id, timestamp_ns);
  FillPayload(block + kStampHeaderSize, bs - kStampHeaderSize, id);
  Put<uint32_t>(block, kFieldCrc, BlockCrc(block, bs));
}

StampKind ClassifyStamp(const char* block, uint32_t bs, const StampId& expected) {
  if (std::memcmp(block, kMagic, sizeof kMagic) != 0) {
    if (IsZero(block, bs)) return StampKind::kZeroed;
    return HoldsExpectedPiece(block, bs, expected) ? StampKind::kTorn : StampKind::kForeign;
  }
  StampId found;
  if (!SoundHeader(block, bs, &found)) return StampKind::kForeign;
  if (BlockCrc(block, bs) != Get<uint32_t>(block, kFieldCrc)) return StampKind::kTorn;
  if (!PayloadMatches(block + kStampHeaderSize, bs - kStampHeaderSize, found))
    return StampKind::kForeign;
  return Against(found, expected);
}

void EncodeStamps(char* data, size_t n, uint32_t bs, const StampId& first, uint64_t timestamp_ns) {
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    char* b[4];
    StampId id[4];
    for (int k = 0; k < 4; ++k) {
      b[k] = data + (i + k) * bs;
      id[k] = first;
      id[k].offset = first.offset + (i + k) * bs;
      EncodeHeader(b[k], bs, id[k], timestamp_ns);
    }
    FillPayloads4(b, bs, id);
    uint32_t crc[4];
    BlockCrc4(b, bs, crc);
    for (int k = 0; k < 4; ++k) Put<uint32_t>(b[k], kFieldCrc, crc[k]);
  }
  for (StampId id = first; i < n; ++i) {
    id.offset = first.offset + i * bs;
    EncodeStamp(data + i * bs, bs, id, timestamp_ns);
  }
}

void ClassifyStamps(const char* data, size_t n, uint32_t bs, const StampId& first,
                    const uint32_t* gens, uint8_t* kinds) {
  auto expected = [&](size_t i) {
    StampId id = first;
    id.offset = first.offset + i * bs;
    if (gens) id.gen = gens[i];
    return id;
  };
  size_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const char* b[4];
    StampId want[4];
    for (int k = 0; k < 4; ++k) {
      b[k] = data + (i + k) * bs;
      want[k] = expected(i + k);
    }
    if (ClassifyWhole4(b, bs, want, kinds + i)) continue;
    for (int k = 0; k < 4; ++k)
      kinds[i + k] = static_cast<uint8_t>(ClassifyStamp(b[k], bs, want[k]));
  }
  for (; i < n; ++i) kinds[i] = static_cast<uint8_t>(ClassifyStamp(data + i * bs, bs, expected(i)));
}

}  // namespace rawio
