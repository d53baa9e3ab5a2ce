// A Device's registered buffers (qemu-io's -r, qemu's blk_register_buf): the memory
// of an ArrayBuffer joins the engine's fixed-buffer table, and every read or write
// whose iovecs all lie inside it names its slot (Request::buf_index), so the ring
// runs it as READ_FIXED/WRITE_FIXED. The table keeps the ArrayBuffer alive (a strong
// reference) while it is registered, and a slot leaves the engine's table only when
// no request naming it is still queued or in flight: the kernel never reads or
// writes memory the process has let go of, and a slot is never reused under a
// request that was prepared for its old buffer.
#pragma once

#include <napi.h>
#include <sys/uio.h>

#include <cstdint>
#include <vector>

namespace rawio {

class IoCore;

class FixedBuffers {
 public:
  // Registers the whole ArrayBuffer behind view. Returns the slot, or -errno
  // (-ENOTSUP: the engine has no fixed buffers; the caller runs unregistered).
  int Register(Napi::Env env, Napi::Value view, IoCore* core);
  // The slot leaves the table once its requests have settled (now if none).
  void Unregister(int slot, IoCore* core);
  // The slot holding every iovec, or -1; counts the request as using it.
  int Claim(const std::vector<iovec>& iov);
  // A request that claimed slot has settled.
  void Release(int slot, IoCore* core);
  // Lets every buffer go (the engine, and with it the kernel's table, is gone).
  void Clear() { slots_.clear(); }
  // Buffers registered now.
  size_t Registered() const;

 private:
  struct Slot {
    int index = -1;  // the engine's slot
    uintptr_t base = 0;
    size_t length = 0;
    Napi::Reference<Napi::Value> keep;  // the ArrayBuffer
    size_t uses = 0;                    // requests queued or in flight naming it
    bool closing = false;               // Unregister was called
  };
  Slot* Find(int index);
  void Drop(Slot* s, IoCore* core);

  std::vector<Slot> slots_;
};

}  // namespace rawio
