#include "bench/rng.h"

namespace rawio {

namespace {

uint64_t SplitMix(uint64_t* x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

uint64_t Mix(uint64_t x, uint64_t key) {
  x ^= key;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  return x ^ (x >> 29);
}

}  // namespace

void Rng::Seed(uint64_t seed) {
  uint64_t x = seed;
  for (uint64_t& s : s_) s = SplitMix(&x);
}

void BlockPermutation::Init(uint64_t n, uint64_t seed) {
  n_ = n ? n : 1;
  pos_ = 0;
  unsigned bits = 0;
  while (bits < 64 && (1ull << bits) < n_) ++bits;
  half_bits_ = (bits + 1) / 2;
  if (half_bits_ == 0) half_bits_ = 1;
  half_mask_ = (1ull << half_bits_) - 1;
  rng_.Seed(seed);
  Rekey();
}

void BlockPermutation::Rekey() {
  for (uint64_t& k : keys_) k = rng_.Next();
}

uint64_t BlockPermutation::Permute(uint64_t x) const {
  uint64_t left = x >> half_bits_;
  uint64_t right = x & half_mask_;
  for (uint64_t key : keys_) {
    uint64_t next = left ^ (Mix(right, key) & half_mask_);
    left = right;
    right = next;
  }
  return (left << half_bits_) | right;
}

uint64_t BlockPermutation::Next() {
  if (pos_ == n_) {
    pos_ = 0;
    Rekey();
  }
  // Cycle walking: the permutation of the 2^(2h) domain restricted to [0, n) is a
  // permutation of [0, n); at most 4 steps on average since 2^(2h) < 4n.
  uint64_t x = pos_++;
  do x = Permute(x);
  while (x >= n_);
  return x;
}

}  // namespace rawio

#include <cmath>

namespace rawio {

namespace {

constexpr double kFrand32Max = 4294967295.0;
constexpr int kGaussIters = 12;
constexpr uint64_t kZipfMaxGen = 10000000ull;

uint32_t SeedAbove(uint32_t x, uint32_t m) { return x < m ? x + m : x; }
uint32_t Rol32(uint32_t w, uint32_t s) { return (w << s) | (w >> (32 - s)); }

}  // namespace

uint64_t FioSeed(uint64_t randseed, uint32_t thread_number, int index) {
  uint64_t seed = randseed;
  for (int i = 0; i < 4; ++i) seed *= 0x9e370001ull;
  for (int i = 0; i < index; ++i) seed *= 0x9e370001ull;
  return seed * thread_number + static_cast<uint64_t>(index);
}

void Taus88::Seed(uint32_t seed) {
  // fio's LCG((2^31) + (2^17) + (2^7), seed): ^ is C's xor, so the constant is 53.
  s1_ = SeedAbove(53u * 69069u ^ seed, 1);
  s2_ = SeedAbove(s1_ * 69069u ^ seed, 7);
  s3_ = SeedAbove(s2_ * 69069u ^ seed, 15);
  for (int i = 0; i < 6; ++i) Next();
}

uint32_t FioJhash(const char* key, uint32_t length, uint32_t initval) {
  const auto* k = reinterpret_cast<const uint8_t*>(key);
  uint32_t a, b, c;
  a = b = c = 0x61C88647u + length + initval;
  while (length > 12) {
    a += k[0];
    b += k[4];
    c += k[8];
    a -= c, a ^= Rol32(c, 4), c += b;
    b -= a, b ^= Rol32(a, 6), a += c;
    c -= b, c ^= Rol32(b, 8), b += a;
    a -= c, a ^= Rol32(c, 16), c += b;
    b -= a, b ^= Rol32(a, 19), a += c;
    c -= b, c ^= Rol32(b, 4), b += a;
    length -= 12;
    k += 12;
  }
  if (length == 0) return c;
  switch (length) {
    case 12:
      c += static_cast<uint32_t>(k[11]) << 24;
      [[fallthrough]];
    case 11:
      c += static_cast<uint32_t>(k[10]) << 16;
      [[fallthrough]];
    case 10:
      c += static_cast<uint32_t>(k[9]) << 8;
      [[fallthrough]];
    case 9:
      c += k[8];
      [[fallthrough]];
    case 8:
      b += static_cast<uint32_t>(k[7]) << 24;
      [[fallthrough]];
    case 7:
      b += static_cast<uint32_t>(k[6]) << 16;
      [[fallthrough]];
    case 6:
      b += static_cast<uint32_t>(k[5]) << 8;
      [[fallthrough]];
    case 5:
      b += k[4];
      [[fallthrough]];
    case 4:
      a += static_cast<uint32_t>(k[3]) << 24;
      [[fallthrough]];
    case 3:
      a += static_cast<uint32_t>(k[2]) << 16;
      [[fallthrough]];
    case 2:
      a += static_cast<uint32_t>(k[1]) << 8;
      [[fallthrough]];
    default:
      a += k[0];
  }
  c ^= b, c -= Rol32(b, 14);
  a ^= c, a -= Rol32(c, 11);
  b ^= a, b -= Rol32(a, 25);
  c ^= b, c -= Rol32(b, 16);
  a ^= c, a -= Rol32(c, 4);
  b ^= a, b -= Rol32(a, 14);
  c ^= b, c -= Rol32(b, 24);
  return c;
}

void SkewedBlocks::Init(SkewKind kind, uint64_t nranges, double param, double center,
                        uint32_t seed) {
  kind_ = kind;
  nranges_ = nranges ? nranges : 1;
  rand_.Seed(seed);
  if (kind == SkewKind::kNormal) {
    // gauss_init: no random offset unless a center is given.
    rand_off_ = center == -1 ? 0 : static_cast<uint64_t>(nranges_ * (center - 0.5));
    stddev_ = 0;
    if (param != 0.0) {
      stddev_ = static_cast<uint64_t>(std::ceil(static_cast<double>(nranges_) * param / 100.0));
      if (stddev_ > nranges_ / 2) stddev_ = nranges_ / 2;
    }
    return;
  }
  rand_off_ = rand_.Next();  // shared_rand_init
  if (center != -1) rand_off_ = static_cast<uint64_t>(nranges_ * center);
  if (kind == SkewKind::kPareto) {
    pareto_pow_ = std::log(param) / std::log(1.0 - param);
    return;
  }
  theta_ = param;
  zeta2_ = std::pow(1.0, theta_) + std::pow(0.5, theta_);
  zetan_ = 0;
  uint64_t to_gen = nranges_ < kZipfMaxGen ? nranges_ : kZipfMaxGen;
  for (uint64_t i = 0; i < to_gen; ++i)
    zetan_ += std::pow(1.0 / static_cast<double>(i + 1), theta_);
}

uint64_t SkewedBlocks::Next() {
  uint64_t val;
  if (kind_ == SkewKind::kZipf) {
    const double n = static_cast<double>(nranges_);
    double alpha = 1.0 / (1.0 - theta_);
    double eta = (1.0 - std::pow(2.0 / n, 1.0 - theta_)) / (1.0 - zeta2_ / zetan_);
    double rand_uni = static_cast<double>(rand_.Next()) / kFrand32Max;
    double rand_z = rand_uni * zetan_;
    if (rand_z < 1.0)
      val = 1;
    else if (rand_z < (1.0 + std::pow(0.5, theta_)))
      val = 2;
    else
      val = 1 + static_cast<uint64_t>(n * std::pow(eta * rand_uni - eta + 1.0, alpha));
    val = FioHashU64(val - 1);
  } else if (kind_ == SkewKind::kPareto) {
    double r = static_cast<double>(rand_.Next()) / kFrand32Max;
    val = FioHashU64(
        static_cast<uint64_t>(static_cast<double>(nranges_ - 1) * std::pow(r, pareto_pow_)));
  } else {
    uint64_t sum = 0;
    for (int i = 0; i < kGaussIters; ++i) sum += rand_.Next() % (nranges_ + 1);
    sum = (sum + kGaussIters - 1) / kGaussIters;
    if (stddev_) {
      uint32_t r = rand_.Next();
      int vr = static_cast<int>(static_cast<double>(stddev_) * (r / (kFrand32Max + 1.0)));
      int dev = vr - static_cast<int>(stddev_ / 2);
      while (static_cast<uint64_t>(dev + static_cast<int64_t>(sum)) >= nranges_) dev /= 2;
      sum += dev;
    }
    val = FioHashU64(sum);
  }
  return (val + rand_off_) % nranges_;
}

}  // namespace rawio
