// A Device's registered buffers (qemu-io's -r, qemu's blk_register_buf): an allocBuffer block
// (napi/js_buffers.h) joins the engine's fixed-buffer table, and every read or write whose iovecs
// all lie inside it names its slot (Request::buf_index), so the ring runs it as
// READ_FIXED/WRITE_FIXED. The table holds a reference on the block while it is registered (the
// memory stays, whatever JavaScript does with its ArrayBuffer), and a slot leaves the engine's
// table only when no request naming it is still queued or in flight: the kernel never reads or
// writes memory that was freed, and a slot is never reused under a request that was prepared for
// its old buffer. Memory that is not allocBuffer's is bounced per request, so it is never
// registered.
//
// Besides the buffers registered on request, a block that requests keep using in place joins the
// table on its own (autoRegister, on by default): at its kHotUses-th request run outside the table,
// then, if that failed, at each power of two of those requests. The kernel then pins its pages
// once, not per request. Such a slot is the device's business only: it is not counted in
// Registered(), it gives way to a buffer registered on request when the table or the locked-memory
// limit is full, and it is emptied once JavaScript has let the block go (Sweep, when the device
// goes idle). docs/architecture.md, "Registered on their own".
#pragma once

#include <napi.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <vector>

#include "napi/js_buffers.h"
#include "util/aligned_block.h"

namespace rawio {

class IoCore;

class FixedBuffers {
 public:
  // A block's requests before it joins the table on its own.
  static constexpr uint32_t kHotUses = 8;
  // Blocks larger than this are never registered on their own, nor more than kAutoBytes in all:
  // what stays pinned is bounded, and so is the memory held for a block JavaScript dropped.
  static constexpr size_t kAutoMaxBlock = size_t{64} << 20;
  static constexpr size_t kAutoBytes = size_t{256} << 20;

  explicit FixedBuffers(bool automatic = true) : auto_(automatic) {}

  // Registers the allocBuffer block behind view. Returns the slot, or -errno (-ENOTSUP: the
  // engine has no fixed buffers; -EINVAL: not allocBuffer memory); the caller runs unregistered.
  int Register(Napi::Env env, Napi::Value view, IoCore* core);
  // The slot leaves the table once its requests have settled (now if none).
  void Unregister(int slot, IoCore* core);
  // The slot holding every iovec, or -1; counts the request as using it. A request whose views
  // are all in one allocBuffer block may register that block on its own (see above).
  int Claim(const std::vector<HeldView>& held, const std::vector<iovec>& iov, IoCore* core);
  // A request that claimed slot has settled.
  void Release(int slot, IoCore* core);
  // Empties the slots registered on their own whose block only the table still holds.
  void Sweep(IoCore* core);
  // Lets every buffer go (the engine, and with it the kernel's table, is gone).
  void Clear() {
    slots_.clear();
    auto_bytes_ = 0;
  }
  // Buffers registered on request now, and on their own.
  size_t Registered() const;
  size_t AutoRegistered() const;

 private:
  struct Unref {
    void operator()(AlignedBlock* b) const { b->Unref(); }
  };
  using BlockRef = std::unique_ptr<AlignedBlock, Unref>;  // one reference on a block
  struct Slot {
    int index = -1;  // the engine's slot
    uintptr_t base = 0;
    size_t length = 0;
    BlockRef block;          // held while registered
    size_t uses = 0;         // requests queued or in flight naming it
    bool closing = false;    // Unregister was called
    bool automatic = false;  // registered on its own
  };
  Slot* Find(int index);
  void Drop(Slot* s, IoCore* core);
  // Registers the block; on success the slot takes the reference.
  int Add(BlockRef& block, bool automatic, IoCore* core);
  int AutoRegister(AlignedBlock* block, IoCore* core);
  // Empties the idle slots registered on their own: only dead ones (the table alone holds the
  // block), or any. Returns how many.
  size_t Evict(IoCore* core, bool live_too);

  std::vector<Slot> slots_;
  bool auto_;              // registers hot blocks on its own (off for good once the engine refused)
  size_t auto_bytes_ = 0;  // bytes in slots registered on their own
};

}  // namespace rawio
