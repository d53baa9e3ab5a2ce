#include "napi/build_info.h"

#include <string>

#ifdef __GLIBC__
#include <gnu/libc-version.h>
#endif

namespace rawio {

namespace {

struct Feature {
  const char* name;
  bool built;
};

// One row per RAWIO_URING_* macro the probe may define.
constexpr Feature kFeatures[] = {
#ifdef RAWIO_URING_SETUP_SINGLE_ISSUER
    {"SINGLE_ISSUER", true},
#else
    {"SINGLE_ISSUER", false},
#endif
#ifdef RAWIO_URING_SETUP_DEFER_TASKRUN
    {"DEFER_TASKRUN", true},
#else
    {"DEFER_TASKRUN", false},
#endif
#ifdef RAWIO_URING_SETUP_COOP_TASKRUN
    {"COOP_TASKRUN", true},
#else
    {"COOP_TASKRUN", false},
#endif
#ifdef RAWIO_URING_OP_URING_CMD
    {"URING_CMD", true},
#else
    {"URING_CMD", false},
#endif
#ifdef RAWIO_URING_SUBMIT_AND_GET_EVENTS
    {"submit_and_get_events", true},
#else
    {"submit_and_get_events", false},
#endif
#ifdef RAWIO_URING_REGISTER_BUFFERS_UPDATE
    {"register_buffers_update", true},
#else
    {"register_buffers_update", false},
#endif
};

std::string LiburingVersion() {
#if defined(RAWIO_LIBURING_VERSION_MAJOR) && defined(RAWIO_LIBURING_VERSION_MINOR)
  return std::to_string(RAWIO_LIBURING_VERSION_MAJOR) + "." +
         std::to_string(RAWIO_LIBURING_VERSION_MINOR);
#else
  return "";
#endif
}

// Why the io_uring engine is not in this build (RAWIO_URING_MISSING from the probe).
const char* MissingReason() {
#if !defined(RAWIO_URING_PROBED)
  return "built without scripts/probe-liburing.js, so without liburing";
#elif !defined(RAWIO_URING_MISSING)
  return "";
#elif RAWIO_URING_MISSING == 1
  return "liburing.h was not found at build time (install liburing-dev or liburing-devel, then "
         "npm rebuild rawio)";
#elif RAWIO_URING_MISSING == 2
  return "liburing was found at build time but did not link";
#elif RAWIO_URING_MISSING == 3
  return "the liburing found at build time is older than 2.0";
#else
  return "built with RAWIO_NO_URING=1";
#endif
}

Napi::Object UringInfo(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
#ifdef RAWIO_HAVE_URING
  const bool built = true;
#else
  const bool built = false;
#endif
  std::string version = LiburingVersion();
  o.Set("built", Napi::Boolean::New(env, built));
  o.Set("liburing", version.empty() ? env.Null() : Napi::String::New(env, version));
  if (!built) o.Set("reason", MissingReason());
  std::string with = "built with liburing" + (version.empty() ? "" : " " + version);
  Napi::Array features = Napi::Array::New(env);
  uint32_t i = 0;
  for (const Feature& f : kFeatures) {
    Napi::Object row = Napi::Object::New(env);
    row.Set("name", f.name);
    row.Set("built", Napi::Boolean::New(env, built && f.built));
    if (!built)
      row.Set("reason", "built without liburing");
    else if (!f.built)
      row.Set("reason", with + ": no " + f.name);
    features.Set(i++, row);
  }
  o.Set("features", features);
  return o;
}

}  // namespace

void RegisterBuildInfo(Napi::Env env, Napi::Object exports) {
  Napi::Object b = Napi::Object::New(env);
  b.Set("uring", UringInfo(env));
#ifdef __VERSION__
  b.Set("compiler", __VERSION__);
#endif
#ifdef __GLIBC__
  b.Set("glibc", std::to_string(__GLIBC__) + "." + std::to_string(__GLIBC_MINOR__));
  b.Set("glibcRuntime", gnu_get_libc_version());
#endif
#ifdef RAWIO_STATIC_CXX
  b.Set("staticCxx", Napi::Boolean::New(env, true));
#else
  b.Set("staticCxx", Napi::Boolean::New(env, false));
#endif
  exports.Set("build", b);
}

}  // namespace rawio
