#include "bench/io_pattern.h"

#include <cstring>

namespace rawio {

namespace {

void FillSizes(const std::vector<BlockSizeShare>& shares, uint32_t* cumulative, uint32_t* size,
               int* count) {
  uint32_t total = 0;
  *count = 0;
  for (const BlockSizeShare& b : shares) {
    if (*count == 64) break;
    total += b.percent;
    size[*count] = b.size;
    cumulative[(*count)++] = total;
  }
}

uint32_t MinOf(const std::vector<BlockSizeShare>& shares) {
  uint32_t m = UINT32_MAX;
  for (const BlockSizeShare& b : shares) m = b.size < m ? b.size : m;
  return m;
}

}  // namespace

void IoPattern::Init(const JobSpec& spec, uint64_t seed, unsigned index, Op trim) {
  spec_ = &spec;
  trim_ = trim;
  rng_.Seed(seed);
  start_ = spec.offset;
  region_ = spec.size;
  for (uint64_t& p : last_end_) p = 0;
  FillSizes(spec.BsFor(false), sizes_[0].cumulative, sizes_[0].size, &sizes_[0].count);
  FillSizes(spec.BsFor(true), sizes_[1].cumulative, sizes_[1].size, &sizes_[1].count);
  align_[static_cast<int>(Dir::kRead)] = MinOf(spec.BsFor(false));
  align_[static_cast<int>(Dir::kTrim)] = MinOf(spec.BsFor(false));
  align_[static_cast<int>(Dir::kWrite)] = MinOf(spec.BsFor(true));
  seq_left_ = 1;  // fio: the first request of a random job is a random one
  wrap_ = spec.time_based || spec.io_size != 0;
  passes_left_ = spec.loops ? spec.loops : 1;
  {
    // fio's mix seed: randseed (or, with randrepeat=0, the job's own) through setup_random_seeds.
    uint64_t tn = spec.fio_thread_number + index;
    uint64_t mix_seed =
        spec.rand_repeat ? FioSeed(spec.randseed, static_cast<uint32_t>(tn), kFioMixSeed) : seed;
    mix_.Init(spec.rwmixread, static_cast<uint32_t>(mix_seed));
  }
  // The random map covers each block once per pass; it needs one block size.
  bool one_size = spec.bs.size() == 1 &&
                  (spec.bs_write.empty() ||
                   (spec.bs_write.size() == 1 && spec.bs_write[0].size == spec.bs[0].size));
  use_map_ =
      spec.random && !spec.norandommap && one_size && spec.distribution == Distribution::kUniform;
  if (use_map_) map_.Init(spec.size / spec.bs[0].size, seed ^ 0x5eed5eed5eed5eedull);
  if (spec.distribution == Distribution::kZipf || spec.distribution == Distribution::kPareto ||
      spec.distribution == Distribution::kNormal) {
    // fio: ranges of min(bs read, bs write) over the region, seeded with jhash(file name) times
    // the job's thread number (randrepeat=1) or the job's seed (randrepeat=0).
    skew_unit_ = spec.MinBs();
    uint64_t nranges = (spec.size + skew_unit_ - 1) / skew_unit_;
    uint32_t fio_seed = FioJhash(spec.path.data(), static_cast<uint32_t>(spec.path.size()), 0) *
                        (spec.fio_thread_number + index);
    if (!spec.rand_repeat) fio_seed = static_cast<uint32_t>(seed);
    SkewKind kind = spec.distribution == Distribution::kZipf     ? SkewKind::kZipf
                    : spec.distribution == Distribution::kPareto ? SkewKind::kPareto
                                                                 : SkewKind::kNormal;
    skewed_.Init(kind, nranges, spec.dist_param, spec.dist_center, fio_seed);
  }
}

uint32_t IoPattern::NextSize(int dir) {
  const Sizes& s = sizes_[dir == static_cast<int>(Dir::kWrite) ? 1 : 0];
  if (s.count == 1) return s.size[0];
  uint32_t pick = static_cast<uint32_t>(rng_.Below(100));
  for (int i = 0; i < s.count; ++i)
    if (pick < s.cumulative[i]) return s.size[i];
  return s.size[s.count - 1];
}

// fio's get_next_seq_offset, relative to the region's start: holes of seq_add bytes after each
// request (not before the first), backwards from the region's end for seq_add < 0. Past the
// region's end a time_based job or one with io_size starts over; a sized one ends (fio 3.33's
// offsets and counts, as its write_iolog shows them), after `loops` passes.
bool IoPattern::NextSequential(int dir, uint32_t size, uint64_t* rel) {
  const int64_t add = spec_->seq_add;
  const uint64_t real = spec_->target_size ? spec_->target_size : start_ + region_;
  const uint64_t top = real > region_ ? region_ : real;
  uint64_t& last = last_end_[dir];
  if (last == 0 && start_ && add < 0) last = top >= start_ ? top - start_ : 0;
  uint64_t pos = last;
  if (pos && add) {
    pos += static_cast<uint64_t>(add);
    if (pos >= real) pos = add > 0 ? 0 : top + static_cast<uint64_t>(add);
  }
  if (pos + size > region_) {
    if (!wrap_) {
      if (passes_left_ <= 1) return false;
      --passes_left_;
      for (uint64_t& p : last_end_) p = 0;
    }
    pos = 0;
  }
  last = pos + size;
  *rel = pos;
  return true;
}

uint64_t IoPattern::NextRandom(int dir, uint32_t size) {
  const uint64_t align = align_[dir];
  switch (spec_->distribution) {
    case Distribution::kZipf:
    case Distribution::kPareto:
    case Distribution::kNormal: {
      uint64_t off = skewed_.Next() * skew_unit_;
      return off + size > region_ ? (region_ - size) / align * align : off;
    }
    case Distribution::kZoned:
    case Distribution::kZonedAbs: {
      // Pick the zone by its share of the requests, then a uniform block inside it.
      uint32_t v = static_cast<uint32_t>(rng_.Below(100)) + 1;
      uint32_t acc = 0;
      uint64_t zone_start = 0;
      for (const ZoneShare& z : spec_->zones) {
        uint64_t bytes =
            spec_->distribution == Distribution::kZoned ? region_ / 100 * z.size : z.size;
        acc += z.access_percent;
        if (v <= acc || &z == &spec_->zones.back()) {
          uint64_t end = zone_start + bytes > region_ ? region_ : zone_start + bytes;
          uint64_t first = (zone_start + align - 1) / align;
          uint64_t last_fit = end >= size ? (end - size) / align : 0;
          if (last_fit < first)
            return first * align > region_ - size ? (region_ - size) / align * align
                                                  : first * align;
          return (first + rng_.Below(last_fit - first + 1)) * align;
        }
        zone_start += bytes;
      }
      return 0;
    }
    case Distribution::kUniform:
      break;
  }
  if (use_map_) return map_.Next() * align;
  // Uniform over the aligned positions where a request of this size still fits.
  uint64_t slots = (region_ - size) / align + 1;
  return rng_.Below(slots) * align;
}

bool IoPattern::Next(IoSlot* slot) {
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
      slot->op = mix_.Next() == 0 ? Op::kRead : Op::kWrite;
      break;
  }
  const int dir = static_cast<int>(DirOf(slot->op));
  slot->length = NextSize(dir);
  slot->done = 0;
  uint64_t rel = 0;
  // rw=randread:N: a random offset, then N-1 sequential ones (fio: the first is random).
  bool fresh = spec_->random && (spec_->rand_seq_nr <= 1 || --seq_left_ == 0);
  if (fresh) {
    seq_left_ = spec_->rand_seq_nr;
    rel = NextRandom(dir, slot->length);
    last_end_[dir] = rel + slot->length;
  } else if (!NextSequential(dir, slot->length, &rel)) {
    return false;  // a sequential run (also randread:N's) ran off the region: fio ends the job
  }
  slot->offset = static_cast<int64_t>(start_ + rel);
  return true;
}

}  // namespace rawio
