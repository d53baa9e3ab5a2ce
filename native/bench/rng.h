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
