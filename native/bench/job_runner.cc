// The bench job loop, the bench driver of the I/O core: issue up to iodepth (one request
// per submit by default, as fio), reap once the queue is full, complete, repeat. Setup and
// buffers: job_setup.cc; limits, rates and pauses: job_pace.cc; statistics: job_measure.cc;
// --verify=stamp: job_verify.cc.
#include "bench/job_runner.h"

#include <errno.h>

#include <cstring>

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

JobRunner::JobRunner(const JobSpec& spec, unsigned index, std::atomic<bool>* stop)
    : spec_(spec), index_(index), stop_(stop) {
  for (int d = 0; d < kDataDirCount; ++d) {
    pub_ios_[d].store(0);
    pub_bytes_[d].store(0);
  }
}

JobRunner::~JobRunner() { ReleaseResources(); }

std::string JobRunner::SubmitFailure(int r) const {
  return std::string(engine_name_) + ": submitting or reaping failed (" + std::strerror(-r) + ")";
}

// The slot's request as the core takes it: the whole of it, into the slot's buffer.
void JobRunner::PrepSlot(IoSlot* s) {
  s->fd = opened_.fd.Get();
  s->done = 0;
  s->res = 0;
  s->eof = false;
  s->user = s;
  s->rw_flags = s->op == Op::kWrite && spec_.fua ? RWF_DSYNC : 0;
  s->buf_index = spec_.fixedbufs ? static_cast<int>(s->index) : -1;
  if (MovesData(s->op))
    s->iov.assign(1, iovec{s->buf, static_cast<size_t>(s->length)});
  else
    s->iov.clear();
}

void JobRunner::QueueSlot(IoSlot* s) {
  PrepSlot(s);
  core_->Queue(s);
}

bool JobRunner::Issue(uint64_t now, uint32_t batch) {
  uint32_t queued = 0;
  while (!free_.empty()) {
    if (queued == batch) return true;
    if (sync_pending_ != SyncKind::kNone) {
      if (in_flight_ > 0) return false;  // a sync waits for the writes before it, as in fio
      IoSlot* s = free_.back();
      free_.pop_back();
      s->op = sync_pending_ == SyncKind::kFsync ? Op::kFsync : Op::kFlush;
      s->offset = 0;
      s->length = 0;
      sync_pending_ = SyncKind::kNone;
      sync_in_flight_ = true;
      QueueSlot(s);
      ++in_flight_;
      fresh_.push_back(s);
      return false;
    }
    if (sync_in_flight_ || think_pending_ || LimitsReached() || !RateAllows(now)) return false;
    IoSlot* s = free_.back();
    if (!pattern_.Next(s)) {  // a sized sequential job reached its region's end, as fio's
      exhausted_ = true;
      return false;
    }
    free_.pop_back();
    if (spec_.verify) NoteIssued(s);
    QueueSlot(s);
    ++in_flight_;
    const uint64_t len = static_cast<uint64_t>(s->length);
    ++issued_ios_;
    issued_bytes_ += len;
    NoteRate(len);
    ++queued;
    if (spec_.iolog_max) {
      if (stats_.iolog.size() < spec_.iolog_max)
        stats_.iolog.push_back(
            {static_cast<uint64_t>(s->offset), static_cast<uint32_t>(len), s->op});
      else
        stats_.iolog_truncated = true;
    }
    if (spec_.thinktime_ns && ++since_think_ >= spec_.thinktime_blocks) {
      since_think_ = 0;
      think_pending_ = true;  // wait for what is in flight, then pause (fio's default)
    }
    fresh_.push_back(s);
    if (s->op == Op::kWrite) {
      if (spec_.fsync_every && ++writes_since_fsync_ >= spec_.fsync_every) {
        writes_since_fsync_ = 0;
        sync_pending_ = SyncKind::kFsync;
      } else if (spec_.fdatasync_every && ++writes_since_fdatasync_ >= spec_.fdatasync_every) {
        writes_since_fdatasync_ = 0;
        sync_pending_ = SyncKind::kFdatasync;
      }
    }
  }
  return false;
}

void JobRunner::Fail(int neg_errno, const IoSlot& slot, std::string detail) {
  draining_ = true;
  stop_->store(true, std::memory_order_relaxed);  // the other jobs stop too
  if (stats_.error.neg_errno) return;             // keep the first error
  stats_.error.neg_errno = neg_errno;
  stats_.error.op = slot.op;
  if (slot.op != Op::kFsync && slot.op != Op::kFlush) {
    stats_.error.offset = slot.offset;
    stats_.error.length = slot.length;
  }
  if (detail.empty() && spec_.hipri && neg_errno == -EOPNOTSUPP)
    detail = "hipri: the target does not support polled I/O (IORING_SETUP_IOPOLL)";
  stats_.error.detail = std::move(detail);
}

void JobRunner::Complete(IoSlot* s, uint64_t now) {
  int64_t res = s->res;
  if (s->eof) {
    Fail(-EIO, *s, "unexpected end of file: the target is smaller than offset+size");
    res = -EIO;
  }
  --in_flight_;
  free_.push_back(s);
  s->busy = false;
  Dir dir = DirOf(s->op);
  if (dir == Dir::kSync) sync_in_flight_ = false;
  if (res < 0) {
    Fail(static_cast<int>(res), *s, "");
    return;
  }
  if (spec_.verify) {
    if (s->op == Op::kWrite) MarkWritten(*s);
    if (s->op == Op::kRead) VerifyRead(*s);
  }
  if (dir != Dir::kSync) {
    int d = static_cast<int>(dir);
    ++done_ios_[d];
    done_bytes_[d] += static_cast<uint64_t>(s->length);
  }
  Account(*s, dir, now);
}

void JobRunner::Run() {
  std::string why;
  int r = core_->Activate(&why);
  start_ns_ = NowNs();
  pub_start_.store(start_ns_, std::memory_order_relaxed);
  if (r < 0) {
    Fail(r, slots_[0], why);
    phase_.store(static_cast<int>(JobPhase::kDone));
    return;
  }
  phase_.store(static_cast<int>(JobPhase::kPreparing), std::memory_order_relaxed);
  // Stopped while preparing the buffers or holding for --start-at: no I/O at all.
  bool go = PrepareBuffers();
  if (go && spec_.start_at_ns) {
    phase_.store(static_cast<int>(JobPhase::kStarting), std::memory_order_relaxed);
    go = WaitForStart();
  }
  if (!go) {
    stats_.stopped = true;
    phase_.store(static_cast<int>(JobPhase::kDone), std::memory_order_release);
    return;
  }
  stats_.started_realtime_ns = SysRealtimeNs();  // the first submission follows at once
  start_ns_ = NowNs();
  pub_start_.store(start_ns_, std::memory_order_relaxed);
  if (spec_.ramp_ns) {
    ramp_end_ns_ = start_ns_ + spec_.ramp_ns;
    phase_.store(static_cast<int>(JobPhase::kRamp), std::memory_order_relaxed);
  } else {
    BeginMeasure(start_ns_);
  }
  uint64_t now = start_ns_;
  for (;;) {
    if (!draining_) {
      if (stop_->load(std::memory_order_relaxed)) {
        draining_ = true;
        stats_.stopped = true;
      } else if (deadline_ && now >= deadline_) {
        draining_ = true;
      }
      if (draining_) phase_.store(static_cast<int>(JobPhase::kDraining), std::memory_order_relaxed);
    }
    // At most batch_submit new requests per submit: smaller batches keep the device
    // fed between reaps (fio submits one at a time); 0 means all free slots.
    bool more = !draining_ && Issue(now, spec_.batch_submit ? spec_.batch_submit : UINT32_MAX);
    if (in_flight_ == 0) {
      if (draining_ || (LimitsReached() && sync_pending_ == SyncKind::kNone)) break;
      if (think_pending_) {
        Think();
        think_pending_ = false;
        now = NowNs();
        if (measure_start_ == 0 && now >= ramp_end_ns_) BeginMeasure(now);
        continue;
      }
      RateWait(now);  // only a rate can leave nothing in flight here
      now = NowNs();
      if (measure_start_ == 0 && now >= ramp_end_ns_) BeginMeasure(now);
      continue;
    }
    if (!fresh_.empty()) {
      uint64_t t = NowNs();
      for (IoSlot* s : fresh_) s->t_submit = t;
      stats_.depth.Submitted(fresh_.size(), in_flight_);
      fresh_.clear();
    }
    // As fio (td_io_commit, then io_u_queued_complete): what was issued goes to the kernel in
    // a call of its own, and the wait for completions is another. Fill the queue
    // (batch_submit per call) before reaping anything, so the depth builds up to iodepth
    // even when the device completes as fast as it is fed. At depth 1 this is two
    // io_uring_enter calls a request, as fio makes; one that submits and sleeps at once was
    // slower on a loop device over /dev/shm (docs/bench.md, "Comparison with fio").
    core_->Commit();
    if (more) {
      now = NowNs();
      continue;
    }
    done_.clear();
    r = core_->Reap(1, &done_);
    now = NowNs();
    stats_.depth.Reaped(done_.size());
    for (Request* q : done_) Complete(static_cast<IoSlot*>(q), now);
    if (r < 0 && r != -EINTR) {  // requests in the kernel can no longer be reaped
      Fail(r, slots_[0], SubmitFailure(r));
      break;
    }
    Publish();
    if (measure_start_ == 0 && now >= ramp_end_ns_) BeginMeasure(now);
  }
  EndMeasure(NowNs());
  // A run stopped early (stop(), SIGINT, another job's error) skips the read-back.
  if (spec_.verify && spec_.workload == Workload::kWrite && !stats_.error.neg_errno &&
      !stop_->load(std::memory_order_relaxed)) {
    draining_ = false;  // a runtime limit drained the workload; the read-back still runs
    VerifyPass();
  }
  Publish();
  phase_.store(static_cast<int>(JobPhase::kDone), std::memory_order_release);
}

}  // namespace rawio
