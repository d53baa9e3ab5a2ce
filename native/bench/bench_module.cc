#include "bench/bench_module.h"

namespace rawio {

void RegisterBench(Napi::Env, Napi::Object) {}

}  // namespace rawio
