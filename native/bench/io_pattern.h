// What the next request of a job is: its direction (the rwmixread mix), its size
// (bs or bssplit) and its offset (sequential per direction, or random with or
// without the random map).
#pragma once

#include <cstdint>

#include "bench/io_slot.h"
#include "bench/job_spec.h"
#include "bench/rng.h"

namespace rawio {

class IoPattern {
 public:
  // trim: the op of a trim (a discard on a block device, a punched hole in a file).
  void Init(const JobSpec& spec, uint64_t seed, Op trim);
  // Fills op, offset and length of the next data request.
  void Next(IoSlot* slot);

 private:
  uint32_t NextSize();
  int64_t NextOffset(int dir, uint32_t size);

  const JobSpec* spec_ = nullptr;
  Op trim_ = Op::kPunchHole;
  Rng rng_;
  BlockPermutation map_;
  bool use_map_ = false;
  uint64_t start_ = 0;
  uint64_t end_ = 0;
  uint64_t align_ = 1;           // random offsets are multiples of the smallest bs
  uint64_t pos_[kDataDirCount];  // sequential position per direction
  uint32_t cumulative_[64];      // bssplit: running percentages
  uint32_t sizes_[64];
  int shares_ = 0;
};

}  // namespace rawio
