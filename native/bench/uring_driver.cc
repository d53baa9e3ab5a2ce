// The io_uring driver: one ring per job thread, created on the JS thread (so a
// refused option fails start() synchronously) and, when the kernel allows it, bound
// to the job thread as a single-issuer ring with deferred task work.
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>

#include <cstring>

#include "bench/io_driver.h"

#ifdef RAWIO_HAVE_URING
#include <liburing.h>

namespace rawio {

namespace {

constexpr uint32_t kBlockUringCmdDiscard = 0x1200;  // BLOCK_URING_CMD_DISCARD, _IO(0x12, 0)

std::string Refused(const char* option, const char* call, int err) {
  return std::string(option) + ": the kernel refused " + call + " (" + std::strerror(-err) + ")";
}

class UringDriver final : public IoDriver {
 public:
  ~UringDriver() override {
    if (ring_ok_) io_uring_queue_exit(&ring_);
  }

  int Init(const DriverConfig& cfg, std::string* why) {
    cfg_ = cfg;
    unsigned base = IORING_SETUP_CQSIZE;
    if (cfg.sqpoll) base |= IORING_SETUP_SQPOLL;
    if (cfg.hipri) base |= IORING_SETUP_IOPOLL;
    int r = -EINVAL;
#if defined(RAWIO_URING_SETUP_SINGLE_ISSUER) && defined(RAWIO_URING_SETUP_DEFER_TASKRUN) && \
    defined(RAWIO_URING_SUBMIT_AND_GET_EVENTS)
    if (!cfg.sqpoll && !cfg.hipri) {
      // One submitter, task work run only when it waits: the cheapest ring (6.1+).
      r = Setup(base | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                IORING_SETUP_R_DISABLED);
      disabled_ = r == 0;
    }
#endif
    if (r < 0) r = Setup(base);
    if (r < 0) {
      if (cfg.sqpoll)
        *why = Refused("sqpoll", "io_uring_setup(IORING_SETUP_SQPOLL)", r);
      else if (cfg.hipri)
        *why = Refused("hipri", "io_uring_setup(IORING_SETUP_IOPOLL)", r);
      else
        *why = std::string("io_uring_setup failed: ") + std::strerror(-r);
      return r;
    }
    ring_ok_ = true;
    if (cfg.registerfiles) {
      r = io_uring_register_files(&ring_, &cfg.fd, 1);
      if (r < 0) {
        *why = Refused("registerfiles", "io_uring_register_files", r);
        return r;
      }
    }
    if (cfg.fixedbufs) {
      r = io_uring_register_buffers(&ring_, cfg.buffers.data(),
                                    static_cast<unsigned>(cfg.buffers.size()));
      if (r < 0) {
        *why = Refused("fixedbufs", "io_uring_register_buffers", r);
        if (r == -ENOMEM) *why += "; raise RLIMIT_MEMLOCK (ulimit -l) or lower iodepth/bs";
        return r;
      }
    }
    return 0;
  }

  const char* Name() const override { return "io_uring"; }

  int Activate(std::string* why) override {
    if (!disabled_) return 0;
    int r = io_uring_enable_rings(&ring_);
    if (r < 0) *why = std::string("io_uring_enable_rings failed: ") + std::strerror(-r);
    disabled_ = false;
    return r;
  }

  void Prep(IoSlot* slot) override {
    if (slot->op == IoOp::kTrim && cfg_.is_block && discard_ == kInline) {
      inline_done_.push_back({slot, RunSlotSync(cfg_.fd, true, false, *slot)});
      return;
    }
    io_uring_sqe* sqe = GetSqe();
    if (!sqe) {  // cannot happen with slots <= SQ entries; fail the request, not the process
      inline_done_.push_back({slot, -EBUSY});
      return;
    }
    int fd = cfg_.registerfiles ? 0 : cfg_.fd;
    uint64_t off = static_cast<uint64_t>(slot->offset) + slot->done;
    unsigned len = slot->length - slot->done;
    char* buf = slot->buf + slot->done;
    switch (slot->op) {
      case IoOp::kRead:
        if (cfg_.fixedbufs)
          io_uring_prep_read_fixed(sqe, fd, buf, len, off, static_cast<int>(slot->index));
        else
          io_uring_prep_read(sqe, fd, buf, len, off);
        break;
      case IoOp::kWrite:
        if (cfg_.fixedbufs)
          io_uring_prep_write_fixed(sqe, fd, buf, len, off, static_cast<int>(slot->index));
        else
          io_uring_prep_write(sqe, fd, buf, len, off);
        if (cfg_.fua) sqe->rw_flags = RWF_DSYNC;
        break;
      case IoOp::kTrim:
#ifdef RAWIO_URING_OP_URING_CMD
        if (cfg_.is_block) {
          io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, nullptr, 0, 0);
          sqe->cmd_op = kBlockUringCmdDiscard;
          sqe->addr = off;
          sqe->addr3 = len;
          break;
        }
#endif
        io_uring_prep_fallocate(sqe, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
        break;
      case IoOp::kFsync:
        io_uring_prep_fsync(sqe, fd, 0);
        break;
      case IoOp::kFdatasync:
        io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
        break;
    }
    if (cfg_.registerfiles) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data(sqe, slot);
  }

  int SubmitAndReap(unsigned wait_nr, std::vector<Completion>* out) override {
    if (!inline_done_.empty()) {
      out->insert(out->end(), inline_done_.begin(), inline_done_.end());
      inline_done_.clear();
      wait_nr = 0;
    }
    // Deferred task work: completions are only posted when we ask for events, so
    // ask even when not waiting.
#ifdef RAWIO_URING_SUBMIT_AND_GET_EVENTS
    int r = wait_nr ? io_uring_submit_and_wait(&ring_, wait_nr)
                    : io_uring_submit_and_get_events(&ring_);
#else  // no deferred task work either: completions post without asking
    int r = wait_nr ? io_uring_submit_and_wait(&ring_, wait_nr) : io_uring_submit(&ring_);
#endif
    if (r < 0 && r != -EINTR && r != -EAGAIN && r != -EBUSY && r != -ETIME) return r;
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      auto* slot = static_cast<IoSlot*>(io_uring_cqe_get_data(cqe));
      int64_t res = cqe->res;
      if (slot->op == IoOp::kTrim && cfg_.is_block && discard_ != kRing) {
        // No BLOCK_URING_CMD_DISCARD before 6.12: discard with the ioctl from now on.
        if (res == -EINVAL || res == -EOPNOTSUPP || res == -ENOTTY) {
          discard_ = kInline;
          res = RunSlotSync(cfg_.fd, true, false, *slot);
        } else if (res >= 0) {
          discard_ = kRing;
        }
      }
      out->push_back({slot, res});
    }
    if (seen) io_uring_cq_advance(&ring_, seen);
    return 0;
  }

 private:
  enum DiscardPath { kUnknown, kRing, kInline };

  // With SQPOLL the kernel thread advances the SQ head only after a whole batch, so a
  // request can complete (and its slot be reused) before its SQE is counted as
  // consumed: wait for room then.
  io_uring_sqe* GetSqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    for (int tries = 0; !sqe && tries < 1000; ++tries) {
      if (cfg_.sqpoll)
        io_uring_sqring_wait(&ring_);
      else
        io_uring_submit(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  int Setup(unsigned flags) {
    io_uring_params p;
    std::memset(&p, 0, sizeof(p));
    p.flags = flags;
    p.cq_entries = cfg_.depth * 2;
    unsigned entries = cfg_.depth;
    if (flags & IORING_SETUP_SQPOLL) {
      p.sq_thread_idle = 1000;   // ms
      entries = cfg_.depth * 2;  // room for SQEs the poller has not yet marked consumed
      p.cq_entries = entries * 2;
    }
    return io_uring_queue_init_params(entries, &ring_, &p);
  }

  DriverConfig cfg_;
  io_uring ring_;
  bool ring_ok_ = false;
  bool disabled_ = false;
#ifdef RAWIO_URING_OP_URING_CMD
  DiscardPath discard_ = kUnknown;
#else  // no BLOCK_URING_CMD_DISCARD in this liburing: the ioctl, inline
  DiscardPath discard_ = kInline;
#endif
  std::vector<Completion> inline_done_;
};

}  // namespace

std::unique_ptr<IoDriver> CreateUringDriver(const DriverConfig& cfg, int* err, std::string* why) {
  auto d = std::make_unique<UringDriver>();
  int r = d->Init(cfg, why);
  if (r < 0) {
    *err = r;
    return nullptr;
  }
  return d;
}

}  // namespace rawio

#else  // !RAWIO_HAVE_URING

namespace rawio {
std::unique_ptr<IoDriver> CreateUringDriver(const DriverConfig&, int* err, std::string* why) {
  *err = -ENOTSUP;
  *why = "engine io_uring: rawio was built without liburing (use --engine=threads)";
  return nullptr;
}
}  // namespace rawio

#endif
