// The threads driver: at iodepth 1 the job thread runs each request itself
// (pread/pwrite, like fio's psync); deeper, a pool of iodepth threads from the
// engine's ThreadEngine runs them and signals completions on an eventfd.
#include <errno.h>
#include <fcntl.h>
#include <poll.h>

#include "bench/io_driver.h"
#include "engine/request.h"
#include "engine/sys_ops.h"
#include "engine/thread_engine.h"

namespace rawio {

namespace {

class InlineDriver final : public IoDriver {
 public:
  explicit InlineDriver(const DriverConfig& cfg) : cfg_(cfg) {}
  const char* Name() const override { return "threads"; }
  void Prep(IoSlot* slot) override { queued_.push_back(slot); }
  int SubmitAndReap(unsigned, std::vector<Completion>* out) override {
    for (IoSlot* s : queued_)
      out->push_back({s, RunSlotSync(cfg_.fd, cfg_.is_block, cfg_.fua, *s)});
    queued_.clear();
    return 0;
  }

 private:
  DriverConfig cfg_;
  std::vector<IoSlot*> queued_;
};

class PoolDriver final : public IoDriver {
 public:
  explicit PoolDriver(const DriverConfig& cfg)
      : cfg_(cfg), engine_(cfg.depth), requests_(cfg.depth) {}
  bool Ok() const { return engine_.Ok(); }
  const char* Name() const override { return "threads"; }

  void Prep(IoSlot* slot) override {
    Request& req = requests_[slot->index];
    req.fd = cfg_.fd;
    req.offset = slot->offset + slot->done;
    req.length = static_cast<int64_t>(slot->length) - slot->done;
    req.done = 0;
    req.res = 0;
    req.rw_flags = 0;
    req.user = slot;
    req.iov.assign(1, iovec{slot->buf + slot->done, static_cast<size_t>(req.length)});
    switch (slot->op) {
      case IoOp::kRead:
        req.op = Op::kRead;
        break;
      case IoOp::kWrite:
        req.op = Op::kWrite;
        if (cfg_.fua) req.rw_flags = RWF_DSYNC;
        break;
      case IoOp::kTrim:
        req.op = cfg_.is_block ? Op::kBlkDiscard : Op::kPunchHole;
        break;
      case IoOp::kFsync:
        req.op = Op::kFsync;
        break;
      case IoOp::kFdatasync:
        req.op = Op::kFlush;
        break;
    }
    engine_.Queue(&req);
  }

  int SubmitAndReap(unsigned wait_nr, std::vector<Completion>* out) override {
    engine_.Commit();
    for (;;) {
      SysEventfdDrain(engine_.EventFd());
      done_.clear();
      engine_.Reap(&done_);
      for (Request* r : done_) {
        auto* slot = static_cast<IoSlot*>(r->user);
        // A whole request: rw results are the bytes moved; space ops return 0.
        out->push_back({slot, r->res < 0                                    ? r->res
                              : (r->op == Op::kRead || r->op == Op::kWrite) ? r->res
                                                                            : 0});
      }
      if (!done_.empty() || wait_nr == 0 || engine_.InFlight() == 0) return 0;
      int r = SysPollOne(engine_.EventFd(), POLLIN, -1);
      if (r < 0 && r != -EINTR) return r;
    }
  }

 private:
  DriverConfig cfg_;
  ThreadEngine engine_;
  std::vector<Request> requests_;
  std::vector<Request*> done_;
};

}  // namespace

std::unique_ptr<IoDriver> CreateThreadDriver(const DriverConfig& cfg, int* err, std::string* why) {
  const char* refused = cfg.fixedbufs       ? "fixedbufs"
                        : cfg.registerfiles ? "registerfiles"
                        : cfg.hipri         ? "hipri"
                        : cfg.sqpoll        ? "sqpoll"
                                            : nullptr;
  if (refused) {
    *err = -EINVAL;
    *why = std::string(refused) + " needs --engine=io_uring";
    return nullptr;
  }
  if (cfg.depth <= 1) return std::make_unique<InlineDriver>(cfg);
  auto d = std::make_unique<PoolDriver>(cfg);
  if (!d->Ok()) {
    *err = -EMFILE;
    *why = "eventfd failed";
    return nullptr;
  }
  return d;
}

}  // namespace rawio
