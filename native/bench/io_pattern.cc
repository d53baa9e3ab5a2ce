#include "bench/io_pattern.h"

namespace rawio {

void IoPattern::Init(const JobSpec& spec, uint64_t seed, Op trim) {
  spec_ = &spec;
  trim_ = trim;
  rng_.Seed(seed);
  start_ = spec.offset;
  end_ = spec.offset + spec.size;
  for (uint64_t& p : pos_) p = start_;
  shares_ = 0;
  uint32_t total = 0;
  for (const BlockSizeShare& b : spec.bs) {
    if (shares_ == 64) break;
    total += b.percent;
    sizes_[shares_] = b.size;
    cumulative_[shares_++] = total;
  }
  align_ = spec.MinBs();
  // The random map covers each block once per pass; it needs one block size.
  use_map_ = spec.random && !spec.norandommap && spec.bs.size() == 1;
  if (use_map_) map_.Init(spec.size / align_, seed ^ 0x5eed5eed5eed5eedull);
}

uint32_t IoPattern::NextSize() {
  if (shares_ == 1) return sizes_[0];
  uint32_t pick = static_cast<uint32_t>(rng_.Below(100));
  for (int i = 0; i < shares_; ++i)
    if (pick < cumulative_[i]) return sizes_[i];
  return sizes_[shares_ - 1];
}

int64_t IoPattern::NextOffset(int dir, uint32_t size) {
  if (!spec_->random) {
    uint64_t& pos = pos_[dir];
    if (pos + size > end_) pos = start_;  // wrap (fio does the same with time_based)
    uint64_t off = pos;
    pos += size;
    return static_cast<int64_t>(off);
  }
  if (use_map_) return static_cast<int64_t>(start_ + map_.Next() * align_);
  // Uniform over the aligned positions where a request of this size still fits.
  uint64_t slots = (end_ - start_ - size) / align_ + 1;
  return static_cast<int64_t>(start_ + rng_.Below(slots) * align_);
}

void IoPattern::Next(IoSlot* slot) {
  switch (spec_->workload) {
    case Workload::kRead:
      slot->op = Op::kRead;
      break;
    case Workload::kWrite:
      slot->op = Op::kWrite;
      break;
    case Workload::kTrim:
      slot->op = trim_;
      break;
    case Workload::kMixed:
      slot->op = rng_.Below(100) < spec_->rwmixread ? Op::kRead : Op::kWrite;
      break;
  }
  uint32_t size = NextSize();
  slot->length = size;
  slot->offset = NextOffset(static_cast<int>(DirOf(slot->op)), size);
  slot->done = 0;
}

}  // namespace rawio
