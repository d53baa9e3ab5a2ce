// What the next request of a job is: its direction (the rwmixread mix), its size (bs or
// bssplit, per direction) and its offset, as fio picks them: sequential per direction (with
// rw=read:N holes, backwards for N < 0), or random (uniform with or without the random map,
// fio's zipf/pareto/normal, zoned), with rw=randread:N runs of sequential requests.
#pragma once

#include <cstdint>

#include "bench/io_slot.h"
#include "bench/job_spec.h"
#include "bench/rng.h"

namespace rawio {

class IoPattern {
 public:
  // trim: the op of a trim (a discard on a block device, a punched hole in a file).
  void Init(const JobSpec& spec, uint64_t seed, unsigned index, Op trim);
  // Fills op, offset and length of the next data request. False when a sized sequential job
  // ran off the end of its region (fio ends it there, after `loops` passes).
  bool Next(IoSlot* slot);

 private:
  struct Sizes {
    uint32_t cumulative[64];
    uint32_t size[64];
    int count = 0;
  };
  uint32_t NextSize(int dir);
  bool NextSequential(int dir, uint32_t size, uint64_t* rel);
  uint64_t NextRandom(int dir, uint32_t size);

  const JobSpec* spec_ = nullptr;
  Op trim_ = Op::kPunchHole;
  Rng rng_;
  BlockPermutation map_;
  SkewedBlocks skewed_;
  FioMix mix_;
  bool wrap_ = false;  // past the region's end: start over (time_based, io_size) or end
  uint32_t passes_left_ = 1;
  bool use_map_ = false;
  uint64_t start_ = 0;
  uint64_t region_ = 0;            // bytes of the region (fio's io_size)
  uint64_t align_[kDataDirCount];  // random offsets are multiples of the direction's smallest bs
  uint64_t
      last_end_[kDataDirCount];  // end of the last request, relative to start_ (fio's last_pos)
  Sizes sizes_[2];               // [0] reads and trims, [1] writes
  uint32_t seq_left_ = 0;        // rw=randread:N countdown
  uint64_t skew_unit_ = 1;
};

}  // namespace rawio
