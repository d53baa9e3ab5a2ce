// One job, the bench driver of the I/O core: its own fd, buffers, core (ring or
// pool) and thread (job_runner.cc, job_setup.cc, job_pace.cc, job_measure.cc, job_verify.cc). Setup
// runs on the JS thread so that open and ring errors throw from start(); Run is the tight loop on
// the job thread: queue up to iodepth, submit and reap with one call; the core requeues short
// transfers. No JavaScript runs per I/O.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "bench/io_pattern.h"
#include "bench/io_slot.h"
#include "bench/job_stats.h"
#include "device/open.h"
#include "engine/io_core.h"

namespace rawio {

enum class JobPhase : int {
  kStarting = 0,
  kPreparing = 1,  // filling the buffers before the clock starts
  kRamp = 2,
  kRunning = 3,
  kDraining = 4,
  kDone = 5
};

struct JobProgress {
  JobPhase phase = JobPhase::kStarting;
  uint64_t start_ns = 0;                    // when the job began (0: not yet)
  uint64_t measure_start_ns = 0;            // when measuring began (0: still ramping)
  uint64_t ios[kDataDirCount] = {0, 0, 0};  // completed, ramp included
  uint64_t bytes[kDataDirCount] = {0, 0, 0};
};

class JobRunner {
 public:
  JobRunner(const JobSpec& spec, unsigned index, std::atomic<bool>* stop);
  ~JobRunner();
  JobRunner(const JobRunner&) = delete;
  JobRunner& operator=(const JobRunner&) = delete;

  // JS thread. Returns 0, or -errno with *why naming what failed (and *syscall).
  int Setup(std::string* why, const char** syscall);
  // Job thread.
  void Run();

  JobProgress Progress() const;                     // any thread
  const JobStats& Stats() const { return stats_; }  // after Run returned
  const char* EngineName() const { return engine_name_; }
  // After Run: closes the fd (and its O_EXCL claim), tears the ring down and frees the
  // buffers, keeping the stats. Runs when the result is delivered, not when JS collects.
  void ReleaseResources();
  bool IsBlock() const { return opened_.is_block; }
  // The slots (buffers) the job really uses: iodepth, or fewer when the job cannot
  // have more requests than that in flight (it issues fewer I/Os in all).
  static uint32_t SlotsFor(const JobSpec& spec);

 private:
  enum class SyncKind : uint8_t { kNone, kFsync, kFdatasync };
  static constexpr uint64_t kMaxSleepNs = 10000000ull;  // waits stay responsive to stop()

  int ProbeHipri(std::string* why);
  // Faults the buffers in (and fills a writer's with random data) in chunks, so that
  // stop() is seen within milliseconds. False when stopped.
  bool PrepareBuffers();
  bool WaitForStart();
  void PrepSlot(IoSlot* s);
  void QueueSlot(IoSlot* s);
  void BeginMeasure(uint64_t now);
  void EndMeasure(uint64_t now);
  bool LimitsReached() const;
  bool RateAllows(uint64_t now) const;
  uint64_t RateDue() const;
  void NoteRate(uint64_t bytes);  // rate, rate_iops, rate_process=poisson
  void RateWait(uint64_t now);    // nothing in flight: sleep towards the rate's due time
  void Think();                   // thinktime: the pause (in-flight requests have completed)
  // Queues new requests, at most batch; returns true when it stopped only because of batch.
  bool Issue(uint64_t now, uint32_t batch);
  void Complete(IoSlot* s, uint64_t now);
  void Account(const IoSlot& s, Dir dir, uint64_t now);  // the statistics of a completion
  void Fail(int neg_errno, const IoSlot& slot, std::string detail);
  std::string SubmitFailure(int neg_errno) const;
  void Publish();
  // --verify=stamp (docs/bench.md, "Verification").
  void StampWrite(IoSlot* s);
  void NoteIssued(IoSlot* s);  // read: skip if a write in flight overlaps; write: taint reads
  void MarkWritten(const IoSlot& s);
  void VerifyRead(const IoSlot& s);
  void VerifyPass();  // pure write jobs: read back every block written, after the workload

  JobSpec spec_;
  unsigned index_;
  std::atomic<bool>* stop_;
  Opened opened_;
  std::unique_ptr<IoCore> core_;
  Op trim_op_ = Op::kPunchHole;
  const char* engine_name_ = "none";
  IoPattern pattern_;
  char* buffers_ = nullptr;
  size_t buffer_stride_ = 0;
  std::vector<IoSlot> slots_;
  std::vector<IoSlot*> free_;
  std::vector<IoSlot*> fresh_;  // queued this round, stamped just before submit
  std::vector<Request*> done_;
  JobStats stats_;
  std::vector<uint64_t> written_;  // verify: a bit per verify block written (write workloads)

  // Loop state (job thread only).
  uint32_t in_flight_ = 0;
  bool draining_ = false;
  bool sync_in_flight_ = false;
  SyncKind sync_pending_ = SyncKind::kNone;
  uint32_t writes_since_fsync_ = 0;
  uint32_t writes_since_fdatasync_ = 0;
  uint64_t issued_ios_ = 0;  // data requests issued while measuring
  uint64_t issued_bytes_ = 0;
  uint64_t rate_issued_ = 0;  // data requests issued since the start (rate_iops)
  uint64_t rate_bytes_ = 0;   // bytes issued since the start (rate)
  uint64_t poisson_due_ = 0;  // rate_process=poisson: when the next request may go
  Rng rate_rng_;
  uint32_t since_think_ = 0;  // requests since the last thinktime pause
  bool think_pending_ = false;
  bool exhausted_ = false;    // the pattern ran off the region's end (sized sequential job)
  uint64_t limit_bytes_ = 0;  // 0: none
  uint64_t start_ns_ = 0;
  uint64_t ramp_end_ns_ = 0;
  uint64_t measure_start_ = 0;  // 0 while ramping
  uint64_t deadline_ = 0;       // 0: none
  uint64_t rusage_user_ = 0, rusage_sys_ = 0, rusage_vcsw_ = 0, rusage_ivcsw_ = 0;
  uint64_t rusage_majflt_ = 0, rusage_minflt_ = 0;
  uint64_t done_ios_[kDataDirCount] = {0, 0, 0};
  uint64_t done_bytes_[kDataDirCount] = {0, 0, 0};

  // Published for progress() (relaxed: a live display, not an accounting).
  std::atomic<int> phase_{static_cast<int>(JobPhase::kStarting)};
  std::atomic<uint64_t> pub_start_{0};
  std::atomic<uint64_t> pub_measure_start_{0};
  std::atomic<uint64_t> pub_ios_[kDataDirCount];
  std::atomic<uint64_t> pub_bytes_[kDataDirCount];
};

}  // namespace rawio
