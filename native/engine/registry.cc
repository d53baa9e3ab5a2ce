// Picks an engine: "auto" takes io_uring when its probe passes, else threads. The
// ring's options are refused by the pool here, naming the option.
#include <errno.h>

#include "engine/engine.h"

namespace rawio {

EngineInfo ProbeEngines() {
  EngineInfo info;
#ifdef RAWIO_HAVE_URING
  info.uring_built = true;
#endif
  info.uring_usable = UringUsable(&info.uring_reason);
  return info;
}

std::unique_ptr<Engine> CreateEngine(EngineKind kind, const EngineOptions& opts, int* err,
                                     std::string* why) {
  if (kind != EngineKind::kThreads) {
    std::string reason;
    auto engine = CreateUringEngine(opts, err, &reason);
    if (engine) return engine;
    if (kind == EngineKind::kUring) {
      *why = reason;
      return nullptr;
    }
  }
  const char* refused = !opts.fixed_buffers.empty() ? "fixedbufs"
                        : opts.register_fd >= 0     ? "registerfiles"
                        : opts.hipri                ? "hipri"
                        : opts.sqpoll               ? "sqpoll"
                                                    : nullptr;
  if (refused) {
    *err = -EINVAL;
    *why = std::string(refused) + " needs --engine=io_uring";
    return nullptr;
  }
  unsigned threads = opts.may_run_inline && opts.depth <= 1 ? 0 : (opts.depth ? opts.depth : 1);
  auto engine = CreateThreadEngine(threads, opts.signal_fd);
  if (!engine) {
    *err = -EMFILE;
    *why = "eventfd failed";
  }
  return engine;
}

}  // namespace rawio
