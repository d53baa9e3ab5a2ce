// Native memory for I/O that JavaScript cannot free under the kernel: an aligned block with a
// reference count (native/napi/js_buffers.h hands it out). Whoever gives the memory to the kernel
// or to a pool thread holds a reference until that work has completed; the last Unref frees it,
// on whichever thread that is.
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

  AlignedBlock(const AlignedBlock&) = delete;
  AlignedBlock& operator=(const AlignedBlock&) = delete;

  uint8_t* Data() const { return data_; }
  size_t Size() const { return size_; }
  void Ref() { refs_.fetch_add(1, std::memory_order_relaxed); }
  void Unref() {
    if (refs_.fetch_sub(1, std::memory_order_acq_rel) == 1) delete this;
  }

 private:
  AlignedBlock(void* raw, uint8_t* data, size_t size) : raw_(raw), data_(data), size_(size) {}
  ~AlignedBlock();

  std::atomic<uint32_t> refs_{1};
  void* raw_;  // what malloc/calloc returned
  uint8_t* data_;
  size_t size_;
};

}  // namespace rawio
