// The event-loop driver of the I/O core, behind Device: requests queued during a
// turn of the loop are committed in one batch from a uv_prepare hook (just before
// the loop polls, or right after a batch of completions was settled); one uv_poll on
// the engine's eventfd reaps whole requests on the JS thread and settles them inside
// a callback scope, so promise reactions run at once.
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
  // JS thread, inside a callback scope: the request is whole (res, eof, times).
  virtual void Settle(Napi::Env env, Request* req) = 0;
  // The first request went in flight (true) or the last one was settled (false).
  virtual void Busy(bool busy) = 0;
};

class CompletionPump {
 public:
  CompletionPump(Napi::Env env, std::unique_ptr<IoCore> core, PumpClient* client, uint64_t spin_ns);
  ~CompletionPump();
  CompletionPump(const CompletionPump&) = delete;
  CompletionPump& operator=(const CompletionPump&) = delete;

  const char* EngineName() const { return core_->Name(); }
  size_t InFlight() const { return in_flight_; }
  // Queues the request; it is committed before the loop next polls.
  void Submit(Request* req);

 private:
  void OnReadable();
  void OnPrepare();
  void Commit();

  napi_env env_;
  std::unique_ptr<IoCore> core_;
  PumpClient* client_;
  uint64_t spin_ns_;
  uv_poll_t* poll_ = nullptr;
  uv_prepare_t* prepare_ = nullptr;
  bool commit_pending_ = false;  // requests were queued since the last commit
  bool poll_ref_ = false;
  size_t in_flight_ = 0;
  Napi::ObjectReference resource_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::vector<Request*> reaped_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);  // false once destroyed
};

}  // namespace rawio
