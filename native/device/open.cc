#include "device/open.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <sys/stat.h>

#include "engine/sys_ops.h"

namespace rawio {

int OpenTarget(const OpenSpec& spec, Opened* out, std::string* why) {
  int flags = spec.read_only ? O_RDONLY : O_RDWR;
  if (spec.direct) flags |= O_DIRECT;
  // Probe the kind first: O_EXCL means "exclusive" only for block devices.
  int probe = SysOpen(spec.path.c_str(), O_RDONLY | O_NONBLOCK);
  bool is_block = false;
  if (probe >= 0) {
    struct stat st;
    if (SysFstat(probe, &st) == 0) {
      is_block = S_ISBLK(st.st_mode);
      if (!is_block && !S_ISREG(st.st_mode)) {
        SysClose(probe);
        *why = "not a regular file or block device";
        return -EINVAL;
      }
    }
    SysClose(probe);
  }
  bool exclusive = spec.exclusive && is_block;
  if (exclusive) flags |= O_EXCL;
  int fd = SysOpen(spec.path.c_str(), flags);
  if (fd == -EINVAL && spec.direct) {
    // Retry without O_DIRECT to tell "the filesystem refuses O_DIRECT" apart.
    int plain = SysOpen(spec.path.c_str(), flags & ~O_DIRECT);
    if (plain >= 0) {
      SysClose(plain);
      *why = "O_DIRECT is not supported by the filesystem";
    }
  } else if (fd == -EBUSY && exclusive) {
    *why = "device is in use by another exclusive opener (mounted, mapped or held)";
  }
  if (fd < 0) return fd;
  if (is_block && !spec.read_only) {
    int ro = 0;
    if (SysBlkIoctlInt(fd, BLKROGET, &ro) == 0 && ro) {
      SysClose(fd);
      *why = "read-only block device (open it read-only)";
      return -EROFS;
    }
  }
  out->fd.Reset(fd);
  out->is_block = is_block;
  out->direct = spec.direct;
  out->exclusive = exclusive;
  out->read_only = spec.read_only;
  return 0;
}

}  // namespace rawio
