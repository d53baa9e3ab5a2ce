// What one job measured: per direction counts, bytes and latencies, I/Os per
// second over time, the CPU time of its thread, and the first error.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "bench/histogram.h"
#include "bench/io_slot.h"
#include "bench/job_spec.h"
#include "bench/stamp.h"

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
};

struct JobError {
  int neg_errno = 0;  // 0: no error
  IoOp op = IoOp::kRead;
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

struct JobStats {
  DirStats dirs[kDirCount];
  std::vector<IntervalSample> series;  // one per second of the measured run
  uint64_t elapsed_ns = 0;             // measured time (after ramp_time)
  uint64_t ramp_ns = 0;                // time actually spent ramping
  uint64_t user_ns = 0;                // CPU time of the job thread while measuring
  uint64_t sys_ns = 0;
  uint64_t voluntary_ctx = 0;
  uint64_t involuntary_ctx = 0;
  bool stopped = false;  // stopped early by stop() or by another job's error
  uint64_t started_realtime_ns =
      0;  // CLOCK_REALTIME when the first request was submitted (0: none)
  JobError error;
  VerifyStats verify;
};

}  // namespace rawio
