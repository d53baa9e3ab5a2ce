// Per-environment state: the injected error class and the open devices, which the
// env cleanup hook closes.
#pragma once

#include <napi.h>

#include <unordered_set>

namespace rawio {

class DeviceWrap;

struct AddonData {
  Napi::FunctionReference io_error;
  Napi::FunctionReference device_ctor;
  std::unordered_set<DeviceWrap*> devices;
};

inline AddonData* GetAddonData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

}  // namespace rawio
