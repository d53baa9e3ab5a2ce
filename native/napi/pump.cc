#include "napi/pump.h"

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

namespace {
// Spin only at low depth: with many requests in flight completions arrive often
// anyway, and a spinning JS thread would take a CPU from the kernel's completion work.
constexpr size_t kSpinMaxInFlight = 4;
}  // namespace

CompletionPump::CompletionPump(Napi::Env env, std::unique_ptr<IoCore> core, PumpClient* client,
                               uint64_t spin_ns)
    : env_(env), core_(std::move(core)), client_(client), spin_ns_(spin_ns) {
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
}

CompletionPump::~CompletionPump() {
  *alive_ = false;
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
  core_->Queue(req);
  // Submission is batched: everything queued in this turn of the event loop goes
  // to the kernel in one syscall, from OnPrepare, just before the loop polls.
  commit_pending_ = true;
}

void CompletionPump::Commit() {
  if (commit_pending_) {
    commit_pending_ = false;
    core_->Commit();
  }
}

void CompletionPump::OnPrepare() {
  Commit();
  if (in_flight_ == 0 || in_flight_ > kSpinMaxInFlight || spin_ns_ == 0) return;
  // Waking a sleeping event loop costs tens of microseconds on virtual machines,
  // more than a fast device's round trip: poll the completion queue for a while.
  uint64_t deadline = NowNs() + spin_ns_;
  do {
    // Ready: the eventfd is signalled too, so the poll phase runs OnReadable at once.
    // Settling here, inside the prepare phase, would run JS that may queue requests
    // on another device whose prepare hook has already run this turn.
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
  reaped_.clear();
  core_->Reap(0, &reaped_);
  if (reaped_.empty()) {
    commit_pending_ = true;  // short transfers and -EAGAIN the core requeued
    Commit();
    return;
  }
  Napi::Env env(env_);
  Napi::HandleScope scope(env);
  napi_callback_scope cb_scope;
  napi_open_callback_scope(env_, resource_.Value(), *async_, &cb_scope);
  in_flight_ -= reaped_.size();
  bool idle = in_flight_ == 0;
  if (idle && poll_ref_) {
    uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
    poll_ref_ = false;
  }
  for (Request* r : reaped_) client_->Settle(env, r);
  if (idle && in_flight_ == 0) client_->Busy(false);
  // Closing the outermost callback scope runs the microtasks (promise reactions),
  // which may queue new requests: send them at once. They may also close the device,
  // which destroys this pump: then there is nothing left to do.
  std::shared_ptr<bool> alive = alive_;
  napi_close_callback_scope(env_, cb_scope);
  if (!*alive) return;
  commit_pending_ = true;  // requeued short transfers, and what the reactions queued
  Commit();
}

}  // namespace rawio
