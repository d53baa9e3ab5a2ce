// bench: fio-grade benchmark jobs run natively (per-request work stays in C++).
#pragma once

#include <napi.h>

namespace rawio {

void RegisterBench(Napi::Env env, Napi::Object exports);

}  // namespace rawio
