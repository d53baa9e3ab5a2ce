// Argument readers: the C++ backstop behind lib/'s checks. They throw TypeError or
// RangeError as JS exceptions (NAPI_CPP_EXCEPTIONS) and never abort.
#pragma once

#include <napi.h>
#include <sys/uio.h>

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

namespace rawio {

constexpr double kMaxSafeInteger = 9007199254740991.0;

inline int64_t ReadOffset(const Napi::Value& v, const char* name) {
  if (!v.IsNumber()) throw Napi::TypeError::New(v.Env(), std::string(name) + " must be a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || d != std::floor(d))
    throw Napi::TypeError::New(v.Env(), std::string(name) + " must be an integer");
  if (d < 0 || d > kMaxSafeInteger)
    throw Napi::RangeError::New(v.Env(), std::string(name) + " is out of range");
  return static_cast<int64_t>(d);
}

inline std::string ReadString(const Napi::Object& o, const char* key, const char* def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsString()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a string");
  return v.As<Napi::String>().Utf8Value();
}

inline bool ReadBool(const Napi::Object& o, const char* key, bool def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  return v.ToBoolean().Value();
}

inline size_t ElementSize(napi_typedarray_type t) {
  switch (t) {
    case napi_int16_array:
    case napi_uint16_array:
      return 2;
    case napi_int32_array:
    case napi_uint32_array:
    case napi_float32_array:
      return 4;
    case napi_float64_array:
    case napi_bigint64_array:
    case napi_biguint64_array:
      return 8;
    default:
      return 1;
  }
}

// One TypedArray/DataView or an array of them -> iovecs; the values to keep alive
// while the kernel owns the memory go to keep.
inline int64_t ReadBuffers(const Napi::Value& v, std::vector<iovec>* iov,
                           std::vector<napi_value>* keep) {
  Napi::Env env = v.Env();
  auto one = [&](const Napi::Value& b) -> int64_t {
    bool is_ta = false;
    napi_is_typedarray(env, b, &is_ta);
    if (!is_ta) throw Napi::TypeError::New(env, "buffer must be a TypedArray");
    napi_typedarray_type type;
    size_t count = 0, byte_offset = 0;
    void* data = nullptr;
    napi_get_typedarray_info(env, b, &type, &count, &data, nullptr, &byte_offset);
    size_t len = count * ElementSize(type);
    if (data == nullptr) throw Napi::TypeError::New(env, "buffer is detached or empty");
    if (len == 0) throw Napi::RangeError::New(env, "buffer is empty");
    iov->push_back({data, len});
    keep->push_back(b);
    return static_cast<int64_t>(len);
  };
  if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    uint32_t n = arr.Length();
    if (n == 0) throw Napi::RangeError::New(env, "buffer list is empty");
    if (n > 1024) throw Napi::RangeError::New(env, "more than IOV_MAX (1024) buffers");
    int64_t total = 0;
    for (uint32_t i = 0; i < n; ++i) total += one(arr.Get(i));
    // A getter on the list may have detached a view read earlier: check them all again.
    for (size_t i = 0; i < keep->size(); ++i) {
      napi_typedarray_type t;
      size_t count = 0;
      void* data = nullptr;
      napi_get_typedarray_info(env, (*keep)[i], &t, &count, &data, nullptr, nullptr);
      if (data != (*iov)[i].iov_base || count * ElementSize(t) != (*iov)[i].iov_len)
        throw Napi::TypeError::New(env, "a buffer was detached while the list was read");
    }
    return total;
  }
  return one(v);
}

}  // namespace rawio
