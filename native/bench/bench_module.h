// bench: fio-grade benchmark jobs run natively (per-request work stays in C++).
#pragma once

#include <napi.h>

#include "napi/addon_data.h"

namespace rawio {

void RegisterBench(Napi::Env env, Napi::Object exports, AddonData* data);
// Env teardown: stops and joins every run still going.
void StopBenchRuns(AddonData* data);

}  // namespace rawio
