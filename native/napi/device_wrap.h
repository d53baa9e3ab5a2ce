// The JS-facing device: an fd and the completion pump that drives its I/O core
// (napi/pump.h). Plain C++ requests (Pending) carry an id and hold the memory the
// kernel owns until they settle (napi/js_buffers.h). The promises are JavaScript's
// (lib/native-io.ts): a submit returns the request's id, and each reap settles its
// requests with one call into JS (ids, bytes and times in a Float64Array), plus one
// call per failed request with its IoError.
#pragma once

#include <napi.h>

#include <memory>
#include <string>
#include <vector>

#include "device/open.h"
#include "napi/fixed_buffers.h"
#include "napi/pump.h"

namespace rawio {

class DeviceWrap : public Napi::ObjectWrap<DeviceWrap>, public PumpClient {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit DeviceWrap(const Napi::CallbackInfo& info);
  ~DeviceWrap() override;

  // Closes the fd and the pump now (env teardown; in-flight requests are waited for).
  void Shutdown();

 private:
  struct Pending;

  Napi::Value SubmitRead(const Napi::CallbackInfo& info);
  Napi::Value SubmitWrite(const Napi::CallbackInfo& info);
  Napi::Value SubmitSpace(const Napi::CallbackInfo& info);
  Napi::Value Probe(const Napi::CallbackInfo& info);
  Napi::Value Seek(const Napi::CallbackInfo& info);
  Napi::Value Reopen(const Napi::CallbackInfo& info);
  Napi::Value Lock(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Object WaitInfo(Napi::Env env) const;
  Napi::Value RegisterBuffer(const Napi::CallbackInfo& info);
  Napi::Value UnregisterBuffer(const Napi::CallbackInfo& info);

  Napi::Value SubmitRw(const Napi::CallbackInfo& info, Op op);
  Napi::Value Start(Napi::Env env, Pending* p);
  void CallJs(Napi::Env env, const Napi::FunctionReference& fn, size_t argc,
              const napi_value* argv);
  void CheckOpen(Napi::Env env) const;
  void CheckIdle(Napi::Env env, const char* what) const;
  size_t InFlight() const;
  std::unique_ptr<Pending> Acquire();
  void Recycle(Pending* p);

  // PumpClient
  void Settle(Napi::Env env, const std::vector<Request*>& reqs) override;
  void Busy(bool busy) override;

  std::string path_;
  Opened opened_;
  std::unique_ptr<CompletionPump> pump_;
  FixedBuffers fixed_;  // qemu-io's -r: buffers in the engine's fixed-buffer table
  std::vector<std::unique_ptr<Pending>> free_;  // recycled requests
  std::vector<uint32_t> free_ids_;              // ids of settled requests, for reuse
  std::vector<uint32_t> settled_ids_;           // settled in this reap, JS not yet told
  uint32_t next_id_ = 0;
  // Where a reap's results go ([id, bytes, ns] per request) and who reads them.
  Napi::Reference<Napi::Float64Array> results_ref_;
  double* results_ = nullptr;
  size_t results_cap_ = 0;            // requests per call
  Napi::FunctionReference on_batch_;  // onBatch(n): results_[0 .. 3n) settled
  Napi::FunctionReference on_fail_;   // onFail(id, error)
};

}  // namespace rawio
