// The native thread pool: each worker runs one attempt of a request with sys_ops
// (preadv2/pwritev2/fallocate/ioctl) and hands back its raw result. With 0 threads
// the pool runs requests inline, on the committing thread (fio's psync), which is
// also how a bench job runs the operations its ring cannot.
#pragma once

#include <atomic>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>
#include <vector>

#include "engine/engine.h"

namespace rawio {

class ThreadEngine final : public Engine {
 public:
  // If signal_fd >= 0 completions are signalled there (not owned); otherwise a
  // pool with threads makes and owns its own eventfd.
  ThreadEngine(unsigned max_threads, int signal_fd = -1);
  ~ThreadEngine() override;
  bool Ok() const { return max_threads_ == 0 || event_fd_ >= 0; }

  const char* Name() const override { return "threads"; }
  bool Runs(Op) const override { return true; }
  int EventFd() const override { return event_fd_; }
  QueueStatus Queue(Request* req) override;
  int Commit() override;
  int GetEvents(unsigned min, std::vector<Completion>* out) override;
  void Abandon(int64_t res, std::vector<Completion>* out) override;
  bool CompletionsReady() const override;
  size_t Submitted() const override { return submitted_; }
  size_t InFlight() const override { return held_; }

 private:
  void Work();
  size_t Collect(std::vector<Completion>* out);

  unsigned max_threads_;
  int event_fd_ = -1;
  bool owns_fd_ = false;
  size_t held_ = 0;       // submitting thread only
  size_t submitted_ = 0;  // submitting thread only
  std::vector<Request*> staged_;
  std::vector<Completion> inline_done_;  // 0 threads: run at Commit

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request*> queue_;
  std::vector<Completion> finished_;
  std::vector<std::thread> threads_;
  unsigned idle_ = 0;
  bool stop_ = false;
  std::atomic<bool> ready_{false};
};

}  // namespace rawio
