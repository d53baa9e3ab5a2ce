// A running benchmark: numjobs JobRunners, one native thread each, a shared stop
// flag, and a callback when the last job has finished.
#pragma once

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "bench/job_runner.h"

namespace rawio {

class BenchRun {
 public:
  explicit BenchRun(const JobSpec& spec) : spec_(spec) {}
  ~BenchRun();

  // JS thread: opens, allocates and sets up every job. 0 or -errno (+ why, syscall).
  int Setup(std::string* why, const char** syscall);
  // Spawns the job threads; on_done runs on the last job thread to finish.
  void Start(std::function<void()> on_done);
  void RequestStop() { stop_.store(true, std::memory_order_relaxed); }
  bool StopRequested() const { return stop_.load(std::memory_order_relaxed); }
  void Join();
  // After Join: fds, rings and buffers go now; the stats stay for the result.
  void ReleaseResources() {
    for (auto& job : jobs_) job->ReleaseResources();
    claim_.fd.Reset();
  }

  const JobSpec& Spec() const { return spec_; }
  const std::vector<std::unique_ptr<JobRunner>>& Jobs() const { return jobs_; }

 private:
  JobSpec spec_;
  Opened claim_;  // the run's one O_EXCL open of a block device (write and trim jobs)
  std::atomic<bool> stop_{false};
  std::atomic<unsigned> remaining_{0};
  std::function<void()> on_done_;
  std::vector<std::unique_ptr<JobRunner>> jobs_;
  std::vector<std::thread> threads_;
};

}  // namespace rawio
