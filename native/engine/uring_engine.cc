// The one io_uring ring class (and the one file in native/ that includes
// <liburing.h>): one ring per Device or per bench job. Options: an eventfd for the
// event-loop pump; SINGLE_ISSUER|DEFER_TASKRUN for a job thread; SQPOLL, IOPOLL,
// registered files and fixed buffers for bench; a sparse table of fixed buffers that
// a Device fills and empties one buffer at a time (qemu-io's -r). Operations the
// kernel lacks are reported by Runs() and go to IoCore's auxiliary path.
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>

#include <cstring>
#include <deque>
#include <mutex>
#include <vector>

#include "engine/engine.h"
#include "engine/sys_ops.h"

#ifdef RAWIO_HAVE_URING
#include <liburing.h>

namespace rawio {

namespace {

#if defined(RAWIO_URING_OP_URING_CMD) || !defined(RAWIO_URING_PROBED)
constexpr uint32_t kBlockUringCmdDiscard = 0x1200;  // BLOCK_URING_CMD_DISCARD, _IO(0x12, 0)
#endif
// IORING_OP_READV_FIXED / IORING_OP_WRITEV_FIXED (Linux 6.15): newer than every liburing
// rawio builds with, so by number; the probe asks the kernel whether it has them.
constexpr uint8_t kOpReadvFixed = 60;
constexpr uint8_t kOpWritevFixed = 61;
#if defined(RAWIO_URING_REGISTER_BUFFERS_UPDATE) || !defined(RAWIO_URING_PROBED)
// Slots of a Device's sparse fixed-buffer table (registered at the first buffer).
constexpr unsigned kFixedSlots = 1024;
#endif

struct UringProbe {
  bool ok = false;
  bool fallocate = false;
  bool rw_single = false;  // IORING_OP_READ/WRITE (5.6)
  bool uring_cmd = false;  // IORING_OP_URING_CMD (5.19): BLOCK_URING_CMD_DISCARD is tried
  bool rwv_fixed = false;  // IORING_OP_READV_FIXED/WRITEV_FIXED (6.15)
  int error = 0;           // -errno when io_uring_setup itself failed
  std::string reason;
};

// Out of descriptors or memory says nothing about the kernel.
bool Transient(int err) { return err == -EMFILE || err == -ENFILE || err == -ENOMEM; }

UringProbe RunProbe() {
  UringProbe out;
  io_uring ring;
  int r = io_uring_queue_init(4, &ring, 0);
  if (r < 0) {
    out.reason = std::string("io_uring_setup failed: ") + std::strerror(-r);
    out.error = r;
    return out;
  }
  io_uring_probe* probe = io_uring_get_probe_ring(&ring);
  if (!probe) {
    out.reason = "io_uring probe unsupported (kernel too old)";
  } else {
    bool rw = io_uring_opcode_supported(probe, IORING_OP_READV) &&
              io_uring_opcode_supported(probe, IORING_OP_WRITEV) &&
              io_uring_opcode_supported(probe, IORING_OP_FSYNC);
    out.fallocate = io_uring_opcode_supported(probe, IORING_OP_FALLOCATE);
    out.rw_single = io_uring_opcode_supported(probe, IORING_OP_READ) &&
                    io_uring_opcode_supported(probe, IORING_OP_WRITE);
#if defined(RAWIO_URING_OP_URING_CMD) || !defined(RAWIO_URING_PROBED)
    out.uring_cmd = io_uring_opcode_supported(probe, IORING_OP_URING_CMD);
#endif
    // liburing sizes the probe for 256 opcodes, so opcodes its header lacks can be asked too
    out.rwv_fixed = io_uring_opcode_supported(probe, kOpReadvFixed) &&
                    io_uring_opcode_supported(probe, kOpWritevFixed);
    out.ok = rw;
    if (!rw) out.reason = "io_uring lacks READV/WRITEV/FSYNC";
    io_uring_free_probe(probe);
  }
  io_uring_queue_exit(&ring);
  return out;
}

// Probed once; a probe that failed for want of descriptors or memory (it says nothing
// about the kernel) is run again next time. Engines are made on JS threads and bench job
// threads: the re-probe is serialised and each caller gets its own copy.
UringProbe Probe() {
  static std::mutex mu;
  static UringProbe probe = RunProbe();
  std::lock_guard<std::mutex> lock(mu);
  if (!probe.ok && Transient(probe.error)) probe = RunProbe();
  return probe;
}

std::string Refused(const char* option, const char* call, int err) {
  return std::string(option) + ": the kernel refused " + call + " (" + std::strerror(-err) + ")";
}

class UringEngine final : public Engine {
 public:
  ~UringEngine() override {
    if (ring_ok_) io_uring_queue_exit(&ring_);
    if (event_fd_ >= 0) SysClose(event_fd_);
  }

  int Init(const EngineOptions& opts, const UringProbe& probe, std::string* why) {
    opts_ = opts;
    depth_ = opts.depth ? opts.depth : 1;
    unsigned base = IORING_SETUP_CQSIZE;
    if (opts.sqpoll) base |= IORING_SETUP_SQPOLL;
    if (opts.hipri) base |= IORING_SETUP_IOPOLL;
    int r = -EINVAL;
#if (defined(RAWIO_URING_SETUP_SINGLE_ISSUER) && defined(RAWIO_URING_SETUP_DEFER_TASKRUN) && \
     defined(RAWIO_URING_SUBMIT_AND_GET_EVENTS)) ||                                          \
    !defined(RAWIO_URING_PROBED)
    if (opts.single_issuer && !opts.sqpoll && !opts.hipri && !opts.want_eventfd) {
      // One submitter, task work run only when it waits: the cheapest ring (6.1+).
      r = Setup(base | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_DEFER_TASKRUN |
                IORING_SETUP_R_DISABLED);
      disabled_ = r == 0;
      defer_ = r == 0;
    }
#endif
#if defined(RAWIO_URING_SETUP_COOP_TASKRUN) || !defined(RAWIO_URING_PROBED)
    if (r < 0 && opts.want_eventfd && !opts.sqpoll && !opts.hipri) {
      // The event-loop pump: completion work never interrupts running JavaScript (no
      // IPI); it runs when the loop enters the kernel, and wakes a loop asleep in epoll.
      r = Setup(base | IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG);
      coop_ = r == 0;
    }
#endif
    if (r < 0) r = Setup(base);
    if (r < 0) {
      if (opts.sqpoll)
        *why = Refused("sqpoll", "io_uring_setup(IORING_SETUP_SQPOLL)", r);
      else if (opts.hipri)
        *why = Refused("hipri", "io_uring_setup(IORING_SETUP_IOPOLL)", r);
      else
        *why = std::string("io_uring init failed: ") + std::strerror(-r);
      return r;
    }
    ring_ok_ = true;
    poll_ = opts.hipri;
    fallocate_ = probe.fallocate && !opts.hipri;
    rw_single_ = probe.rw_single;
    rwv_fixed_ = probe.rwv_fixed;
    discard_ = probe.uring_cmd && !opts.hipri ? kDiscardUnknown : kDiscardNo;
    if (opts.want_eventfd) {
      event_fd_ = SysEventfd();
      if (event_fd_ < 0) {
        *why = "eventfd failed";
        return event_fd_;
      }
      r = io_uring_register_eventfd(&ring_, event_fd_);
      if (r < 0) {
        *why = std::string("io_uring_register_eventfd failed: ") + std::strerror(-r);
        return r;
      }
    }
    if (opts.register_fd >= 0) {
      r = io_uring_register_files(&ring_, &opts.register_fd, 1);
      if (r < 0) {
        *why = Refused("registerfiles", "io_uring_register_files", r);
        return r;
      }
    }
    if (!opts.fixed_buffers.empty()) {
      r = io_uring_register_buffers(&ring_, opts.fixed_buffers.data(),
                                    static_cast<unsigned>(opts.fixed_buffers.size()));
      if (r < 0) {
        *why = Refused("fixedbufs", "io_uring_register_buffers", r);
        if (r == -ENOMEM) *why += "; raise RLIMIT_MEMLOCK (ulimit -l) or lower iodepth/bs";
        return r;
      }
      fixed_ = true;
    }
    return 0;
  }

  const char* Name() const override { return "io_uring"; }
  int EventFd() const override { return event_fd_; }

  bool Runs(Op op) const override {
    switch (op) {
      case Op::kRead:
      case Op::kWrite:
        return true;
      case Op::kFlush:
      case Op::kFsync:
        return !poll_;
      case Op::kZeroRange:
      case Op::kPunchHole:
        return fallocate_;
      case Op::kBlkDiscard:
        return discard_ != kDiscardNo;
      default:
        return false;
    }
  }

  int Activate(std::string* why) override {
    if (!disabled_) return 0;
    int r = io_uring_enable_rings(&ring_);
    if (r < 0) *why = std::string("io_uring_enable_rings failed: ") + std::strerror(-r);
    disabled_ = false;
    return r;
  }

  QueueStatus Queue(Request* req) override {
    if (dead_ || in_ring_ + unsubmitted_.size() >= depth_) return QueueStatus::kBusy;
    io_uring_sqe* sqe = GetSqe();
    if (!sqe) return QueueStatus::kBusy;
    Prep(sqe, req);
    unsubmitted_.push_back(req);
    return QueueStatus::kQueued;
  }

  int Commit() override {
    if (unsubmitted_.empty() || dead_) return 0;
    int r = io_uring_submit(&ring_);
    if (r < 0) return r;
    Submitted(r);
    return 0;
  }

  int GetEvents(unsigned min, std::vector<Completion>* out) override {
    int r = 0;
    if (dead_) {
      // Nothing can be submitted any more; what the kernel took still completes.
      if (min && in_ring_ && !defer_ && !poll_) r = io_uring_wait_cqe_nr(&ring_, nullptr, 1);
    } else if (min) {
      r = io_uring_submit_and_wait(&ring_, min);
      if (r >= 0) Submitted(r);
    } else if (!unsubmitted_.empty() || ((defer_ || poll_) && in_ring_)) {
      // Deferred task work and polled rings post completions only when asked.
#if defined(RAWIO_URING_SUBMIT_AND_GET_EVENTS) || !defined(RAWIO_URING_PROBED)
      r = defer_ || poll_ ? io_uring_submit_and_get_events(&ring_) : io_uring_submit(&ring_);
#else  // no deferred task work either (guarded above)
      r = io_uring_submit(&ring_);
#endif
      if (r >= 0) Submitted(r);
    }
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      auto* req = static_cast<Request*>(io_uring_cqe_get_data(cqe));
      int64_t res = cqe->res;
      if (req->op == Op::kBlkDiscard && discard_ == kDiscardUnknown) {
        // BLOCK_URING_CMD_DISCARD (6.12): refused once, the ioctl does discards from now
        // on; IoCore sees Runs() turn false and reruns this one on its auxiliary path.
        if (res == -EINVAL || res == -EOPNOTSUPP || res == -ENOTTY)
          discard_ = kDiscardNo;
        else if (res >= 0)
          discard_ = kDiscardYes;
      }
      out->push_back({req, res});
    }
    if (seen) io_uring_cq_advance(&ring_, seen);
    in_ring_ -= seen;
    return r < 0 && r != -ETIME ? r : 0;
  }

  void Abandon(int64_t res, std::vector<Completion>* out) override {
    dead_ = true;
    for (Request* r : unsubmitted_) out->push_back({r, res});
    unsubmitted_.clear();
  }

  bool CompletionsReady() const override { return io_uring_cq_ready(&ring_) > 0; }

  // A COOP_TASKRUN ring posts a completion only when this thread enters the kernel;
  // TASKRUN_FLAG marks the SQ ring while such work waits. A thread that polls (and so
  // never sleeps in the kernel) runs it with one io_uring_enter(GETEVENTS) and finds
  // the CQE; polling cq_ready alone would not see a completion until the thread slept.
  bool Poll() override {
    if (io_uring_cq_ready(&ring_) > 0) return true;
#if (defined(RAWIO_URING_SETUP_COOP_TASKRUN) && defined(RAWIO_URING_SUBMIT_AND_GET_EVENTS)) || \
    !defined(RAWIO_URING_PROBED)
    // Nothing is left in the SQ ring between commits (the pump commits before it
    // polls), so this enters the kernel only to run the flagged work.
    if (coop_ && !dead_ &&
        (__atomic_load_n(ring_.sq.kflags, __ATOMIC_ACQUIRE) & IORING_SQ_TASKRUN) &&
        io_uring_sq_ready(&ring_) == 0) {
      io_uring_submit_and_get_events(&ring_);
      return io_uring_cq_ready(&ring_) > 0;
    }
#endif
    return false;
  }
  size_t Submitted() const override { return in_ring_; }
  size_t InFlight() const override { return in_ring_ + unsubmitted_.size(); }

  int RegisterBuffer(const iovec& v) override {
#if defined(RAWIO_URING_REGISTER_BUFFERS_UPDATE) || !defined(RAWIO_URING_PROBED)
    if (fixed_) return -EBUSY;  // bench's table, registered whole at setup
    if (!v.iov_base || v.iov_len == 0) return -EINVAL;
    if (!sparse_) {
      // A table of empty slots (IORING_REGISTER_BUFFERS2, 5.13): NULL entries are sparse.
      std::vector<iovec> empty(kFixedSlots, iovec{nullptr, 0});
      int r = io_uring_register_buffers_tags(&ring_, empty.data(), nullptr, kFixedSlots);
      if (r < 0) return r;
      sparse_ = true;
      for (unsigned i = kFixedSlots; i-- > 0;) free_slots_.push_back(static_cast<int>(i));
    }
    if (free_slots_.empty()) return -ENFILE;
    int slot = free_slots_.back();
    int r =
        io_uring_register_buffers_update_tag(&ring_, static_cast<unsigned>(slot), &v, nullptr, 1);
    if (r < 0) return r;  // -ENOMEM: RLIMIT_MEMLOCK; -EFAULT: over 1 GiB
    free_slots_.pop_back();
    return slot;
#else
    (void)v;
    return -ENOTSUP;  // liburing older than 2.1: no buffer table updates
#endif
  }

  int UnregisterBuffer(int slot) override {
#if defined(RAWIO_URING_REGISTER_BUFFERS_UPDATE) || !defined(RAWIO_URING_PROBED)
    if (!sparse_ || slot < 0 || static_cast<unsigned>(slot) >= kFixedSlots) return -EINVAL;
    iovec none{nullptr, 0};
    int r = io_uring_register_buffers_update_tag(&ring_, static_cast<unsigned>(slot), &none,
                                                 nullptr, 1);
    if (r < 0) return r;
    free_slots_.push_back(slot);
    return 0;
#else
    (void)slot;
    return -ENOTSUP;
#endif
  }

  uint64_t FixedIo() const override { return fixed_io_; }
  bool FixedVectored() const override { return rwv_fixed_; }

 private:
  enum DiscardPath { kDiscardUnknown, kDiscardYes, kDiscardNo };

  void Submitted(int n) {
    size_t k = std::min(static_cast<size_t>(n), unsubmitted_.size());
    unsubmitted_.erase(unsubmitted_.begin(), unsubmitted_.begin() + static_cast<std::ptrdiff_t>(k));
    in_ring_ += k;
  }

  int Setup(unsigned flags) {
    io_uring_params p;
    std::memset(&p, 0, sizeof(p));
    p.flags = flags;
    unsigned entries = depth_;
    p.cq_entries = depth_ * 2;
    if (flags & IORING_SETUP_SQPOLL) {
      p.sq_thread_idle = 1000;  // ms
      entries = depth_ * 2;     // room for SQEs the poller has not yet marked consumed
      p.cq_entries = entries * 2;
    }
    return io_uring_queue_init_params(entries, &ring_, &p);
  }

  // With SQPOLL the kernel thread advances the SQ head only after a whole batch, so a
  // request can complete (and its slot be reused) before its SQE is counted as
  // consumed: wait for room then.
  io_uring_sqe* GetSqe() {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (sqe || !opts_.sqpoll) return sqe;
    for (int tries = 0; !sqe && tries < 1000; ++tries) {
      io_uring_sqring_wait(&ring_);
      sqe = io_uring_get_sqe(&ring_);
    }
    return sqe;
  }

  void Prep(io_uring_sqe* sqe, Request* req) {
    bool fixed_file = opts_.register_fd >= 0 && req->fd == opts_.register_fd;
    int fd = fixed_file ? 0 : req->fd;
    uint64_t off = static_cast<uint64_t>(req->offset + req->done);
    unsigned cnt = static_cast<unsigned>(req->iov.size());
    switch (req->op) {
      case Op::kRead:
      case Op::kWrite: {
        bool read = req->op == Op::kRead;
        bool fixed = req->buf_index >= 0 && (fixed_ || sparse_);
        if (cnt == 1 && fixed) {
          const iovec& v = req->iov[0];
          if (read)
            io_uring_prep_read_fixed(sqe, fd, v.iov_base, static_cast<unsigned>(v.iov_len), off,
                                     req->buf_index);
          else
            io_uring_prep_write_fixed(sqe, fd, v.iov_base, static_cast<unsigned>(v.iov_len), off,
                                      req->buf_index);
          ++fixed_io_;
        } else if (cnt > 1 && fixed && rwv_fixed_) {
          // READV_FIXED/WRITEV_FIXED: readv's layout, every iovec inside the fixed buffer
          if (read)
            io_uring_prep_readv(sqe, fd, req->iov.data(), cnt, off);
          else
            io_uring_prep_writev(sqe, fd, req->iov.data(), cnt, off);
          sqe->opcode = read ? kOpReadvFixed : kOpWritevFixed;
          sqe->buf_index = static_cast<uint16_t>(req->buf_index);
          ++fixed_io_;
        } else if (cnt == 1 && rw_single_) {
          const iovec& v = req->iov[0];
          if (read)
            io_uring_prep_read(sqe, fd, v.iov_base, static_cast<unsigned>(v.iov_len), off);
          else
            io_uring_prep_write(sqe, fd, v.iov_base, static_cast<unsigned>(v.iov_len), off);
        } else if (read) {
          io_uring_prep_readv(sqe, fd, req->iov.data(), cnt, off);
        } else {
          io_uring_prep_writev(sqe, fd, req->iov.data(), cnt, off);
        }
        sqe->rw_flags = req->rw_flags;
        break;
      }
      case Op::kFlush:
        io_uring_prep_fsync(sqe, fd, IORING_FSYNC_DATASYNC);
        break;
      case Op::kFsync:
        io_uring_prep_fsync(sqe, fd, 0);
        break;
      case Op::kZeroRange:
        io_uring_prep_fallocate(sqe, fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, req->offset,
                                req->length);
        break;
      case Op::kPunchHole:
        io_uring_prep_fallocate(sqe, fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, req->offset,
                                req->length);
        break;
#if defined(RAWIO_URING_OP_URING_CMD) || !defined(RAWIO_URING_PROBED)
      case Op::kBlkDiscard:  // Runs() is false without URING_CMD
        io_uring_prep_rw(IORING_OP_URING_CMD, sqe, fd, nullptr, 0, 0);
        sqe->cmd_op = kBlockUringCmdDiscard;
        sqe->addr = static_cast<uint64_t>(req->offset);
        sqe->addr3 = static_cast<uint64_t>(req->length);
        break;
#endif
      default:  // never queued here: Runs() is false
        io_uring_prep_nop(sqe);
        break;
    }
    if (fixed_file) sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data(sqe, req);
  }

  EngineOptions opts_;
  io_uring ring_;
  bool ring_ok_ = false;
  bool disabled_ = false;
  bool defer_ = false;
  bool coop_ = false;  // COOP_TASKRUN|TASKRUN_FLAG: completions wait for this thread (Poll)
  bool poll_ = false;
  bool fixed_ = false;
  bool fallocate_ = false;
  bool rw_single_ = false;
  bool rwv_fixed_ = false;
  bool sparse_ = false;  // the sparse fixed-buffer table is registered
  bool dead_ = false;
  DiscardPath discard_ = kDiscardNo;
  unsigned depth_ = 0;
  int event_fd_ = -1;
  size_t in_ring_ = 0;                // submitted and not yet reaped
  std::deque<Request*> unsubmitted_;  // prepared, not yet taken by the kernel
  std::vector<int> free_slots_;       // empty slots of the sparse table
  uint64_t fixed_io_ = 0;             // attempts prepared with a fixed-buffer opcode
};

}  // namespace

bool UringUsable(std::string* reason) {
  const UringProbe p = Probe();
  if (!p.ok) *reason = p.reason;
  return p.ok;
}

std::unique_ptr<Engine> CreateUringEngine(const EngineOptions& opts, int* err, std::string* why) {
  const UringProbe probe = Probe();
  if (!probe.ok) {
    *err = Transient(probe.error) ? probe.error : -ENOTSUP;
    *why = probe.reason;
    return nullptr;
  }
  auto engine = std::make_unique<UringEngine>();
  int r = engine->Init(opts, probe, why);
  if (r < 0) {
    *err = r;
    return nullptr;
  }
  return engine;
}

}  // namespace rawio

#else  // !RAWIO_HAVE_URING

namespace rawio {
bool UringUsable(std::string* reason) {
  *reason = "rawio was built without liburing";
  return false;
}
std::unique_ptr<Engine> CreateUringEngine(const EngineOptions&, int* err, std::string* why) {
  *err = -ENOTSUP;
  *why = "rawio was built without liburing";
  return nullptr;
}
}  // namespace rawio

#endif
