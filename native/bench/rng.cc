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
