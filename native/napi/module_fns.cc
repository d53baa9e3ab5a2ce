#include "napi/module_fns.h"

#include <cstdint>
#include <cstring>

#include "engine/engine.h"
#include "napi/args.h"
#include "napi/errors.h"

namespace rawio {

namespace {

Napi::Value Engines(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  EngineInfo e = ProbeEngines();
  Napi::Object o = Napi::Object::New(env);
  o.Set("io_uring", Napi::Boolean::New(env, e.uring_usable));
  o.Set("ioUringBuilt", Napi::Boolean::New(env, e.uring_built));
  o.Set("threads", Napi::Boolean::New(env, true));
  if (!e.uring_usable) o.Set("ioUringReason", e.uring_reason);
  o.Set("libaio", Napi::Boolean::New(env, e.libaio_usable));
  if (!e.libaio_usable) o.Set("libaioReason", e.libaio_reason);
  return o;
}

Napi::Value SetErrorClass(const Napi::CallbackInfo& info) {
  if (!info[0].IsFunction()) throw Napi::TypeError::New(info.Env(), "expected a class");
  SetIoErrorClass(info.Env(), info[0].As<Napi::Function>());
  return info.Env().Undefined();
}

Napi::Value StrError(const Napi::CallbackInfo& info) {
  int64_t e = ReadOffset(info[0], "errno");
  return Napi::String::New(info.Env(), std::strerror(static_cast<int>(e)));
}

Napi::Value ErrnoNameFn(const Napi::CallbackInfo& info) {
  int64_t e = ReadOffset(info[0], "errno");
  return Napi::String::New(info.Env(), ErrnoName(static_cast<int>(e)));
}

// alignOffset(typedArray, align) -> (address of its first byte) % align
Napi::Value AlignOffset(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray()) throw Napi::TypeError::New(env, "expected a TypedArray");
  auto ta = info[0].As<Napi::TypedArray>();
  int64_t align = ReadOffset(info[1], "align");
  if (align < 1) throw Napi::RangeError::New(env, "align must be positive");
  auto addr = reinterpret_cast<uintptr_t>(ta.ArrayBuffer().Data()) + ta.ByteOffset();
  return Napi::Number::New(env, static_cast<double>(addr % static_cast<uintptr_t>(align)));
}

}  // namespace

void RegisterModuleFunctions(Napi::Env env, Napi::Object exports) {
  exports.Set("engines", Napi::Function::New<Engines>(env, "engines"));
  exports.Set("setErrorClass", Napi::Function::New<SetErrorClass>(env, "setErrorClass"));
  exports.Set("strerror", Napi::Function::New<StrError>(env, "strerror"));
  exports.Set("errnoName", Napi::Function::New<ErrnoNameFn>(env, "errnoName"));
  exports.Set("alignOffset", Napi::Function::New<AlignOffset>(env, "alignOffset"));
}

}  // namespace rawio
