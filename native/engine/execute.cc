// One attempt of a request through sys_ops, shared by the thread pool and the
// auxiliary path. Short transfers and EOF are IoCore's to judge.
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>

#include "engine/engine.h"
#include "engine/sys_ops.h"

namespace rawio {

int64_t ExecuteOnce(const Request& req) {
  int cnt = static_cast<int>(req.iov.size());
  int64_t off = req.offset + req.done;
  switch (req.op) {
    case Op::kRead:
      return SysPreadv2(req.fd, req.iov.data(), cnt, off, req.rw_flags);
    case Op::kWrite:
      return SysPwritev2(req.fd, req.iov.data(), cnt, off, req.rw_flags);
    case Op::kFlush:
      return SysFdatasync(req.fd);
    case Op::kFsync:
      return SysFsync(req.fd);
    case Op::kZeroRange:
      return SysFallocate(req.fd, FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE, req.offset,
                          req.length);
    case Op::kPunchHole:
      return SysFallocate(req.fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, req.offset,
                          req.length);
    case Op::kBlkDiscard:
      return SysBlkDiscard(req.fd, static_cast<uint64_t>(req.offset),
                           static_cast<uint64_t>(req.length));
    case Op::kBlkZeroout:
      return SysBlkZeroout(req.fd, static_cast<uint64_t>(req.offset),
                           static_cast<uint64_t>(req.length));
    case Op::kTruncate:
      return SysFtruncate(req.fd, req.offset);
  }
  return -EINVAL;
}

}  // namespace rawio
