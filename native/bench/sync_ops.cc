// The synchronous form of every benchmark request, through sys_ops.
#include <errno.h>
#include <fcntl.h>
#include <linux/falloc.h>

#include "bench/io_driver.h"
#include "engine/sys_ops.h"

namespace rawio {

int64_t RunSlotSync(int fd, bool is_block, bool fua, const IoSlot& slot) {
  int64_t off = slot.offset + slot.done;
  int64_t len = static_cast<int64_t>(slot.length) - slot.done;
  iovec iov{slot.buf + slot.done, static_cast<size_t>(len)};
  switch (slot.op) {
    case IoOp::kRead:
      return SysPreadv2(fd, &iov, 1, off, 0);
    case IoOp::kWrite:
      return SysPwritev2(fd, &iov, 1, off, fua ? RWF_DSYNC : 0);
    case IoOp::kTrim:
      if (is_block) {
        int r = SysBlkDiscard(fd, static_cast<uint64_t>(off), static_cast<uint64_t>(len));
        return r < 0 ? r : len;
      } else {
        int r = SysFallocate(fd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, off, len);
        return r < 0 ? r : len;
      }
    case IoOp::kFsync:
      return SysFsync(fd);
    case IoOp::kFdatasync:
      return SysFdatasync(fd);
  }
  return -EINVAL;
}

}  // namespace rawio
