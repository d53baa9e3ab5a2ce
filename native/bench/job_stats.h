// What one job measured: per direction counts, bytes and latencies, I/Os per
// second over time, the CPU time of its thread, and the first error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/histogram.h"
#include "bench/io_slot.h"
#include "bench/job_log.h"
#include "bench/job_spec.h"
#include "integrity/stamp.h"

namespace rawio {

struct DirStats {
  uint64_t ios = 0;
  uint64_t bytes = 0;
  LatencyHistogram lat;
  void Reset() {
    ios = 0;
    bytes = 0;
    lat.Reset();
  }
};

struct IntervalSample {
  uint64_t ios[kDataDirCount] = {0, 0, 0};
  uint64_t bytes[kDataDirCount] = {0, 0, 0};
  uint64_t lat_ns[kDataDirCount] = {0, 0, 0};  // sum of the latencies completed in the interval
};

// fio's iodepth_level / iodepth_submit / iodepth_complete counters (io_u.c's
// io_u_mark_depth and __io_u_mark_map), kept by the job loop at each submit and reap.
struct DepthStats {
  static constexpr int kSlots = 7;
  uint64_t level[kSlots] = {0, 0, 0, 0, 0, 0, 0};     // requests, by in flight after the submit
  uint64_t submit[kSlots] = {0, 0, 0, 0, 0, 0, 0};    // submit calls, by requests submitted
  uint64_t complete[kSlots] = {0, 0, 0, 0, 0, 0, 0};  // reaps, by requests completed
  // 1, 2-3, 4-7, 8-15, 16-31, 32-63, 64+
  static int LevelSlot(uint64_t depth) {
    int i = 0;
    while (i < kSlots - 1 && depth >= (2ull << i)) ++i;
    return i;
  }
  // 0, 1-4, 5-8, 9-16, 17-32, 33-64, 65+
  static int MapSlot(uint64_t n) {
    if (n == 0) return 0;
    int i = 1;
    while (i < kSlots - 1 && n > (4ull << (i - 1))) ++i;
    return i;
  }
  void Submitted(uint64_t n, uint64_t in_flight) {
    if (n == 0) return;
    level[LevelSlot(in_flight)] += n;
    ++submit[MapSlot(n)];
  }
  void Reaped(uint64_t n) { ++complete[MapSlot(n)]; }
  void Reset() { *this = DepthStats(); }
};

struct JobError {
  int neg_errno = 0;  // 0: no error
  Op op = Op::kRead;
  int64_t offset = -1;
  int64_t length = -1;
  std::string detail;  // words for what errno alone would not say
};

// --verify=stamp: blocks checked, and the bad ones.
struct VerifyStats {
  uint64_t blocks = 0;  // verified (ok + bad)
  uint64_t bad = 0;
  uint64_t skipped = 0;  // read but not verifiable (never written this run, or a write in flight)
  uint64_t by_kind[kStampKindCount] = {0, 0, 0, 0, 0, 0};
  int64_t first_bad_offset = -1;  // the lowest offset of a bad block
  StampKind first_bad_kind = StampKind::kOk;
  void Bad(int64_t offset, StampKind kind) {
    ++bad;
    ++by_kind[static_cast<int>(kind)];
    if (first_bad_offset < 0 || offset < first_bad_offset) {
      first_bad_offset = offset;
      first_bad_kind = kind;
    }
  }
};

// One request as issued (fio's write_iolog), kept when the job asks for it.
struct IoLogEntry {
  uint64_t offset;
  uint32_t length;
  Op op;
};

struct JobStats {
  DirStats dirs[kDirCount];
  std::vector<IntervalSample> series;  // one per second of the measured run
  uint64_t elapsed_ns = 0;             // measured time (after ramp_time)
  uint64_t ramp_ns = 0;                // time actually spent ramping
  uint64_t user_ns = 0;                // CPU time of the job thread while measuring
  uint64_t sys_ns = 0;
  uint64_t voluntary_ctx = 0;
  uint64_t involuntary_ctx = 0;
  uint64_t major_faults = 0;  // getrusage(RUSAGE_THREAD) while measuring, as fio's majf/minf
  uint64_t minor_faults = 0;
  DepthStats depth;
  bool stopped = false;  // stopped early by stop() or by another job's error
  uint64_t started_realtime_ns =
      0;  // CLOCK_REALTIME when the first request was submitted (0: none)
  JobError error;
  VerifyStats verify;
  std::vector<IoLogEntry> iolog;  // write_iolog: requests in issue order (up to iolog_max)
  bool iolog_truncated = false;
  JobLog log;                // fio's write_lat_log & co.
  int invalidate_errno = 0;  // fio's invalidate failed (it warns and goes on): -errno
};

}  // namespace rawio
