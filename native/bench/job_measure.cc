// What a job measures: the measured window (after ramp_time) with its CPU time, each
// completed request's counts and latency, and the counters published for progress().
#include <sys/resource.h>

#include "bench/job_runner.h"
#include "engine/sys_ops.h"

namespace rawio {

namespace {

constexpr uint64_t kNsPerSec = 1000000000ull;

uint64_t TimevalNs(const timeval& tv) {
  return static_cast<uint64_t>(tv.tv_sec) * kNsPerSec + static_cast<uint64_t>(tv.tv_usec) * 1000;
}

}  // namespace

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

// A completed request in the job's statistics (not while ramping): counts, latency
// histogram, fio's logs and the per-second series.
void JobRunner::Account(const IoSlot& s, Dir dir, uint64_t now) {
  if (measure_start_ == 0 || s.t_submit < measure_start_) return;  // ramp I/O: not measured
  DirStats& st = stats_.dirs[static_cast<int>(dir)];
  ++st.ios;
  const uint64_t len = static_cast<uint64_t>(s.length);
  st.bytes += len;
  st.lat.Record(now - s.t_submit);
  if (dir == Dir::kSync) return;
  stats_.log.Record(now - measure_start_, now - s.t_submit, static_cast<uint64_t>(s.offset),
                    static_cast<uint32_t>(len), static_cast<int>(dir));
  size_t sec = static_cast<size_t>((now - measure_start_) / kNsPerSec);
  if (sec >= stats_.series.size()) stats_.series.resize(sec + 1);
  ++stats_.series[sec].ios[static_cast<int>(dir)];
  stats_.series[sec].bytes[static_cast<int>(dir)] += len;
  stats_.series[sec].lat_ns[static_cast<int>(dir)] += now - s.t_submit;
}

void JobRunner::Publish() {
  for (int d = 0; d < kDataDirCount; ++d) {
    pub_ios_[d].store(done_ios_[d], std::memory_order_relaxed);
    pub_bytes_[d].store(done_bytes_[d], std::memory_order_relaxed);
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
