#include "napi/fixed_buffers.h"

#include <errno.h>

#include "engine/io_core.h"
#include "napi/js_buffers.h"

namespace rawio {

int FixedBuffers::Register(Napi::Env env, Napi::Value view, IoCore* core) {
  std::unique_ptr<AlignedBlock, Unref> block(NativeBlockOf(env, view));
  if (!block) return -EINVAL;  // not allocBuffer's memory: bounced per request, never in place
  if (!core) return -EBADF;
  // The whole block: every view into it (a misaligned one too) is inside.
  int index = core->RegisterBuffer(iovec{block->Data(), block->Size()});
  if (index < 0) return index;
  Slot s;
  s.index = index;
  s.base = reinterpret_cast<uintptr_t>(block->Data());
  s.length = block->Size();
  s.block = std::move(block);
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

int FixedBuffers::Claim(const std::vector<iovec>& iov) {
  if (slots_.empty() || iov.empty()) return -1;
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
  return -1;
}

void FixedBuffers::Release(int slot, IoCore* core) {
  Slot* s = Find(slot);
  if (!s || s->uses == 0) return;
  if (--s->uses == 0 && s->closing) Drop(s, core);
}

void FixedBuffers::Drop(Slot* s, IoCore* core) {
  // A slot the engine could not empty stays taken there (never named again), so
  // letting the ArrayBuffer go is safe either way.
  if (core) core->UnregisterBuffer(s->index);
  slots_.erase(slots_.begin() + (s - slots_.data()));
}

size_t FixedBuffers::Registered() const { return slots_.size(); }

}  // namespace rawio
