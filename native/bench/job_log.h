// fio's logs (write_lat_log, write_bw_log, write_iops_log, write_hist_log), gathered in the
// job thread while measuring, exactly as fio 3.33 samples them (stat.c): every request when
// log_avg_msec is 0; else fio's windows: the latency mean and max per direction, flushed by the
// first completion past the window (and once more at the end), and the bytes and requests of
// each log_avg_msec window; and with log_hist_msec, fio's latency histogram (its 1856 "plat"
// buckets) of each window. lib/bench/fio-logs.ts writes the files.
#pragma once

#include <cstdint>
#include <vector>

namespace rawio {

// fio's plat buckets (stat.h: FIO_IO_U_PLAT_BITS 6, FIO_IO_U_PLAT_NR 1856).
constexpr int kPlatBits = 6;
constexpr int kPlatNr = 29 << kPlatBits;
int PlatIndex(uint64_t ns);  // fio's plat_val_to_idx

struct LogSpec {
  uint32_t max_records = 0;  // per-request records (log_avg_msec=0); 0: none
  uint64_t avg_ms = 0;       // log_avg_msec windows; 0: none
  uint64_t hist_ms = 0;      // log_hist_msec windows; 0: none
  bool Active() const { return max_records || avg_ms || hist_ms; }
};

struct LogRecord {  // one completed request
  uint64_t t_ns;    // completion, since measuring began
  uint64_t lat_ns;  // submit to completion
  uint64_t offset;
  uint32_t bytes;
  uint8_t dir;
};

struct LatWindow {  // fio's averaged latency sample
  uint64_t t_ms;
  uint64_t mean_ns;  // rounded as fio's (mean + 0.5)
  uint64_t max_ns;
  uint8_t dir;
};

struct RateWindow {  // bytes and requests completed in [index, index + 1) * avg_ms
  uint64_t index;
  uint64_t bytes;
  uint64_t ios;
  uint8_t dir;
};

struct HistSample {  // one line of fio's clat_hist log: bins[first, first + count) are (idx, n)
  uint64_t t_ms;
  uint32_t bs;
  uint8_t dir;
  uint32_t first;
  uint32_t count;
};

class JobLog {
 public:
  static constexpr int kDirs = 3;  // read, write, trim

  void Configure(const LogSpec& spec);
  const LogSpec& Spec() const { return spec_; }
  void Reset();  // measuring (re)starts: after ramp_time
  void Record(uint64_t t_ns, uint64_t lat_ns, uint64_t offset, uint32_t bytes, int dir) {
    if (spec_.Active()) Add(t_ns, lat_ns, offset, bytes, dir);
  }
  void Finish(uint64_t t_ns);  // the end: fio's finalize_logs

  std::vector<LogRecord> records;
  bool records_truncated = false;
  std::vector<LatWindow> lat;
  std::vector<RateWindow> rate;
  std::vector<HistSample> hist;
  std::vector<uint32_t> hist_bins;  // pairs: fio bucket index, count

 private:
  struct Dir {
    uint64_t lat_n = 0, lat_sum = 0, lat_max = 0, avg_last_ms = 0;
    uint64_t rate_index = 0, rate_bytes = 0, rate_ios = 0;
    uint64_t hist_last_ms = 0;
    std::vector<uint32_t> plat;     // this window's counts (hist only)
    std::vector<uint16_t> touched;  // the buckets counted in this window
  };
  void Add(uint64_t t_ns, uint64_t lat_ns, uint64_t offset, uint32_t bytes, int dir);
  void FlushLat(int dir, uint64_t t_ms);
  void FlushRate(int dir);
  void FlushHist(int dir, uint64_t t_ms, uint32_t bs);

  LogSpec spec_;
  Dir dirs_[kDirs];
};

}  // namespace rawio
