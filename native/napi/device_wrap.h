// The JS-facing device: an fd and the completion pump that drives its I/O core
// (napi/pump.h). Plain C++ requests (Pending) carry the promise and hold the memory
// the kernel owns until they settle (napi/js_buffers.h).
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

  Napi::Value Read(const Napi::CallbackInfo& info);
  Napi::Value Write(const Napi::CallbackInfo& info);
  Napi::Value Space(const Napi::CallbackInfo& info);
  Napi::Value Probe(const Napi::CallbackInfo& info);
  Napi::Value Seek(const Napi::CallbackInfo& info);
  Napi::Value Reopen(const Napi::CallbackInfo& info);
  Napi::Value Lock(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);
  Napi::Value Info(const Napi::CallbackInfo& info);
  Napi::Value RegisterBuffer(const Napi::CallbackInfo& info);
  Napi::Value UnregisterBuffer(const Napi::CallbackInfo& info);

  Napi::Value SubmitRw(const Napi::CallbackInfo& info, Op op);
  Napi::Value Start(Napi::Env env, Pending* p);
  void CheckOpen(Napi::Env env) const;
  void CheckIdle(Napi::Env env, const char* what) const;
  size_t InFlight() const;
  std::unique_ptr<Pending> Acquire();
  void Recycle(Pending* p);

  // PumpClient
  void Settle(Napi::Env env, Request* req) override;
  void Busy(bool busy) override;

  std::string path_;
  Opened opened_;
  std::unique_ptr<CompletionPump> pump_;
  FixedBuffers fixed_;  // qemu-io's -r: buffers in the engine's fixed-buffer table
  std::vector<std::unique_ptr<Pending>> free_;  // recycled requests
};

}  // namespace rawio
