// JavaScript memory handed to native work that outlives the call (the kernel, libuv's pool): the
// one place that decides how, for Device I/O and the stamp codec alike. A JS object keeps its
// ArrayBuffer alive, not the ArrayBuffer's memory: a transfer, ArrayBuffer.prototype.transfer or a
// worker postMessage detaches it, and the memory goes with the new owner (or is freed). So the
// work never uses memory that JavaScript owns:
// - allocBuffer memory is native (an AlignedBlock behind an external ArrayBuffer, found again by
//   its address): the work takes a reference and uses it in place (zero copy). The ArrayBuffer's
//   finalizer drops its own reference; the memory is freed when the last work has completed.
// - any other view (a V8-owned ArrayBuffer, a SharedArrayBuffer, allocBuffer's fallback where
//   external buffers are refused) is bounced through a block at the same offset within a page
//   (O_DIRECT accepts or refuses it exactly as it would the original): its bytes are copied in at
//   the start when the work reads them, and copied back at the end when the work wrote them, only
//   if the view still has the same memory (is not detached); otherwise they are dropped.
#pragma once

#include <napi.h>

#include <cstdint>
#include <vector>

#include "util/aligned_block.h"

namespace rawio {

// What the work does with the view's bytes: reads them (a write, classify) or writes them (a
// read, fill).
enum class Access { kIn, kOut };

// One view, held: the work uses [mem, mem + len), inside block.
struct HeldView {
  AlignedBlock* block = nullptr;  // one reference, held
  uint8_t* mem = nullptr;
  size_t len = 0;
  // Bounced with Access::kOut: the caller's view and where its bytes were, for the copy back.
  napi_ref view = nullptr;
  uint8_t* js = nullptr;
  bool dataview = false;
};

// Holds one TypedArray or DataView. Throws TypeError for anything else or a detached buffer,
// RangeError for an empty one.
void HoldView(napi_env env, napi_value value, Access access, HeldView* out);

// Ends the hold. With copy_back, a bounced view that still has its memory gets the work's bytes.
void ReleaseView(napi_env env, HeldView* held, bool copy_back);

// The allocBuffer block behind a view, with a reference taken for the caller; nullptr when the
// view's memory is not allocBuffer's (or is detached). For holds that outlive any one request
// (a registered fixed buffer, napi/fixed_buffers.h).
AlignedBlock* NativeBlockOf(napi_env env, napi_value value);

// One view or an array of 1..1024 (IOV_MAX): appends to out, returns the total bytes. On a throw
// nothing stays held.
int64_t HoldViews(napi_env env, napi_value value, Access access, std::vector<HeldView>* out);
void ReleaseViews(napi_env env, std::vector<HeldView>* held, bool copy_back);

// exports.allocBuffer(size, align, misalign): a zeroed Uint8Array of native memory whose first
// byte is exactly misalign bytes past an align boundary; its ArrayBuffer is the view.
void RegisterBuffers(Napi::Env env, Napi::Object exports);

}  // namespace rawio
