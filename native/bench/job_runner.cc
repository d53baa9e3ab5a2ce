#include "bench/job_runner.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/resource.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

namespace {

constexpr uint64_t kNsPerSec = 1000000000ull;
constexpr uint64_t kMaxSleepNs = 10000000ull;  // rate waits stay responsive to stop()
constexpr size_t kPrepChunk = 4u << 20;        // buffer preparation looks at stop() this often

uint64_t TimevalNs(const timeval& tv) {
  return static_cast<uint64_t>(tv.tv_sec) * kNsPerSec + static_cast<uint64_t>(tv.tv_usec) * 1000;
}

}  // namespace

std::string JobRunner::SubmitFailure(int r) const {
  return std::string(engine_name_) + ": submitting or reaping failed (" + std::strerror(-r) + ")";
}

namespace {

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
  core_.reset();  // unregisters buffers before they go
  std::free(buffers_);
  buffers_ = nullptr;
  opened_.fd.Reset();
}

uint32_t JobRunner::SlotsFor(const JobSpec& spec) {
  // While ramping nothing limits the I/Os; a time-based job without io_size neither.
  uint64_t limit_bytes = spec.io_size ? spec.io_size : spec.time_based ? 0 : spec.size;
  if (spec.ramp_ns || (!limit_bytes && !spec.number_ios)) return spec.iodepth;
  uint64_t ios = UINT64_MAX;
  if (spec.number_ios) ios = spec.number_ios;
  uint64_t min_bs = std::max<uint64_t>(1, spec.MinBs());
  if (limit_bytes) ios = std::min(ios, (limit_bytes + min_bs - 1) / min_bs);
  return static_cast<uint32_t>(std::max<uint64_t>(1, std::min<uint64_t>(spec.iodepth, ios)));
}

int JobRunner::Setup(std::string* why, const char** syscall) {
  OpenSpec os;
  os.path = spec_.path;
  os.read_only = spec_.workload == Workload::kRead;
  os.direct = spec_.direct;
  os.exclusive = false;  // BenchRun holds the one O_EXCL claim of the run
  *syscall = "open";
  int r = OpenTarget(os, &opened_, why);
  if (r < 0) return r;
  // fio's invalidate (default 1), once per run before any job starts: what the page cache holds
  // of the target is written back and dropped, so buffered reads reach the device (filesetup.c).
  const int fd = opened_.fd.Get();
  const int64_t off = static_cast<int64_t>(spec_.offset), len = static_cast<int64_t>(spec_.size);
  if (spec_.invalidate && index_ == 0)
    stats_.invalidate_errno =
        opened_.is_block ? SysBlkFlushBuffers(fd) : SysFadvise(fd, off, len, POSIX_FADV_DONTNEED);
  // fio's fadvise_hint (default: random or sequential by rw): readahead as fio's job has it.
  if (spec_.fadvise) SysFadvise(fd, off, len, spec_.fadvise);

  const uint32_t nslots = SlotsFor(spec_);
  size_t align = std::max<size_t>(4096, spec_.mem_align);
  size_t bs = spec_.workload == Workload::kTrim ? align : spec_.MaxBs();
  buffer_stride_ = (bs + align - 1) / align * align;
  void* mem = nullptr;
  *syscall = "posix_memalign";
  if (posix_memalign(&mem, align, buffer_stride_ * nslots) != 0) {
    *why = "cannot allocate " + std::to_string(buffer_stride_ * nslots) + " bytes of I/O buffers";
    return -ENOMEM;
  }
  buffers_ = static_cast<char*>(mem);
  slots_.resize(nslots);
  EngineOptions eo;
  eo.depth = nslots;
  eo.may_run_inline = true;
  eo.single_issuer = true;
  eo.sqpoll = spec_.sqpoll;
  eo.hipri = spec_.hipri;
  if (spec_.registerfiles) eo.register_fd = opened_.fd.Get();
  for (uint32_t i = 0; i < nslots; ++i) {
    slots_[i].index = i;
    slots_[i].buf = buffers_ + i * buffer_stride_;
    if (spec_.fixedbufs) eo.fixed_buffers.push_back(iovec{slots_[i].buf, buffer_stride_});
  }
  for (uint32_t i = nslots; i > 0; --i) free_.push_back(&slots_[i - 1]);
  fresh_.reserve(nslots);
  done_.reserve(nslots * 2);

  int err = 0;
  bool uring = spec_.engine == BenchEngine::kUring;
  EngineKind kind = uring                                  ? EngineKind::kUring
                    : spec_.engine == BenchEngine::kLibaio ? EngineKind::kLibaio
                                                           : EngineKind::kThreads;
  *syscall = uring ? "io_uring_setup" : kind == EngineKind::kLibaio ? "io_setup" : "engine";
  std::unique_ptr<Engine> engine = CreateEngine(kind, eo, &err, why);
  if (!engine) {
    if (uring && err == -ENOTSUP && why->find("without liburing") != std::string::npos)
      *why = "engine io_uring: rawio was built without liburing (use --engine=threads)";
    return err;
  }
  core_ = std::make_unique<IoCore>(std::move(engine), true);
  engine_name_ = core_->Name();
  trim_op_ = opened_.is_block ? Op::kBlkDiscard : Op::kPunchHole;
  if (spec_.hipri) {
    *syscall = "io_uring_enter";
    r = ProbeHipri(why);
    if (r < 0) return r;
  }
  pattern_.Init(spec_, spec_.randseed + index_ * 0x9e3779b97f4a7c15ull, index_, trim_op_);
  rate_rng_.Seed(spec_.randseed ^ (0x7a7eull + index_));
  if (spec_.iolog_max) stats_.iolog.reserve(std::min<uint32_t>(spec_.iolog_max, 1u << 20));
  stats_.log.Configure(spec_.log);
  if (spec_.verify && spec_.Writes()) written_.assign((spec_.size / spec_.verify_bs + 63) / 64, 0);
  limit_bytes_ = spec_.io_size ? spec_.io_size : spec_.time_based ? 0 : spec_.size;
  limit_bytes_ *= spec_.loops;  // loops: that many passes over the region (fio's)
  return 0;
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

// IOPOLL rings set up fine on any target and fail each request instead: find out now.
int JobRunner::ProbeHipri(std::string* why) {
  IoSlot* slot = free_.back();
  slot->op = Op::kRead;
  slot->offset = static_cast<int64_t>(spec_.offset);
  slot->length = spec_.MinBs();
  QueueSlot(slot);
  done_.clear();
  int r = 0;
  while (done_.empty() && (r == 0 || r == -EINTR)) r = core_->Reap(1, &done_);
  int64_t res = done_.empty() ? (r < 0 ? r : -EIO) : done_[0]->res;
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

bool JobRunner::PrepareBuffers() {
  const size_t total = buffer_stride_ * slots_.size();
  const bool random = spec_.Writes();
  Rng rng(spec_.randseed ^ (0xb0ffe7ull + index_));  // incompressible data, like fio's
  for (size_t at = 0; at < total; at += kPrepChunk) {
    if (stop_->load(std::memory_order_relaxed)) return false;
    size_t n = std::min(kPrepChunk, total - at);
    if (!random) {
      std::memset(buffers_ + at, 0, n);  // fault the pages in before measuring
      continue;
    }
    auto* words = reinterpret_cast<uint64_t*>(buffers_ + at);
    for (size_t i = 0; i < n / 8; ++i) words[i] = rng.Next();
  }
  return true;
}

void JobRunner::BeginMeasure(uint64_t now) {
  measure_start_ = now;
  stats_.ramp_ns = now - start_ns_;
  for (DirStats& d : stats_.dirs) d.Reset();
  stats_.depth.Reset();
  stats_.log.Reset();
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
  stats_.log.Finish(stats_.elapsed_ns);
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
  if (exhausted_) return true;
  if (measure_start_ == 0) return false;  // ramping: only time ends it
  if (spec_.number_ios && issued_ios_ >= spec_.number_ios) return true;
  return limit_bytes_ && issued_bytes_ >= limit_bytes_;
}

// When the next request may be issued: the later of the rate_iops and rate schedules (fio's
// linear rate_process), or an exponentially distributed gap after the last (poisson).
uint64_t JobRunner::RateDue() const {
  if (spec_.rate_poisson) return poisson_due_;
  uint64_t due = start_ns_;
  if (spec_.rate_iops)
    due = std::max(due, start_ns_ + static_cast<uint64_t>(static_cast<double>(rate_issued_) * 1e9 /
                                                          static_cast<double>(spec_.rate_iops)));
  if (spec_.rate_bytes)
    due = std::max(due, start_ns_ + static_cast<uint64_t>(static_cast<double>(rate_bytes_) * 1e9 /
                                                          static_cast<double>(spec_.rate_bytes)));
  return due;
}

bool JobRunner::RateAllows(uint64_t now) const {
  return (!spec_.rate_iops && !spec_.rate_bytes) || now >= RateDue();
}

void JobRunner::NoteRate(uint32_t bytes) {
  ++rate_issued_;
  rate_bytes_ += bytes;
  if (!spec_.rate_poisson) return;
  // Mean gap 1/rate_iops: -ln(U) / rate, U uniform in (0, 1].
  double u = (static_cast<double>(rate_rng_.Below(1ull << 53)) + 1.0) / 9007199254740992.0;
  double gap = -std::log(u) * 1e9 / static_cast<double>(spec_.rate_iops);
  poisson_due_ = (poisson_due_ ? poisson_due_ : start_ns_) + static_cast<uint64_t>(gap);
}

void JobRunner::Think() {
  uint64_t t0 = NowNs();
  uint64_t spin_end = t0 + spec_.thinktime_spin_ns;
  while (NowNs() < spin_end) {
  }
  uint64_t end = t0 + spec_.thinktime_ns;
  for (uint64_t now = NowNs(); now < end && !stop_->load(std::memory_order_relaxed); now = NowNs())
    SysSleepNs(std::min(end - now, kMaxSleepNs));
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
    ++issued_ios_;
    issued_bytes_ += s->length;
    NoteRate(s->length);
    ++queued;
    if (spec_.iolog_max) {
      if (stats_.iolog.size() < spec_.iolog_max)
        stats_.iolog.push_back(
            {static_cast<uint64_t>(s->offset), static_cast<uint32_t>(s->length), s->op});
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
    done_bytes_[d] += s->length;
  }
  if (measure_start_ == 0 || s->t_submit < measure_start_) return;  // ramp I/O: not measured
  DirStats& st = stats_.dirs[static_cast<int>(dir)];
  ++st.ios;
  st.bytes += s->length;
  st.lat.Record(now - s->t_submit);
  if (dir == Dir::kSync) return;
  stats_.log.Record(now - measure_start_, now - s->t_submit, static_cast<uint64_t>(s->offset),
                    static_cast<uint32_t>(s->length), static_cast<int>(dir));
  size_t sec = static_cast<size_t>((now - measure_start_) / kNsPerSec);
  if (sec >= stats_.series.size()) stats_.series.resize(sec + 1);
  ++stats_.series[sec].ios[static_cast<int>(dir)];
  stats_.series[sec].bytes[static_cast<int>(dir)] += s->length;
  stats_.series[sec].lat_ns[static_cast<int>(dir)] += now - s->t_submit;
}

void JobRunner::Publish() {
  for (int d = 0; d < kDataDirCount; ++d) {
    pub_ios_[d].store(done_ios_[d], std::memory_order_relaxed);
    pub_bytes_[d].store(done_bytes_[d], std::memory_order_relaxed);
  }
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
      if (spec_.rate_iops || spec_.rate_bytes) {  // only a rate can leave nothing in flight here
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
    if (more) {
      // As fio: fill the queue (batch_submit per call) before reaping anything, so the depth
      // builds up to iodepth even when the device completes as fast as it is fed.
      core_->Commit();
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
