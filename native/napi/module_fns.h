// Module-level functions: engine report, error class injection, strerror, buffer
// address alignment.
#pragma once

#include <napi.h>

namespace rawio {

void RegisterModuleFunctions(Napi::Env env, Napi::Object exports);

}  // namespace rawio
