#include "device/probe.h"

#include <linux/fs.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>

#include <cstdlib>

#include "engine/sys_ops.h"

namespace rawio {

namespace {

bool ReadU64(const std::string& path, uint64_t* v) {
  std::string text;
  if (SysReadText(path, &text) < 0 || text.empty()) return false;
  char* end = nullptr;
  *v = std::strtoull(text.c_str(), &end, 10);
  return end != text.c_str();
}

// The queue directory of the device backing dev (a partition's parent's queue).
std::string QueueDir(dev_t dev) {
  std::string base =
      "/sys/dev/block/" + std::to_string(major(dev)) + ":" + std::to_string(minor(dev));
  if (SysAccess((base + "/queue").c_str(), 0) == 0) return base + "/queue";
  if (SysAccess((base + "/../queue").c_str(), 0) == 0) return base + "/../queue";
  return "";
}

void ProbeQueue(const std::string& q, Geometry* g, bool is_block) {
  uint64_t v;
  if (q.empty()) return;
  g->sysfs = q;
  if (!is_block) {  // a file: borrow the block sizes of the filesystem's device
    if (ReadU64(q + "/logical_block_size", &v)) g->logical_block_size = static_cast<uint32_t>(v);
    if (ReadU64(q + "/physical_block_size", &v)) g->physical_block_size = static_cast<uint32_t>(v);
  }
  if (ReadU64(q + "/max_sectors_kb", &v)) g->max_transfer = v * 1024;
  if (ReadU64(q + "/rotational", &v)) g->rotational = static_cast<int>(v);
  if (ReadU64(q + "/dma_alignment", &v)) g->dma_alignment = static_cast<uint32_t>(v + 1);
  if (is_block) {
    if (ReadU64(q + "/discard_granularity", &v)) g->discard_granularity = v;
    if (ReadU64(q + "/discard_max_bytes", &v)) g->discard_max = v;
    if (ReadU64(q + "/write_zeroes_max_bytes", &v)) g->write_zeroes_max = v;
    std::string zoned;
    if (SysReadText(q + "/zoned", &zoned) >= 0 && !zoned.empty()) g->zoned = zoned;
  }
}

}  // namespace

int ProbeGeometry(int fd, Geometry* g) {
  struct stat st;
  int r = SysFstat(fd, &st);
  if (r < 0) return r;
  g->is_block = S_ISBLK(st.st_mode);
  if (g->is_block) {
    uint64_t size = 0;
    if ((r = SysBlkGetSize64(fd, &size)) < 0) return r;
    g->size = size;
    int lbs = 0, ro = 0;
    unsigned int pbs = 0, iomin = 0, ioopt = 0;
    if (SysBlkIoctlInt(fd, BLKSSZGET, &lbs) == 0 && lbs > 0)
      g->logical_block_size = static_cast<uint32_t>(lbs);
    if (SysBlkIoctlUint(fd, BLKPBSZGET, &pbs) == 0 && pbs > 0) g->physical_block_size = pbs;
    if (SysBlkIoctlUint(fd, BLKIOMIN, &iomin) == 0) g->min_io = iomin;
    if (SysBlkIoctlUint(fd, BLKIOOPT, &ioopt) == 0) g->opt_io = ioopt;
    if (SysBlkIoctlInt(fd, BLKROGET, &ro) == 0) g->read_only = ro != 0;
    ProbeQueue(QueueDir(st.st_rdev), g, true);
  } else {
    g->size = static_cast<uint64_t>(st.st_size);
    g->fs_block_size = static_cast<uint32_t>(st.st_blksize);
    ProbeQueue(QueueDir(st.st_dev), g, false);
    g->min_io = g->fs_block_size;
    g->opt_io = g->fs_block_size;
  }
  uint32_t mem = 0, off = 0;
  if (SysDioAlign(fd, &mem, &off) == 0 && off != 0) {
    g->dio_mem_align = mem;
    g->dio_offset_align = off;
    g->dio_align_from_statx = true;
  } else {
    g->dio_mem_align = g->dma_alignment ? g->dma_alignment : g->logical_block_size;
    g->dio_offset_align = g->logical_block_size;
  }
  return 0;
}

}  // namespace rawio
