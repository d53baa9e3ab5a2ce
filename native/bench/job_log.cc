#include "bench/job_log.h"

#include <algorithm>

namespace rawio {

namespace {
constexpr uint64_t kNsPerMs = 1000000;
}  // namespace

int PlatIndex(uint64_t ns) {
  int msb = ns == 0 ? 0 : 63 - __builtin_clzll(ns);
  if (msb <= kPlatBits) return static_cast<int>(ns);
  int error_bits = msb - kPlatBits;
  int base = (error_bits + 1) << kPlatBits;
  int offset = static_cast<int>((ns >> error_bits) & ((1u << kPlatBits) - 1));
  return std::min(base + offset, kPlatNr - 1);
}

void JobLog::Configure(const LogSpec& spec) {
  spec_ = spec;
  if (spec_.max_records) records.reserve(std::min<uint32_t>(spec_.max_records, 1u << 20));
  Reset();
}

void JobLog::Reset() {
  records.clear();
  records_truncated = false;
  lat.clear();
  rate.clear();
  hist.clear();
  hist_bins.clear();
  for (Dir& d : dirs_) {
    d = Dir();
    if (spec_.hist_ms) d.plat.assign(kPlatNr, 0);
  }
}

void JobLog::Add(uint64_t t_ns, uint64_t lat_ns, uint64_t offset, uint32_t bytes, int dir) {
  if (dir < 0 || dir >= kDirs) return;
  Dir& d = dirs_[dir];
  uint64_t t_ms = t_ns / kNsPerMs;
  if (spec_.max_records) {
    if (records.size() < spec_.max_records)
      records.push_back({t_ns, lat_ns, offset, bytes, static_cast<uint8_t>(dir)});
    else
      records_truncated = true;
  }
  if (spec_.avg_ms) {
    // fio's add_log_sample for its latency logs: the sample joins the window; the first one
    // past avg_msec since the window began writes the window out at its own time.
    ++d.lat_n;
    d.lat_sum += lat_ns;
    d.lat_max = std::max(d.lat_max, lat_ns);
    if (t_ms >= d.avg_last_ms && t_ms - d.avg_last_ms >= spec_.avg_ms) {
      FlushLat(dir, t_ms);
      d.avg_last_ms = t_ms - t_ms % spec_.avg_ms;
    }
    uint64_t index = t_ns / (spec_.avg_ms * kNsPerMs);
    if (index != d.rate_index) {
      FlushRate(dir);
      d.rate_index = index;
    }
    d.rate_bytes += bytes;
    ++d.rate_ios;
  }
  if (spec_.hist_ms) {
    // fio's add_clat_sample: count, then write the window out once hist_msec have passed since
    // it began (the window that ends then includes this request).
    int idx = PlatIndex(lat_ns);
    if (d.plat[idx]++ == 0) d.touched.push_back(static_cast<uint16_t>(idx));
    if (!d.hist_last_ms) d.hist_last_ms = t_ms;
    uint64_t this_window = t_ms - d.hist_last_ms;
    if (this_window >= spec_.hist_ms) {
      FlushHist(dir, t_ms, bytes);
      d.hist_last_ms = t_ms - (this_window - spec_.hist_ms);
    }
  }
}

void JobLog::FlushLat(int dir, uint64_t t_ms) {
  Dir& d = dirs_[dir];
  if (d.lat_n == 0) return;
  uint64_t mean = static_cast<uint64_t>(static_cast<double>(d.lat_sum) / d.lat_n + 0.5);
  lat.push_back({t_ms, mean, d.lat_max, static_cast<uint8_t>(dir)});
  d.lat_n = d.lat_sum = d.lat_max = 0;
}

void JobLog::FlushRate(int dir) {
  Dir& d = dirs_[dir];
  if (d.rate_ios)
    rate.push_back({d.rate_index, d.rate_bytes, d.rate_ios, static_cast<uint8_t>(dir)});
  d.rate_bytes = d.rate_ios = 0;
}

void JobLog::FlushHist(int dir, uint64_t t_ms, uint32_t bs) {
  Dir& d = dirs_[dir];
  std::sort(d.touched.begin(), d.touched.end());
  HistSample s{t_ms, bs, static_cast<uint8_t>(dir), static_cast<uint32_t>(hist_bins.size() / 2),
               static_cast<uint32_t>(d.touched.size())};
  for (uint16_t idx : d.touched) {
    hist_bins.push_back(idx);
    hist_bins.push_back(d.plat[idx]);
    d.plat[idx] = 0;
  }
  d.touched.clear();
  hist.push_back(s);
}

void JobLog::Finish(uint64_t t_ns) {
  if (!spec_.avg_ms) return;
  uint64_t t_ms = t_ns / kNsPerMs;
  for (int dir = 0; dir < kDirs; ++dir) {
    FlushLat(dir, t_ms);  // fio's finalize_logs: what the last window holds
    // A bandwidth or IOPS window is written once it is whole, as fio's helper thread does.
    if ((dirs_[dir].rate_index + 1) * spec_.avg_ms * kNsPerMs <= t_ns) FlushRate(dir);
  }
}

}  // namespace rawio
