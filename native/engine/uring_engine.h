// io_uring engine: one ring per device, completions signalled on an eventfd that
// the JS thread polls. Operations the ring cannot run go to an auxiliary thread
// engine that signals the same eventfd.
#pragma once

#include <deque>
#include <memory>
#include <string>

#include "engine/engine.h"
#include "engine/thread_engine.h"

namespace rawio {

struct UringProbe {
  bool ok = false;
  bool fallocate = false;
  std::string reason;
};

UringProbe ProbeUring();

std::unique_ptr<Engine> CreateUringEngine(unsigned depth, std::string* error);

}  // namespace rawio
