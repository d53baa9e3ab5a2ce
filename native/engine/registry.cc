// Picks an engine: "auto" takes io_uring when its probe passes, else threads;
// "libaio" is asked for by name. The ring's options are refused by the others here,
// naming the option.
#include <errno.h>

#include "engine/engine.h"

namespace rawio {

EngineInfo ProbeEngines() {
  EngineInfo info;
#ifdef RAWIO_HAVE_URING
  info.uring_built = true;
#endif
  info.uring_usable = UringUsable(&info.uring_reason);
  // io_destroy waits for an RCU grace period: probe once per process.
  static const std::string libaio_reason = [] {
    EngineOptions one;
    one.depth = 1;
    int err = 0;
    std::string why;
    return CreateAioEngine(one, &err, &why) ? std::string() : why.empty() ? "io_setup failed" : why;
  }();
  info.libaio_usable = libaio_reason.empty();
  info.libaio_reason = libaio_reason;
  return info;
}

std::unique_ptr<Engine> CreateEngine(EngineKind kind, const EngineOptions& opts, int* err,
                                     std::string* why) {
  if (kind == EngineKind::kUring || kind == EngineKind::kAuto) {
    std::string reason;
    auto engine = CreateUringEngine(opts, err, &reason);
    if (engine) return engine;
    // Out of descriptors: the pool needs one too (its eventfd); the ring's error is the true one.
    if (kind == EngineKind::kUring || *err == -EMFILE || *err == -ENFILE) {
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
  if (kind == EngineKind::kLibaio) return CreateAioEngine(opts, err, why);
  unsigned threads = opts.may_run_inline && opts.depth <= 1 ? 0 : (opts.depth ? opts.depth : 1);
  auto engine = CreateThreadEngine(threads, opts.signal_fd);
  if (!engine) {
    *err = -EMFILE;
    *why = "eventfd failed";
  }
  return engine;
}

}  // namespace rawio
