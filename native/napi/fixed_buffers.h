// A Device's registered buffers (qemu-io's -r, qemu's blk_register_buf): an allocBuffer block
// (napi/js_buffers.h) joins the engine's fixed-buffer table, and every read or write whose iovecs
// all lie inside it names its slot (Request::buf_index), so the ring runs it as
// READ_FIXED/WRITE_FIXED. The table holds a reference on the block while it is registered (the
// memory stays, whatever JavaScript does with its ArrayBuffer), and a slot leaves the engine's
// table only when no request naming it is still queued or in flight: the kernel never reads or
// writes memory that was freed, and a slot is never reused under a request that was prepared for
// its old buffer. Memory that is not allocBuffer's is bounced per request, so it is never
// registered.
#pragma once

#include <napi.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "util/aligned_block.h"

namespace rawio {

class IoCore;

class FixedBuffers {
 public:
  // Registers the allocBuffer block behind view. Returns the slot, or -errno (-ENOTSUP: the
  // engine has no fixed buffers; -EINVAL: not allocBuffer memory); the caller runs unregistered.
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
  struct Unref {
    void operator()(AlignedBlock* b) const { b->Unref(); }
  };
  struct Slot {
    int index = -1;  // the engine's slot
    uintptr_t base = 0;
    size_t length = 0;
    std::unique_ptr<AlignedBlock, Unref> block;  // one reference, held while registered
    size_t uses = 0;                             // requests queued or in flight naming it
    bool closing = false;                        // Unregister was called
  };
  Slot* Find(int index);
  void Drop(Slot* s, IoCore* core);

  std::vector<Slot> slots_;
};

}  // namespace rawio
