// Seeded pseudo-random numbers for offsets, sizes and the read/write mix
// (xoshiro256**, seeded through splitmix64), and a memory-free permutation that
// visits every block of a region exactly once per pass (fio's random map).
#pragma once

#include <cstdint>

namespace rawio {

class Rng {
 public:
  explicit Rng(uint64_t seed = 0x89) { Seed(seed); }
  void Seed(uint64_t seed);

  uint64_t Next() {
    const uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n) (Lemire's multiply-shift; the bias is below 2^-64 * n).
  uint64_t Below(uint64_t n) {
    return static_cast<uint64_t>((static_cast<unsigned __int128>(Next()) * n) >> 64);
  }

 private:
  static uint64_t Rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  uint64_t s_[4];
};

// A keyed permutation of [0, n): a balanced Feistel network over the smallest
// even-width power of two >= n, with cycle walking for values >= n. Each pass
// (n calls) returns every value once; the next pass uses a new key.
class BlockPermutation {
 public:
  void Init(uint64_t n, uint64_t seed);
  uint64_t Next();

 private:
  uint64_t Permute(uint64_t x) const;
  void Rekey();

  uint64_t n_ = 1;
  uint64_t pos_ = 0;  // counter within the pass
  unsigned half_bits_ = 0;
  uint64_t half_mask_ = 0;
  uint64_t keys_[4] = {0, 0, 0, 0};
  Rng rng_;
};

}  // namespace rawio

namespace rawio {

// fio's own generators, ported exactly (fio 3.33 lib/rand.c, lib/zipf.c, lib/gauss.c, hash.h),
// so random_distribution=zipf/pareto/normal draws fio's sequence: with fio's seed (the file
// name's jhash times fio's thread number) the offsets are fio's, one for one.
class Taus88 {
 public:
  void Seed(uint32_t seed);
  uint32_t Next() {
    s1_ = ((s1_ & 4294967294u) << 12) ^ (((s1_ << 13) ^ s1_) >> 19);
    s2_ = ((s2_ & 4294967288u) << 4) ^ (((s2_ << 2) ^ s2_) >> 25);
    s3_ = ((s3_ & 4294967280u) << 17) ^ (((s3_ << 3) ^ s3_) >> 11);
    return s1_ ^ s2_ ^ s3_;
  }

 private:
  uint32_t s1_ = 0, s2_ = 0, s3_ = 0;
};

// Bob Jenkins' jhash as fio has it (including its byte-wise reads of the 12-byte blocks).
uint32_t FioJhash(const char* key, uint32_t length, uint32_t initval);
inline uint64_t FioHashU64(uint64_t v) { return v * 0x61C8864680B583EBull; }

// fio's seed number `index` of a job (init.c setup_random_seeds): randseed scrambled, times the
// job's thread number.
uint64_t FioSeed(uint64_t randseed, uint32_t thread_number, int index);
constexpr int kFioMixSeed = 4;  // FIO_RAND_MIX_OFF

// fio's read/write mix (io_u.c get_rw_ddir): runs of one direction, a new draw once the run's
// issue count is reached, so rw=rw jobs interleave reads and writes exactly as fio's do.
class FioMix {
 public:
  void Init(uint32_t rwmixread, uint32_t seed) {
    rwmix_[0] = rwmixread;
    rwmix_[1] = 100 - rwmixread;
    rand_.Seed(seed);
  }
  // 0: read, 1: write.
  int Next() {
    if (issues_[ddir_] >= run_issues_) {
      uint32_t r = rand_.Next();
      uint32_t v = 1 + static_cast<uint32_t>(100.0 * (r / 4294967296.0));
      int next = v <= rwmix_[0] ? 0 : 1;
      if (next != ddir_) run_issues_ = issues_[ddir_] * rwmix_[ddir_ ^ 1] / 100;
      ddir_ = next;
    }
    ++issues_[ddir_];
    return ddir_;
  }

 private:
  Taus88 rand_;
  uint32_t rwmix_[2] = {50, 50};
  uint64_t issues_[2] = {0, 0};
  uint64_t run_issues_ = 0;
  int ddir_ = 0;
};

enum class SkewKind : uint8_t { kZipf, kPareto, kNormal };

// zipf:theta, pareto:h, normal:dev over nranges blocks; center -1 as fio's default.
class SkewedBlocks {
 public:
  void Init(SkewKind kind, uint64_t nranges, double param, double center, uint32_t seed);
  uint64_t Next();

 private:
  SkewKind kind_ = SkewKind::kZipf;
  Taus88 rand_;
  uint64_t nranges_ = 1;
  uint64_t rand_off_ = 0;
  double theta_ = 0, zeta2_ = 0, zetan_ = 0, pareto_pow_ = 0;
  uint64_t stddev_ = 0;
};

}  // namespace rawio
