// Geometry of an open target: ioctls, statx(STATX_DIOALIGN) and sysfs.
#pragma once

#include <cstdint>
#include <string>

namespace rawio {

struct Geometry {
  bool is_block = false;
  uint64_t size = 0;
  uint32_t logical_block_size = 512;
  uint32_t physical_block_size = 512;
  uint32_t dio_mem_align = 0;     // 0 when unknown
  uint32_t dio_offset_align = 0;  // 0 when unknown
  bool dio_align_from_statx = false;
  uint32_t min_io = 0;
  uint32_t opt_io = 0;
  uint64_t max_transfer = 0;  // bytes, 0 when unknown
  uint64_t discard_granularity = 0;
  uint64_t discard_max = 0;
  uint64_t write_zeroes_max = 0;
  int rotational = -1;  // -1 unknown
  std::string zoned = "none";
  bool read_only = false;
  uint32_t dma_alignment = 0;  // queue/dma_alignment + 1, 0 when unknown
  uint32_t fs_block_size = 0;  // files: st_blksize
  std::string sysfs;           // /sys/dev/block/M:m/queue used, if any
};

// Returns 0 or -errno.
int ProbeGeometry(int fd, Geometry* g);

}  // namespace rawio
