#include "napi/device_wrap.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "device/probe.h"
#include "engine/sys_ops.h"
#include "napi/addon_data.h"
#include "napi/args.h"
#include "napi/errors.h"
#include "util/clock.h"

namespace rawio {

struct DeviceWrap::Pending : Request {
  napi_deferred deferred = nullptr;
  std::vector<napi_ref> keep;

  // Back to a fresh request; the vectors keep their capacity for the next one.
  void Reset() {
    op = Op::kRead;
    fd = -1;
    rw_flags = 0;
    offset = length = done = res = 0;
    t_submit = t_complete = 0;
    iov.clear();
    user = nullptr;
    deferred = nullptr;
    keep.clear();
  }
};

namespace {

EngineKind ParseEngine(Napi::Env env, const std::string& s) {
  if (s == "auto") return EngineKind::kAuto;
  if (s == "io_uring") return EngineKind::kUring;
  if (s == "threads") return EngineKind::kThreads;
  throw Napi::TypeError::New(env,
                             "engine must be 'auto', 'io_uring' or 'threads', got '" + s + "'");
}

constexpr unsigned kDefaultDepth = 128;
constexpr size_t kPoolMax = 256;  // requests kept for reuse
// Waking a sleeping event loop costs tens of microseconds on virtual machines, more
// than a fast device's whole round trip: poll for a while before sleeping.
constexpr int64_t kDefaultSpinUs = 50;
constexpr size_t kSpinMaxInFlight = 4;

}  // namespace

Napi::Function DeviceWrap::Init(Napi::Env env) {
  return DefineClass(env, "NativeDevice",
                     {
                         InstanceMethod<&DeviceWrap::Read>("read"),
                         InstanceMethod<&DeviceWrap::Write>("write"),
                         InstanceMethod<&DeviceWrap::Space>("space"),
                         InstanceMethod<&DeviceWrap::Probe>("probe"),
                         InstanceMethod<&DeviceWrap::Seek>("seek"),
                         InstanceMethod<&DeviceWrap::Reopen>("reopen"),
                         InstanceMethod<&DeviceWrap::Lock>("lock"),
                         InstanceMethod<&DeviceWrap::Close>("close"),
                         InstanceMethod<&DeviceWrap::Info>("info"),
                     });
}

// new NativeDevice(path, {readOnly, direct, exclusive, engine, depth})
DeviceWrap::DeviceWrap(const Napi::CallbackInfo& info) : Napi::ObjectWrap<DeviceWrap>(info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
  path_ = info[0].As<Napi::String>().Utf8Value();
  if (path_.find('\0') != std::string::npos)
    throw Napi::TypeError::New(env, "path must not contain NUL bytes");
  Napi::Object opts = info[1].IsObject() ? info[1].As<Napi::Object>() : Napi::Object::New(env);
  OpenSpec spec;
  spec.path = path_;
  spec.read_only = ReadBool(opts, "readOnly", false);
  spec.direct = ReadBool(opts, "direct", false);
  spec.exclusive = ReadBool(opts, "exclusive", false);
  EngineKind kind = ParseEngine(env, ReadString(opts, "engine", "auto"));
  unsigned depth = kDefaultDepth;
  int64_t spin_us = kDefaultSpinUs;
  if (!opts.Get("spinUs").IsUndefined()) spin_us = ReadOffset(opts.Get("spinUs"), "spinUs");
  spin_ns_ = static_cast<uint64_t>(std::min<int64_t>(spin_us, 10000)) * 1000;
  if (!opts.Get("depth").IsUndefined()) {
    int64_t d = ReadOffset(opts.Get("depth"), "depth");
    if (d < 1 || d > 4096) throw Napi::RangeError::New(env, "depth must be 1..4096");
    depth = static_cast<unsigned>(d);
  }

  std::string why;
  int r = OpenTarget(spec, &opened_, &why);
  if (r < 0) {
    ErrorSite site;
    site.syscall = "open";
    site.path = path_;
    site.detail = why;
    throw Napi::Error(env, MakeIoError(env, r, site));
  }
  std::string error;
  engine_ = CreateEngine(kind, depth, &error);
  if (!engine_) {
    ErrorSite site;
    site.syscall = "io_uring_setup";
    site.path = path_;
    site.detail = error;
    throw Napi::Error(env, MakeIoError(env, -ENOTSUP, site));
  }
  poll_ = new uv_poll_t;
  uv_loop_t* loop = nullptr;
  napi_get_uv_event_loop(env, &loop);
  uv_poll_init(loop, poll_, engine_->EventFd());
  poll_->data = this;
  uv_poll_start(poll_, UV_READABLE,
                [](uv_poll_t* h, int, int) { static_cast<DeviceWrap*>(h->data)->OnReadable(); });
  uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
  {
    prepare_ = new uv_prepare_t;
    uv_prepare_init(loop, prepare_);
    prepare_->data = this;
    uv_prepare_start(prepare_,
                     [](uv_prepare_t* h) { static_cast<DeviceWrap*>(h->data)->OnPrepare(); });
    uv_unref(reinterpret_cast<uv_handle_t*>(prepare_));
  }
  Napi::Object resource = Napi::Object::New(env);
  resource_ = Napi::Persistent(resource);
  async_ = std::make_unique<Napi::AsyncContext>(env, "rawio:io", resource);
  if (AddonData* data = GetAddonData(env)) data->devices.insert(this);
}

DeviceWrap::~DeviceWrap() {
  if (AddonData* data = GetAddonData(Env())) data->devices.erase(this);
  Shutdown();
}

void DeviceWrap::Shutdown() {
  if (poll_) {
    uv_poll_stop(poll_);
    uv_close(reinterpret_cast<uv_handle_t*>(poll_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
    poll_ = nullptr;
  }
  if (prepare_) {
    uv_prepare_stop(prepare_);
    uv_close(reinterpret_cast<uv_handle_t*>(prepare_),
             [](uv_handle_t* h) { delete reinterpret_cast<uv_prepare_t*>(h); });
    prepare_ = nullptr;
  }
  engine_.reset();  // joins worker threads / tears the ring down
  opened_.fd.Reset();
}

void DeviceWrap::CheckOpen(Napi::Env env) const {
  if (!opened_.fd.Valid() || !engine_) {
    ErrorSite site;
    site.syscall = "submit";
    site.path = path_;
    site.detail = "device is closed";
    throw Napi::Error(env, MakeIoError(env, -EBADF, site));
  }
}

Napi::Value DeviceWrap::Start(Napi::Env env, Pending* p) {
  napi_value promise;
  napi_create_promise(env, &p->deferred, &promise);
  p->fd = opened_.fd.Get();
  p->user = p;
  if (in_flight_++ == 0) {
    Ref();  // keep this object alive while the kernel owns requests
    if (!poll_ref_) {
      uv_ref(reinterpret_cast<uv_handle_t*>(poll_));
      poll_ref_ = true;
    }
  }
  engine_->Queue(p);
  // Submission is batched: everything queued in this turn of the event loop goes
  // to the kernel in one syscall, from OnPrepare, just before the loop polls.
  commit_pending_ = true;
  return Napi::Value(env, promise);
}

// read(buffers, offset) -> Promise<ns>
Napi::Value DeviceWrap::Read(const Napi::CallbackInfo& info) { return SubmitRw(info, Op::kRead); }
// write(buffers, offset, fua) -> Promise<ns>
Napi::Value DeviceWrap::Write(const Napi::CallbackInfo& info) { return SubmitRw(info, Op::kWrite); }

// Requests are recycled through a small free list: no heap allocation per request
// once the pool has warmed up (a throw below frees the request instead).
std::unique_ptr<DeviceWrap::Pending> DeviceWrap::Acquire() {
  if (free_.empty()) return std::make_unique<Pending>();
  std::unique_ptr<Pending> p = std::move(free_.back());
  free_.pop_back();
  return p;
}

void DeviceWrap::Recycle(Pending* p) {
  p->Reset();
  if (free_.size() < kPoolMax)
    free_.emplace_back(p);
  else
    delete p;
}

Napi::Value DeviceWrap::SubmitRw(const Napi::CallbackInfo& info, Op op) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  std::unique_ptr<Pending> p = Acquire();
  keep_scratch_.clear();
  p->op = op;
  p->length = ReadBuffers(info[0], &p->iov, &keep_scratch_);
  p->offset = ReadOffset(info[1], "offset");
  if (op == Op::kWrite && info[2].ToBoolean().Value()) p->rw_flags = RWF_DSYNC;
  p->keep.resize(keep_scratch_.size());
  for (size_t i = 0; i < keep_scratch_.size(); ++i)
    napi_create_reference(env, keep_scratch_[i], 1, &p->keep[i]);
  return Start(env, p.release());
}

// space(op, offset, length) -> Promise<ns>; op is a native Op number.
Napi::Value DeviceWrap::Space(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  int64_t op = ReadOffset(info[0], "op");
  if (op < static_cast<int>(Op::kFlush) || op >= kOpCount)
    throw Napi::RangeError::New(env, "unknown space operation");
  std::unique_ptr<Pending> p = Acquire();
  p->op = static_cast<Op>(op);
  p->offset = info[1].IsUndefined() ? 0 : ReadOffset(info[1], "offset");
  p->length = info[2].IsUndefined() ? 0 : ReadOffset(info[2], "length");
  return Start(env, p.release());
}

void DeviceWrap::Commit() {
  if (commit_pending_ && engine_) {
    commit_pending_ = false;
    engine_->Commit();
  }
}

void DeviceWrap::OnPrepare() {
  Commit();
  // Poll only at low depth: with many requests in flight completions arrive often
  // anyway, and a spinning JS thread would take a CPU from the kernel's completion work.
  if (in_flight_ == 0 || in_flight_ > kSpinMaxInFlight || !engine_ || spin_ns_ == 0) return;
  uint64_t deadline = NowNs() + spin_ns_;
  do {
    // Ready: the eventfd is signalled too, so the poll phase runs OnReadable at once.
    // Settling here, inside the prepare phase, would run JS that may queue requests
    // on another device whose prepare hook has already run this turn.
    if (engine_->CompletionsReady()) return;
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    asm volatile("yield");
#endif
  } while (NowNs() < deadline);
}

void DeviceWrap::OnReadable() {
  if (!engine_) return;
  SysEventfdDrain(engine_->EventFd());
  reaped_.clear();
  engine_->Reap(&reaped_);
  if (reaped_.empty()) return;
  Napi::Env env = Env();
  Napi::HandleScope scope(env);
  napi_callback_scope cb_scope;
  napi_open_callback_scope(env, resource_.Value(), *async_, &cb_scope);
  for (Request* r : reaped_) Settle(env, static_cast<Pending*>(r->user));
  in_flight_ -= reaped_.size();
  if (in_flight_ == 0) {
    if (poll_ref_ && poll_) {
      uv_unref(reinterpret_cast<uv_handle_t*>(poll_));
      poll_ref_ = false;
    }
    Unref();
  }
  // Closing the outermost callback scope runs the microtasks (promise reactions),
  // which may queue new requests: send them at once.
  napi_close_callback_scope(env, cb_scope);
  Commit();
}

void DeviceWrap::Settle(Napi::Env env, Pending* p) {
  for (napi_ref ref : p->keep) napi_delete_reference(env, ref);
  if (p->res >= 0) {
    if (p->op == Op::kRead && p->done < p->length) {
      for (const iovec& v : p->iov) std::memset(v.iov_base, 0, v.iov_len);  // EOF: zero-fill
    }
    double ns = static_cast<double>(p->t_complete - p->t_submit);
    napi_resolve_deferred(env, p->deferred, Napi::Number::New(env, ns));
  } else {
    ErrorSite site;
    site.syscall = OpSyscall(p->op);
    site.path = path_;
    if (p->op != Op::kFlush && p->op != Op::kFsync) {
      site.offset = p->offset;
      site.length = p->length;
    }
    napi_reject_deferred(env, p->deferred, MakeIoError(env, static_cast<int>(p->res), site));
  }
  Recycle(p);
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
  if (in_flight_ > 0) throw Napi::Error::New(env, "cannot reopen with requests in flight");
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
  if (in_flight_ > 0) throw Napi::Error::New(env, "cannot close with requests in flight");
  Shutdown();
  return env.Undefined();
}

Napi::Value DeviceWrap::Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("path", path_);
  o.Set("open", Napi::Boolean::New(env, opened_.fd.Valid()));
  o.Set("fd", Napi::Number::New(env, opened_.fd.Get()));
  o.Set("engine", engine_ ? engine_->Name() : "closed");
  o.Set("kind", opened_.is_block ? "block" : "file");
  o.Set("direct", Napi::Boolean::New(env, opened_.direct));
  o.Set("exclusive", Napi::Boolean::New(env, opened_.exclusive));
  o.Set("readOnly", Napi::Boolean::New(env, opened_.read_only));
  o.Set("inFlight", Napi::Number::New(env, static_cast<double>(in_flight_)));
  return o;
}

}  // namespace rawio
