// Safety probes for the write interlock (signatures via libblkid, holders, mounts).
#pragma once

#include <napi.h>

namespace rawio {

void RegisterSafety(Napi::Env env, Napi::Object exports);

}  // namespace rawio
