#include "engine/request.h"

namespace rawio {

const char* OpSyscall(Op op) {
  switch (op) {
    case Op::kRead:
      return "preadv";
    case Op::kWrite:
      return "pwritev";
    case Op::kFlush:
      return "fdatasync";
    case Op::kFsync:
      return "fsync";
    case Op::kZeroRange:
      return "fallocate";
    case Op::kPunchHole:
      return "fallocate";
    case Op::kBlkDiscard:
      return "ioctl(BLKDISCARD)";
    case Op::kBlkZeroout:
      return "ioctl(BLKZEROOUT)";
    case Op::kTruncate:
      return "ftruncate";
  }
  return "unknown";
}

void Request::Advance(int64_t n) {
  done += n;
  size_t i = 0;
  while (i < iov.size() && n >= static_cast<int64_t>(iov[i].iov_len)) {
    n -= static_cast<int64_t>(iov[i].iov_len);
    ++i;
  }
  iov.erase(iov.begin(), iov.begin() + static_cast<std::ptrdiff_t>(i));
  if (n > 0 && !iov.empty()) {
    iov[0].iov_base = static_cast<char*>(iov[0].iov_base) + n;
    iov[0].iov_len -= static_cast<size_t>(n);
  }
}

}  // namespace rawio
