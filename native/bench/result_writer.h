// BenchRun -> JS values, on the JS thread: progress snapshots, the final result,
// and the IoError of the first failed request.
#pragma once

#include <napi.h>

#include "bench/bench_run.h"

namespace rawio {

Napi::Object ProgressToJs(Napi::Env env, const BenchRun& run);
// After Join(): per job stats (counts, sparse histograms, time series, CPU time).
Napi::Object ResultToJs(Napi::Env env, const BenchRun& run);
// The first job error as an IoError, or an empty value when every job succeeded.
Napi::Value FirstErrorToJs(Napi::Env env, const BenchRun& run);
// The histogram layout, for lib/bench/stats.ts.
Napi::Object HistogramLayoutToJs(Napi::Env env);

}  // namespace rawio
