#include "engine/uring_engine.h"

#ifdef RAWIO_HAVE_URING
#include <errno.h>
#include <fcntl.h>
#include <liburing.h>
#include <linux/falloc.h>

#include <cstring>

#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

namespace {

class UringEngine final : public Engine {
 public:
  UringEngine() = default;
  ~UringEngine() override {
    aux_.reset();
    if (ring_ok_) io_uring_queue_exit(&ring_);
    if (event_fd_ >= 0) SysClose(event_fd_);
  }

  int Init(unsigned depth, bool fallocate) {
    fallocate_ = fallocate;
    depth_ = depth;
    io_uring_params p;
    std::memset(&p, 0, sizeof(p));
    p.flags = IORING_SETUP_CQSIZE;
    p.cq_entries = depth * 2;
    int r = io_uring_queue_init_params(depth, &ring_, &p);
    if (r < 0) return r;
    ring_ok_ = true;
    event_fd_ = SysEventfd();
    if (event_fd_ < 0) return event_fd_;
    r = io_uring_register_eventfd(&ring_, event_fd_);
    return r < 0 ? r : 0;
  }

  const char* Name() const override { return "io_uring"; }
  int EventFd() const override { return event_fd_; }
  size_t InFlight() const override { return in_ring_ + pending_.size() + AuxInFlight(); }
  bool CompletionsReady() const override {
    return io_uring_cq_ready(&ring_) > 0 || (aux_ && aux_->CompletionsReady());
  }

  void Queue(Request* req) override {
    req->t_submit = NowNs();
    if (!RingCanRun(req->op)) {
      Aux()->Queue(req);
      aux_dirty_ = true;
      return;
    }
    if (in_ring_ + unsubmitted_ >= depth_ || !pending_.empty()) {
      pending_.push_back(req);
      return;
    }
    Prep(req);
  }

  void Commit() override {
    if (aux_dirty_) {
      aux_->Commit();
      aux_dirty_ = false;
    }
    if (unsubmitted_ == 0) return;
    int r = io_uring_submit(&ring_);
    if (r >= 0) {
      in_ring_ += unsubmitted_;
      unsubmitted_ = 0;
      return;
    }
    // The whole batch could not be submitted (e.g. -EAGAIN/-EBUSY): retry on the
    // next Reap, which runs when some completion arrives, or now if none can.
    if (in_ring_ == 0) SysEventfdWrite(event_fd_);
  }

  void Reap(std::vector<Request*>* done) override {
    io_uring_cqe* cqe;
    unsigned head, seen = 0;
    io_uring_for_each_cqe(&ring_, head, cqe) {
      ++seen;
      auto* req = static_cast<Request*>(io_uring_cqe_get_data(cqe));
      Complete(req, cqe->res, done);
    }
    if (seen) io_uring_cq_advance(&ring_, seen);
    in_ring_ -= seen;
    while (!pending_.empty() && in_ring_ + unsubmitted_ < depth_) {
      Request* req = pending_.front();
      pending_.pop_front();
      Prep(req);
    }
    if (aux_) aux_->Reap(done);
    Commit();
  }

 private:
  bool RingCanRun(Op op) const {
    switch (op) {
      case Op::kRead:
      case Op::kWrite:
      case Op::kFlush:
      case Op::kFsync:
        return true;
      case Op::kZeroRange:
      case Op::kPunchHole:
        return fallocate_;
      default:
        return false;
    }
  }

  ThreadEngine* Aux() {
    if (!aux_) aux_ = std::make_unique<ThreadEngine>(4, event_fd_);
    return aux_.get();
  }
  size_t AuxInFlight() const { return aux_ ? aux_->InFlight() : 0; }

  void Prep(Request* req) {
    io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
    if (!sqe) {  // cannot happen while in_ring_+unsubmitted_ < depth_, but be safe
      pending_.push_front(req);
      return;
    }
    switch (req->op) {
      case Op::kRead:
        io_uring_prep_readv(sqe, req->fd, req->iov.data(), static_cast<unsigned>(req->iov.size()),
                            static_cast<uint64_t>(req->offset + req->done));
        sqe->rw_flags = req->rw_flags;
        break;
      case Op::kWrite:
        io_uring_prep_writev(sqe, req->fd, req->iov.data(), static_cast<unsigned>(req->iov.size()),
                             static_cast<uint64_t>(req->offset + req->done));
        sqe->rw_flags = req->rw_flags;
        break;
      case Op::kFlush:
        io_uring_prep_fsync(sqe, req->fd, IORING_FSYNC_DATASYNC);
        break;
      case Op::kFsync:
        io_uring_prep_fsync(sqe, req->fd, 0);
        break;
      case Op::kZeroRange:
        io_uring_prep_fallocate(sqe, req->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE,
                                req->offset, req->length);
        break;
      case Op::kPunchHole:
        io_uring_prep_fallocate(sqe, req->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE,
                                req->offset, req->length);
        break;
      default:
        break;
    }
    io_uring_sqe_set_data(sqe, req);
    ++unsubmitted_;
  }

  void Complete(Request* req, int res, std::vector<Request*>* done) {
    bool rw = req->op == Op::kRead || req->op == Op::kWrite;
    if (rw && res == -EAGAIN) {  // requeue as liburing's examples do
      Requeue(req);
      return;
    }
    if (rw && res > 0) {
      req->Advance(res);
      if (req->done < req->length) {  // short transfer: finish it here, not in JS
        Requeue(req);
        return;
      }
      req->res = req->done;
    } else if (rw && res == 0 && req->done < req->length) {
      req->res = req->op == Op::kRead ? req->done : -EIO;  // EOF
    } else {
      req->res = rw && res >= 0 ? req->done : res;
    }
    req->t_complete = NowNs();
    done->push_back(req);
  }

  void Requeue(Request* req) {
    if (in_ring_ - 1 + unsubmitted_ < depth_)
      Prep(req);
    else
      pending_.push_back(req);
  }

  io_uring ring_;
  bool ring_ok_ = false;
  bool fallocate_ = false;
  bool aux_dirty_ = false;
  unsigned depth_ = 0;
  int event_fd_ = -1;
  size_t in_ring_ = 0;      // submitted and not yet reaped
  size_t unsubmitted_ = 0;  // SQEs prepared, not yet submitted
  std::deque<Request*> pending_;
  std::unique_ptr<ThreadEngine> aux_;
};

}  // namespace

UringProbe ProbeUring() {
  UringProbe out;
  io_uring ring;
  int r = io_uring_queue_init(4, &ring, 0);
  if (r < 0) {
    out.reason = std::string("io_uring_setup failed: ") + std::strerror(-r);
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
    out.ok = rw;
    if (!rw) out.reason = "io_uring lacks READV/WRITEV/FSYNC";
    io_uring_free_probe(probe);
  }
  io_uring_queue_exit(&ring);
  return out;
}

std::unique_ptr<Engine> CreateUringEngine(unsigned depth, std::string* error) {
  static const UringProbe probe = ProbeUring();
  if (!probe.ok) {
    *error = probe.reason;
    return nullptr;
  }
  auto engine = std::make_unique<UringEngine>();
  int r = engine->Init(depth, probe.fallocate);
  if (r < 0) {
    *error = std::string("io_uring init failed: ") + std::strerror(-r);
    return nullptr;
  }
  return engine;
}

}  // namespace rawio

#else  // !RAWIO_HAVE_URING

namespace rawio {
UringProbe ProbeUring() {
  UringProbe out;
  out.reason = "rawio was built without liburing";
  return out;
}
std::unique_ptr<Engine> CreateUringEngine(unsigned, std::string* error) {
  *error = "rawio was built without liburing";
  return nullptr;
}
}  // namespace rawio

#endif
