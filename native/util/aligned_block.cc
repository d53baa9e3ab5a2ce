#include "util/aligned_block.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <vector>

namespace rawio {

namespace {

// Freed bounce blocks kept for reuse, by size class (4 KiB << c, up to 4 MiB): at most
// kPerClass each and kKeptMax bytes in all; larger bounces are allocated and freed each time.
constexpr int kClasses = 11;
constexpr size_t kPerClass = 32;
constexpr size_t kKeptMax = size_t{32} << 20;

struct BouncePool {
  std::mutex mu;
  std::vector<AlignedBlock*> free[kClasses];
  size_t kept = 0;
};

BouncePool& Pool() {
  static BouncePool* pool = new BouncePool;  // never destroyed: blocks may come back at exit
  return *pool;
}

size_t ClassBytes(int c) { return AlignedBlock::kBouncePage << c; }

int ClassOf(size_t size) {
  for (int c = 0; c < kClasses; ++c)
    if (size <= ClassBytes(c)) return c;
  return -1;
}

}  // namespace

AlignedBlock* AlignedBlock::New(size_t size, size_t align, size_t misalign, bool zero) {
  if (align == 0 || (align & (align - 1)) != 0 || misalign >= align) return nullptr;
  size_t total = size + align + misalign;
  if (total < size) return nullptr;  // overflow
  // Over-allocate and place the data: calloc of a large block maps fresh pages without touching
  // them (zeroing costs nothing until the kernel or the caller writes them).
  void* raw = zero ? std::calloc(1, total) : std::malloc(total);
  if (raw == nullptr) return nullptr;
  auto addr = reinterpret_cast<uintptr_t>(raw);
  auto* base = reinterpret_cast<uint8_t*>((addr + align - 1) & ~(uintptr_t(align) - 1));
  auto* block = new (std::nothrow) AlignedBlock(raw, base, size);
  if (block == nullptr) {
    std::free(raw);
    return nullptr;
  }
  block->data_ = base + misalign;
  return block;
}

AlignedBlock* AlignedBlock::Bounce(size_t size, size_t misalign) {
  if (misalign >= kBouncePage) return nullptr;
  int c = ClassOf(size + misalign);
  AlignedBlock* block = nullptr;
  if (c >= 0) {
    BouncePool& pool = Pool();
    std::lock_guard<std::mutex> lock(pool.mu);
    if (!pool.free[c].empty()) {
      block = pool.free[c].back();
      pool.free[c].pop_back();
      pool.kept -= ClassBytes(c);
    }
  }
  if (block == nullptr) {
    block = New(c >= 0 ? ClassBytes(c) : size + misalign, kBouncePage, 0, false);
    if (block == nullptr) return nullptr;
    block->bounce_class_ = c;
  }
  block->refs_.store(1, std::memory_order_relaxed);
  block->data_ = block->base_ + misalign;
  block->size_ = size;
  return block;
}

void AlignedBlock::Recycle(AlignedBlock* block) {
  int c = block->bounce_class_;
  if (c >= 0) {
    BouncePool& pool = Pool();
    std::lock_guard<std::mutex> lock(pool.mu);
    if (pool.free[c].size() < kPerClass && pool.kept + ClassBytes(c) <= kKeptMax) {
      pool.free[c].push_back(block);
      pool.kept += ClassBytes(c);
      return;
    }
  }
  delete block;
}

AlignedBlock::~AlignedBlock() { std::free(raw_); }

}  // namespace rawio
