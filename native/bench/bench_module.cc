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
  exports.Set("bench", bench);
}

}  // namespace rawio
