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

// A number or a BigInt that fits in 64 bits.
inline uint64_t ReadU64Value(const Napi::Value& v, const char* name) {
  if (v.IsBigInt()) {
    bool lossless = true;
    uint64_t r = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(v.Env(), std::string(name) + " must fit in a u64");
    return r;
  }
  return static_cast<uint64_t>(ReadOffset(v, name));
}

// An optional non-negative integer property.
inline uint64_t ReadU64(const Napi::Object& o, const char* key, uint64_t def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  return static_cast<uint64_t>(ReadOffset(v, key));
}

// An optional integer property in min..max.
inline uint32_t ReadU32(const Napi::Object& o, const char* key, uint32_t def, uint32_t min,
                        uint32_t max) {
  uint64_t v = ReadU64(o, key, def);
  if (v < min || v > max)
    throw Napi::RangeError::New(
        o.Env(), std::string(key) + " must be " + std::to_string(min) + ".." + std::to_string(max));
  return static_cast<uint32_t>(v);
}

// A path: a non-empty string (UTF-8) or Buffer (its exact bytes: file names need not be UTF-8),
// without NUL bytes.
inline std::string ReadPath(const Napi::Value& v) {
  std::string p;
  if (v.IsBuffer()) {
    Napi::Buffer<char> bytes = v.As<Napi::Buffer<char>>();
    p.assign(bytes.Data(), bytes.Length());
  } else if (v.IsString()) {
    p = v.As<Napi::String>().Utf8Value();
  } else {
    throw Napi::TypeError::New(v.Env(), "path must be a string or a Buffer");
  }
  if (p.empty() || p.find('\0') != std::string::npos)
    throw Napi::TypeError::New(v.Env(), "path must be a non-empty string without NUL bytes");
  return p;
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
