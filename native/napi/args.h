// Argument readers: the C++ backstop behind lib/'s checks. They throw TypeError or
// RangeError as JS exceptions (NAPI_CPP_EXCEPTIONS) and never abort.
#pragma once

#include <napi.h>

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

}  // namespace rawio
