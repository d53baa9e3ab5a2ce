#include "safety/target_inspect.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include "engine/sys_ops.h"

namespace rawio {

TargetReport InspectTarget(const InspectSpec& spec) {
  TargetReport report;
  struct stat st;
  int r = SysStat(spec.path.c_str(), &st);
  if (r < 0) {
    report.stat_error = r;
    return report;
  }
  report.is_block = S_ISBLK(st.st_mode);
  if (!report.is_block) return report;  // regular files are not subject to the interlock
  report.major = major(st.st_rdev);
  report.minor = minor(st.st_rdev);
  if (spec.try_exclusive) {
    report.exclusive_tried = true;
    int fd = SysOpen(spec.path.c_str(), O_RDONLY | O_EXCL | O_NONBLOCK);
    if (fd >= 0) {
      SysClose(fd);
      report.exclusive_error = 0;
    } else {
      report.exclusive_error = fd;
    }
  }
  if (spec.probe_signatures) {
    report.signatures_tried = true;
    report.signatures = ProbeSignatures(spec.path);
  }
  return report;
}

}  // namespace rawio
