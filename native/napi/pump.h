// The event-loop driver of the I/O core, behind Device: requests queued during a
// turn of the loop are committed in batches (a batch goes as soon as it is as large
// as what the kernel has; the rest from a uv_prepare hook just before the loop polls,
// or right after a batch of completions was settled); one uv_poll on
// the engine's eventfd reaps whole requests on the JS thread and settles them inside
// a callback scope, so promise reactions run at once. At low depth, where the
// WaitPolicy says polling pays on this device (or spinUs asks for it), the prepare hook
// polls the ring instead of letting the loop sleep, and settles what it finds itself
// (OnPrepare, Spin).
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>
#include <vector>

#include "engine/io_core.h"
#include "napi/wait_policy.h"

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

// How the pump waits for completions at low depth (wait_policy.h).
struct PumpWait {
  // completion: 'adaptive' (measure, and poll where it pays); false: 'epoll'.
  bool adaptive = true;
  // > 0: always poll, this long at most per request (spinUs).
  uint64_t spin_ns = 0;
};

// How the pump batched, since the device was opened (info(): requests per commit and
// per reap, the figures scripts/bench-api.mjs prints).
struct PumpStats {
  uint64_t commits = 0;     // batches of new requests handed to the kernel (one io_uring_enter)
  uint64_t reaps = 0;       // reaps that found whole requests
  uint64_t reaped = 0;      // requests they settled
  uint64_t spin_reaps = 0;  // of those reaps, the ones a poll found (not epoll)
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
  const WaitPolicy& Policy() const { return policy_; }
  // Queues the request; it is committed before the loop next polls.
  void Submit(Request* req);

 private:
  void OnReadable();
  bool ReapAndSettle(bool commit);
  void OnPrepare();
  void Commit();
  void Spin();
  void Idle(bool on);

  napi_env env_;
  std::unique_ptr<IoCore> core_;
  PumpClient* client_;
  WaitPolicy policy_;
  bool fresh_ = false;   // submitted or settled since the last prepare: worth a poll again
  bool resume_ = false;  // a poll spent its budget with requests in flight: poll on
  bool idle_on_ = false;
  uv_poll_t* poll_ = nullptr;
  uv_prepare_t* prepare_ = nullptr;
  uv_idle_t* idle_ = nullptr;
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
