// One I/O request, as every engine and both drivers (the Device pump and the bench
// job loop) see it: plain data, no V8 values. A driver may extend it (the pump's
// pending promise, the bench slot's buffer) and finds itself again through `user`.
#pragma once

#include <sys/uio.h>

#include <cstdint>
#include <vector>

namespace rawio {

// Every operation rawio runs. The numbers of the space operations are exported to
// JS as `ops` (lib/native.ts), so only append.
enum class Op : uint8_t {
  kRead,        // preadv2 / IORING_OP_READ(V): one or more buffers
  kWrite,       // pwritev2 / IORING_OP_WRITE(V); rw_flags RWF_DSYNC for FUA
  kFlush,       // fdatasync
  kFsync,       // fsync
  kZeroRange,   // fallocate(ZERO_RANGE|KEEP_SIZE): write zeroes on a file
  kPunchHole,   // fallocate(PUNCH_HOLE|KEEP_SIZE): discard on a file (zeroes, may unmap)
  kBlkDiscard,  // discard on a block device: BLOCK_URING_CMD_DISCARD or ioctl(BLKDISCARD)
  kBlkZeroout,  // write zeroes on a block device: ioctl(BLKZEROOUT)
  kTruncate,    // ftruncate(offset)
};
constexpr int kOpCount = 9;

const char* OpSyscall(Op op);
inline bool MovesData(Op op) { return op == Op::kRead || op == Op::kWrite; }

struct Request {
  Op op = Op::kRead;
  int fd = -1;
  int rw_flags = 0;    // RWF_DSYNC for FUA writes
  int buf_index = -1;  // a registered (fixed) buffer holding iov[0], or -1
  int64_t offset = 0;
  int64_t length = 0;  // bytes to transfer, or the range of a space operation
  int64_t done = 0;    // bytes transferred so far (short transfers are requeued)
  int64_t res = 0;     // final result: bytes (or 0) on success, -errno on failure
  bool eof = false;    // the transfer stopped at the end of the target (res: bytes done)
  uint64_t t_submit = 0;
  uint64_t t_complete = 0;
  std::vector<iovec> iov;  // remaining iovecs for read/write; advanced on short transfers
  void* user = nullptr;    // owned by the driver

  // Advances iov past n transferred bytes.
  void Advance(int64_t n);
  // Back to a fresh request; the iovec vector keeps its capacity.
  void ResetRequest() {
    op = Op::kRead;
    fd = -1;
    rw_flags = 0;
    buf_index = -1;
    offset = length = done = res = 0;
    eof = false;
    t_submit = t_complete = 0;
    iov.clear();
    user = nullptr;
  }
};

// What an engine hands back: the request and the raw result of one attempt
// (bytes or -errno, as cqe->res). IoCore turns it into a whole request.
struct Completion {
  Request* req;
  int64_t res;
};

}  // namespace rawio
