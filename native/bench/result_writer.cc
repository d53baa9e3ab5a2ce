#include "bench/result_writer.h"

#include <algorithm>

#include "napi/errors.h"
#include "util/clock.h"

namespace rawio {

namespace {

const char* const kDirNames[kDirCount] = {"read", "write", "trim", "sync"};

Napi::Number Num(Napi::Env env, uint64_t v) {
  return Napi::Number::New(env, static_cast<double>(v));
}

Napi::Object DirToJs(Napi::Env env, const DirStats& d) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ios", Num(env, d.ios));
  o.Set("bytes", Num(env, d.bytes));
  o.Set("minNs", Num(env, d.lat.Min()));
  o.Set("maxNs", Num(env, d.lat.Max()));
  o.Set("sumNs", Num(env, d.lat.Sum()));
  o.Set("sumSqNs", Napi::Number::New(env, d.lat.SumSq()));
  // Sparse: only the buckets that were hit.
  const std::vector<uint64_t>& counts = d.lat.Counts();
  Napi::Array index = Napi::Array::New(env);
  Napi::Array count = Napi::Array::New(env);
  uint32_t n = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    if (!counts[i]) continue;
    index.Set(n, Napi::Number::New(env, static_cast<double>(i)));
    count.Set(n++, Num(env, counts[i]));
  }
  Napi::Object hist = Napi::Object::New(env);
  hist.Set("index", index);
  hist.Set("count", count);
  o.Set("hist", hist);
  return o;
}

Napi::Object SeriesToJs(Napi::Env env, const std::vector<IntervalSample>& series) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("intervalNs", Napi::Number::New(env, 1e9));
  for (int d = 0; d < kDataDirCount; ++d) {
    Napi::Array ios = Napi::Array::New(env, series.size());
    Napi::Array bytes = Napi::Array::New(env, series.size());
    Napi::Array lat = Napi::Array::New(env, series.size());
    for (uint32_t i = 0; i < series.size(); ++i) {
      ios.Set(i, Num(env, series[i].ios[d]));
      bytes.Set(i, Num(env, series[i].bytes[d]));
      lat.Set(i, Num(env, series[i].lat_ns[d]));
    }
    Napi::Object dir = Napi::Object::New(env);
    dir.Set("ios", ios);
    dir.Set("bytes", bytes);
    dir.Set("latNs", lat);
    o.Set(kDirNames[d], dir);
  }
  return o;
}

Napi::Object DepthToJs(Napi::Env env, const DepthStats& d) {
  Napi::Object o = Napi::Object::New(env);
  const char* const names[] = {"level", "submit", "complete"};
  const uint64_t* const rows[] = {d.level, d.submit, d.complete};
  for (int r = 0; r < 3; ++r) {
    Napi::Array a = Napi::Array::New(env, DepthStats::kSlots);
    for (uint32_t i = 0; i < DepthStats::kSlots; ++i) a.Set(i, Num(env, rows[r][i]));
    o.Set(names[r], a);
  }
  return o;
}

Napi::Object VerifyToJs(Napi::Env env, const VerifyStats& v) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("blocks", Num(env, v.blocks));
  o.Set("bad", Num(env, v.bad));
  o.Set("skipped", Num(env, v.skipped));
  Napi::Object kinds = Napi::Object::New(env);
  for (int k = 1; k < kStampKindCount; ++k)
    kinds.Set(StampKindName(static_cast<StampKind>(k)), Num(env, v.by_kind[k]));
  o.Set("byKind", kinds);
  if (v.first_bad_offset >= 0) {
    Napi::Object first = Napi::Object::New(env);
    first.Set("offset", Num(env, static_cast<uint64_t>(v.first_bad_offset)));
    first.Set("kind", StampKindName(v.first_bad_kind));
    o.Set("firstBad", first);
  } else {
    o.Set("firstBad", env.Null());
  }
  return o;
}

const char* PhaseName(JobPhase p) {
  switch (p) {
    case JobPhase::kStarting:
      return "starting";
    case JobPhase::kPreparing:
      return "preparing";
    case JobPhase::kRamp:
      return "ramp";
    case JobPhase::kRunning:
      return "running";
    case JobPhase::kDraining:
      return "stopping";
    case JobPhase::kDone:
      return "done";
  }
  return "unknown";
}

}  // namespace

Napi::Object ProgressToJs(Napi::Env env, const BenchRun& run) {
  uint64_t ios[kDataDirCount] = {0, 0, 0};
  uint64_t bytes[kDataDirCount] = {0, 0, 0};
  uint64_t start = 0, measure = 0;
  int least = static_cast<int>(JobPhase::kDone), most = 0;
  for (const auto& job : run.Jobs()) {
    JobProgress p = job->Progress();
    for (int d = 0; d < kDataDirCount; ++d) {
      ios[d] += p.ios[d];
      bytes[d] += p.bytes[d];
    }
    if (p.start_ns && (!start || p.start_ns < start)) start = p.start_ns;
    if (p.measure_start_ns && (!measure || p.measure_start_ns < measure))
      measure = p.measure_start_ns;
    least = std::min(least, static_cast<int>(p.phase));
    most = std::max(most, static_cast<int>(p.phase));
  }
  // Overall phase: done when all are; stopping as soon as one drains; else the earliest.
  JobPhase phase = static_cast<JobPhase>(least);
  if (least != static_cast<int>(JobPhase::kDone) && most >= static_cast<int>(JobPhase::kDraining))
    phase = JobPhase::kDraining;
  uint64_t now = NowNs();
  Napi::Object o = Napi::Object::New(env);
  o.Set("phase", PhaseName(phase));
  o.Set("nowNs", Num(env, now));
  o.Set("elapsedNs", Num(env, start ? now - start : 0));
  o.Set("measuredNs", Num(env, measure ? now - measure : 0));
  o.Set("jobs", Num(env, run.Jobs().size()));
  for (int d = 0; d < kDataDirCount; ++d) {
    Napi::Object dir = Napi::Object::New(env);
    dir.Set("ios", Num(env, ios[d]));
    dir.Set("bytes", Num(env, bytes[d]));
    o.Set(kDirNames[d], dir);
  }
  return o;
}

namespace {

// write_iolog: {offset: Float64Array, length: Uint32Array, op: Uint8Array (0 read, 1 write,
// 2 trim), truncated}.
Napi::Object IoLogToJs(Napi::Env env, const JobStats& s) {
  size_t n = s.iolog.size();
  Napi::Float64Array offset = Napi::Float64Array::New(env, n);
  Napi::Uint32Array length = Napi::Uint32Array::New(env, n);
  Napi::Uint8Array op = Napi::Uint8Array::New(env, n);
  for (size_t i = 0; i < n; ++i) {
    offset[i] = static_cast<double>(s.iolog[i].offset);
    length[i] = s.iolog[i].length;
    op[i] = static_cast<uint8_t>(DirOf(s.iolog[i].op));
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("offset", offset);
  o.Set("length", length);
  o.Set("op", op);
  o.Set("truncated", Napi::Boolean::New(env, s.iolog_truncated));
  return o;
}

// fio's logs (bench/job_log.h), as columns: records {tNs, latNs, offset, bytes, dir, truncated},
// lat windows {tMs, meanNs, maxNs, dir}, rate windows {index, bytes, ios, dir}, hist samples
// {tMs, bs, dir, first, count} and their bins (pairs of fio bucket index and count).
Napi::Object LogToJs(Napi::Env env, const JobLog& log) {
  auto f64 = [&](size_t n, auto get) {
    Napi::Float64Array a = Napi::Float64Array::New(env, n);
    for (size_t i = 0; i < n; ++i) a[i] = static_cast<double>(get(i));
    return a;
  };
  Napi::Object o = Napi::Object::New(env);
  const auto& r = log.records;
  Napi::Object rec = Napi::Object::New(env);
  rec.Set("tNs", f64(r.size(), [&](size_t i) { return r[i].t_ns; }));
  rec.Set("latNs", f64(r.size(), [&](size_t i) { return r[i].lat_ns; }));
  rec.Set("offset", f64(r.size(), [&](size_t i) { return r[i].offset; }));
  rec.Set("bytes", f64(r.size(), [&](size_t i) { return r[i].bytes; }));
  rec.Set("dir", f64(r.size(), [&](size_t i) { return r[i].dir; }));
  rec.Set("truncated", Napi::Boolean::New(env, log.records_truncated));
  o.Set("records", rec);
  const auto& l = log.lat;
  Napi::Object lat = Napi::Object::New(env);
  lat.Set("tMs", f64(l.size(), [&](size_t i) { return l[i].t_ms; }));
  lat.Set("meanNs", f64(l.size(), [&](size_t i) { return l[i].mean_ns; }));
  lat.Set("maxNs", f64(l.size(), [&](size_t i) { return l[i].max_ns; }));
  lat.Set("dir", f64(l.size(), [&](size_t i) { return l[i].dir; }));
  o.Set("lat", lat);
  const auto& w = log.rate;
  Napi::Object rate = Napi::Object::New(env);
  rate.Set("index", f64(w.size(), [&](size_t i) { return w[i].index; }));
  rate.Set("bytes", f64(w.size(), [&](size_t i) { return w[i].bytes; }));
  rate.Set("ios", f64(w.size(), [&](size_t i) { return w[i].ios; }));
  rate.Set("dir", f64(w.size(), [&](size_t i) { return w[i].dir; }));
  o.Set("rate", rate);
  const auto& h = log.hist;
  Napi::Object hist = Napi::Object::New(env);
  hist.Set("tMs", f64(h.size(), [&](size_t i) { return h[i].t_ms; }));
  hist.Set("bs", f64(h.size(), [&](size_t i) { return h[i].bs; }));
  hist.Set("dir", f64(h.size(), [&](size_t i) { return h[i].dir; }));
  hist.Set("first", f64(h.size(), [&](size_t i) { return h[i].first; }));
  hist.Set("count", f64(h.size(), [&](size_t i) { return h[i].count; }));
  const auto& b = log.hist_bins;
  hist.Set("bins", f64(b.size(), [&](size_t i) { return b[i]; }));
  o.Set("hist", hist);
  return o;
}

}  // namespace

Napi::Object ResultToJs(Napi::Env env, const BenchRun& run) {
  Napi::Array jobs = Napi::Array::New(env, run.Jobs().size());
  bool stopped = false;
  for (uint32_t i = 0; i < run.Jobs().size(); ++i) {
    const JobRunner& job = *run.Jobs()[i];
    const JobStats& s = job.Stats();
    Napi::Object j = Napi::Object::New(env);
    j.Set("index", Num(env, i));
    j.Set("elapsedNs", Num(env, s.elapsed_ns));
    j.Set("rampNs", Num(env, s.ramp_ns));
    j.Set("startedAtUs", Num(env, s.started_realtime_ns / 1000));
    j.Set("usrNs", Num(env, s.user_ns));
    j.Set("sysNs", Num(env, s.sys_ns));
    j.Set("ctxVoluntary", Num(env, s.voluntary_ctx));
    j.Set("ctxInvoluntary", Num(env, s.involuntary_ctx));
    j.Set("majorFaults", Num(env, s.major_faults));
    j.Set("minorFaults", Num(env, s.minor_faults));
    j.Set("depth", DepthToJs(env, s.depth));
    j.Set("stopped", Napi::Boolean::New(env, s.stopped));
    j.Set("failed", Napi::Boolean::New(env, s.error.neg_errno != 0));
    for (int d = 0; d < kDirCount; ++d) j.Set(kDirNames[d], DirToJs(env, s.dirs[d]));
    j.Set("series", SeriesToJs(env, s.series));
    if (run.Spec().verify) j.Set("verify", VerifyToJs(env, s.verify));
    if (run.Spec().iolog_max) j.Set("iolog", IoLogToJs(env, s));
    if (run.Spec().log.Active()) j.Set("log", LogToJs(env, s.log));
    if (s.invalidate_errno) j.Set("invalidateErrno", Napi::Number::New(env, -s.invalidate_errno));
    jobs.Set(i, j);
    stopped = stopped || s.stopped;
  }
  Napi::Object o = Napi::Object::New(env);
  const auto& first = run.Jobs().front();
  o.Set("engine", first->EngineName());
  o.Set("kind", first->IsBlock() ? "block" : "file");
  o.Set("stopped", Napi::Boolean::New(env, stopped || run.StopRequested()));
  o.Set("jobs", jobs);
  return o;
}

Napi::Value FirstErrorToJs(Napi::Env env, const BenchRun& run) {
  for (const auto& job : run.Jobs()) {
    const JobError& e = job->Stats().error;
    if (!e.neg_errno) continue;
    ErrorSite site;
    site.syscall = OpSyscall(e.op);
    site.offset = e.offset;
    site.length = e.length;
    site.path = run.Spec().path;
    site.detail = e.detail;
    return MakeIoError(env, e.neg_errno, site);
  }
  return Napi::Value();
}

Napi::Object HistogramLayoutToJs(Napi::Env env) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("subBits", Napi::Number::New(env, LatencyHistogram::kSubBits));
  o.Set("linear", Num(env, LatencyHistogram::kLinear));
  o.Set("maxExp", Napi::Number::New(env, LatencyHistogram::kMaxExp));
  o.Set("buckets", Napi::Number::New(env, LatencyHistogram::kBuckets));
  return o;
}

}  // namespace rawio
