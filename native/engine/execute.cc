// The synchronous body of a request, shared by the thread engine and by ops an
// io_uring kernel cannot run.
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>

#include "engine/engine.h"
#include "engine/sys_ops.h"
#include "util/clock.h"

namespace rawio {

namespace {

int64_t RunRw(Request* req) {
  bool is_read = req->op == Op::kRead;
  while (req->done < req->length) {
    int64_t off = req->offset + req->done;
    int cnt = static_cast<int>(req->iov.size());
    int64_t r = is_read ? SysPreadv2(req->fd, req->iov.data(), cnt, off, req->rw_flags)
                        : SysPwritev2(req->fd, req->iov.data(), cnt, off, req->rw_flags);
    if (r == -EAGAIN) continue;
    if (r < 0) return r;
    if (r == 0) return is_read ? req->done : -EIO;  // EOF: caller zero-fills reads
    req->Advance(r);
  }
  return req->done;
}

}  // namespace

void ExecuteRequest(Request* req) {
  int64_t r = 0;
  switch (req->op) {
    case Op::kRead:
    case Op::kWrite:
      r = RunRw(req);
      break;
    case Op::kFlush:
      r = SysFdatasync(req->fd);
      break;
    case Op::kFsync:
      r = SysFsync(req->fd);
      break;
    case Op::kZeroRange:
      r = SysFallocate(req->fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, req->offset,
                       req->length);
      break;
    case Op::kPunchHole:
      r = SysFallocate(req->fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, req->offset,
                       req->length);
      break;
    case Op::kBlkDiscard:
      r = SysBlkDiscard(req->fd, static_cast<uint64_t>(req->offset),
                        static_cast<uint64_t>(req->length));
      break;
    case Op::kBlkZeroout:
      r = SysBlkZeroout(req->fd, static_cast<uint64_t>(req->offset),
                        static_cast<uint64_t>(req->length));
      break;
    case Op::kTruncate:
      r = SysFtruncate(req->fd, req->offset);
      break;
  }
  req->res = r;
  req->t_complete = NowNs();
}

}  // namespace rawio
