#include "napi/device_wrap.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>

#include "device/probe.h"
#include "engine/sys_ops.h"
#include "napi/addon_data.h"
#include "napi/args.h"
#include "napi/device_pending.h"
#include "napi/errors.h"

namespace rawio {

namespace {

EngineKind ParseEngine(Napi::Env env, const std::string& s) {
  if (s == "auto") return EngineKind::kAuto;
  if (s == "io_uring") return EngineKind::kUring;
  if (s == "threads") return EngineKind::kThreads;
  if (s == "libaio") return EngineKind::kLibaio;
  throw Napi::TypeError::New(
      env, "engine must be 'auto', 'io_uring', 'threads' or 'libaio', got '" + s + "'");
}

constexpr unsigned kDefaultDepth = 128;
// spinUs: a fixed poll, per request at most this long (completion: 'adaptive' bounds
// its polls by the device's measured round trip instead; napi/wait_policy.h).
constexpr uint64_t kMaxSpinUs = 10000;

}  // namespace

Napi::Function DeviceWrap::Init(Napi::Env env) {
  return DefineClass(env, "NativeDevice",
                     {
                         InstanceMethod<&DeviceWrap::SubmitRead>("submitRead"),
                         InstanceMethod<&DeviceWrap::SubmitWrite>("submitWrite"),
                         InstanceMethod<&DeviceWrap::SubmitSpace>("submitSpace"),
                         InstanceMethod<&DeviceWrap::Probe>("probe"),
                         InstanceMethod<&DeviceWrap::Seek>("seek"),
                         InstanceMethod<&DeviceWrap::Reopen>("reopen"),
                         InstanceMethod<&DeviceWrap::Lock>("lock"),
                         InstanceMethod<&DeviceWrap::Close>("close"),
                         InstanceMethod<&DeviceWrap::Info>("info"),
                         InstanceMethod<&DeviceWrap::RegisterBuffer>("registerBuffer"),
                         InstanceMethod<&DeviceWrap::UnregisterBuffer>("unregisterBuffer"),
                     });
}

// new NativeDevice(path, {readOnly, direct, exclusive, engine, depth, spinUs, completion},
//                  results, onBatch, onFail): the last three are lib/native-io.ts's.
DeviceWrap::DeviceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceWrap>(info) {
  Napi::Env env = info.Env();
  path_ = ReadPath(info[0]);
  if (!info[2].IsTypedArray() ||
      info[2].As<Napi::TypedArray>().TypedArrayType() != napi_float64_array ||
      info[2].As<Napi::Float64Array>().ElementLength() < 3 || !info[3].IsFunction() ||
      !info[4].IsFunction())
    throw Napi::TypeError::New(env, "NativeDevice needs its results array and settle callbacks");
  Napi::Float64Array results = info[2].As<Napi::Float64Array>();
  results_ = results.Data();  // off-heap (over 64 bytes): its address never changes
  results_cap_ = results.ElementLength() / 3;
  results_ref_ = Napi::Persistent(results);
  on_batch_ = Napi::Persistent(info[3].As<Napi::Function>());
  on_fail_ = Napi::Persistent(info[4].As<Napi::Function>());
  Napi::Object opts = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  OpenSpec spec;
  spec.path = path_;
  spec.read_only = ReadBool(opts, "readOnly", false);
  spec.direct = ReadBool(opts, "direct", false);
  spec.exclusive = ReadBool(opts, "exclusive", false);
  EngineKind kind = ParseEngine(env, ReadString(opts, "engine", "auto"));
  EngineOptions eopts;
  eopts.depth = ReadU32(opts, "depth", kDefaultDepth, 1, 4096);
  eopts.want_eventfd = true;
  PumpWait wait;
  std::string completion = ReadString(opts, "completion", "adaptive");
  if (completion != "epoll" && completion != "adaptive")
    throw Napi::TypeError::New(
        env, "completion must be 'epoll' or 'adaptive', got '" + completion + "'");
  wait.adaptive = completion == "adaptive";
  wait.spin_ns = std::min<uint64_t>(ReadU64(opts, "spinUs", 0), kMaxSpinUs) * 1000;
  fixed_ = FixedBuffers(ReadBool(opts, "autoRegister", true));

  std::string why;
  int r = OpenTarget(spec, &opened_, &why);
  if (r < 0) ThrowIoError(env, r, ErrorSite{"open", -1, -1, path_, why});
  int err = 0;
  std::string error;
  std::unique_ptr<Engine> engine = CreateEngine(kind, eopts, &err, &error);
  if (!engine)
    ThrowIoError(env, err < 0 ? err : -ENOTSUP,
                 ErrorSite{kind == EngineKind::kLibaio ? "io_setup" : "io_uring_setup", -1, -1,
                           path_, error});
  pump_ = std::make_unique<CompletionPump>(env, std::make_unique<IoCore>(std::move(engine), false),
                                           this, wait);
  if (AddonData* data = GetAddonData(env)) data->devices.insert(this);
}

DeviceWrap::~DeviceWrap() {
  if (AddonData* data = GetAddonData(Env())) data->devices.erase(this);
  Shutdown();
}

void DeviceWrap::Shutdown() {
  pump_.reset();   // closes the loop handles, joins worker threads / tears the ring down
  fixed_.Clear();  // the ring (and the kernel's table) is gone: the buffers may go too
  opened_.fd.Reset();
}

size_t DeviceWrap::InFlight() const { return pump_ ? pump_->InFlight() : 0; }

void DeviceWrap::CheckOpen(Napi::Env env) const {
  if (!opened_.fd.Valid() || !pump_)
    ThrowIoError(env, -EBADF, ErrorSite{"submit", -1, -1, path_, "device is closed"});
}

void DeviceWrap::CheckIdle(Napi::Env env, const char* what) const {
  if (InFlight() > 0)
    ThrowIoError(
        env, -EBUSY,
        ErrorSite{what, -1, -1, path_, std::string("cannot ") + what + " with requests in flight"});
}

void DeviceWrap::Busy(bool busy) {
  if (busy) {
    Ref();  // keep this object alive while the kernel owns requests
    return;
  }
  if (pump_) fixed_.Sweep(pump_->Core());  // blocks JavaScript let go leave the table
  Unref();
}

Napi::Value DeviceWrap::Probe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  Geometry g;
  int r = ProbeGeometry(opened_.fd.Get(), &g);
  if (r < 0) {
    ErrorSite site;
    site.syscall = "fstat";
    site.path = path_;
    throw Napi::Error(env, MakeIoError(env, r, site));
  }
  auto num = [&](double v) { return Napi::Number::New(env, v); };
  Napi::Object o = Napi::Object::New(env);
  o.Set("kind", g.is_block ? "block" : "file");
  o.Set("size", num(static_cast<double>(g.size)));
  o.Set("logicalBlockSize", num(g.logical_block_size));
  o.Set("physicalBlockSize", num(g.physical_block_size));
  o.Set("dioMemAlign", num(g.dio_mem_align));
  o.Set("dioOffsetAlign", num(g.dio_offset_align));
  o.Set("dioAlignSource", g.dio_align_from_statx ? "statx" : "block-size");
  o.Set("minIo", num(g.min_io));
  o.Set("optIo", num(g.opt_io));
  o.Set("maxTransfer", num(static_cast<double>(g.max_transfer)));
  o.Set("discardGranularity", num(static_cast<double>(g.discard_granularity)));
  o.Set("discardMax", num(static_cast<double>(g.discard_max)));
  o.Set("writeZeroesMax", num(static_cast<double>(g.write_zeroes_max)));
  if (g.rotational < 0)
    o.Set("rotational", env.Null());
  else
    o.Set("rotational", Napi::Boolean::New(env, g.rotational == 1));
  o.Set("zoned", g.zoned);
  o.Set("readOnly", Napi::Boolean::New(env, g.read_only || opened_.read_only));
  o.Set("dmaAlignment", num(g.dma_alignment));
  o.Set("fsBlockSize", num(g.fs_block_size));
  return o;
}

// seek(offset, 'data'|'hole') -> offset, or -1 when there is no more data (ENXIO)
Napi::Value DeviceWrap::Seek(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  int64_t off = ReadOffset(info[0], "offset");
  bool data = info[1].IsString() && info[1].As<Napi::String>().Utf8Value() == "data";
  int64_t r = SysLseek(opened_.fd.Get(), off, data ? SEEK_DATA : SEEK_HOLE);
  if (r == -ENXIO) return Napi::Number::New(env, -1);
  if (r < 0) {
    ErrorSite site;
    site.syscall = data ? "lseek(SEEK_DATA)" : "lseek(SEEK_HOLE)";
    site.offset = off;
    site.path = path_;
    throw Napi::Error(env, MakeIoError(env, static_cast<int>(r), site));
  }
  return Napi::Number::New(env, static_cast<double>(r));
}

// reopen({readOnly, direct}): a new fd with the new flags replaces the old one.
Napi::Value DeviceWrap::Reopen(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  CheckIdle(env, "reopen");
  Napi::Object opts = info[0].IsObject() ? info[0].As<Napi::Object>() : Napi::Object::New(env);
  OpenSpec spec;
  spec.path = path_;
  spec.read_only = ReadBool(opts, "readOnly", opened_.read_only);
  spec.direct = ReadBool(opts, "direct", opened_.direct);
  spec.exclusive = opened_.exclusive;
  if (opened_.exclusive) opened_.fd.Reset();  // O_EXCL would refuse our own second open
  Opened fresh;
  std::string why;
  int r = OpenTarget(spec, &fresh, &why);
  if (r < 0) {
    if (!opened_.fd.Valid()) {  // give back the exclusive open we dropped
      OpenSpec old = spec;
      old.read_only = opened_.read_only;
      old.direct = opened_.direct;
      std::string ignored;
      OpenTarget(old, &opened_, &ignored);
    }
    ErrorSite site;
    site.syscall = "open";
    site.path = path_;
    site.detail = why;
    throw Napi::Error(env, MakeIoError(env, r, site));
  }
  opened_ = std::move(fresh);
  return env.Undefined();
}

// lock('read'|'write'|'unlock') -> true, or false when another process holds a
// conflicting lock (OFD locks, as qemu's image locking).
Napi::Value DeviceWrap::Lock(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  std::string kind = info[0].IsString() ? info[0].As<Napi::String>().Utf8Value() : "";
  int type = kind == "read" ? F_RDLCK : kind == "write" ? F_WRLCK : F_UNLCK;
  int r = SysFlock(opened_.fd.Get(), type, false);
  if (r == -EAGAIN || r == -EACCES) return Napi::Boolean::New(env, false);
  if (r < 0) {
    ErrorSite site;
    site.syscall = "fcntl(F_OFD_SETLK)";
    site.path = path_;
    throw Napi::Error(env, MakeIoError(env, r, site));
  }
  return Napi::Boolean::New(env, true);
}

Napi::Value DeviceWrap::Close(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckIdle(env, "close");
  Shutdown();
  return env.Undefined();
}

Napi::Value DeviceWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", path_);
  o.Set("open", Napi::Boolean::New(env, opened_.fd.Valid()));
  o.Set("fd", Napi::Number::New(env, opened_.fd.Get()));
  o.Set("engine", pump_ ? pump_->EngineName() : "closed");
  o.Set("kind", opened_.is_block ? "block" : "file");
  o.Set("direct", Napi::Boolean::New(env, opened_.direct));
  o.Set("exclusive", Napi::Boolean::New(env, opened_.exclusive));
  o.Set("readOnly", Napi::Boolean::New(env, opened_.read_only));
  o.Set("inFlight", Napi::Number::New(env, static_cast<double>(InFlight())));
  o.Set("registeredBuffers", Napi::Number::New(env, static_cast<double>(fixed_.Registered())));
  o.Set("autoRegisteredBuffers",
        Napi::Number::New(env, static_cast<double>(fixed_.AutoRegistered())));
  o.Set("fixedIo",
        Napi::Number::New(env, pump_ ? static_cast<double>(pump_->Core()->FixedIo()) : 0));
  o.Set("fixedVectored", Napi::Boolean::New(env, pump_ && pump_->Core()->FixedVectored()));
  PumpStats stats = pump_ ? pump_->Stats() : PumpStats();
  o.Set("commits", Napi::Number::New(env, static_cast<double>(stats.commits)));
  o.Set("reaps", Napi::Number::New(env, static_cast<double>(stats.reaps)));
  o.Set("reaped", Napi::Number::New(env, static_cast<double>(stats.reaped)));
  o.Set("spinReaps", Napi::Number::New(env, static_cast<double>(stats.spin_reaps)));
  o.Set("wait", WaitInfo(env));
  return o;
}

// {mode, chosen: 'sleep'|'spin', adaptive, windows, sleep, spin}: how the pump waits at
// low depth now and by choice (they differ during a probe), and what it measured of
// each way ({rttNs, cpuNs} per request, or null).
Napi::Object DeviceWrap::WaitInfo(Napi::Env env) const {
  Napi::Object w = Napi::Object::New(env);
  if (!pump_) return w;
  const WaitPolicy& p = pump_->Policy();
  w.Set("mode", p.Mode() == WaitMode::kSpin ? "spin" : "sleep");
  w.Set("chosen", p.Chosen() == WaitMode::kSpin ? "spin" : "sleep");
  w.Set("adaptive", Napi::Boolean::New(env, p.Adaptive()));
  w.Set("windows", Napi::Number::New(env, static_cast<double>(p.Windows())));
  for (WaitMode m : {WaitMode::kSleep, WaitMode::kSpin}) {
    const WaitEstimate& e = p.Estimate(m);
    const char* name = m == WaitMode::kSpin ? "spin" : "sleep";
    if (!e.known) {
      w.Set(name, env.Null());
      continue;
    }
    Napi::Object o = Napi::Object::New(env);
    o.Set("rttNs", Napi::Number::New(env, static_cast<double>(e.rtt_ns)));
    o.Set("cpuNs", Napi::Number::New(env, static_cast<double>(e.cpu_ns)));
    w.Set(name, o);
  }
  return w;
}

// registerBuffer(view) -> slot, or -errno (-ENOTSUP: the engine has no fixed buffers).
// For buffers rawio's own commands allocate and keep (qemu-io's -r); lib/device.ts.
Napi::Value DeviceWrap::RegisterBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  return Napi::Number::New(env, fixed_.Register(env, info[0], pump_->Core()));
}

// unregisterBuffer(slot): the buffer leaves the table once its requests settled.
Napi::Value DeviceWrap::UnregisterBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t slot = ReadOffset(info[0], "slot");
  if (pump_) fixed_.Unregister(static_cast<int>(slot), pump_->Core());
  return env.Undefined();
}

}  // namespace rawio
