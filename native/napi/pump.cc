#include "napi/pump.h"

#include <algorithm>

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

namespace {
// Spin or wait only at low depth: with many requests in flight completions arrive often
// anyway, and a blocked or spinning JS thread would only delay the ones already there.
constexpr size_t kLowDepth = 4;
// The adaptive wait: a device whose round trip (moving average at low depth) is at most
// this is waited for in the kernel before the loop sleeps in epoll, for at most twice
// the round trip (docs/architecture.md, "Completions").
constexpr uint64_t kWaitMaxRttNs = 100 * 1000;
// How long one prepare hook may go on waiting, settling and waiting again before it
// lets the loop serve its other handles.
constexpr uint64_t kWaitBudgetNs = 250 * 1000;

// The pumps of this JS thread: what promise reactions run from a prepare hook queued on
// any of them is committed before the loop polls (their own hooks may have run already).
thread_local std::vector<CompletionPump*> live_pumps;
}  // namespace

CompletionPump::CompletionPump(Napi::Env env, std::unique_ptr<IoCore> core, PumpClient* client,
                               const PumpWait& wait)
    : env_(env), core_(std::move(core)), client_(client), wait_(wait) {
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
  bool fresh = fresh_;
  fresh_ = false;
  if (in_flight_ == 0 || in_flight_ > kLowDepth) return Commit();
  if (wait_.spin_ns) return Spin();
  if (!fresh || !wait_.adaptive) return Commit();
  // The adaptive wait, as fio waits: sleep in the kernel (io_uring_enter with a timeout
  // of twice the device's round trip), where the completion's task work runs at once in
  // this thread; settle what came, commit what the reactions queued, and wait again,
  // within a budget. A wait that times out leaves the request to epoll.
  std::shared_ptr<bool> alive = alive_;
  uint64_t budget_end = NowNs() + kWaitBudgetNs;
  for (;;) {
    uint64_t wait_ns = WaitNs();
    if (wait_ns == 0) return Commit();
    commit_pending_ = false;
    if (queued_ > 0) ++stats_.commits;
    queued_ = 0;
    if (core_->CommitAndWait(wait_ns) == -EOPNOTSUPP) {
      wait_.adaptive = false;
      return;
    }
    if (!core_->CompletionsReady()) return;
    SysEventfdDrain(core_->EventFd());
    if (!ReapAndSettle(false)) return;  // a reaction closed the device
    // Reactions may have queued requests on other devices whose hooks ran already.
    for (CompletionPump* p : live_pumps) p->Commit();
    if (!*alive || in_flight_ == 0 || in_flight_ > kLowDepth || NowNs() >= budget_end) return;
    fresh_ = false;
  }
}

uint64_t CompletionPump::WaitNs() const {
  if (rtt_ns_ == 0 || rtt_ns_ > kWaitMaxRttNs) return 0;
  return 2 * rtt_ns_;
}

void CompletionPump::Spin() {
  Commit();
  uint64_t deadline = NowNs() + wait_.spin_ns;
  do {
    // Ready: the eventfd is signalled too, so the poll phase runs OnReadable at once.
    if (core_->CompletionsReady()) return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  } while (NowNs() < deadline);
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
    // The device's round trip at low depth, a moving average (1/8 per sample) of what
    // reads and writes took, submit to reap.
    for (Request* r : reaped_) {
      if (r->op != Op::kRead && r->op != Op::kWrite) continue;
      uint64_t sample = r->t_complete - r->t_submit;
      rtt_ns_ = rtt_ns_ ? rtt_ns_ - rtt_ns_ / 8 + sample / 8 : sample;
    }
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
