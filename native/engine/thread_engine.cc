#include "engine/thread_engine.h"

#include <errno.h>
#include <poll.h>

#include "engine/sys_ops.h"

namespace rawio {

ThreadEngine::ThreadEngine(unsigned max_threads, int signal_fd) : max_threads_(max_threads) {
  if (signal_fd >= 0) {
    event_fd_ = signal_fd;
  } else if (max_threads_ > 0) {
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

QueueStatus ThreadEngine::Queue(Request* req) {
  staged_.push_back(req);
  ++held_;
  return QueueStatus::kQueued;
}

int ThreadEngine::Commit() {
  if (staged_.empty()) return 0;
  if (max_threads_ == 0) {
    for (Request* r : staged_) inline_done_.push_back({r, ExecuteOnce(*r)});
    staged_.clear();
    return 0;
  }
  submitted_ += staged_.size();
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
  return 0;
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
    int64_t res = ExecuteOnce(*req);
    lock.lock();
    ++idle_;
    bool was_empty = finished_.empty();
    finished_.push_back({req, res});
    if (was_empty) {
      ready_.store(true, std::memory_order_release);
      SysEventfdWrite(event_fd_);
    }
  }
}

size_t ThreadEngine::Collect(std::vector<Completion>* out) {
  size_t n = inline_done_.size();
  out->insert(out->end(), inline_done_.begin(), inline_done_.end());
  inline_done_.clear();
  if (max_threads_ > 0 && ready_.load(std::memory_order_acquire)) {
    std::lock_guard<std::mutex> lock(mu_);
    ready_.store(false, std::memory_order_relaxed);
    submitted_ -= finished_.size();
    n += finished_.size();
    out->insert(out->end(), finished_.begin(), finished_.end());
    finished_.clear();
  }
  held_ -= n;
  return n;
}

int ThreadEngine::GetEvents(unsigned min, std::vector<Completion>* out) {
  Commit();
  size_t got = Collect(out);
  while (got < min && submitted_ > 0) {
    int r = SysPollOne(event_fd_, POLLIN, -1);
    if (r < 0) return r;  // -EINTR included: the caller looks again
    SysEventfdDrain(event_fd_);
    got += Collect(out);
  }
  return 0;
}

void ThreadEngine::Abandon(int64_t res, std::vector<Completion>* out) {
  for (Request* r : staged_) out->push_back({r, res});
  held_ -= staged_.size();
  staged_.clear();
}

bool ThreadEngine::CompletionsReady() const {
  return !inline_done_.empty() || ready_.load(std::memory_order_acquire);
}

std::unique_ptr<Engine> CreateThreadEngine(unsigned threads, int signal_fd) {
  auto e = std::make_unique<ThreadEngine>(threads, signal_fd);
  if (!e->Ok()) return nullptr;
  return e;
}

}  // namespace rawio
