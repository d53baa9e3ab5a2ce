#include "util/aligned_block.h"

#include <cstdlib>
#include <new>

namespace rawio {

AlignedBlock* AlignedBlock::New(size_t size, size_t align, size_t misalign, bool zero) {
  if (align == 0 || (align & (align - 1)) != 0 || misalign >= align) return nullptr;
  size_t total = size + align + misalign;
  if (total < size) return nullptr;  // overflow
  // Over-allocate and place the data: calloc of a large block maps fresh pages without touching
  // them (zeroing costs nothing until the kernel or the caller writes them).
  void* raw = zero ? std::calloc(1, total) : std::malloc(total);
  if (raw == nullptr) return nullptr;
  auto addr = reinterpret_cast<uintptr_t>(raw);
  uintptr_t start = ((addr + align - 1) & ~(uintptr_t(align) - 1)) + misalign;
  auto* block = new (std::nothrow) AlignedBlock(raw, reinterpret_cast<uint8_t*>(start), size);
  if (block == nullptr) std::free(raw);
  return block;
}

AlignedBlock::~AlignedBlock() { std::free(raw_); }

}  // namespace rawio
