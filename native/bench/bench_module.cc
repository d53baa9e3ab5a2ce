// The bench binding: exports.bench = {start(job) -> handle, histogram}. A handle has
// progress() (a snapshot of the jobs' atomic counters), stop() (stop submitting;
// in-flight requests finish) and `result`, a Promise settled on the JS thread
// through a thread-safe function once the last job thread is done.
#include "bench/bench_module.h"

#include <memory>
#include <unordered_set>

#include "bench/bench_run.h"
#include "bench/job_reader.h"
#include "bench/result_writer.h"
#include "bench/stamp.h"
#include "napi/args.h"
#include "napi/errors.h"

namespace rawio {

namespace {

struct RunContext;

// Per-environment state; the env cleanup hook stops and joins whatever still runs.
struct BenchEnv {
  Napi::FunctionReference handle_ctor;
  std::unordered_set<RunContext*> live;
};

struct RunContext {
  std::shared_ptr<BenchRun> run;
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  BenchEnv* benv;
};

class BenchHandle : public Napi::ObjectWrap<BenchHandle> {
 public:
  static Napi::Function Init(Napi::Env env) {
    return DefineClass(env, "BenchHandle",
                       {InstanceMethod<&BenchHandle::Progress>("progress"),
                        InstanceMethod<&BenchHandle::Stop>("stop")});
  }

  explicit BenchHandle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BenchHandle>(info) {
    if (!info[0].IsExternal())
      throw Napi::TypeError::New(info.Env(), "BenchHandle is made by bench.start()");
    run_ = *info[0].As<Napi::External<std::shared_ptr<BenchRun>>>().Data();
  }

 private:
  Napi::Value Progress(const Napi::CallbackInfo& info) { return ProgressToJs(info.Env(), *run_); }
  Napi::Value Stop(const Napi::CallbackInfo& info) {
    run_->RequestStop();
    return info.Env().Undefined();
  }

  std::shared_ptr<BenchRun> run_;
};

// JS thread, once every job thread has returned.
void Settle(Napi::Env env, RunContext* ctx) {
  std::unique_ptr<RunContext> owned(ctx);
  ctx->benv->live.erase(ctx);
  ctx->run->Join();
  ctx->run->ReleaseResources();
  Napi::HandleScope scope(env);
  try {
    Napi::Object result = ResultToJs(env, *ctx->run);
    Napi::Value err = FirstErrorToJs(env, *ctx->run);
    if (err.IsEmpty()) {
      ctx->deferred.Resolve(result);
    } else {
      err.As<Napi::Object>().Set("partial", result);
      ctx->deferred.Reject(err);
    }
  } catch (const Napi::Error& e) {
    ctx->deferred.Reject(e.Value());
  }
  ctx->tsfn.Release();
}

Napi::Value Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto* benv = static_cast<BenchEnv*>(info.Data());
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "job must be an object");
  JobSpec spec = ReadJobSpec(info[0].As<Napi::Object>());
  auto run = std::make_shared<BenchRun>(spec);
  std::string why;
  const char* syscall = "open";
  int r = run->Setup(&why, &syscall);
  if (r < 0) {
    ErrorSite site;
    site.syscall = syscall;
    site.path = spec.path;
    site.detail = why;
    throw Napi::Error(env, MakeIoError(env, r, site));
  }
  Napi::Object handle =
      benv->handle_ctor.New({Napi::External<std::shared_ptr<BenchRun>>::New(env, &run)});
  auto* ctx =
      new RunContext{run, Napi::Promise::Deferred::New(env), Napi::ThreadSafeFunction(), benv};
  ctx->tsfn = Napi::ThreadSafeFunction::New(
      env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "rawio:bench", 0, 1);
  handle.Set("result", ctx->deferred.Promise());
  benv->live.insert(ctx);
  run->Start([ctx] {
    ctx->tsfn.NonBlockingCall([ctx](Napi::Env env, Napi::Function) { Settle(env, ctx); });
  });
  return handle;
}

uint64_t ReadU64Arg(const Napi::Value& v, const char* name) {
  if (v.IsBigInt()) {
    bool lossless = true;
    uint64_t r = v.As<Napi::BigInt>().Uint64Value(&lossless);
    if (!lossless) throw Napi::RangeError::New(v.Env(), std::string(name) + " must fit in a u64");
    return r;
  }
  return static_cast<uint64_t>(ReadOffset(v, name));
}

StampId ReadStampId(const Napi::CallbackInfo& info, size_t at) {
  StampId id;
  id.offset = ReadU64Arg(info[at], "offset");
  id.seed = ReadU64Arg(info[at + 1], "seed");
  uint64_t gen = ReadU64Arg(info[at + 2], "gen");
  if (gen > UINT32_MAX) throw Napi::RangeError::New(info.Env(), "gen must be 0 .. 2^32-1");
  id.gen = static_cast<uint32_t>(gen);
  return id;
}

// Test hooks: the native stamp codec against lib/integrity/stamp-format.ts.
// encodeStampForTest(offset, seed, gen, timestamp, bs) -> Uint8Array
Napi::Value EncodeStampForTest(const Napi::CallbackInfo& info) {
  StampId id = ReadStampId(info, 0);
  uint64_t ts = ReadU64Arg(info[3], "timestamp");
  uint64_t bs = ReadU64Arg(info[4], "bs");
  if (bs > UINT32_MAX || !StampBlockSizeValid(static_cast<uint32_t>(bs)))
    throw Napi::RangeError::New(info.Env(), "bs cannot hold a stamp");
  Napi::Uint8Array out = Napi::Uint8Array::New(info.Env(), bs);
  EncodeStamp(reinterpret_cast<char*>(out.Data()), static_cast<uint32_t>(bs), id, ts);
  return out;
}

// classifyStampForTest(block, offset, seed, gen) -> BlockKind
Napi::Value ClassifyStampForTest(const Napi::CallbackInfo& info) {
  if (!info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(info.Env(), "block must be a Uint8Array");
  Napi::Uint8Array block = info[0].As<Napi::Uint8Array>();
  if (block.ByteLength() > UINT32_MAX ||
      !StampBlockSizeValid(static_cast<uint32_t>(block.ByteLength())))
    throw Napi::RangeError::New(info.Env(), "the block's length cannot hold a stamp");
  StampId id = ReadStampId(info, 1);
  StampKind k = ClassifyStamp(reinterpret_cast<const char*>(block.Data()),
                              static_cast<uint32_t>(block.ByteLength()), id);
  return Napi::String::New(info.Env(), StampKindName(k));
}

void CleanupEnv(void* arg) {
  auto* benv = static_cast<BenchEnv*>(arg);
  for (RunContext* ctx : benv->live) {
    ctx->run->RequestStop();
    ctx->run->Join();
  }
  benv->handle_ctor.Reset();
  delete benv;
}

}  // namespace

void RegisterBench(Napi::Env env, Napi::Object exports) {
  auto* benv = new BenchEnv();
  napi_add_env_cleanup_hook(env, CleanupEnv, benv);
  benv->handle_ctor = Napi::Persistent(BenchHandle::Init(env));
  Napi::Object bench = Napi::Object::New(env);
  bench.Set("start", Napi::Function::New(env, Start, "start", benv));
  bench.Set("histogram", HistogramLayoutToJs(env));
  bench.Set("encodeStampForTest",
            Napi::Function::New(env, EncodeStampForTest, "encodeStampForTest"));
  bench.Set("classifyStampForTest",
            Napi::Function::New(env, ClassifyStampForTest, "classifyStampForTest"));
  exports.Set("bench", bench);
}

}  // namespace rawio
