#include "bench/job_runner.h"

#include <errno.h>
#include <sys/resource.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

namespace {

constexpr uint64_t kNsPerSec = 1000000000ull;
constexpr uint64_t kMaxSleepNs = 10000000ull;  // rate waits stay responsive to stop()

uint64_t TimevalNs(const timeval& tv) {
  return static_cast<uint64_t>(tv.tv_sec) * kNsPerSec + static_cast<uint64_t>(tv.tv_usec) * 1000;
}

const char* ErrName(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : "unknown error";
}

}  // namespace

JobRunner::JobRunner(const JobSpec& spec, unsigned index, std::atomic<bool>* stop)
    : spec_(spec), index_(index), stop_(stop) {
  for (int d = 0; d < kDataDirCount; ++d) {
    pub_ios_[d].store(0);
    pub_bytes_[d].store(0);
  }
}

JobRunner::~JobRunner() { ReleaseResources(); }

void JobRunner::ReleaseResources() {
  driver_.reset();  // unregisters buffers before they go
  std::free(buffers_);
  buffers_ = nullptr;
  opened_.fd.Reset();
}

int JobRunner::Setup(std::string* why, const char** syscall) {
  OpenSpec os;
  os.path = spec_.path;
  os.read_only = spec_.workload == Workload::kRead;
  os.direct = spec_.direct;
  os.exclusive = spec_.exclusive && !os.read_only;
  *syscall = "open";
  int r = OpenTarget(os, &opened_, why);
  if (r < 0) return r;

  size_t align = std::max<size_t>(4096, spec_.mem_align);
  size_t bs = spec_.workload == Workload::kTrim ? align : spec_.MaxBs();
  buffer_stride_ = (bs + align - 1) / align * align;
  void* mem = nullptr;
  *syscall = "posix_memalign";
  if (posix_memalign(&mem, align, buffer_stride_ * spec_.iodepth) != 0) {
    *why = "cannot allocate " + std::to_string(buffer_stride_ * spec_.iodepth) +
           " bytes of I/O buffers";
    return -ENOMEM;
  }
  buffers_ = static_cast<char*>(mem);
  slots_.resize(spec_.iodepth);
  DriverConfig cfg;
  cfg.fd = opened_.fd.Get();
  cfg.is_block = opened_.is_block;
  cfg.fua = spec_.fua;
  cfg.depth = spec_.iodepth;
  cfg.fixedbufs = spec_.fixedbufs;
  cfg.registerfiles = spec_.registerfiles;
  cfg.hipri = spec_.hipri;
  cfg.sqpoll = spec_.sqpoll;
  for (uint32_t i = 0; i < spec_.iodepth; ++i) {
    slots_[i].index = i;
    slots_[i].buf = buffers_ + i * buffer_stride_;
    cfg.buffers.push_back(iovec{slots_[i].buf, buffer_stride_});
  }
  for (uint32_t i = spec_.iodepth; i > 0; --i) free_.push_back(&slots_[i - 1]);
  fresh_.reserve(spec_.iodepth);
  done_.reserve(spec_.iodepth * 2);

  int err = 0;
  *syscall = spec_.engine == BenchEngine::kUring ? "io_uring_setup" : "engine";
  driver_ = spec_.engine == BenchEngine::kUring ? CreateUringDriver(cfg, &err, why)
                                                : CreateThreadDriver(cfg, &err, why);
  if (!driver_) return err;
  engine_name_ = driver_->Name();
  if (spec_.hipri) {
    *syscall = "io_uring_enter";
    r = ProbeHipri(why);
    if (r < 0) return r;
  }
  pattern_.Init(spec_, spec_.randseed + index_ * 0x9e3779b97f4a7c15ull);
  if (spec_.verify && spec_.Writes()) written_.assign((spec_.size / spec_.verify_bs + 63) / 64, 0);
  limit_bytes_ = spec_.io_size ? spec_.io_size : spec_.time_based ? 0 : spec_.size;
  return 0;
}

// IOPOLL rings set up fine on any target and fail each request instead: find out now.
int JobRunner::ProbeHipri(std::string* why) {
  IoSlot* slot = free_.back();
  slot->op = IoOp::kRead;
  slot->offset = static_cast<int64_t>(spec_.offset);
  slot->length = spec_.MinBs();
  slot->done = 0;
  driver_->Prep(slot);
  done_.clear();
  int r = driver_->SubmitAndReap(1, &done_);
  int64_t res = r < 0 ? r : done_.empty() ? -EIO : done_[0].res;
  done_.clear();
  if (res >= 0) return 0;
  // The kernel refuses polled I/O on a queue without poll support per request, with
  // EOPNOTSUPP or (through some filesystems) EIO.
  *why = std::string(
             "hipri: the target does not support polled I/O (IORING_SETUP_IOPOLL: a polled "
             "test read failed with ") +
         ErrName(static_cast<int>(-res)) + ")";
  return static_cast<int>(res);
}

void JobRunner::PrepareBuffers() {
  size_t total = buffer_stride_ * slots_.size();
  if (!spec_.Writes()) {
    std::memset(buffers_, 0, total);  // fault the pages in before measuring
    return;
  }
  Rng rng(spec_.randseed ^ (0xb0ffe7ull + index_));  // incompressible data, like fio's
  auto* words = reinterpret_cast<uint64_t*>(buffers_);
  for (size_t i = 0; i < total / 8; ++i) words[i] = rng.Next();
}

void JobRunner::BeginMeasure(uint64_t now) {
  measure_start_ = now;
  stats_.ramp_ns = now - start_ns_;
  for (DirStats& d : stats_.dirs) d.Reset();
  stats_.depth.Reset();
  stats_.series.clear();
  stats_.series.reserve(spec_.runtime_ns / kNsPerSec + 2);
  issued_ios_ = 0;
  issued_bytes_ = 0;
  if (spec_.runtime_ns) deadline_ = now + spec_.runtime_ns;
  rusage ru;
  if (SysThreadRusage(&ru) == 0) {
    rusage_user_ = TimevalNs(ru.ru_utime);
    rusage_sys_ = TimevalNs(ru.ru_stime);
    rusage_vcsw_ = static_cast<uint64_t>(ru.ru_nvcsw);
    rusage_ivcsw_ = static_cast<uint64_t>(ru.ru_nivcsw);
    rusage_majflt_ = static_cast<uint64_t>(ru.ru_majflt);
    rusage_minflt_ = static_cast<uint64_t>(ru.ru_minflt);
  }
  pub_measure_start_.store(now, std::memory_order_relaxed);
  phase_.store(static_cast<int>(JobPhase::kRunning), std::memory_order_relaxed);
}

void JobRunner::EndMeasure(uint64_t now) {
  if (measure_start_ == 0) {  // stopped while ramping: nothing was measured
    stats_.ramp_ns = now - start_ns_;
    return;
  }
  stats_.elapsed_ns = now - measure_start_;
  rusage ru;
  if (SysThreadRusage(&ru) == 0) {
    stats_.user_ns = TimevalNs(ru.ru_utime) - rusage_user_;
    stats_.sys_ns = TimevalNs(ru.ru_stime) - rusage_sys_;
    stats_.voluntary_ctx = static_cast<uint64_t>(ru.ru_nvcsw) - rusage_vcsw_;
    stats_.involuntary_ctx = static_cast<uint64_t>(ru.ru_nivcsw) - rusage_ivcsw_;
    stats_.major_faults = static_cast<uint64_t>(ru.ru_majflt) - rusage_majflt_;
    stats_.minor_faults = static_cast<uint64_t>(ru.ru_minflt) - rusage_minflt_;
  }
}

bool JobRunner::LimitsReached() const {
  if (measure_start_ == 0) return false;  // ramping: only time ends it
  if (spec_.number_ios && issued_ios_ >= spec_.number_ios) return true;
  return limit_bytes_ && issued_bytes_ >= limit_bytes_;
}

uint64_t JobRunner::RateDue() const {
  return start_ns_ + static_cast<uint64_t>(static_cast<double>(rate_issued_) * 1e9 /
                                           static_cast<double>(spec_.rate_iops));
}

bool JobRunner::RateAllows(uint64_t now) const { return !spec_.rate_iops || now >= RateDue(); }

bool JobRunner::Issue(uint64_t now, uint32_t batch) {
  uint32_t queued = 0;
  while (!free_.empty()) {
    if (queued == batch) return true;
    if (sync_pending_ != SyncKind::kNone) {
      if (in_flight_ > 0) return false;  // a sync waits for the writes before it, as in fio
      IoSlot* s = free_.back();
      free_.pop_back();
      s->op = sync_pending_ == SyncKind::kFsync ? IoOp::kFsync : IoOp::kFdatasync;
      s->offset = 0;
      s->length = 0;
      s->done = 0;
      sync_pending_ = SyncKind::kNone;
      sync_in_flight_ = true;
      driver_->Prep(s);
      ++in_flight_;
      fresh_.push_back(s);
      return false;
    }
    if (sync_in_flight_ || LimitsReached() || !RateAllows(now)) return false;
    IoSlot* s = free_.back();
    free_.pop_back();
    pattern_.Next(s);
    if (spec_.verify) NoteIssued(s);
    driver_->Prep(s);
    ++in_flight_;
    ++issued_ios_;
    issued_bytes_ += s->length;
    ++rate_issued_;
    ++queued;
    fresh_.push_back(s);
    if (s->op == IoOp::kWrite) {
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
  if (slot.op != IoOp::kFsync && slot.op != IoOp::kFdatasync) {
    stats_.error.offset = slot.offset;
    stats_.error.length = slot.length;
  }
  if (detail.empty() && spec_.hipri && neg_errno == -EOPNOTSUPP)
    detail = "hipri: the target does not support polled I/O (IORING_SETUP_IOPOLL)";
  stats_.error.detail = std::move(detail);
}

void JobRunner::Complete(const Completion& c, uint64_t now) {
  IoSlot* s = c.slot;
  int64_t res = c.res;
  if (MovesData(s->op)) {
    if (res == -EAGAIN) {  // requeue, as liburing's examples do
      driver_->Prep(s);
      return;
    }
    if (res > 0) {
      s->done += static_cast<uint32_t>(res);
      if (s->done < s->length) {  // short transfer: finish it here
        driver_->Prep(s);
        return;
      }
    } else if (res == 0) {
      Fail(-EIO, *s, "unexpected end of file: the target is smaller than offset+size");
      res = -EIO;
    }
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
    if (s->op == IoOp::kWrite) MarkWritten(*s);
    if (s->op == IoOp::kRead) VerifyRead(*s);
  }
  if (dir != Dir::kSync) {
    int d = static_cast<int>(dir);
    ++done_ios_[d];
    done_bytes_[d] += s->length;
  }
  if (measure_start_ == 0 || s->t_submit < measure_start_) return;  // ramp I/O: not measured
  DirStats& st = stats_.dirs[static_cast<int>(dir)];
  ++st.ios;
  st.bytes += s->length;
  st.lat.Record(now - s->t_submit);
  if (dir == Dir::kSync) return;
  size_t sec = static_cast<size_t>((now - measure_start_) / kNsPerSec);
  if (sec >= stats_.series.size()) stats_.series.resize(sec + 1);
  ++stats_.series[sec].ios[static_cast<int>(dir)];
  stats_.series[sec].bytes[static_cast<int>(dir)] += s->length;
}

void JobRunner::Publish() {
  for (int d = 0; d < kDataDirCount; ++d) {
    pub_ios_[d].store(done_ios_[d], std::memory_order_relaxed);
    pub_bytes_[d].store(done_bytes_[d], std::memory_order_relaxed);
  }
}

void JobRunner::Run() {
  std::string why;
  int r = driver_->Activate(&why);
  start_ns_ = NowNs();
  pub_start_.store(start_ns_, std::memory_order_relaxed);
  if (r < 0) {
    Fail(r, slots_[0], why);
    phase_.store(static_cast<int>(JobPhase::kDone));
    return;
  }
  PrepareBuffers();
  if (!WaitForStart()) {  // stopped while holding for --start-at: no I/O at all
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
      if (spec_.rate_iops) {  // only rate_iops can leave nothing in flight here
        uint64_t due = RateDue();
        if (due > now) SysSleepNs(std::min(due - now, kMaxSleepNs));
      }
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
    done_.clear();
    r = driver_->SubmitAndReap(more ? 0 : 1, &done_);
    now = NowNs();
    if (!more || !done_.empty()) stats_.depth.Reaped(done_.size());
    if (r < 0) {  // the ring itself failed: nothing more can be reaped
      Fail(r, slots_[0], std::string("io_uring_enter failed: ") + std::strerror(-r));
      break;
    }
    for (const Completion& c : done_) Complete(c, now);
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

void JobRunner::StampWrite(IoSlot* s) {
  const uint32_t vbs = spec_.verify_bs;
  StampId id;
  id.seed = spec_.verify_seed;
  id.gen = spec_.verify_gen;
  for (uint32_t at = 0; at < s->length; at += vbs) {
    id.offset = static_cast<uint64_t>(s->offset) + at;
    EncodeStamp(s->buf + at, vbs, id, spec_.verify_ts);
  }
}

static bool Overlaps(const IoSlot& a, const IoSlot& b) {
  return a.offset < b.offset + static_cast<int64_t>(b.length) &&
         b.offset < a.offset + static_cast<int64_t>(a.length);
}

void JobRunner::NoteIssued(IoSlot* s) {
  s->busy = true;
  s->skip_verify = false;
  if (s->op == IoOp::kWrite) StampWrite(s);
  if (spec_.workload != Workload::kMixed) return;  // only a mix has reads and writes in flight
  for (IoSlot& o : slots_) {
    if (&o == s || !o.busy || o.op == s->op || !Overlaps(o, *s)) continue;
    if (s->op == IoOp::kRead)
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
  StampId id;
  id.seed = spec_.verify_seed;
  id.gen = spec_.verify_gen;
  for (uint64_t i = 0; i < n; ++i) {
    uint64_t b = first + i;
    if (!written_.empty() && !(written_[b / 64] >> (b % 64) & 1)) {
      ++v.skipped;  // a write workload verifies only what it wrote
      continue;
    }
    id.offset = static_cast<uint64_t>(s.offset) + i * vbs;
    StampKind k = ClassifyStamp(s.buf + i * vbs, vbs, id);
    ++v.blocks;
    if (k != StampKind::kOk) v.Bad(static_cast<int64_t>(id.offset), k);
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
      s->op = IoOp::kRead;
      s->offset = static_cast<int64_t>(spec_.offset + next * vbs);
      s->length = static_cast<uint32_t>(n * vbs);
      s->done = 0;
      s->busy = true;
      s->skip_verify = false;
      next += n;
      driver_->Prep(s);
      ++in_flight_;
    }
    if (in_flight_ == 0) break;
    done_.clear();
    int r = driver_->SubmitAndReap(1, &done_);
    if (r < 0) {
      Fail(r, slots_[0], std::string("io_uring_enter failed: ") + std::strerror(-r));
      break;
    }
    for (const Completion& c : done_) {
      IoSlot* s = c.slot;
      int64_t res = c.res;
      if (res == -EAGAIN) {
        driver_->Prep(s);
        continue;
      }
      if (res > 0) {
        s->done += static_cast<uint32_t>(res);
        if (s->done < s->length) {
          driver_->Prep(s);
          continue;
        }
      }
      --in_flight_;
      free_.push_back(s);
      s->busy = false;
      if (res <= 0) {
        Fail(res < 0 ? static_cast<int>(res) : -EIO, *s,
             res < 0 ? "verify read-back" : "verify read-back: unexpected end of file");
        continue;
      }
      VerifyRead(*s);
    }
  }
}

// --start-at: holds the prepared job until the wall clock reaches the instant, checking stop()
// every 10 ms; the last stretch is one absolute sleep on CLOCK_REALTIME (tens of microseconds late
// at most). Returns false when stopped.
bool JobRunner::WaitForStart() {
  if (spec_.start_at_ns == 0) return true;
  for (;;) {
    if (stop_->load(std::memory_order_relaxed)) return false;
    uint64_t now = SysRealtimeNs();
    if (now >= spec_.start_at_ns) return true;
    if (spec_.start_at_ns - now > kMaxSleepNs)
      SysSleepNs(kMaxSleepNs);
    else
      SysSleepUntilRealtimeNs(spec_.start_at_ns);
  }
}

JobProgress JobRunner::Progress() const {
  JobProgress p;
  p.phase = static_cast<JobPhase>(phase_.load(std::memory_order_acquire));
  p.start_ns = pub_start_.load(std::memory_order_relaxed);
  p.measure_start_ns = pub_measure_start_.load(std::memory_order_relaxed);
  for (int d = 0; d < kDataDirCount; ++d) {
    p.ios[d] = pub_ios_[d].load(std::memory_order_relaxed);
    p.bytes[d] = pub_bytes_[d].load(std::memory_order_relaxed);
  }
  return p;
}

}  // namespace rawio
