// The JS-facing device: an fd, its engine, and the completion pump (one uv_poll on
// the engine's eventfd, reaped on the JS thread).
#pragma once

#include <napi.h>
#include <uv.h>

#include <memory>
#include <string>
#include <vector>

#include "device/open.h"
#include "engine/engine.h"

namespace rawio {

class DeviceWrap : public Napi::ObjectWrap<DeviceWrap> {
 public:
  static Napi::Function Init(Napi::Env env);
  explicit DeviceWrap(const Napi::CallbackInfo& info);
  ~DeviceWrap() override;

  // Closes the fd and engine now (env teardown; in-flight requests are waited for).
  void Shutdown();

 private:
  struct Pending;

  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Space(const Napi::CallbackInfo& info);
  Napi::Value Probe(const Napi::CallbackInfo& info);
  Napi::Value Seek(const Napi::CallbackInfo& info);
  Napi::Value Reopen(const Napi::CallbackInfo& info);
  Napi::Value Lock(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);

  Napi::Value SubmitRw(const Napi::CallbackInfo& info, Op op);
  Napi::Value Start(Napi::Env env, Pending* p);
  void CheckOpen(Napi::Env env) const;
  void OnReadable();
  void OnPrepare();
  void Commit();
  void Settle(Napi::Env env, Pending* p);
  std::unique_ptr<Pending> Acquire();
  void Recycle(Pending* p);

  std::string path_;
  Opened opened_;
  std::unique_ptr<Engine> engine_;
  uv_poll_t* poll_ = nullptr;
  uv_prepare_t* prepare_ = nullptr;
  uint64_t spin_ns_ = 0;
  bool commit_pending_ = false;  // how long to poll completions before the loop sleeps
  bool poll_ref_ = false;
  size_t in_flight_ = 0;
  Napi::ObjectReference resource_;
  std::unique_ptr<Napi::AsyncContext> async_;
  std::vector<Request*> reaped_;
  std::vector<std::unique_ptr<Pending>> free_;  // recycled requests
  std::vector<napi_value> keep_scratch_;        // buffers read from the current call
};

}  // namespace rawio
