// The stamp codec for JavaScript (lib/integrity): fill and classify runs of blocks, on the
// calling thread or on libuv's pool so that stamp and check use every core.
#pragma once

#include <napi.h>

namespace rawio {

void RegisterStamp(Napi::Env env, Napi::Object exports);

}  // namespace rawio
