// The event-loop driver of the I/O core, behind Device: requests queued during a
// turn of the loop are committed in batches (a batch goes as soon as it is as large
// as what the kernel has; the rest from a uv_prepare hook just before the loop polls,
// or right after a batch of completions was settled); one uv_poll on
// the engine's eventfd reaps whole requests on the JS thread and settles them inside
// a callback scope, so promise reactions run at once. With completion: 'adaptive', at
// low depth on a device whose measured round trip is short, the prepare hook first
// waits for completions in the kernel and settles them itself (PumpWait, OnPrepare).
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "engine/io_core.h"

namespace rawio {

class PumpClient {
 public:
  virtual ~PumpClient() = default;
  // JS thread, inside a callback scope: the requests are whole (res, eof, times), in the
  // order they were reaped; one call per reap.
  virtual void Settle(Napi::Env env, const std::vector<Request*>& reqs) = 0;
  // The first request went in flight (true) or the last one was settled (false).
  virtual void Busy(bool busy) = 0;
};

// How the pump waits for completions before the loop sleeps in epoll.
struct PumpWait {
  // Wait in the kernel (io_uring_enter with a timeout) when the device's measured round
  // trip is short, and settle there (completion: 'adaptive'); never spins.
  bool adaptive = false;
  // > 0: busy-poll the completion queue in user space this long instead (spinUs).
  uint64_t spin_ns = 0;
};

// How the pump batched, since the device was opened (info(): requests per commit and
// per reap, the figures scripts/bench-api.mjs prints).
struct PumpStats {
  uint64_t commits = 0;  // batches of new requests handed to the kernel (one io_uring_enter)
  uint64_t reaps = 0;    // reaps that found whole requests
  uint64_t reaped = 0;   // requests they settled
};

class CompletionPump {
 public:
  CompletionPump(Napi::Env env, std::unique_ptr<IoCore> core, PumpClient* client,
                 const PumpWait& wait);
  ~CompletionPump();
  CompletionPump(const CompletionPump&) = delete;
  CompletionPump& operator=(const CompletionPump&) = delete;

  const char* EngineName() const { return core_->Name(); }
  IoCore* Core() const { return core_.get(); }
  size_t InFlight() const { return in_flight_; }
  const PumpStats& Stats() const { return stats_; }
  // Queues the request; it is committed before the loop next polls.
  void Submit(Request* req);

 private:
  void OnReadable();
  bool ReapAndSettle(bool commit);
  void OnPrepare();
  void Commit();
  void Spin();
  uint64_t WaitNs() const;

  napi_env env_;
  std::unique_ptr<IoCore> core_;
  PumpClient* client_;
  PumpWait wait_;
  uint64_t rtt_ns_ = 0;  // the device's round trip at low depth (moving average); 0: unknown
  bool fresh_ = false;   // submitted or settled since the last prepare: worth a wait again
  uv_poll_t* poll_ = nullptr;
  uv_prepare_t* prepare_ = nullptr;
  bool commit_pending_ = false;  // requests were queued since the last commit
  size_t queued_ = 0;            // requests Submit() queued since the last commit
  PumpStats stats_;
  bool poll_ref_ = false;
  size_t in_flight_ = 0;
  Napi::ObjectReference resource_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::vector<Request*> reaped_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // false once destroyed
};

}  // namespace rawio
