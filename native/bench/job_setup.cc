// A job's resources, set up on the JS thread before its thread starts: the target's
// descriptor (with fio's invalidate and fadvise_hint), the slots and their buffers, the
// core (ring, pool or Linux AIO) and the pattern; then, on the job thread, the buffers'
// contents before the clock starts.
#include <errno.h>
#include <fcntl.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "bench/job_runner.h"
#include "engine/sys_ops.h"

namespace rawio {

namespace {

constexpr size_t kPrepChunk = 4u << 20;  // buffer preparation looks at stop() this often

const char* ErrName(int err) {
  const char* name = strerrorname_np(err);
  return name ? name : "unknown error";
}

}  // namespace

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

}  // namespace rawio
