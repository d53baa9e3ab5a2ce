// A benchmark job as plain data (the "baton"): copied out of the JS object before any
// thread starts, so the job threads never touch V8 values.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/job_log.h"

namespace rawio {

// Statistics are kept per direction; kSync covers fsync and fdatasync.
enum class Dir : uint8_t { kRead = 0, kWrite = 1, kTrim = 2, kSync = 3 };
constexpr int kDirCount = 4;
constexpr int kDataDirCount = 3;  // read, write, trim: the directions that move bytes

enum class Workload : uint8_t { kRead, kWrite, kMixed, kTrim };
enum class BenchEngine : uint8_t { kUring, kThreads, kLibaio };

// random_distribution (fio's names): uniform ("random"), fio's own zipf/pareto/normal
// generators, or zones of the region taking given shares of the requests.
enum class Distribution : uint8_t { kUniform, kZipf, kPareto, kNormal, kZoned, kZonedAbs };

struct ZoneShare {
  uint32_t access_percent = 0;  // share of the requests
  uint64_t size = 0;            // percent of the region (kZoned) or bytes (kZonedAbs)
};

struct BlockSizeShare {
  uint32_t size = 0;     // bytes
  uint32_t percent = 0;  // shares add up to 100
};

struct JobSpec {
  std::string path;  // the target (a regular file or a block device)
  bool direct = false;
  bool exclusive = false;  // O_EXCL on a block device (write workloads)
  Workload workload = Workload::kRead;
  bool random = false;
  uint32_t rwmixread = 50;               // percent of reads in a mixed workload
  std::vector<BlockSizeShare> bs;        // one entry for a plain --bs (reads, trims)
  std::vector<BlockSizeShare> bs_write;  // writes; empty: as bs (fio's bs=R,W)
  uint32_t iodepth = 1;
  uint32_t batch_submit = 1;  // new requests per submit call (fio's iodepth_batch_submit)
  uint32_t numjobs = 1;
  uint64_t offset = 0;
  uint64_t size = 0;         // bytes of the region, from offset
  uint64_t runtime_ns = 0;   // 0: no time limit
  bool time_based = false;   // loop over the region until runtime
  uint64_t io_size = 0;      // bytes per job; 0: size (unless time_based)
  uint64_t number_ios = 0;   // I/Os per job; 0: no limit
  uint64_t ramp_ns = 0;      // run unmeasured this long first
  bool fua = false;          // RWF_DSYNC on every write
  uint32_t fsync_every = 0;  // fsync after this many writes
  uint32_t fdatasync_every = 0;
  BenchEngine engine = BenchEngine::kUring;
  bool fixedbufs = false;
  bool registerfiles = false;
  bool hipri = false;
  bool sqpoll = false;
  uint64_t randseed = 0x89;  // fio's default
  bool norandommap = false;
  uint64_t rate_iops = 0;  // per job; 0: unlimited
  uint32_t mem_align = 4096;
  // fio's workload shapes (docs/bench.md, Job files).
  int64_t seq_add = 0;       // rw=read:N: bytes skipped after each sequential request (<0: back)
  uint32_t rand_seq_nr = 1;  // rw=randread:N: a new random offset every N requests
  uint64_t target_size = 0;  // the whole target (fio's real_file_size), for seq_add wraps
  Distribution distribution = Distribution::kUniform;
  double dist_param = 0;    // zipf theta, pareto h, normal deviation (percent)
  double dist_center = -1;  // fio's center (-1: none)
  std::vector<ZoneShare> zones;
  bool rand_repeat = true;         // randrepeat (fio's seeds); false: from randseed
  uint32_t fio_thread_number = 1;  // fio's seed for zipf/pareto/normal: jhash(path) * this
  uint64_t rate_bytes = 0;         // per job, bytes/s; 0: unlimited
  bool rate_poisson = false;       // rate_process=poisson (exponential gaps, with rate_iops)
  uint64_t thinktime_ns = 0;       // pause after every thinktime_blocks requests
  uint64_t thinktime_spin_ns = 0;  // of which spent spinning
  uint32_t thinktime_blocks = 1;
  uint32_t loops = 1;       // passes over the region (size-bound jobs)
  uint32_t iolog_max = 0;   // record up to this many requests (fio's write_iolog)
  bool invalidate = false;  // fio's invalidate: drop the target's page cache before the job
  int fadvise = 0;  // fio's fadvise_hint: a POSIX_FADV_* for each job's descriptor (0: none)
  LogSpec log;      // fio's write_lat_log & co. (bench/job_log.h)
  // --verify=stamp: writes carry integrity stamps (native/integrity/stamp.h) of verify_bs-byte
  // blocks; reads are checked against them (docs/bench.md says exactly which).
  bool verify = false;
  uint64_t verify_seed = 0;
  uint32_t verify_gen = 1;
  uint32_t verify_bs = 0;
  uint64_t verify_ts = 0;  // the stamps' timestamp: one per run (set by BenchRun::Setup)
  // --start-at: CLOCK_REALTIME ns until which the prepared job waits (0: start at once).
  uint64_t start_at_ns = 0;

  uint32_t MaxBs() const {
    uint32_t m = 0;
    for (const BlockSizeShare& b : bs) m = b.size > m ? b.size : m;
    for (const BlockSizeShare& b : bs_write) m = b.size > m ? b.size : m;
    return m;
  }
  uint32_t MinBs() const {
    uint32_t m = UINT32_MAX;
    for (const BlockSizeShare& b : bs) m = b.size < m ? b.size : m;
    for (const BlockSizeShare& b : bs_write) m = b.size < m ? b.size : m;
    return m;
  }
  const std::vector<BlockSizeShare>& BsFor(bool write) const {
    return write && !bs_write.empty() ? bs_write : bs;
  }
  bool Writes() const { return workload == Workload::kWrite || workload == Workload::kMixed; }
};

}  // namespace rawio
