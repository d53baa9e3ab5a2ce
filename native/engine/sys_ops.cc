// The one file that calls syscalls (io_uring aside, which liburing wraps).
#include "engine/sys_ops.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/aio_abi.h>
#include <linux/fs.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstring>
#include <ctime>

namespace rawio {

namespace {
template <typename T>
T Ret(T r) {
  return r < 0 ? static_cast<T>(-errno) : r;
}
}  // namespace

int SysOpen(const char* path, int flags) {
  int r;
  do r = open(path, flags | O_CLOEXEC);
  while (r < 0 && errno == EINTR);
  return Ret(r);
}

int SysClose(int fd) { return Ret(close(fd)); }

int SysFstat(int fd, struct stat* st) { return Ret(fstat(fd, st)); }

int SysDioAlign(int fd, uint32_t* mem_align, uint32_t* offset_align) {
#ifdef STATX_DIOALIGN
  struct statx stx;
  std::memset(&stx, 0, sizeof(stx));
  if (statx(fd, "", AT_EMPTY_PATH, STATX_DIOALIGN, &stx) < 0) return -errno;
  if (!(stx.stx_mask & STATX_DIOALIGN)) return -ENOTSUP;
  *mem_align = stx.stx_dio_mem_align;
  *offset_align = stx.stx_dio_offset_align;
  return 0;
#else
  struct Statx {
    uint32_t mask, blksize;
    uint64_t attributes;
    uint32_t nlink, uid, gid;
    uint16_t mode, pad1;
    uint64_t ino, size, blocks, attributes_mask;
    uint64_t ts[8];
    uint32_t rdev_major, rdev_minor, dev_major, dev_minor;
    uint64_t mnt_id;
    uint32_t dio_mem_align, dio_offset_align;
    uint64_t spare[12];
  } stx;
  std::memset(&stx, 0, sizeof(stx));
  constexpr unsigned kDioAlign = 0x2000;
  if (statx(fd, "", AT_EMPTY_PATH, kDioAlign, reinterpret_cast<struct statx*>(&stx)) < 0)
    return -errno;
  if (!(stx.mask & kDioAlign)) return -ENOTSUP;
  *mem_align = stx.dio_mem_align;
  *offset_align = stx.dio_offset_align;
  return 0;
#endif
}

int64_t SysPreadv2(int fd, const iovec* iov, int iovcnt, int64_t offset, int flags) {
  ssize_t r;
  do r = preadv2(fd, iov, iovcnt, offset, flags);
  while (r < 0 && errno == EINTR);
  return Ret<int64_t>(r);
}

int64_t SysPwritev2(int fd, const iovec* iov, int iovcnt, int64_t offset, int flags) {
  ssize_t r;
  do r = pwritev2(fd, iov, iovcnt, offset, flags);
  while (r < 0 && errno == EINTR);
  return Ret<int64_t>(r);
}

int SysFdatasync(int fd) { return Ret(fdatasync(fd)); }
int SysFsync(int fd) { return Ret(fsync(fd)); }

int SysFallocate(int fd, int mode, int64_t offset, int64_t length) {
  int r;
  do r = fallocate(fd, mode, offset, length);
  while (r < 0 && errno == EINTR);
  return Ret(r);
}

int SysFtruncate(int fd, int64_t length) { return Ret(ftruncate(fd, length)); }

int64_t SysLseek(int fd, int64_t offset, int whence) {
  return Ret<int64_t>(lseek(fd, offset, whence));
}

int SysBlkDiscard(int fd, uint64_t offset, uint64_t length) {
  uint64_t range[2] = {offset, length};
  return Ret(ioctl(fd, BLKDISCARD, range));
}

int SysBlkZeroout(int fd, uint64_t offset, uint64_t length) {
  uint64_t range[2] = {offset, length};
  return Ret(ioctl(fd, BLKZEROOUT, range));
}

int SysBlkFlushBuffers(int fd) { return Ret(ioctl(fd, BLKFLSBUF, 0)); }

int SysFadvise(int fd, int64_t offset, int64_t length, int advice) {
  return -posix_fadvise(fd, offset, length, advice);  // returns the error itself
}

int SysBlkGetSize64(int fd, uint64_t* size) { return Ret(ioctl(fd, BLKGETSIZE64, size)); }
int SysBlkIoctlInt(int fd, unsigned long request, int* value) {
  return Ret(ioctl(fd, request, value));
}
int SysBlkIoctlUint(int fd, unsigned long request, unsigned int* value) {
  return Ret(ioctl(fd, request, value));
}

int SysReadText(const std::string& path, std::string* out) {
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  char buf[256];
  ssize_t n = read(fd, buf, sizeof(buf) - 1);
  int err = errno;
  close(fd);
  if (n < 0) return -err;
  out->assign(buf, static_cast<size_t>(n));
  while (!out->empty() && (out->back() == '\n' || out->back() == ' ')) out->pop_back();
  return static_cast<int>(n);
}

int SysAccess(const char* path, int mode) { return Ret(access(path, mode)); }

int SysFlock(int fd, int type, bool wait) {
  struct flock fl;
  std::memset(&fl, 0, sizeof(fl));
  fl.l_type = static_cast<short>(type);
  fl.l_whence = SEEK_SET;
  return Ret(fcntl(fd, wait ? F_OFD_SETLKW : F_OFD_SETLK, &fl));
}

int SysEventfd() { return Ret(eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)); }

int SysEventfdWrite(int fd) {
  uint64_t one = 1;
  return Ret(static_cast<int>(write(fd, &one, sizeof(one))));
}

int SysEventfdDrain(int fd) {
  uint64_t value;
  return Ret(static_cast<int>(read(fd, &value, sizeof(value))));
}

uint64_t SysThreadCpuNs() {
  timespec ts;
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

int SysIoSetup(unsigned nr_events, unsigned long* ctx) {
  aio_context_t c = 0;
  long r = syscall(SYS_io_setup, nr_events, &c);
  if (r < 0) return -errno;
  *ctx = static_cast<unsigned long>(c);
  return 0;
}

int SysIoDestroy(unsigned long ctx) {
  return syscall(SYS_io_destroy, static_cast<aio_context_t>(ctx)) < 0 ? -errno : 0;
}

int SysIoSubmit(unsigned long ctx, long nr, struct iocb** iocbs) {
  long r;
  do r = syscall(SYS_io_submit, static_cast<aio_context_t>(ctx), nr, iocbs);
  while (r < 0 && errno == EINTR);
  return r < 0 ? -errno : static_cast<int>(r);
}

int SysIoGetevents(unsigned long ctx, long min_nr, long nr, struct io_event* events,
                   const struct timespec* timeout) {
  long r = syscall(SYS_io_getevents, static_cast<aio_context_t>(ctx), min_nr, nr, events, timeout);
  return r < 0 ? -errno : static_cast<int>(r);
}

int SysPollOne(int fd, short events, int timeout_ms) {
  pollfd p;
  p.fd = fd;
  p.events = events;
  p.revents = 0;
  return Ret(poll(&p, 1, timeout_ms));
}

int SysSleepNs(uint64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000ull);
  ts.tv_nsec = static_cast<long>(ns % 1000000000ull);
  return -clock_nanosleep(CLOCK_MONOTONIC, 0, &ts, nullptr);  // returns the error number itself
}

int SysThreadRusage(struct rusage* usage) { return Ret(getrusage(RUSAGE_THREAD, usage)); }

uint64_t SysRealtimeNs() {
  timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
  return static_cast<uint64_t>(ts.tv_sec) * 1000000000ull + static_cast<uint64_t>(ts.tv_nsec);
}

int SysSleepUntilRealtimeNs(uint64_t ns) {
  timespec ts;
  ts.tv_sec = static_cast<time_t>(ns / 1000000000ull);
  ts.tv_nsec = static_cast<long>(ns % 1000000000ull);
  return -clock_nanosleep(CLOCK_REALTIME, TIMER_ABSTIME, &ts, nullptr);
}

int SysStat(const char* path, struct stat* st) { return Ret(stat(path, st)); }

}  // namespace rawio
