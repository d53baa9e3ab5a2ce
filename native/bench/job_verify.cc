// --verify=stamp in the bench job loop (docs/bench.md, "Verification"): writes carry
// stamps, reads are checked against them, and a pure write job reads back what it
// wrote through the same core and slots.
#include <errno.h>

#include <algorithm>

#include "bench/job_runner.h"

namespace rawio {

void JobRunner::StampWrite(IoSlot* s) {
  const uint32_t vbs = spec_.verify_bs;
  StampId first;
  first.offset = static_cast<uint64_t>(s->offset);
  first.seed = spec_.verify_seed;
  first.gen = spec_.verify_gen;
  EncodeStamps(s->buf, s->length / vbs, vbs, first, spec_.verify_ts);
}

static bool Overlaps(const IoSlot& a, const IoSlot& b) {
  return a.offset < b.offset + static_cast<int64_t>(b.length) &&
         b.offset < a.offset + static_cast<int64_t>(a.length);
}

void JobRunner::NoteIssued(IoSlot* s) {
  s->busy = true;
  s->skip_verify = false;
  if (s->op == Op::kWrite) StampWrite(s);
  if (spec_.workload != Workload::kMixed) return;  // only a mix has reads and writes in flight
  for (IoSlot& o : slots_) {
    if (&o == s || !o.busy || o.op == s->op || !Overlaps(o, *s)) continue;
    if (s->op == Op::kRead)
      s->skip_verify = true;  // a write to these blocks is in flight
    else
      o.skip_verify = true;  // the read in flight may see this write half done
  }
}

void JobRunner::MarkWritten(const IoSlot& s) {
  uint64_t first = (static_cast<uint64_t>(s.offset) - spec_.offset) / spec_.verify_bs;
  uint64_t n = s.length / spec_.verify_bs;
  for (uint64_t b = first; b < first + n; ++b) written_[b / 64] |= 1ull << (b % 64);
}

void JobRunner::VerifyRead(const IoSlot& s) {
  const uint32_t vbs = spec_.verify_bs;
  VerifyStats& v = stats_.verify;
  uint64_t n = s.length / vbs;
  if (s.skip_verify) {
    v.skipped += n;
    return;
  }
  uint64_t first = (static_cast<uint64_t>(s.offset) - spec_.offset) / vbs;
  auto written = [&](uint64_t i) {
    uint64_t b = first + i;
    return written_.empty() || (written_[b / 64] >> (b % 64) & 1);
  };
  StampId id;
  id.seed = spec_.verify_seed;
  id.gen = spec_.verify_gen;
  uint8_t kinds[64];
  // Runs of written blocks (a write workload verifies only what it wrote), up to 64 at a time.
  for (uint64_t i = 0; i < n;) {
    if (!written(i)) {
      ++v.skipped;
      ++i;
      continue;
    }
    uint64_t run = 1;
    while (run < 64 && i + run < n && written(i + run)) ++run;
    id.offset = static_cast<uint64_t>(s.offset) + i * vbs;
    ClassifyStamps(s.buf + i * vbs, run, vbs, id, nullptr, kinds);
    for (uint64_t k = 0; k < run; ++k) {
      ++v.blocks;
      if (kinds[k] != static_cast<uint8_t>(StampKind::kOk))
        v.Bad(static_cast<int64_t>(id.offset + k * vbs), static_cast<StampKind>(kinds[k]));
    }
    i += run;
  }
}

// fio's do_verify: after a write workload, read back every block it wrote and check it.
// Not measured; runs at the job's iodepth on the same ring and buffers.
void JobRunner::VerifyPass() {
  const uint64_t vbs = spec_.verify_bs;
  const uint64_t nblocks = spec_.size / vbs;
  const uint64_t max_run = std::max<uint64_t>(1, spec_.MaxBs() / vbs);
  auto written = [&](uint64_t b) { return (written_[b / 64] >> (b % 64) & 1) != 0; };
  uint64_t next = 0;
  for (;;) {
    while (!draining_ && !free_.empty() && !stop_->load(std::memory_order_relaxed)) {
      while (next < nblocks && !written(next)) ++next;
      if (next == nblocks) break;
      uint64_t n = 0;
      while (next + n < nblocks && n < max_run && written(next + n)) ++n;
      IoSlot* s = free_.back();
      free_.pop_back();
      s->op = Op::kRead;
      s->offset = static_cast<int64_t>(spec_.offset + next * vbs);
      s->length = static_cast<int64_t>(n * vbs);
      s->busy = true;
      s->skip_verify = false;
      next += n;
      QueueSlot(s);
      ++in_flight_;
    }
    if (in_flight_ == 0) break;
    done_.clear();
    int r = core_->Reap(1, &done_);
    for (Request* q : done_) {
      auto* s = static_cast<IoSlot*>(q);
      --in_flight_;
      free_.push_back(s);
      s->busy = false;
      if (s->res < 0 || s->eof) {
        Fail(s->res < 0 ? static_cast<int>(s->res) : -EIO, *s,
             s->res < 0 ? "verify read-back" : "verify read-back: unexpected end of file");
        continue;
      }
      VerifyRead(*s);
    }
    if (r < 0 && r != -EINTR) {
      Fail(r, slots_[0], SubmitFailure(r));
      break;
    }
  }
}

}  // namespace rawio
