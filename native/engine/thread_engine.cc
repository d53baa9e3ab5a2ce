#include "engine/thread_engine.h"

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

ThreadEngine::ThreadEngine(unsigned max_threads, int signal_fd)
    : max_threads_(max_threads ? max_threads : 1) {
  if (signal_fd >= 0) {
    event_fd_ = signal_fd;
  } else {
    event_fd_ = SysEventfd();
    owns_fd_ = event_fd_ >= 0;
  }
}

ThreadEngine::~ThreadEngine() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  for (auto& t : threads_) t.join();
  if (owns_fd_) SysClose(event_fd_);
}

void ThreadEngine::Queue(Request* req) {
  req->t_submit = NowNs();
  staged_.push_back(req);
  ++in_flight_;
}

void ThreadEngine::Commit() {
  if (staged_.empty()) return;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (Request* r : staged_) queue_.push_back(r);
    // Grow the pool so that every queued request has a thread, up to the cap.
    while (idle_ < queue_.size() && threads_.size() < max_threads_) {
      threads_.emplace_back([this] { Work(); });
      ++idle_;
    }
  }
  if (staged_.size() == 1)
    cv_.notify_one();
  else
    cv_.notify_all();
  staged_.clear();
}

void ThreadEngine::Work() {
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
    if (queue_.empty()) return;  // stopping
    Request* req = queue_.front();
    queue_.pop_front();
    --idle_;
    lock.unlock();
    ExecuteRequest(req);
    lock.lock();
    ++idle_;
    bool was_empty = finished_.empty();
    finished_.push_back(req);
    if (was_empty) {
      ready_.store(true, std::memory_order_release);
      SysEventfdWrite(event_fd_);
    }
  }
}

void ThreadEngine::Reap(std::vector<Request*>* done) {
  std::lock_guard<std::mutex> lock(mu_);
  in_flight_ -= finished_.size();
  ready_.store(false, std::memory_order_relaxed);
  done->insert(done->end(), finished_.begin(), finished_.end());
  finished_.clear();
}

}  // namespace rawio
