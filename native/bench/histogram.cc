#include "bench/histogram.h"

#include <algorithm>

namespace rawio {

void LatencyHistogram::Reset() {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = 0;
  sum_ = 0;
  sum_sq_ = 0;
  min_ = UINT64_MAX;
  max_ = 0;
}

}  // namespace rawio
