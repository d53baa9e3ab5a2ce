// The engine interface, fio's ioengine shape: Queue() a request (or hear that the
// engine is full), Commit() what was queued with one syscall, GetEvents() to collect
// raw completions. An engine turns a completion into a result (bytes or -errno) and
// nothing else: short transfers, -EAGAIN, EOF, the auxiliary path and submit errors
// are IoCore's business (engine/io_core.h). What an engine can run is asked with
// Runs(op), never by its name.
#pragma once

#include <errno.h>
#include <sys/uio.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "engine/request.h"

namespace rawio {

enum class QueueStatus { kQueued, kBusy };

class Engine {
 public:
  virtual ~Engine() = default;
  virtual const char* Name() const = 0;
  // Whether this engine runs op itself; IoCore sends the others to its auxiliary
  // path. May turn false after a probing completion (the ring's discard command).
  virtual bool Runs(Op op) const = 0;
  // Readable whenever GetEvents may return something; -1 when the engine has none.
  virtual int EventFd() const = 0;
  // Runs once on the thread that will submit, before the first request (a ring set
  // up disabled for a single issuer is enabled here). 0 or -errno with *why.
  virtual int Activate(std::string* why) { return 0; }
  // Takes the request, or kBusy when there is no room (IoCore keeps it and retries).
  virtual QueueStatus Queue(Request* req) = 0;
  // Hands the queued requests to the kernel. 0 or -errno (then none were taken).
  virtual int Commit() = 0;
  // Commits what is queued, then appends finished requests with their raw result,
  // waiting until at least min are there (0: never waits). 0 or -errno (-EINTR: a
  // signal cut the wait short); completions found are appended even then.
  virtual int GetEvents(unsigned min, std::vector<Completion>* out) = 0;
  // After a lasting submit error: every request queued but not taken by the kernel
  // comes back in out with res; nothing is submitted any more.
  virtual void Abandon(int64_t res, std::vector<Completion>* out) = 0;
  // Cheap (no syscall) check that GetEvents would return something.
  virtual bool CompletionsReady() const = 0;
  // Like CompletionsReady, for a thread that polls instead of sleeping (the event-loop
  // pump's spin, napi/pump.cc): where a completion is work the kernel runs only when
  // this thread enters it (io_uring's task work on a COOP_TASKRUN ring, flagged in the
  // SQ ring), that work is run first. Never sleeps.
  virtual bool Poll() { return CompletionsReady(); }
  // Requests taken by the kernel (or a worker) and not yet returned.
  virtual size_t Submitted() const = 0;
  // Requests held: queued, submitted or finished, not yet returned.
  virtual size_t InFlight() const = 0;

  // Registered (fixed) buffers, qemu's blk_register_buf: v joins the engine's table
  // of fixed buffers until UnregisterBuffer(slot); a read or write whose buf_index
  // names the slot (every iovec inside v) runs as READ_FIXED/WRITE_FIXED, vectored
  // ones as READV_FIXED/WRITEV_FIXED where the kernel has them. Returns the slot or
  // -errno; -ENOTSUP: the engine has no fixed buffers (the thread pool).
  virtual int RegisterBuffer(const iovec& v) { return -ENOTSUP; }
  // The slot's buffer leaves the table; no request still queued may name it.
  virtual int UnregisterBuffer(int slot) { return -ENOTSUP; }
  // Attempts run with a fixed-buffer opcode since the engine was made.
  virtual uint64_t FixedIo() const { return 0; }
  // Whether a vectored request in a fixed buffer runs as READV_FIXED/WRITEV_FIXED
  // (Linux 6.15+); if not it runs as READV/WRITEV, the registration unused.
  virtual bool FixedVectored() const { return false; }
};

enum class EngineKind { kAuto, kUring, kThreads, kLibaio };

// Everything an engine may be asked for. The ring options are refused by the thread
// pool with a message naming the option.
struct EngineOptions {
  unsigned depth = 128;              // requests in flight at most (ring entries, pool threads)
  int signal_fd = -1;                // pool: signal completions on this eventfd (not owned)
  bool may_run_inline = false;       // pool: at depth 1 run on the submitting thread (fio's psync)
  bool want_eventfd = false;         // ring: register an eventfd (for a driver that polls it)
  bool single_issuer = false;        // ring: SINGLE_ISSUER|DEFER_TASKRUN when the kernel has it
  bool sqpoll = false;               // ring: IORING_SETUP_SQPOLL
  bool hipri = false;                // ring: IORING_SETUP_IOPOLL
  int register_fd = -1;              // ring: registerfiles (this fd becomes fixed file 0)
  std::vector<iovec> fixed_buffers;  // ring: fixedbufs (Request::buf_index selects one)
};

struct EngineInfo {
  bool uring_built = false;
  bool uring_usable = false;
  std::string uring_reason;  // why io_uring is not usable, if it is not
  bool libaio_usable = false;
  std::string libaio_reason;
};

// One attempt of a request, synchronously, through sys_ops: the raw result (bytes
// transferred, 0, or -errno). The thread pool's worker body and the auxiliary path.
int64_t ExecuteOnce(const Request& req);

EngineInfo ProbeEngines();
// Creates an engine. On failure returns null, *err = -errno and *why names the cause
// (and the refused option).
std::unique_ptr<Engine> CreateEngine(EngineKind kind, const EngineOptions& opts, int* err,
                                     std::string* why);
// The ring, the pool and Linux AIO, for the registry.
std::unique_ptr<Engine> CreateUringEngine(const EngineOptions& opts, int* err, std::string* why);
std::unique_ptr<Engine> CreateThreadEngine(unsigned threads, int signal_fd);
std::unique_ptr<Engine> CreateAioEngine(const EngineOptions& opts, int* err, std::string* why);
bool UringUsable(std::string* reason);

}  // namespace rawio
