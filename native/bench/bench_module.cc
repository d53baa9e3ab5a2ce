// The bench binding: exports.bench = {start(job) -> handle, histogram}. A handle has
// progress() (a snapshot of the jobs' atomic counters), stop() (stop submitting;
// in-flight requests finish) and `result`, a Promise settled on the JS thread
// through a thread-safe function once the last job thread is done.
#include "bench/bench_module.h"

#include <memory>

#include "bench/bench_run.h"
#include "bench/job_reader.h"
#include "bench/result_writer.h"
#include "napi/args.h"
#include "napi/errors.h"

namespace rawio {

namespace {}  // namespace

struct BenchRunContext {
  std::shared_ptr<BenchRun> run;
  Napi::Promise::Deferred deferred;
  Napi::ThreadSafeFunction tsfn;
  AddonData* data;
};

namespace {

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
void Settle(Napi::Env env, BenchRunContext* ctx) {
  std::unique_ptr<BenchRunContext> owned(ctx);
  ctx->data->bench_runs.erase(ctx);
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
  AddonData* data = GetAddonData(env);
  if (!info[0].IsObject()) throw Napi::TypeError::New(env, "job must be an object");
  JobSpec spec = ReadJobSpec(info[0].As<Napi::Object>());
  auto run = std::make_shared<BenchRun>(spec);
  std::string why;
  const char* syscall = "open";
  int r = run->Setup(&why, &syscall);
  if (r < 0) ThrowIoError(env, r, ErrorSite{syscall, -1, -1, spec.path, why});
  Napi::Object handle =
      data->bench_handle_ctor.New({Napi::External<std::shared_ptr<BenchRun>>::New(env, &run)});
  auto* ctx =
      new BenchRunContext{run, Napi::Promise::Deferred::New(env), Napi::ThreadSafeFunction(), data};
  ctx->tsfn = Napi::ThreadSafeFunction::New(
      env, Napi::Function::New(env, [](const Napi::CallbackInfo&) {}), "rawio:bench", 0, 1);
  handle.Set("result", ctx->deferred.Promise());
  data->bench_runs.insert(ctx);
  run->Start([ctx] {
    ctx->tsfn.NonBlockingCall([ctx](Napi::Env env, Napi::Function) { Settle(env, ctx); });
  });
  return handle;
}

}  // namespace

void StopBenchRuns(AddonData* data) {
  for (BenchRunContext* ctx : data->bench_runs) {
    ctx->run->RequestStop();
    ctx->run->Join();
  }
}

void RegisterBench(Napi::Env env, Napi::Object exports, AddonData* data) {
  data->bench_handle_ctor = Napi::Persistent(BenchHandle::Init(env));
  Napi::Object bench = Napi::Object::New(env);
  bench.Set("start", Napi::Function::New(env, Start, "start"));
  bench.Set("histogram", HistogramLayoutToJs(env));
  exports.Set("bench", bench);
}

}  // namespace rawio
