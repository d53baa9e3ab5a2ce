// THE syscall boundary. Every function returns a non-negative result or -errno,
// captured on the line of the call; nothing here throws.
#pragma once

#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/uio.h>

#include <cstdint>
#include <ctime>
#include <string>

struct iocb;
struct io_event;

namespace rawio {

int SysOpen(const char* path, int flags);
int SysClose(int fd);
int SysFstat(int fd, struct stat* st);
// statx(STATX_DIOALIGN); returns 0 and fills the two values, or -errno / -ENOTSUP.
int SysDioAlign(int fd, uint32_t* mem_align, uint32_t* offset_align);

int64_t SysPreadv2(int fd, const iovec* iov, int iovcnt, int64_t offset, int flags);
int64_t SysPwritev2(int fd, const iovec* iov, int iovcnt, int64_t offset, int flags);
int SysFdatasync(int fd);
int SysFsync(int fd);
int SysFallocate(int fd, int mode, int64_t offset, int64_t length);
int SysFtruncate(int fd, int64_t length);
int64_t SysLseek(int fd, int64_t offset, int whence);

// Block device ioctls.
int SysBlkDiscard(int fd, uint64_t offset, uint64_t length);
int SysBlkFlushBuffers(int fd);  // BLKFLSBUF: write back and drop the device's page cache
int SysFadvise(int fd, int64_t offset, int64_t length, int advice);  // posix_fadvise: 0 or -errno
int SysBlkZeroout(int fd, uint64_t offset, uint64_t length);
int SysBlkGetSize64(int fd, uint64_t* size);
int SysBlkIoctlInt(int fd, unsigned long request, int* value);
int SysBlkIoctlUint(int fd, unsigned long request, unsigned int* value);

// Reads a small sysfs text file; returns bytes read or -errno.
int SysReadText(const std::string& path, std::string* out);
int SysAccess(const char* path, int mode);
int SysFlock(int fd, int type, bool wait);  // OFD lock of the whole file: F_RDLCK/F_WRLCK/F_UNLCK

int SysEventfd();
int SysEventfdWrite(int fd);
int SysEventfdDrain(int fd);
// This thread's CPU time (user + system) in ns, CLOCK_THREAD_CPUTIME_ID; 0 if unknown.
uint64_t SysThreadCpuNs();

// Linux AIO (the libaio engine), as raw syscalls: io_setup(2), io_destroy(2),
// io_submit(2) (returns how many were taken), io_getevents(2) (timeout null: wait).
int SysIoSetup(unsigned nr_events, unsigned long* ctx);
int SysIoDestroy(unsigned long ctx);
int SysIoSubmit(unsigned long ctx, long nr, struct iocb** iocbs);
int SysIoGetevents(unsigned long ctx, long min_nr, long nr, struct io_event* events,
                   const struct timespec* timeout);

// For the benchmark runner (native/bench).
// poll(2) on one fd; returns the number of ready fds (0 on timeout) or -errno.
int SysPollOne(int fd, short events, int timeout_ms);
// Sleeps on CLOCK_MONOTONIC; returns 0, or -EINTR when a signal cut it short.
int SysSleepNs(uint64_t ns);
// getrusage(RUSAGE_THREAD): the CPU time of the calling thread.
int SysThreadRusage(struct rusage* usage);
// CLOCK_REALTIME in nanoseconds since the Unix epoch (the stamps' timestamp); 0 if unavailable.
uint64_t SysRealtimeNs();
// Sleeps until CLOCK_REALTIME reaches ns (absolute); returns 0, or -EINTR when a signal cut it
// short.
int SysSleepUntilRealtimeNs(uint64_t ns);

// For the write interlock (native/safety).
// stat(2) on a path (follows symlinks).
int SysStat(const char* path, struct stat* st);

}  // namespace rawio
