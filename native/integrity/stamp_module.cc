#include "integrity/stamp_module.h"

#include <cstring>
#include <memory>
#include <vector>

#include "integrity/stamp.h"
#include "napi/args.h"
#include "napi/js_buffers.h"

namespace rawio {

namespace {

// One run of whole blocks: buf[0..len) holds len / bs blocks, the first at device offset `offset`.
struct StampJob {
  char* data = nullptr;
  size_t len = 0;
  uint32_t bs = 0;
  uint64_t offset = 0;
  uint64_t seed = 0;
  uint32_t gen = 0;            // one generation for every block...
  std::vector<uint32_t> gens;  // ...or one per block (check against a model)
  uint64_t timestamp = 0;      // fill only
  std::vector<uint8_t> kinds;  // classify: a StampKind per block

  void Fill() {
    StampId first;
    first.offset = offset;
    first.seed = seed;
    first.gen = gen;
    EncodeStamps(data, len / bs, bs, first, timestamp);
  }

  void Classify() {
    StampId first;
    first.offset = offset;
    first.seed = seed;
    first.gen = gen;
    kinds.resize(len / bs);
    ClassifyStamps(data, kinds.size(), bs, first, gens.empty() ? nullptr : gens.data(),
                   kinds.data());
  }
};

uint32_t ReadGen(const Napi::Value& v) {
  uint64_t g = ReadU64Value(v, "gen");
  if (g > UINT32_MAX) throw Napi::RangeError::New(v.Env(), "gen must be 0 .. 4294967295");
  return static_cast<uint32_t>(g);
}

// (buf, offset, seed, gen | Uint32Array gens, bs[, timestamp]): the run, checked. The job works
// on buf's memory in place (a call that returns at once).
std::unique_ptr<StampJob> ReadJob(const Napi::CallbackInfo& info, bool fill) {
  Napi::Env env = info.Env();
  if (!info[0].IsTypedArray() ||
      info[0].As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array)
    throw Napi::TypeError::New(env, "buffer must be a Uint8Array");
  Napi::Uint8Array buf = info[0].As<Napi::Uint8Array>();
  if (buf.ArrayBuffer().IsDetached()) throw Napi::TypeError::New(env, "buffer is detached");
  auto job = std::make_unique<StampJob>();
  job->data = reinterpret_cast<char*>(buf.Data());
  job->len = buf.ByteLength();
  job->offset = ReadU64Value(info[1], "offset");
  job->seed = ReadU64Value(info[2], "seed");
  uint64_t bs = ReadU64Value(info[4], "bs");
  if (bs > UINT32_MAX || !StampBlockSizeValid(static_cast<uint32_t>(bs)))
    throw Napi::RangeError::New(env, "bs cannot hold a stamp");
  job->bs = static_cast<uint32_t>(bs);
  if (job->len % job->bs != 0)
    throw Napi::RangeError::New(env, "the buffer is not a whole number of blocks");
  if (info[3].IsTypedArray()) {
    Napi::TypedArray t = info[3].As<Napi::TypedArray>();
    if (t.TypedArrayType() != napi_uint32_array || t.ElementLength() != job->len / job->bs)
      throw Napi::TypeError::New(env, "gens must be a Uint32Array with one generation per block");
    Napi::Uint32Array g = info[3].As<Napi::Uint32Array>();
    job->gens.assign(g.Data(), g.Data() + g.ElementLength());
  } else {
    job->gen = ReadGen(info[3]);
  }
  if (fill) {
    bool lossless = true;
    if (!info[5].IsBigInt()) throw Napi::TypeError::New(env, "timestamp must be a bigint");
    job->timestamp = info[5].As<Napi::BigInt>().Uint64Value(&lossless);
  }
  return job;
}

Napi::Uint8Array Kinds(Napi::Env env, const StampJob& job) {
  Napi::Uint8Array out = Napi::Uint8Array::New(env, job.kinds.size());
  if (!job.kinds.empty()) std::memcpy(out.Data(), job.kinds.data(), job.kinds.size());
  return out;
}

// The same work on libuv's pool, on memory JavaScript cannot free under it (napi/js_buffers.h):
// allocBuffer memory in place, any other buffer bounced (classify copies it in; fill's stamps go
// back when the pool is done, if the buffer still has its memory).
class StampWorker final : public Napi::AsyncWorker {
 public:
  StampWorker(Napi::Env env, std::unique_ptr<StampJob> job, Napi::Value buffer, bool fill)
      : Napi::AsyncWorker(env, "rawio:stamp"),
        job_(std::move(job)),
        fill_(fill),
        deferred_(Napi::Promise::Deferred::New(env)) {
    HoldView(env, buffer, fill ? Access::kOut : Access::kIn, &held_);
    job_->data = reinterpret_cast<char*>(held_.mem);
  }
  Napi::Promise Promise() const { return deferred_.Promise(); }
  void Execute() override { fill_ ? job_->Fill() : job_->Classify(); }
  void OnOK() override {
    Napi::Env env = Env();
    ReleaseView(env, &held_, fill_);
    deferred_.Resolve(fill_ ? env.Undefined() : Napi::Value(Kinds(env, *job_)));
  }
  void OnError(const Napi::Error& e) override {
    ReleaseView(Env(), &held_, false);
    deferred_.Reject(e.Value());
  }

 private:
  std::unique_ptr<StampJob> job_;
  bool fill_;
  Napi::Promise::Deferred deferred_;
  HeldView held_;
};

Napi::Value Fill(const Napi::CallbackInfo& info) {
  ReadJob(info, true)->Fill();
  return info.Env().Undefined();
}

Napi::Value Classify(const Napi::CallbackInfo& info) {
  auto job = ReadJob(info, false);
  job->Classify();
  return Kinds(info.Env(), *job);
}

Napi::Value RunAsync(const Napi::CallbackInfo& info, bool fill) {
  auto job = ReadJob(info, fill);
  auto* w = new StampWorker(info.Env(), std::move(job), info[0], fill);  // deletes itself
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace

void RegisterStamp(Napi::Env env, Napi::Object exports) {
  Napi::Object stamp = Napi::Object::New(env);
  stamp.Set("fill", Napi::Function::New(env, Fill, "fill"));
  stamp.Set("classify", Napi::Function::New(env, Classify, "classify"));
  stamp.Set("fillAsync",
            Napi::Function::New(
                env, [](const Napi::CallbackInfo& i) { return RunAsync(i, true); }, "fillAsync"));
  stamp.Set(
      "classifyAsync",
      Napi::Function::New(
          env, [](const Napi::CallbackInfo& i) { return RunAsync(i, false); }, "classifyAsync"));
  Napi::Array kinds = Napi::Array::New(env, kStampKindCount);
  for (int k = 0; k < kStampKindCount; ++k)
    kinds.Set(static_cast<uint32_t>(k), StampKindName(static_cast<StampKind>(k)));
  stamp.Set("kinds", kinds);
  exports.Set("stamp", stamp);
}

}  // namespace rawio
