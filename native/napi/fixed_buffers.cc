#include "napi/fixed_buffers.h"

#include <errno.h>

#include "engine/io_core.h"

namespace rawio {

int FixedBuffers::Register(Napi::Env env, Napi::Value view, IoCore* core) {
  BlockRef block(NativeBlockOf(env, view));
  if (!block) return -EINVAL;  // not allocBuffer's memory: bounced per request, never in place
  if (!core) return -EBADF;
  // Already in the table on its own: that slot is now the caller's.
  for (Slot& s : slots_) {
    if (s.automatic && !s.closing && s.block.get() == block.get()) {
      s.automatic = false;
      auto_bytes_ -= s.length;
      return s.index;
    }
  }
  int index = Add(block, false, core);
  // A full table or locked-memory limit: the slots registered on their own give way.
  if ((index == -ENFILE || index == -ENOMEM) && Evict(core, true) > 0)
    index = Add(block, false, core);
  return index;
}

// Registers the whole block (every view into it, a misaligned one too, is inside).
int FixedBuffers::Add(BlockRef& block, bool automatic, IoCore* core) {
  int index = core->RegisterBuffer(iovec{block->Data(), block->Size()});
  if (index < 0) return index;
  Slot s;
  s.index = index;
  s.base = reinterpret_cast<uintptr_t>(block->Data());
  s.length = block->Size();
  s.block = std::move(block);
  s.automatic = automatic;
  if (automatic) auto_bytes_ += s.length;
  slots_.push_back(std::move(s));
  return index;
}

FixedBuffers::Slot* FixedBuffers::Find(int index) {
  for (Slot& s : slots_)
    if (s.index == index) return &s;
  return nullptr;
}

void FixedBuffers::Unregister(int slot, IoCore* core) {
  Slot* s = Find(slot);
  if (!s || s->closing) return;
  s->closing = true;
  if (s->uses == 0) Drop(s, core);
}

int FixedBuffers::Claim(const std::vector<HeldView>& held, const std::vector<iovec>& iov,
                        IoCore* core) {
  if (iov.empty()) return -1;
  for (Slot& s : slots_) {
    if (s.closing) continue;
    bool inside = true;
    for (const iovec& v : iov) {
      uintptr_t a = reinterpret_cast<uintptr_t>(v.iov_base);
      if (a < s.base || v.iov_len > s.length || a - s.base > s.length - v.iov_len) {
        inside = false;
        break;
      }
    }
    if (inside) {
      ++s.uses;
      return s.index;
    }
  }
  if (!auto_ || !core || held.empty()) return -1;
  // In place, all in one allocBuffer block: a block that keeps being used joins the table, tried at
  // its kHotUses-th request, then at each power of two (a refusal costs a few syscalls, ever
  // rarer).
  AlignedBlock* block = held[0].block;
  if (!block || block->IsBounce()) return -1;
  for (const HeldView& h : held)
    if (h.block != block) return -1;
  uint32_t n = block->Touch();
  if (n < kHotUses || (n & (n - 1)) != 0) return -1;
  int index = AutoRegister(block, core);
  if (index < 0) return -1;
  ++slots_.back().uses;
  return index;
}

int FixedBuffers::AutoRegister(AlignedBlock* block, IoCore* core) {
  size_t size = block->Size();
  if (size > kAutoMaxBlock) return -1;
  if (auto_bytes_ + size > kAutoBytes) {
    Evict(core, false);
    if (auto_bytes_ + size > kAutoBytes) return -1;
  }
  block->Ref();
  BlockRef ref(block);  // the slot's, if it registers
  int index = Add(ref, true, core);
  if (index == -ENFILE && Evict(core, false) > 0) index = Add(ref, true, core);
  if (index >= 0) return index;
  // No table on this engine (the thread pool, a bench ring, an old liburing): never again here.
  if (index == -ENOTSUP || index == -EBUSY) auto_ = false;
  return -1;
}

void FixedBuffers::Release(int slot, IoCore* core) {
  Slot* s = Find(slot);
  if (!s || s->uses == 0) return;
  if (--s->uses == 0 && s->closing) Drop(s, core);
}

void FixedBuffers::Sweep(IoCore* core) {
  if (auto_bytes_ > 0) Evict(core, false);
}

size_t FixedBuffers::Evict(IoCore* core, bool live_too) {
  size_t n = 0;
  for (size_t i = slots_.size(); i-- > 0;) {
    Slot& s = slots_[i];
    if (!s.automatic || s.uses > 0 || (!live_too && s.block->Refs() > 1)) continue;
    Drop(&s, core);
    ++n;
  }
  return n;
}

void FixedBuffers::Drop(Slot* s, IoCore* core) {
  // A slot the engine could not empty stays taken there (never named again), so
  // letting the ArrayBuffer go is safe either way.
  if (core) core->UnregisterBuffer(s->index);
  if (s->automatic) auto_bytes_ -= s->length;
  slots_.erase(slots_.begin() + (s - slots_.data()));
}

size_t FixedBuffers::Registered() const {
  size_t n = 0;
  for (const Slot& s : slots_) n += s.automatic ? 0 : 1;
  return n;
}

size_t FixedBuffers::AutoRegistered() const { return slots_.size() - Registered(); }

}  // namespace rawio
