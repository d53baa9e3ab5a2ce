// Per-environment state, all of it (better-sqlite3's Addon): the injected error
// class, the open devices and the running benchmarks. One env cleanup hook
// (addon.cc) closes the devices and stops and joins the benchmarks.
#pragma once

#include <napi.h>

#include <unordered_set>

namespace rawio {

class DeviceWrap;
struct BenchRunContext;

struct AddonData {
  Napi::FunctionReference io_error;
  Napi::FunctionReference device_ctor;
  std::unordered_set<DeviceWrap*> devices;
  Napi::FunctionReference bench_handle_ctor;
  std::unordered_set<BenchRunContext*> bench_runs;
};

inline AddonData* GetAddonData(Napi::Env env) { return env.GetInstanceData<AddonData>(); }

}  // namespace rawio
