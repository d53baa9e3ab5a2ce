// What this build of the addon was compiled with: the liburing capabilities that
// scripts/probe-liburing.js found (RAWIO_URING_* macros), and why each missing one is missing.
// The kernel's own support is probed at run time by the engines, not here.
#pragma once

#include <napi.h>

namespace rawio {

// exports.build = { uring: { built, liburing, reason?, features: [{ name, built, reason? }] },
//                   compiler, glibc, staticCxx }
void RegisterBuildInfo(Napi::Env env, Napi::Object exports);

}  // namespace rawio
