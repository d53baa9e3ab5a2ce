#include "napi/errors.h"

#include <uv.h>

#include <cstring>

#include "napi/addon_data.h"

namespace rawio {

void SetIoErrorClass(Napi::Env env, Napi::Function cls) {
  GetAddonData(env)->io_error = Napi::Persistent(cls);
}

const char* ErrnoName(int err) { return uv_err_name(-err); }

Napi::Value MakeIoError(Napi::Env env, int neg_errno, const ErrorSite& site) {
  int err = -neg_errno;
  std::string code = ErrnoName(err);
  Napi::Object props = Napi::Object::New(env);
  props.Set("code", code);
  props.Set("errno", err);
  props.Set("syscall", site.syscall);
  props.Set("description", site.detail.empty() ? std::string(std::strerror(err)) : site.detail);
  if (!site.detail.empty()) props.Set("detail", site.detail);
  if (site.offset >= 0)
    props.Set("offset", Napi::Number::New(env, static_cast<double>(site.offset)));
  if (site.length >= 0)
    props.Set("length", Napi::Number::New(env, static_cast<double>(site.length)));
  if (!site.path.empty()) props.Set("path", site.path);
  AddonData* data = GetAddonData(env);
  if (data && !data->io_error.IsEmpty()) return data->io_error.New({props});
  // Only before lib/native.ts registered the class (never in practice).
  Napi::Error e = Napi::Error::New(env, code + ", " + site.syscall);
  e.Set("code", code);
  e.Set("errno", Napi::Number::New(env, err));
  return e.Value();
}

void ThrowIoError(Napi::Env env, int neg_errno, const ErrorSite& site) {
  throw Napi::Error(env, MakeIoError(env, neg_errno, site));
}

}  // namespace rawio
