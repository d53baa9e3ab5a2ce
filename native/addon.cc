// Module init: exports, constants and the env cleanup hook; nothing else.
#include <napi.h>

#include "bench/bench_module.h"
#include "engine/request.h"
#include "integrity/stamp_module.h"
#include "napi/addon_data.h"
#include "napi/build_info.h"
#include "napi/device_wrap.h"
#include "napi/js_buffers.h"
#include "napi/module_fns.h"
#include "safety/safety_module.h"

namespace rawio {

namespace {

// The one env cleanup hook: devices close (in-flight requests are waited for) and
// benchmarks stop and join. The AddonData itself is deleted by N-API afterwards.
void Cleanup(void* arg) {
  auto* data = static_cast<AddonData*>(arg);
  for (DeviceWrap* d : data->devices) d->Shutdown();
  StopBenchRuns(data);
}

Napi::Object Constants(Napi::Env env) {
  Napi::Object ops = Napi::Object::New(env);
  ops.Set("flush", static_cast<int>(Op::kFlush));
  ops.Set("fsync", static_cast<int>(Op::kFsync));
  ops.Set("zeroRange", static_cast<int>(Op::kZeroRange));
  ops.Set("punchHole", static_cast<int>(Op::kPunchHole));
  ops.Set("blkDiscard", static_cast<int>(Op::kBlkDiscard));
  ops.Set("blkZeroout", static_cast<int>(Op::kBlkZeroout));
  ops.Set("truncate", static_cast<int>(Op::kTruncate));
  return ops;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  env.SetInstanceData(data);
  napi_add_env_cleanup_hook(env, Cleanup, data);
  Napi::Function device = DeviceWrap::Init(env);
  data->device_ctor = Napi::Persistent(device);
  exports.Set("NativeDevice", device);
  exports.Set("ops", Constants(env));
  RegisterModuleFunctions(env, exports);
  RegisterBuffers(env, exports);
  RegisterBench(env, exports, data);
  RegisterSafety(env, exports);
  RegisterStamp(env, exports);
  RegisterBuildInfo(env, exports);
  return exports;
}

}  // namespace rawio

static Napi::Object InitRawio(Napi::Env env, Napi::Object exports) {
  return rawio::Init(env, exports);
}

NODE_API_MODULE(rawio, InitRawio)
