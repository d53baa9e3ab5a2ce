// The I/O core under both drivers (the Device pump and the bench job loop), as fio's
// io_u layer sits under every job: it queues requests on one engine, sends what the
// engine cannot run to the auxiliary path (a thread pool on the engine's eventfd, or
// inline on a job thread), and classifies every raw completion once: -EAGAIN and
// short transfers are requeued, EOF is decided, whole requests come back. A lasting
// submit error settles every request it affects (and every later one) with it.
#pragma once

#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"

namespace rawio {

class IoCore {
 public:
  // aux_inline: run the auxiliary path on the reaping thread (a job thread) instead
  // of on helper threads that signal the engine's eventfd (the event loop).
  IoCore(std::unique_ptr<Engine> engine, bool aux_inline);
  IoCore(const IoCore&) = delete;
  IoCore& operator=(const IoCore&) = delete;

  const char* Name() const { return engine_->Name(); }
  int EventFd() const { return engine_->EventFd(); }
  int Activate(std::string* why) { return engine_->Activate(why); }

  // Takes the request; it always comes back whole through Reap().
  void Queue(Request* req);
  // Hands the queued requests to the kernel, one syscall for the batch.
  void Commit();
  // Appends whole requests to done (res: bytes or 0, or -errno; eof set when a
  // transfer stopped at the end of the target), waiting until at least min have come
  // (0: never waits). Returns 0, -EINTR when a signal cut the wait short, or the
  // lasting error when requests are in the kernel and can no longer be reaped.
  int Reap(unsigned min, std::vector<Request*>* done);
  // Cheap check that Reap() would return something.
  bool CompletionsReady() const;
  // The same for a polling thread: runs the kernel's pending completion work first
  // (Engine::Poll). Never sleeps.
  bool Poll();
  // Requests taken and not yet returned.
  size_t InFlight() const { return in_flight_; }
  // The lasting submit error, or 0.
  int Broken() const { return broken_; }
  // The engine's fixed buffers (Engine::RegisterBuffer): the auxiliary path never
  // sees a read or write, so only the engine's own table matters.
  int RegisterBuffer(const iovec& v) { return engine_->RegisterBuffer(v); }
  int UnregisterBuffer(int slot) { return engine_->UnregisterBuffer(slot); }
  uint64_t FixedIo() const { return engine_->FixedIo(); }
  bool FixedVectored() const { return engine_->FixedVectored(); }

 private:
  void Route(Request* req);
  void Classify(const Completion& c, bool from_aux, uint64_t now, std::vector<Request*>* done);
  void Finish(Request* req, int64_t res, uint64_t now, std::vector<Request*>* done);
  bool OnSubmitError(int r);
  void Fill();
  Engine* Aux();

  std::unique_ptr<Engine> engine_;
  std::unique_ptr<Engine> aux_;  // declared after engine_: stopped first (it signals engine_'s fd)
  bool aux_inline_;
  bool aux_dirty_ = false;
  std::deque<Request*> pending_;  // the engine was full
  std::vector<Request*> ready_;   // settled without reaching the kernel (a lasting error)
  std::vector<Completion> comps_;
  size_t in_flight_ = 0;
  int broken_ = 0;
};

}  // namespace rawio
