// The write interlock's native probes: safety.inspect(path, opts) -> Promise<report>,
// run on a worker thread (libblkid reads the disk), and safety.blkid (what was built).
#include "safety/safety_module.h"

#include <memory>
#include <string>

#include "napi/args.h"
#include "napi/errors.h"
#include "safety/blkid_loader.h"
#include "safety/target_inspect.h"

namespace rawio {

namespace {

Napi::Value ErrnoValue(Napi::Env env, int neg_errno) {
  if (neg_errno == 0) return env.Null();
  return Napi::String::New(env, ErrnoName(-neg_errno));
}

Napi::Object SignatureObject(Napi::Env env, const Signature& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("chain", s.chain);
  o.Set("type", s.type);
  if (!s.usage.empty()) o.Set("usage", s.usage);
  if (!s.uuid.empty()) o.Set("uuid", s.uuid);
  if (!s.label.empty()) o.Set("label", s.label);
  if (!s.version.empty()) o.Set("version", s.version);
  return o;
}

Napi::Object ReportObject(Napi::Env env, const TargetReport& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("statError", ErrnoValue(env, r.stat_error));
  o.Set("isBlock", Napi::Boolean::New(env, r.is_block));
  o.Set("major", Napi::Number::New(env, r.major));
  o.Set("minor", Napi::Number::New(env, r.minor));
  if (r.exclusive_tried) {
    o.Set("exclusiveError", ErrnoValue(env, r.exclusive_error));
  } else {
    o.Set("exclusiveError", env.Undefined());
  }
  if (r.signatures_tried) {
    const SignatureReport& s = r.signatures;
    Napi::Object sig = Napi::Object::New(env);
    sig.Set("available", Napi::Boolean::New(env, s.available));
    sig.Set("error", ErrnoValue(env, s.error));
    if (!s.reason.empty()) sig.Set("reason", s.reason);
    sig.Set("ambivalent", Napi::Boolean::New(env, s.ambivalent));
    Napi::Array found = Napi::Array::New(env, s.found.size());
    for (size_t i = 0; i < s.found.size(); ++i)
      found.Set(static_cast<uint32_t>(i), SignatureObject(env, s.found[i]));
    sig.Set("found", found);
    o.Set("signatures", sig);
  }
  return o;
}

// The spec is copied into plain C++ before going async (the baton); the worker never
// sees a V8 value.
class InspectWorker final : public Napi::AsyncWorker {
 public:
  InspectWorker(Napi::Env env, InspectSpec spec)
      : Napi::AsyncWorker(env, "rawio:inspect"),
        spec_(std::move(spec)),
        deferred_(Napi::Promise::Deferred::New(env)) {}

  Napi::Promise Promise() const { return deferred_.Promise(); }

  void Execute() override { report_ = InspectTarget(spec_); }
  void OnOK() override { deferred_.Resolve(ReportObject(Env(), report_)); }
  void OnError(const Napi::Error& e) override { deferred_.Reject(e.Value()); }

 private:
  InspectSpec spec_;
  TargetReport report_;
  Napi::Promise::Deferred deferred_;
};

// inspect(path, {exclusive = true, signatures = true}) -> Promise<report>
Napi::Value Inspect(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  InspectSpec spec;
  spec.path = info[0].As<Napi::String>().Utf8Value();
  if (spec.path.empty() || spec.path.find('\0') != std::string::npos)
    throw Napi::TypeError::New(env, "path must be a non-empty string without NUL");
  if (info[1].IsObject()) {
    Napi::Object opts = info[1].As<Napi::Object>();
    spec.try_exclusive = ReadBool(opts, "exclusive", true);
    spec.probe_signatures = ReadBool(opts, "signatures", true);
  }
  auto* worker = new InspectWorker(env, std::move(spec));
  Napi::Promise promise = worker->Promise();
  worker->Queue();  // the worker deletes itself after OnOK/OnError
  return promise;
}

// Loading libblkid here (at addon load) makes the first write's check as fast as every other.
Napi::Object BlkidInfo(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  const BlkidLoad& lib = LoadBlkid();
  o.Set("available", Napi::Boolean::New(env, lib.api != nullptr));
  o.Set("library", lib.library);
  if (lib.api)
    o.Set("version", BlkidVersion());
  else
    o.Set("reason", lib.reason);
  return o;
}

}  // namespace

void RegisterSafety(Napi::Env env, Napi::Object exports) {
  Napi::Object safety = Napi::Object::New(env);
  safety.Set("inspect", Napi::Function::New<Inspect>(env, "inspect"));
  safety.Set("blkid", BlkidInfo(env));
  exports.Set("safety", safety);
}

}  // namespace rawio
