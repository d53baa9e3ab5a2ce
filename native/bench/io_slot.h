// One in-flight benchmark request: a fixed slot with its own buffer, reused for
// the whole run (no allocation per I/O).
#pragma once

#include <cstdint>

#include "bench/job_spec.h"

namespace rawio {

enum class IoOp : uint8_t { kRead, kWrite, kTrim, kFsync, kFdatasync };

inline Dir DirOf(IoOp op) {
  switch (op) {
    case IoOp::kRead:
      return Dir::kRead;
    case IoOp::kWrite:
      return Dir::kWrite;
    case IoOp::kTrim:
      return Dir::kTrim;
    default:
      return Dir::kSync;
  }
}

inline bool MovesData(IoOp op) { return op == IoOp::kRead || op == IoOp::kWrite; }

struct IoSlot {
  IoOp op = IoOp::kRead;
  uint32_t index = 0;   // slot number, and the registered buffer index
  uint32_t length = 0;  // bytes of the request
  uint32_t done = 0;    // bytes transferred so far (short transfers are requeued)
  int64_t offset = 0;
  char* buf = nullptr;
  uint64_t t_submit = 0;        // CLOCK_MONOTONIC ns when first handed to the kernel
  void* engine_data = nullptr;  // owned by the driver
  bool busy = false;            // issued and not yet completed (verify: in-flight overlaps)
  bool skip_verify = false;     // a read that overlapped a write in flight: not verified
};

struct Completion {
  IoSlot* slot;
  int64_t res;  // bytes (or 0) on success, -errno on failure
};

}  // namespace rawio
