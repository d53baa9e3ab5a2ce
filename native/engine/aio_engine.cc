// The Linux AIO engine (fio's libaio): io_setup/io_submit/io_getevents as raw syscalls
// through sys_ops, completions signalled on an eventfd with IOCB_FLAG_RESFD for the
// event-loop pump. It runs reads and writes (truly asynchronous with O_DIRECT, as
// with fio and qemu's aio=native); everything else goes to IoCore's auxiliary path.
#include <errno.h>
#include <linux/aio_abi.h>

#include <atomic>
#include <cstring>
#include <vector>

#include "engine/engine.h"
#include "engine/sys_ops.h"

namespace rawio {

namespace {

// The completion ring the kernel maps at the context address (fs/aio.c, struct aio_ring):
// head != tail means io_getevents would return something, without a syscall.
struct AioRing {
  unsigned id;
  unsigned nr;
  unsigned head;
  unsigned tail;
  unsigned magic;
};
constexpr unsigned kAioRingMagic = 0xa10a10a1;

class AioEngine final : public Engine {
 public:
  ~AioEngine() override {
    if (ctx_) SysIoDestroy(ctx_);  // waits for what is in the kernel
    if (event_fd_ >= 0) SysClose(event_fd_);
  }

  int Init(const EngineOptions& opts, std::string* why) {
    depth_ = opts.depth ? opts.depth : 1;
    int r = SysIoSetup(depth_, &ctx_);
    if (r < 0) {
      ctx_ = 0;
      *why = std::string("io_setup failed: ") + std::strerror(-r);
      if (r == -EAGAIN) *why += " (raise fs.aio-max-nr or lower the depth)";
      return r;
    }
    iocbs_.resize(depth_);
    events_.resize(depth_);
    for (unsigned i = depth_; i > 0; --i) free_.push_back(i - 1);
    if (opts.want_eventfd) {
      event_fd_ = SysEventfd();
      if (event_fd_ < 0) {
        *why = "eventfd failed";
        return event_fd_;
      }
    }
    return 0;
  }

  const char* Name() const override { return "libaio"; }
  bool Runs(Op op) const override { return op == Op::kRead || op == Op::kWrite; }
  int EventFd() const override { return event_fd_; }

  QueueStatus Queue(Request* req) override {
    if (free_.empty()) return QueueStatus::kBusy;
    unsigned idx = free_.back();
    free_.pop_back();
    iocb& cb = iocbs_[idx];
    std::memset(&cb, 0, sizeof(cb));
    cb.aio_data = reinterpret_cast<uint64_t>(req);
    cb.aio_fildes = static_cast<uint32_t>(req->fd);
    cb.aio_rw_flags = req->rw_flags;
    cb.aio_offset = req->offset + req->done;
    bool read = req->op == Op::kRead;
    if (req->iov.size() == 1) {
      cb.aio_lio_opcode = read ? IOCB_CMD_PREAD : IOCB_CMD_PWRITE;
      cb.aio_buf = reinterpret_cast<uint64_t>(req->iov[0].iov_base);
      cb.aio_nbytes = req->iov[0].iov_len;
    } else {
      cb.aio_lio_opcode = read ? IOCB_CMD_PREADV : IOCB_CMD_PWRITEV;
      cb.aio_buf = reinterpret_cast<uint64_t>(req->iov.data());
      cb.aio_nbytes = req->iov.size();
    }
    if (event_fd_ >= 0) {
      cb.aio_flags = IOCB_FLAG_RESFD;
      cb.aio_resfd = static_cast<uint32_t>(event_fd_);
    }
    unsubmitted_.push_back(&cb);
    return QueueStatus::kQueued;
  }

  int Commit() override {
    while (!unsubmitted_.empty()) {
      int r = SysIoSubmit(ctx_, static_cast<long>(unsubmitted_.size()), unsubmitted_.data());
      if (r < 0) return r;
      if (r == 0) return -EAGAIN;
      unsubmitted_.erase(unsubmitted_.begin(), unsubmitted_.begin() + r);
      in_kernel_ += static_cast<size_t>(r);
    }
    return 0;
  }

  int GetEvents(unsigned min, std::vector<Completion>* out) override {
    int r = Commit();
    if (in_kernel_ == 0) return r;
    if (r < 0) min = 0;
    timespec zero{0, 0};
    int n = SysIoGetevents(ctx_, min, static_cast<long>(events_.size()), events_.data(),
                           min ? nullptr : &zero);
    if (n < 0) return n;
    for (int i = 0; i < n; ++i) {
      const io_event& ev = events_[i];
      auto* cb = reinterpret_cast<iocb*>(ev.obj);
      free_.push_back(static_cast<unsigned>(cb - iocbs_.data()));
      --in_kernel_;
      out->push_back({reinterpret_cast<Request*>(ev.data), static_cast<int64_t>(ev.res)});
    }
    return r;
  }

  void Abandon(int64_t res, std::vector<Completion>* out) override {
    for (iocb* cb : unsubmitted_) {
      free_.push_back(static_cast<unsigned>(cb - iocbs_.data()));
      out->push_back({reinterpret_cast<Request*>(cb->aio_data), res});
    }
    unsubmitted_.clear();
  }

  bool CompletionsReady() const override {
    const auto* ring = reinterpret_cast<const AioRing*>(ctx_);
    if (!ring || ring->magic != kAioRingMagic) return false;
    unsigned head = __atomic_load_n(&ring->head, __ATOMIC_ACQUIRE);
    unsigned tail = __atomic_load_n(&ring->tail, __ATOMIC_ACQUIRE);
    return head != tail;
  }
  size_t Submitted() const override { return in_kernel_; }
  size_t InFlight() const override { return in_kernel_ + unsubmitted_.size(); }

 private:
  unsigned long ctx_ = 0;
  unsigned depth_ = 0;
  int event_fd_ = -1;
  size_t in_kernel_ = 0;
  std::vector<iocb> iocbs_;
  std::vector<io_event> events_;
  std::vector<unsigned> free_;
  std::vector<iocb*> unsubmitted_;
};

}  // namespace

std::unique_ptr<Engine> CreateAioEngine(const EngineOptions& opts, int* err, std::string* why) {
  auto engine = std::make_unique<AioEngine>();
  int r = engine->Init(opts, why);
  if (r < 0) {
    *err = r;
    return nullptr;
  }
  return engine;
}

}  // namespace rawio
