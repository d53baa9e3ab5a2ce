// Native memory for I/O that JavaScript cannot free under the kernel: an aligned block with a
// reference count (native/napi/js_buffers.h hands it out). Whoever gives the memory to the kernel
// or to a pool thread holds a reference until that work has completed; the last Unref frees it
// (or keeps a bounce block for reuse), on whichever thread that is.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>

namespace rawio {

class AlignedBlock {
 public:
  // `size` bytes whose first byte is exactly `misalign` bytes past an `align` boundary (align a
  // power of two, misalign < align), zeroed when asked; one reference, held by the caller.
  // nullptr when out of memory.
  static AlignedBlock* New(size_t size, size_t align, size_t misalign, bool zero);
  // A bounce block: `size` bytes, not zeroed, `misalign` (< kBouncePage) bytes past a page
  // boundary. Recently freed bounce blocks are reused: a bounce per request costs no allocation
  // (and no page faults) in the steady state.
  static AlignedBlock* Bounce(size_t size, size_t misalign);
  static constexpr size_t kBouncePage = 4096;

  AlignedBlock(const AlignedBlock&) = delete;
  AlignedBlock& operator=(const AlignedBlock&) = delete;

  uint8_t* Data() const { return data_; }
  size_t Size() const { return size_; }
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) Recycle(this);
  }
  // The references held now (1 alone: only the caller's).
  uint32_t Refs() const { return refs_.load(std::memory_order_acquire); }
  // A bounce block (Bounce()), recycled per request: never worth keeping registered.
  bool IsBounce() const { return bounce_class_ >= 0; }
  // Counts one more request that used this block in place; returns the count (napi/fixed_buffers.h
  // registers a block that requests keep using).
  uint32_t Touch() { return uses_.fetch_add(1, std::memory_order_relaxed) + 1; }

 private:
  AlignedBlock(void* raw, uint8_t* base, size_t size)
      : raw_(raw), base_(base), data_(base), size_(size) {}
  ~AlignedBlock();
  static void Recycle(AlignedBlock* block);

  std::atomic<uint32_t> refs_{1};
  std::atomic<uint32_t> uses_{0};
  void* raw_;      // what malloc/calloc returned
  uint8_t* base_;  // the aligned start
  uint8_t* data_;  // base_ + misalign
  size_t size_;
  int bounce_class_ = -1;  // a reusable bounce block: its size class (capacity 4 KiB << class)
};

}  // namespace rawio
