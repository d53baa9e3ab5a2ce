#include "napi/wait_policy.h"

#include <algorithm>

namespace rawio {

namespace {
WaitMode Other(WaitMode m) { return m == WaitMode::kSleep ? WaitMode::kSpin : WaitMode::kSleep; }
}  // namespace

WaitPolicy::WaitPolicy(bool adaptive, uint64_t spin_ns)
    : adaptive_(adaptive && spin_ns == 0),
      spin_ns_(spin_ns),
      // Measured first asleep: a poll is bounded by the sleeping round trip.
      mode_(spin_ns > 0 ? WaitMode::kSpin : WaitMode::kSleep) {}

uint64_t WaitPolicy::SpinLimitNs() const {
  if (!adaptive_) return spin_ns_;
  return Estimate(WaitMode::kSleep).rtt_ns;
}

void WaitPolicy::Sample(uint64_t rtt_ns, uint64_t thread_cpu_ns) {
  if (!adaptive_) return;
  if (count_ == 0) {
    // This sample opens the window: the CPU from here to its last sample is what the
    // window's kWindow requests cost.
    cpu_start_ = thread_cpu_ns;
    count_ = 1;
    return;
  }
  rtts_[count_ - 1] = rtt_ns;
  if (++count_ <= kWindow) return;
  CloseWindow(thread_cpu_ns);
}

void WaitPolicy::CloseWindow(uint64_t cpu_ns) {
  const unsigned n = kWindow;
  count_ = 0;
  // The device's first window warms up (page faults, code not yet optimised): not a measure.
  if (windows_++ == 0) return;
  WaitEstimate& e = est_[static_cast<int>(mode_)];
  // The window's median round trip: a disk's rare stall of milliseconds would swing a mean,
  // and with it the choice, though it costs either way of waiting the same.
  std::nth_element(rtts_, rtts_ + n / 2, rtts_ + n);
  uint64_t rtt = rtts_[n / 2];
  uint64_t cpu = cpu_ns > cpu_start_ ? (cpu_ns - cpu_start_) / n : 0;
  if (!e.known) {
    e = WaitEstimate{true, rtt, cpu};
  } else {
    // Moving averages: 1/4 per window of the way in use; a probe, which measures the way not
    // used for a while, weighs 1/2.
    unsigned shift = probing_ ? 1 : 2;
    e.rtt_ns = e.rtt_ns - (e.rtt_ns >> shift) + (rtt >> shift);
    e.cpu_ns = e.cpu_ns - (e.cpu_ns >> shift) + (cpu >> shift);
  }
  // Both ways measured once before any choice: asleep first, then polling.
  if (!est_[static_cast<int>(WaitMode::kSpin)].known) {
    mode_ = WaitMode::kSpin;
    return;
  }
  WaitMode better = Better();
  if (probing_) {
    // Each probe comes twice as late as the one before: noise cannot make the two ways take
    // turns, and the way in use goes on being measured all along.
    probing_ = false;
    probe_every_ = std::min(probe_every_ * 2, kProbeMax);
    since_probe_ = 0;
  } else if (++since_probe_ >= probe_every_) {
    probing_ = true;
    chosen_ = better;
    mode_ = Other(better);
    return;
  }
  chosen_ = better;
  mode_ = better;
}

WaitMode WaitPolicy::Better() const {
  const WaitEstimate& sleep = Estimate(WaitMode::kSleep);
  const WaitEstimate& spin = Estimate(WaitMode::kSpin);
  // CPU the spin adds per request, against the latency it saves per request.
  int64_t cpu_added = static_cast<int64_t>(spin.cpu_ns) - static_cast<int64_t>(sleep.cpu_ns);
  int64_t latency_saved = static_cast<int64_t>(sleep.rtt_ns) - static_cast<int64_t>(spin.rtt_ns);
  return latency_saved > 0 && cpu_added <= latency_saved ? WaitMode::kSpin : WaitMode::kSleep;
}

}  // namespace rawio
