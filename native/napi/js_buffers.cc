#include "napi/js_buffers.h"

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <unordered_map>

#include "napi/args.h"

namespace rawio {

namespace {

// A bounce keeps the caller's offset within a page: every O_DIRECT memory alignment up to a page
// sees the same address bits.
constexpr size_t kBouncePage = AlignedBlock::kBouncePage;
constexpr uint32_t kMaxViews = 1024;  // IOV_MAX
constexpr int64_t kMaxAlign = int64_t{1} << 30;

// allocBuffer's blocks by the address of their ArrayBuffer's first byte, process-wide (a worker
// that was sent an ArrayBuffer finds its block too). An entry holds the ArrayBuffer's reference
// and lives as long as its backing store: the finalizer removes it. Never destroyed (finalizers
// may run while the process exits).
struct Registry {
  std::mutex mu;
  std::unordered_map<const void*, AlignedBlock*> blocks;
};

Registry& Blocks() {
  static Registry* registry = new Registry;
  return *registry;
}

// The block whose ArrayBuffer starts at base, with a reference taken for the caller; or nullptr.
AlignedBlock* FindBlock(const void* base) {
  Registry& r = Blocks();
  std::lock_guard<std::mutex> lock(r.mu);
  auto it = r.blocks.find(base);
  if (it == r.blocks.end()) return nullptr;
  it->second->Ref();
  return it->second;
}

void RegisterBlock(AlignedBlock* block) {
  Registry& r = Blocks();
  std::lock_guard<std::mutex> lock(r.mu);
  r.blocks[block->Data()] = block;
}

// The external ArrayBuffer's backing store is gone (every ArrayBuffer that held it, in any
// isolate): drop its reference. Requests in flight still hold theirs.
void FinalizeBlock(napi_env env, void* data, void* hint) {
  auto* block = static_cast<AlignedBlock*>(hint);
  {
    Registry& r = Blocks();
    std::lock_guard<std::mutex> lock(r.mu);
    r.blocks.erase(data);
  }
  int64_t ignored;
  napi_adjust_external_memory(env, -static_cast<int64_t>(block->Size()), &ignored);
  block->Unref();
}

// RAWIO_NO_EXTERNAL_BUFFERS=1 takes the path of a V8 sandbox, which refuses external buffers
// (napi_no_external_buffers_allowed): allocBuffer memory is then V8's, and bounced.
bool ExternalRefused() {
  static const bool refused = [] {
    const char* v = std::getenv("RAWIO_NO_EXTERNAL_BUFFERS");
    return v != nullptr && *v != '\0' && std::strcmp(v, "0") != 0;
  }();
  return refused;
}

void Check(napi_env env, napi_status status) {
  if (status != napi_ok) throw Napi::Error::New(env);
}

struct ViewInfo {
  uint8_t* data = nullptr;
  size_t len = 0;
  size_t byte_offset = 0;
  napi_value buffer = nullptr;
};

// A TypedArray's or DataView's memory as it is now; false for anything else. Never throws.
bool ReadView(napi_env env, napi_value v, ViewInfo* out) {
  bool is = false;
  void* data = nullptr;
  if (napi_is_typedarray(env, v, &is) == napi_ok && is) {
    napi_typedarray_type type;
    size_t count = 0;
    if (napi_get_typedarray_info(env, v, &type, &count, &data, &out->buffer, &out->byte_offset) !=
        napi_ok)
      return false;
    out->len = count * ElementSize(type);
  } else if (napi_is_dataview(env, v, &is) == napi_ok && is) {
    if (napi_get_dataview_info(env, v, &out->len, &data, &out->buffer, &out->byte_offset) !=
        napi_ok)
      return false;
  } else {
    return false;
  }
  out->data = static_cast<uint8_t*>(data);
  return true;
}

Napi::Value AllocBuffer(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int64_t size = ReadOffset(info[0], "size");
  int64_t align = ReadOffset(info[1], "align");
  int64_t misalign = ReadOffset(info[2], "misalign");
  if (align < 1 || align > kMaxAlign || (align & (align - 1)) != 0)
    throw Napi::RangeError::New(
        env, "alignment " + std::to_string(align) + " is not a power of two up to 1 GiB");
  if (misalign >= align)
    throw Napi::RangeError::New(env, "misalign " + std::to_string(misalign) +
                                         " is not below the alignment " + std::to_string(align));
  if (size == 0) return Napi::Uint8Array::New(env, 0);
  auto n = static_cast<size_t>(size);
  napi_value ab = nullptr;
  size_t at = 0;
  if (!ExternalRefused()) {
    AlignedBlock* block = AlignedBlock::New(n, align, misalign, true);
    if (block == nullptr)
      throw Napi::RangeError::New(env, "cannot allocate " + std::to_string(size) + " bytes");
    napi_status s =
        napi_create_external_arraybuffer(env, block->Data(), n, FinalizeBlock, block, &ab);
    if (s == napi_ok) {
      RegisterBlock(block);
      // V8 schedules collections by the memory behind its objects: tell it about this block.
      int64_t ignored;
      napi_adjust_external_memory(env, size, &ignored);
    } else {
      block->Unref();  // refused (a V8 sandbox: napi_no_external_buffers_allowed)
      ab = nullptr;
      bool pending = false;
      napi_is_exception_pending(env, &pending);
      if (pending) {
        napi_value ignored;
        napi_get_and_clear_last_exception(env, &ignored);
      }
    }
  }
  if (ab == nullptr) {  // V8's memory, placed by hand (zeroed, as every new ArrayBuffer)
    void* data = nullptr;
    Check(env, napi_create_arraybuffer(env, n + align + misalign, &data, &ab));
    auto addr = reinterpret_cast<uintptr_t>(data);
    at = (align - addr % align) % align + misalign;
  }
  napi_value view;
  Check(env, napi_create_typedarray(env, napi_uint8_array, n, ab, at, &view));
  return Napi::Value(env, view);
}

}  // namespace

void HoldView(napi_env env, napi_value value, Access access, HeldView* out) {
  ViewInfo v;
  if (!ReadView(env, value, &v))
    throw Napi::TypeError::New(env, "buffer must be a TypedArray or a DataView");
  if (v.len == 0 || v.data == nullptr) {
    bool detached = false;
    napi_is_detached_arraybuffer(env, v.buffer, &detached);
    if (detached || v.data == nullptr) throw Napi::TypeError::New(env, "buffer is detached");
    throw Napi::RangeError::New(env, "buffer is empty");
  }
  if (AlignedBlock* block = FindBlock(v.data - v.byte_offset)) {  // allocBuffer memory: in place
    out->block = block;
    out->mem = v.data;
    out->len = v.len;
    return;
  }
  size_t misalign = reinterpret_cast<uintptr_t>(v.data) % kBouncePage;
  AlignedBlock* bounce = AlignedBlock::Bounce(v.len, misalign);
  if (bounce == nullptr)
    throw Napi::RangeError::New(
        env, "cannot allocate a bounce buffer of " + std::to_string(v.len) + " bytes");
  out->block = bounce;
  out->mem = bounce->Data();
  out->len = v.len;
  if (access == Access::kIn) {
    std::memcpy(out->mem, v.data, v.len);
    return;
  }
  out->js = v.data;
  if (napi_create_reference(env, value, 1, &out->view) != napi_ok) {
    ReleaseView(env, out, false);
    throw Napi::Error::New(env);
  }
}

void ReleaseView(napi_env env, HeldView* held, bool copy_back) {
  if (held->view != nullptr) {
    napi_value v = nullptr;
    ViewInfo now;
    // Only into the same memory, still attached: a view whose ArrayBuffer was detached (or
    // shrunk to nothing) has let the bytes go.
    if (copy_back && napi_get_reference_value(env, held->view, &v) == napi_ok && v != nullptr &&
        ReadView(env, v, &now) && now.data == held->js && now.len > 0)
      std::memcpy(held->js, held->mem, std::min(now.len, held->len));
    napi_delete_reference(env, held->view);
  }
  if (held->block != nullptr) held->block->Unref();
  *held = HeldView();
}

AlignedBlock* NativeBlockOf(napi_env env, napi_value value) {
  ViewInfo v;
  if (!ReadView(env, value, &v) || v.data == nullptr) return nullptr;
  return FindBlock(v.data - v.byte_offset);
}

int64_t HoldViews(napi_env env, napi_value value, Access access, std::vector<HeldView>* out) {
  size_t first = out->size();
  try {
    bool is_array = false;
    Check(env, napi_is_array(env, value, &is_array));
    if (!is_array) {
      out->emplace_back();
      HoldView(env, value, access, &out->back());
      return static_cast<int64_t>(out->back().len);
    }
    uint32_t n = 0;
    Check(env, napi_get_array_length(env, value, &n));
    if (n == 0) throw Napi::RangeError::New(env, "buffer list is empty");
    if (n > kMaxViews) throw Napi::RangeError::New(env, "more than IOV_MAX (1024) buffers");
    int64_t total = 0;
    for (uint32_t i = 0; i < n; ++i) {
      napi_value e;
      Check(env, napi_get_element(env, value, i, &e));  // a getter may throw
      out->emplace_back();
      HoldView(env, e, access, &out->back());
      total += static_cast<int64_t>(out->back().len);
    }
    return total;
  } catch (...) {
    for (size_t i = first; i < out->size(); ++i) ReleaseView(env, &(*out)[i], false);
    out->resize(first);
    throw;
  }
}

void ReleaseViews(napi_env env, std::vector<HeldView>* held, bool copy_back) {
  for (HeldView& h : *held) ReleaseView(env, &h, copy_back);
  held->clear();
}

void RegisterBuffers(Napi::Env env, Napi::Object exports) {
  exports.Set("allocBuffer", Napi::Function::New<AllocBuffer>(env, "allocBuffer"));
}

}  // namespace rawio
