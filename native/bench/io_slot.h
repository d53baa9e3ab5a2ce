// One in-flight benchmark request: the core's Request with a fixed buffer of its
// own, reused for the whole run (no allocation per I/O).
#pragma once

#include <cstdint>

#include "bench/job_spec.h"
#include "engine/request.h"

namespace rawio {

inline Dir DirOf(Op op) {
  switch (op) {
    case Op::kRead:
      return Dir::kRead;
    case Op::kWrite:
      return Dir::kWrite;
    case Op::kPunchHole:
    case Op::kBlkDiscard:
      return Dir::kTrim;
    default:
      return Dir::kSync;
  }
}

struct IoSlot : Request {
  uint32_t index = 0;        // slot number, and the registered buffer index
  char* buf = nullptr;       // the slot's buffer
  bool busy = false;         // issued and not yet completed (verify: in-flight overlaps)
  bool skip_verify = false;  // a read that overlapped a write in flight: not verified
};

}  // namespace rawio
