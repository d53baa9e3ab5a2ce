// Typed errors across the boundary: the IoError class is handed in by lib/errors.ts
// at load; C++ passes the facts (code, errno, syscall, offset, length, path, detail)
// and the class builds the message, so error text is formatted in one place.
#pragma once

#include <napi.h>

#include <cstdint>
#include <string>

namespace rawio {

struct ErrorSite {
  const char* syscall = "";
  int64_t offset = -1;  // -1: not applicable
  int64_t length = -1;
  std::string path;
  std::string detail;  // replaces strerror in the message when set
};

void SetIoErrorClass(Napi::Env env, Napi::Function cls);
// Builds an IoError (or a plain Error if no class was registered) for -errno.
Napi::Value MakeIoError(Napi::Env env, int neg_errno, const ErrorSite& site);
[[noreturn]] void ThrowIoError(Napi::Env env, int neg_errno, const ErrorSite& site);
const char* ErrnoName(int err);

}  // namespace rawio
