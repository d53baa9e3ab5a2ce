// A pool of native threads running requests with preadv2/pwritev2/fallocate/ioctl.
// Used when io_uring is unavailable or disabled, and for operations io_uring lacks.
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
  // If signal_fd >= 0 completions are signalled there (not owned); otherwise the
  // engine makes and owns its own eventfd.
  ThreadEngine(unsigned max_threads, int signal_fd = -1);
  ~ThreadEngine() override;
  bool Ok() const { return event_fd_ >= 0; }

  const char* Name() const override { return "threads"; }
  int EventFd() const override { return event_fd_; }
  void Queue(Request* req) override;
  void Commit() override;
  void Reap(std::vector<Request*>* done) override;
  size_t InFlight() const override { return in_flight_; }
  bool CompletionsReady() const override { return ready_.load(std::memory_order_acquire); }

 private:
  void Work();

  unsigned max_threads_;
  int event_fd_ = -1;
  bool owns_fd_ = false;
  size_t in_flight_ = 0;  // JS thread only
  std::vector<Request*> staged_;

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Request*> queue_;
  std::vector<Request*> finished_;
  std::vector<std::thread> threads_;
  unsigned idle_ = 0;
  bool stop_ = false;
  std::atomic<bool> ready_{false};
};

}  // namespace rawio
