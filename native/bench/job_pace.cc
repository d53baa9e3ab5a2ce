// When the job loop may issue: the I/O limits (size, io_size, number_ios), fio's rate,
// rate_iops and rate_process=poisson schedules, thinktime, and --start-at.
#include <algorithm>
#include <cmath>

#include "bench/job_runner.h"
#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

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

void JobRunner::NoteRate(uint64_t bytes) {
  ++rate_issued_;
  rate_bytes_ += bytes;
  if (!spec_.rate_poisson) return;
  // Mean gap 1/rate_iops: -ln(U) / rate, U uniform in (0, 1].
  double u = (static_cast<double>(rate_rng_.Below(1ull << 53)) + 1.0) / 9007199254740992.0;
  double gap = -std::log(u) * 1e9 / static_cast<double>(spec_.rate_iops);
  poisson_due_ = (poisson_due_ ? poisson_due_ : start_ns_) + static_cast<uint64_t>(gap);
}

// Nothing in flight and nothing issued: only a rate holds the next request back. Sleeps
// towards its due time, in slices that keep stop() responsive.
void JobRunner::RateWait(uint64_t now) {
  if (!spec_.rate_iops && !spec_.rate_bytes) return;
  uint64_t due = RateDue();
  if (due > now) SysSleepNs(std::min(due - now, kMaxSleepNs));
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

}  // namespace rawio
