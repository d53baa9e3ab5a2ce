// Picks an engine: "auto" takes io_uring when its probe passes, else threads.
#include "engine/thread_engine.h"
#include "engine/uring_engine.h"

namespace rawio {

EngineInfo ProbeEngines() {
  EngineInfo info;
#ifdef RAWIO_HAVE_URING
  info.uring_built = true;
#endif
  UringProbe probe = ProbeUring();
  info.uring_usable = probe.ok;
  info.uring_reason = probe.reason;
  return info;
}

std::unique_ptr<Engine> CreateEngine(EngineKind kind, unsigned depth, std::string* error) {
  if (kind != EngineKind::kThreads) {
    std::string why;
    auto engine = CreateUringEngine(depth, &why);
    if (engine) return engine;
    if (kind == EngineKind::kUring) {
      *error = why;
      return nullptr;
    }
  }
  auto engine = std::make_unique<ThreadEngine>(depth);
  if (!engine->Ok()) {
    *error = "eventfd failed";
    return nullptr;
  }
  return engine;
}

}  // namespace rawio
