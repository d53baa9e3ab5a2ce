// The request path of DeviceWrap (napi/device_wrap.h): submitRead/submitWrite/submitSpace
// check their arguments, hold the memory the kernel will use and hand the request to the pump
// with an id; Settle() tells JavaScript (lib/native-io.ts) how a whole reap ended, with one call
// for the successes and one per failure.
#include <linux/fs.h>

#include <cstring>

#include "napi/args.h"
#include "napi/device_pending.h"
#include "napi/errors.h"

namespace rawio {

namespace {
constexpr size_t kPoolMax = 256;  // requests kept for reuse
}  // namespace

// Past every check: the request gets its id and goes to the pump. Returns the id.
Napi::Value DeviceWrap::Start(Napi::Env env, Pending* p) {
  if (free_ids_.empty()) {
    p->id = next_id_++;
  } else {
    p->id = free_ids_.back();
    free_ids_.pop_back();
  }
  p->fd = opened_.fd.Get();
  p->user = p;
  pump_->Submit(p);
  return Napi::Number::New(env, p->id);
}

// submitRead(buffers, offset) -> id; settled with {bytes, ns}
Napi::Value DeviceWrap::SubmitRead(const Napi::CallbackInfo& info) {
  return SubmitRw(info, Op::kRead);
}
// submitWrite(buffers, offset, fua) -> id; settled with {bytes, ns}
Napi::Value DeviceWrap::SubmitWrite(const Napi::CallbackInfo& info) {
  return SubmitRw(info, Op::kWrite);
}

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

// The kernel gets memory that JavaScript cannot free under it: allocBuffer's native blocks in
// place (a reference each), any other buffer bounced (a write's bytes copied in now).
Napi::Value DeviceWrap::SubmitRw(const Napi::CallbackInfo& info, Op op) {
  Napi::Env env = info.Env();
  CheckOpen(env);
  int64_t offset = ReadOffset(info[1], "offset");
  std::unique_ptr<Pending> p = Acquire();
  p->op = op;
  p->offset = offset;
  if (op == Op::kWrite && info[2].ToBoolean().Value()) p->rw_flags = RWF_DSYNC;
  p->length = HoldViews(env, info[0], op == Op::kWrite ? Access::kIn : Access::kOut, &p->held);
  for (const HeldView& h : p->held) p->iov.push_back({h.mem, h.len});
  // in a registered buffer (or one that joins the table now): READ_FIXED/WRITE_FIXED
  p->buf_index = fixed_.Claim(p->held, p->iov, pump_->Core());
  return Start(env, p.release());
}

// submitSpace(op, offset, length) -> id, settled with {bytes: length, ns}; op is a native Op
// number.
Napi::Value DeviceWrap::SubmitSpace(const Napi::CallbackInfo& info) {
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

// One call into JS. A callback that throws (it only settles promises: it should not) is an
// uncaught exception, as a throw in any other callback of the loop.
void DeviceWrap::CallJs(Napi::Env env, const Napi::FunctionReference& fn, size_t argc,
                        const napi_value* argv) {
  napi_value undefined, ignored;
  napi_get_undefined(env, &undefined);
  if (napi_call_function(env, undefined, fn.Value(), argc, argv, &ignored) == napi_ok) return;
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) return;  // the environment is going away: nothing can run any more
  napi_value error;
  napi_get_and_clear_last_exception(env, &error);
  napi_fatal_exception(env, error);
}

// Settles a reap: [id, bytes, ns] per request into results_, one onBatch call per full
// array (and at the end); a failed request flushes what came before it, then onFail. An
// id is reused only after JS has heard of its settlement.
void DeviceWrap::Settle(Napi::Env env, const std::vector<Request*>& reqs) {
  size_t n = 0;
  auto flush = [&] {
    if (n == 0) return;
    napi_value count;
    napi_create_uint32(env, static_cast<uint32_t>(n), &count);
    n = 0;
    CallJs(env, on_batch_, 1, &count);
  };
  for (Request* req : reqs) {
    auto* p = static_cast<Pending*>(req->user);
    if (p->buf_index >= 0) fixed_.Release(p->buf_index, pump_->Core());
    bool ok = p->res >= 0;
    if (ok && p->op == Op::kRead && p->eof) {
      for (const iovec& v : p->iov) std::memset(v.iov_base, 0, v.iov_len);  // EOF: zero-fill
    }
    // A read's bounced bytes go back to buffers that still have their memory; every reference
    // the request held is dropped.
    ReleaseViews(env, &p->held, ok && p->op == Op::kRead);
    if (ok) {
      // What the kernel said: the bytes really transferred (a read that met EOF reports
      // what it read; the rest of its buffers is zero-filled above), and the engine's
      // submit-to-completion time, the one clock of every report.
      bool rw = p->op == Op::kRead || p->op == Op::kWrite;
      double* r = results_ + 3 * n++;
      r[0] = p->id;
      r[1] = static_cast<double>(rw ? p->res : p->length);
      r[2] = static_cast<double>(p->t_complete - p->t_submit);
      settled_ids_.push_back(p->id);
      Recycle(p);
      if (n == results_cap_) flush();
      continue;
    }
    flush();
    ErrorSite site;
    site.syscall = OpSyscall(p->op);
    site.path = path_;
    if (p->op != Op::kFlush && p->op != Op::kFsync) {
      site.offset = p->offset;
      site.length = p->length;
    }
    napi_value argv[2];
    napi_create_uint32(env, p->id, &argv[0]);
    argv[1] = MakeIoError(env, static_cast<int>(p->res), site);
    settled_ids_.push_back(p->id);
    Recycle(p);
    CallJs(env, on_fail_, 2, argv);
  }
  flush();
  free_ids_.insert(free_ids_.end(), settled_ids_.begin(), settled_ids_.end());
  settled_ids_.clear();
}

}  // namespace rawio
