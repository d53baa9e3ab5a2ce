// How the event-loop pump waits for a completion at low depth: asleep in epoll, or
// polling the ring from the loop's prepare hook. Pure bookkeeping: the pump feeds it
// each low-depth request's round trip and this thread's CPU clock, and asks it which
// way to wait next (docs/architecture.md, "Completions").
//
// completion: 'adaptive' (the default) measures both ways on the device, in windows of
// kWindow requests: the median round trip (submit to reap) and the JS thread's CPU time
// per request, as moving averages (1/4 per window of the way in use). It polls only where
// that pays by the one rule
//
//     CPU the spin adds per request <= latency it saves per request
//     (cpu_spin - cpu_sleep)        <= (rtt_sleep - rtt_spin)
//
// and never polls longer, per request, than a sleeping round trip took (beyond that a
// sleep would have been as fast). The way not in use is measured again for one window
// (weighing 1/2) after kProbeFirst windows, then each time twice as late, up to every
// kProbeMax windows: on a device where polling never pays, the probes cost at most
// 1/kProbeMax of the requests. The device's first window is a warm-up, not a measure.
// completion: 'epoll' always sleeps; spinUs N always polls, N µs at most.
#pragma once

#include <cstdint>

namespace rawio {

enum class WaitMode : uint8_t { kSleep, kSpin };

struct WaitEstimate {
  bool known = false;
  uint64_t rtt_ns = 0;  // submit-to-reap time of a request (a window's median)
  uint64_t cpu_ns = 0;  // the JS thread's CPU time per request (user + system)
};

class WaitPolicy {
 public:
  static constexpr unsigned kWindow = 32;
  static constexpr unsigned kProbeFirst = 8;
  static constexpr unsigned kProbeMax = 1024;

  // adaptive: choose by measurement; otherwise fixed: spin_ns > 0 polls that long,
  // 0 always sleeps.
  WaitPolicy(bool adaptive, uint64_t spin_ns);

  // The way to wait now, and for how long a poll may wait for one request.
  WaitMode Mode() const { return mode_; }
  uint64_t SpinLimitNs() const;

  // A request completed at low depth after rtt_ns; thread_cpu_ns: this thread's CPU
  // clock now (read once per window: only the window's first and last sample use it).
  void Sample(uint64_t rtt_ns, uint64_t thread_cpu_ns);
  // Whether the next Sample() closes or opens a window (the pump reads the CPU clock
  // only then).
  bool WantsCpuClock() const { return adaptive_ && (count_ == 0 || count_ == kWindow); }
  // Requests went above low depth: the window under way no longer measures one way of
  // waiting; it starts again with the next low-depth sample.
  void Interrupt() { count_ = 0; }

  bool Adaptive() const { return adaptive_; }
  // The way the estimates favour (Mode() differs from it only during a probe).
  WaitMode Chosen() const { return adaptive_ ? chosen_ : mode_; }
  const WaitEstimate& Estimate(WaitMode m) const { return est_[static_cast<int>(m)]; }
  uint64_t Windows() const { return windows_; }

 private:
  void CloseWindow(uint64_t cpu_ns);
  WaitMode Better() const;

  bool adaptive_;
  uint64_t spin_ns_;
  WaitMode mode_;
  WaitEstimate est_[2];
  // the window under way: samples so far (the first opens it), their round trips
  unsigned count_ = 0;
  uint64_t rtts_[kWindow] = {};
  uint64_t cpu_start_ = 0;
  uint64_t windows_ = 0;
  // probing the way not chosen
  bool probing_ = false;
  WaitMode chosen_ = WaitMode::kSleep;
  unsigned since_probe_ = 0;
  unsigned probe_every_ = kProbeFirst;
};

}  // namespace rawio
