// A Device request as the addon holds it: the engine's Request, the id JavaScript knows it by,
// and the memory its iovecs point into (napi/js_buffers.h). Shared by device_wrap.cc (the
// device) and device_requests.cc (the request path).
#pragma once

#include <cstdint>
#include <vector>

#include "engine/request.h"
#include "napi/device_wrap.h"
#include "napi/js_buffers.h"

namespace rawio {

struct DeviceWrap::Pending : Request {
  uint32_t id = 0;             // the JS side's name for the request (lib/native-io.ts)
  std::vector<HeldView> held;  // the memory iov points into (napi/js_buffers.h)

  // Back to a fresh request (held already released); the vectors keep their capacity.
  void Reset() {
    ResetRequest();
    held.clear();
  }
};

}  // namespace rawio
