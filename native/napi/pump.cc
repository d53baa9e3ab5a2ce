#include "napi/pump.h"

#include <algorithm>

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

namespace {
// Poll only at low depth: with many requests in flight the device, not the wait, sets
// the pace (polling at depth 32 was measured: no more IOPS, more CPU; docs/architecture.md).
constexpr size_t kLowDepth = 4;
// How long one prepare hook may go on polling, settling and polling again before it
// lets the loop serve its other handles (it polls on from the next turn, which then
// does not sleep).
constexpr uint64_t kSpinBudgetNs = 250 * 1000;

// The pumps of this JS thread: what promise reactions run from a prepare hook queued on
// any of them is committed before the loop polls (their own hooks may have run already).
thread_local std::vector<CompletionPump*> live_pumps;

void Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  asm volatile("yield");
#endif
}
}  // namespace

CompletionPump::CompletionPump(Napi::Env env, std::unique_ptr<IoCore> core, PumpClient* client,
                               const PumpWait& wait)
    : env_(env), core_(std::move(core)), client_(client), policy_(wait.adaptive, wait.spin_ns) {
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  poll_ = new uv_poll_t;
  uv_poll_init(loop, poll_, core_->EventFd());
  poll_->data = this;
  uv_poll_start(poll_, UV_READABLE, [](uv_poll_t* h, int, int) {
    static_cast<CompletionPump*>(h->data)->OnReadable();
  });
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  prepare_ = new uv_prepare_t;
  uv_prepare_init(loop, prepare_);
  prepare_->data = this;
  uv_prepare_start(prepare_,
                   [](uv_prepare_t* h) { static_cast<CompletionPump*>(h->data)->OnPrepare(); });
  uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
  // Active only while a poll goes on from one turn of the loop to the next: the loop then
  // polls its other handles without sleeping. Unreferenced: it keeps nothing alive.
  idle_ = new uv_idle_t;
  uv_idle_init(loop, idle_);
  uv_unref(reinterpret_cast<uv_handle_t*>(idle_));
  Napi::Object resource = Napi::Object::New(env);
  resource_ = Napi::Persistent(resource);
  async_ = std::make_unique<Napi::AsyncContext>(env, "rawio:io", resource);
  live_pumps.push_back(this);
}

CompletionPump::~CompletionPump() {
  *alive_ = false;
  live_pumps.erase(std::find(live_pumps.begin(), live_pumps.end(), this));
  uv_poll_stop(poll_);
  uv_close(reinterpret_cast<uv_handle_t*>(poll_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  uv_prepare_stop(prepare_);
  uv_close(reinterpret_cast<uv_handle_t*>(prepare_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_prepare_t*>(h); });
  uv_idle_stop(idle_);
  uv_close(reinterpret_cast<uv_handle_t*>(idle_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_idle_t*>(h); });
  core_.reset();  // joins worker threads / tears the ring down
}

void CompletionPump::Submit(Request* req) {
  if (in_flight_++ == 0) {
    client_->Busy(true);  // the owner stays alive while the kernel owns requests
    if (!poll_ref_) {
      uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
      poll_ref_ = true;
    }
  }
  req->t_submit = NowNs();
  fresh_ = true;
  core_->Queue(req);
  commit_pending_ = true;
  // Submission is batched, and a batch goes to the kernel as soon as it is as large as
  // what the kernel already has of this device's: the first request after an idle spell
  // goes at once, then 1, 2, 4, ... (a burst of N takes about log2(N) syscalls). So the
  // device never idles while JavaScript works through a batch of completions, and the
  // syscalls stay few. What is left goes from OnPrepare, just before the loop polls.
  if (++queued_ * 2 >= in_flight_) Commit();
}

void CompletionPump::Commit() {
  if (commit_pending_) {
    commit_pending_ = false;
    if (queued_ > 0) ++stats_.commits;
    queued_ = 0;
    core_->Commit();
  }
}

void CompletionPump::OnPrepare() {
  bool fresh = fresh_ || resume_;
  fresh_ = false;
  resume_ = false;
  Commit();
  // Poll when the policy says so, at low depth, and only for requests not polled for
  // already (a poll that reached its limit left them to epoll).
  if (in_flight_ == 0 || in_flight_ > kLowDepth || policy_.Mode() != WaitMode::kSpin || !fresh)
    return Idle(false);
  Spin();
}

// Polls the ring (Poll(): the kernel's pending completion work is run) and settles
// what it finds right here, commits what the reactions queued on any device, and polls
// again while requests are in flight at low depth, each for at most the policy's
// limit. When the budget of this turn is spent, the next turn polls on (Idle).
void CompletionPump::Spin() {
  std::shared_ptr<bool> alive = alive_;
  uint64_t now = NowNs();
  const uint64_t budget_end = now + kSpinBudgetNs;
  uint64_t deadline = now + policy_.SpinLimitNs();
  for (;;) {
    if (core_->Poll()) {
      SysEventfdDrain(core_->EventFd());
      uint64_t reaps = stats_.reaps;
      if (!ReapAndSettle(false)) return;              // a reaction closed the device
      if (stats_.reaps > reaps) ++stats_.spin_reaps;  // whole requests, not only requeues
      // Reactions may have queued requests on other devices whose hooks ran already.
      for (CompletionPump* p : live_pumps) p->Commit();
      if (!*alive) return;
      fresh_ = false;
      if (in_flight_ == 0 || in_flight_ > kLowDepth || policy_.Mode() != WaitMode::kSpin)
        return Idle(false);
      now = NowNs();
      deadline = now + policy_.SpinLimitNs();
    } else {
      Pause();
      now = NowNs();
      // Slower than a sleeping round trip: a sleep is as fast from here on.
      if (now >= deadline) return Idle(false);
    }
    if (now >= budget_end) break;
  }
  resume_ = true;
  Idle(true);
}

void CompletionPump::Idle(bool on) {
  if (on == idle_on_) return;
  idle_on_ = on;
  if (on)
    uv_idle_start(idle_, [](uv_idle_t*) {});
  else
    uv_idle_stop(idle_);
}

void CompletionPump::OnReadable() {
  SysEventfdDrain(core_->EventFd());
  ReapAndSettle(true);
}

// Reaps and settles inside a callback scope (promise reactions run as it closes);
// returns false when a reaction closed the device (this pump is gone then). commit:
// hand what the reactions queued to the kernel at once.
bool CompletionPump::ReapAndSettle(bool commit) {
  reaped_.clear();
  core_->Reap(0, &reaped_);
  if (reaped_.empty()) {
    commit_pending_ = true;  // short transfers and -EAGAIN the core requeued
    if (commit) Commit();
    return true;
  }
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  napi_callback_scope cb_scope;
  napi_open_callback_scope(env_, resource_.Value(), *async_, &cb_scope);
  if (in_flight_ <= kLowDepth) {
    // What this way of waiting gave: each read's and write's round trip, submit to reap
    // (the CPU clock is read only where a measuring window opens or closes).
    for (Request* r : reaped_) {
      if (r->op != Op::kRead && r->op != Op::kWrite) continue;
      policy_.Sample(r->t_complete - r->t_submit, policy_.WantsCpuClock() ? SysThreadCpuNs() : 0);
    }
  } else {
    policy_.Interrupt();
  }
  in_flight_ -= reaped_.size();
  ++stats_.reaps;
  stats_.reaped += reaped_.size();
  fresh_ = true;
  bool idle = in_flight_ == 0;
  if (idle && poll_ref_) {
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    poll_ref_ = false;
  }
  client_->Settle(env, reaped_);
  if (idle && in_flight_ == 0) client_->Busy(false);
  // Closing the outermost callback scope runs the microtasks (promise reactions),
  // which may queue new requests. They may also close the device, which destroys this
  // pump: then there is nothing left to do.
  std::shared_ptr<bool> alive = alive_;
  napi_close_callback_scope(env_, cb_scope);
  if (!*alive) return false;
  commit_pending_ = true;  // requeued short transfers, and what the reactions queued
  if (commit) Commit();
  return true;
}

}  // namespace rawio
