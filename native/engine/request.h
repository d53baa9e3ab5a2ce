// One I/O request as the engines see it: plain data, no V8 values.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <vector>

namespace rawio {

enum class Op : uint8_t {
  kRead,
  kWrite,
  kFlush,       // fdatasync
  kFsync,       // fsync
  kZeroRange,   // fallocate(ZERO_RANGE|KEEP_SIZE)
  kPunchHole,   // fallocate(PUNCH_HOLE|KEEP_SIZE)
  kBlkDiscard,  // ioctl(BLKDISCARD)
  kBlkZeroout,  // ioctl(BLKZEROOUT)
  kTruncate,    // ftruncate(offset)
};
constexpr int kOpCount = 9;

const char* OpSyscall(Op op);

struct Request {
  Op op = Op::kRead;
  int fd = -1;
  int rw_flags = 0;  // RWF_DSYNC for FUA writes
  int64_t offset = 0;
  int64_t length = 0;  // bytes to transfer, or the range of a space operation
  int64_t done = 0;    // bytes transferred so far (short transfers are requeued)
  int64_t res = 0;     // final result: bytes (or 0) on success, -errno on failure
  uint64_t t_submit = 0;
  uint64_t t_complete = 0;
  std::vector<iovec> iov;  // remaining iovecs for read/write; advanced on short transfers
  void* user = nullptr;    // owned by the napi layer

  // Advances iov past n transferred bytes.
  void Advance(int64_t n);
};

}  // namespace rawio
