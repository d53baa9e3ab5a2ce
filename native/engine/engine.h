// The engine interface (fio's ioengine shape): queue requests, learn through an
// eventfd that completions are ready, reap them. Short transfers never surface:
// an engine requeues them until the request is whole, fails, or hits EOF.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "engine/request.h"

namespace rawio {

enum EngineCaps : unsigned {
  kCapAsyncRw = 1u << 0,        // reads and writes are truly asynchronous
  kCapAsyncFallocate = 1u << 1  // fallocate runs in the engine
};

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* Name() const = 0;
  // Readable (eventfd counter > 0) whenever Reap() may return something.
  virtual int EventFd() const = 0;
  // Takes the request; its result always arrives through Reap().
  virtual void Queue(Request* req) = 0;
  // Hands queued requests to the kernel (one syscall for a batch).
  virtual void Commit() = 0;
  // Moves finished requests into done.
  virtual void Reap(std::vector<Request*>* done) = 0;
  // Requests queued but not yet reaped.
  virtual size_t InFlight() const = 0;
  // Cheap (no syscall) check that Reap() would return something; used to poll
  // briefly before the event loop sleeps.
  virtual bool CompletionsReady() const = 0;
};

enum class EngineKind { kAuto, kUring, kThreads };

struct EngineInfo {
  bool uring_built = false;
  bool uring_usable = false;
  std::string uring_reason;  // why io_uring is not usable, if it is not
};

// Runs one request synchronously with sys_ops (the thread engine's worker body).
void ExecuteRequest(Request* req);

EngineInfo ProbeEngines();
// Creates an engine; on failure returns null and sets *error to -errno or a reason.
std::unique_ptr<Engine> CreateEngine(EngineKind kind, unsigned depth, std::string* error);

}  // namespace rawio
