#include "bench/bench_run.h"

#include "engine/sys_ops.h"

namespace rawio {

BenchRun::~BenchRun() {
  RequestStop();
  Join();
}

int BenchRun::Setup(std::string* why, const char** syscall) {
  // One timestamp for every stamp of the run: jobs that write the same block write the same
  // bytes, so a read racing another job's write of that block still sees a whole stamp.
  if (spec_.verify) spec_.verify_ts = SysRealtimeNs();
  // One exclusive claim for the whole run: numjobs opens with O_EXCL would refuse
  // each other (EBUSY). The jobs' own opens share it.
  if (spec_.exclusive) {
    OpenSpec os;
    os.path = spec_.path;
    os.direct = spec_.direct;
    os.exclusive = true;
    *syscall = "open";
    int r = OpenTarget(os, &claim_, why);
    if (r < 0) return r;
  }
  for (unsigned i = 0; i < spec_.numjobs; ++i) {
    auto job = std::make_unique<JobRunner>(spec_, i, &stop_);
    int r = job->Setup(why, syscall);
    if (r < 0) {
      jobs_.clear();
      return r;
    }
    jobs_.push_back(std::move(job));
  }
  return 0;
}

void BenchRun::Start(std::function<void()> on_done) {
  on_done_ = std::move(on_done);
  remaining_.store(static_cast<unsigned>(jobs_.size()));
  for (auto& job : jobs_) {
    JobRunner* j = job.get();
    threads_.emplace_back([this, j] {
      j->Run();
      if (remaining_.fetch_sub(1) == 1 && on_done_) on_done_();
    });
  }
}

void BenchRun::Join() {
  for (std::thread& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

}  // namespace rawio
