// An HDR-style log-linear latency histogram: exact below 256 ns, then 128 linear
// sub-buckets per power of two, so a bucket is at most 1/128 (0.8%) of its value wide.
// Fixed memory (about 40 KiB), O(1) record, and mergeable by adding counts.
// lib/bench/stats.ts mirrors the layout to turn indexes back into nanoseconds.
#pragma once

#include <cstdint>
#include <vector>

namespace rawio {

class LatencyHistogram {
 public:
  static constexpr int kSubBits = 7;                     // 128 sub-buckets per octave
  static constexpr uint64_t kLinear = 2ull << kSubBits;  // 256 exact buckets
  static constexpr int kMaxExp = 44;                     // 2^45 ns (~9.8 h) and up clamp
  static constexpr int kBuckets = kLinear + (kMaxExp - kSubBits) * (1 << kSubBits);

  LatencyHistogram() : counts_(kBuckets, 0) {}

  static int Index(uint64_t ns) {
    if (ns < kLinear) return static_cast<int>(ns);
    int e = 63 - __builtin_clzll(ns);  // ns in [2^e, 2^(e+1)), e >= kSubBits + 1
    if (e > kMaxExp) return kBuckets - 1;
    int sub = static_cast<int>(ns >> (e - kSubBits)) - (1 << kSubBits);  // 0..127
    return static_cast<int>(kLinear) + (e - kSubBits - 1) * (1 << kSubBits) + sub;
  }

  void Record(uint64_t ns) {
    ++counts_[Index(ns)];
    ++count_;
    sum_ += ns;
    sum_sq_ += static_cast<double>(ns) * static_cast<double>(ns);
    if (ns < min_) min_ = ns;
    if (ns > max_) max_ = ns;
  }

  void Reset();

  uint64_t Count() const { return count_; }
  uint64_t Min() const { return count_ ? min_ : 0; }
  uint64_t Max() const { return max_; }
  uint64_t Sum() const { return sum_; }
  double SumSq() const { return sum_sq_; }
  const std::vector<uint64_t>& Counts() const { return counts_; }

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  double sum_sq_ = 0;
  uint64_t min_ = UINT64_MAX;
  uint64_t max_ = 0;
};

}  // namespace rawio
