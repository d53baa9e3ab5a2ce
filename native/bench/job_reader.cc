#include "bench/job_reader.h"

#include <string>

#include "integrity/stamp.h"
#include "napi/args.h"

namespace rawio {

namespace {

void ReadRw(const Napi::Object& o, JobSpec* s) {
  std::string rw = ReadString(o, "rw", "read");
  struct Mode {
    const char* name;
    Workload workload;
    bool random;
  };
  static const Mode kModes[] = {
      {"read", Workload::kRead, false},    {"write", Workload::kWrite, false},
      {"randread", Workload::kRead, true}, {"randwrite", Workload::kWrite, true},
      {"rw", Workload::kMixed, false},     {"randrw", Workload::kMixed, true},
      {"trim", Workload::kTrim, false},    {"randtrim", Workload::kTrim, true},
  };
  for (const Mode& m : kModes) {
    if (rw == m.name) {
      s->workload = m.workload;
      s->random = m.random;
      return;
    }
  }
  throw Napi::TypeError::New(o.Env(), "unknown rw mode '" + rw + "'");
}

std::vector<BlockSizeShare> ReadShares(const Napi::Object& o, const char* key,
                                       std::vector<BlockSizeShare> def) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get(key);
  std::vector<BlockSizeShare> out;
  if (v.IsNumber()) {
    out.push_back({static_cast<uint32_t>(ReadOffset(v, key)), 100});
  } else if (v.IsArray()) {
    auto arr = v.As<Napi::Array>();
    if (arr.Length() == 0 || arr.Length() > 64)
      throw Napi::RangeError::New(env, "bssplit needs 1..64 entries");
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value e = arr.Get(i);
      if (!e.IsArray() || e.As<Napi::Array>().Length() != 2)
        throw Napi::TypeError::New(env, "bssplit entries must be [size, percent]");
      auto pair = e.As<Napi::Array>();
      out.push_back({static_cast<uint32_t>(ReadOffset(pair.Get(0u), "bssplit size")),
                     static_cast<uint32_t>(ReadOffset(pair.Get(1u), "bssplit percent"))});
    }
  } else if (v.IsUndefined()) {
    return def;
  } else {
    throw Napi::TypeError::New(env,
                               std::string(key) + " must be a number or a list of [size, percent]");
  }
  uint32_t total = 0;
  for (const BlockSizeShare& b : out) {
    if (b.size == 0) throw Napi::RangeError::New(env, "bs must be at least 1 byte");
    if (b.size > (1u << 30))
      throw Napi::RangeError::New(env, "bs " + std::to_string(b.size) + " is larger than 1 GiB");
    total += b.percent;
  }
  if (total != 100) throw Napi::RangeError::New(env, "bssplit percentages must add up to 100");
  return out;
}

void ReadBs(const Napi::Object& o, JobSpec* s) {
  s->bs = ReadShares(o, "bs", {{4096, 100}});
  s->bs_write = ReadShares(o, "bsWrite", {});
}

double ReadDouble(const Napi::Object& o, const char* key, double def) {
  Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return def;
  if (!v.IsNumber()) throw Napi::TypeError::New(o.Env(), std::string(key) + " must be a number");
  return v.As<Napi::Number>().DoubleValue();
}

// random_distribution: {kind, param, center, zones: [[accessPercent, size]]}.
void ReadDistribution(const Napi::Object& o, JobSpec* s) {
  Napi::Env env = o.Env();
  Napi::Value v = o.Get("distribution");
  if (v.IsUndefined()) return;
  if (!v.IsObject()) throw Napi::TypeError::New(env, "distribution must be an object");
  Napi::Object d = v.As<Napi::Object>();
  std::string kind = ReadString(d, "kind", "random");
  static const struct {
    const char* name;
    Distribution value;
  } kKinds[] = {{"random", Distribution::kUniform}, {"zipf", Distribution::kZipf},
                {"pareto", Distribution::kPareto},  {"normal", Distribution::kNormal},
                {"zoned", Distribution::kZoned},    {"zoned_abs", Distribution::kZonedAbs}};
  bool found = false;
  for (const auto& k : kKinds)
    if (kind == k.name) s->distribution = k.value, found = true;
  if (!found) throw Napi::TypeError::New(env, "unknown distribution '" + kind + "'");
  s->dist_param = ReadDouble(d, "param", 0);
  s->dist_center = ReadDouble(d, "center", -1);
  Napi::Value zones = d.Get("zones");
  if (zones.IsArray()) {
    auto arr = zones.As<Napi::Array>();
    uint32_t total = 0;
    for (uint32_t i = 0; i < arr.Length(); ++i) {
      Napi::Value e = arr.Get(i);
      if (!e.IsArray() || e.As<Napi::Array>().Length() != 2)
        throw Napi::TypeError::New(env, "zones must be [accessPercent, size] pairs");
      auto pair = e.As<Napi::Array>();
      ZoneShare z;
      z.access_percent = static_cast<uint32_t>(ReadOffset(pair.Get(0u), "zone access"));
      z.size = static_cast<uint64_t>(ReadOffset(pair.Get(1u), "zone size"));
      total += z.access_percent;
      s->zones.push_back(z);
    }
    if (total != 100)
      throw Napi::RangeError::New(env, "zone access percentages must add up to 100");
  }
  if ((s->distribution == Distribution::kZoned || s->distribution == Distribution::kZonedAbs) &&
      s->zones.empty())
    throw Napi::RangeError::New(env, "a zoned distribution needs zones");
  if (s->distribution == Distribution::kZipf && s->dist_param == 1.0)
    throw Napi::RangeError::New(env, "zipf theta must be different from 1.0");
  if (s->distribution == Distribution::kPareto && (s->dist_param <= 0 || s->dist_param >= 1))
    throw Napi::RangeError::New(env, "pareto h must be in (0, 1)");
}

void ReadShape(const Napi::Object& o, JobSpec* s) {
  Napi::Value add = o.Get("seqAdd");
  if (!add.IsUndefined()) {
    if (!add.IsNumber()) throw Napi::TypeError::New(o.Env(), "seqAdd must be a number");
    s->seq_add = add.As<Napi::Number>().Int64Value();
  }
  s->rand_seq_nr = ReadU32(o, "randSeqNr", 1, 1, UINT32_MAX);
  s->target_size = ReadU64(o, "targetSize", 0);
  ReadDistribution(o, s);
  s->rand_repeat = ReadBool(o, "randRepeat", true);
  s->fio_thread_number = ReadU32(o, "fioThreadNumber", 1, 1, UINT32_MAX);
  s->rate_bytes = ReadU64(o, "rateBytes", 0);
  s->rate_poisson = ReadBool(o, "ratePoisson", false);
  s->thinktime_ns = ReadU64(o, "thinktimeNs", 0);
  s->thinktime_spin_ns = ReadU64(o, "thinktimeSpinNs", 0);
  if (s->thinktime_spin_ns > s->thinktime_ns) s->thinktime_spin_ns = s->thinktime_ns;
  s->thinktime_blocks = ReadU32(o, "thinktimeBlocks", 1, 1, UINT32_MAX);
  s->loops = ReadU32(o, "loops", 1, 1, UINT32_MAX);
  s->iolog_max = ReadU32(o, "iologMax", 0, 0, 1u << 26);
  s->invalidate = ReadBool(o, "invalidate", false);
  s->fadvise = static_cast<int>(ReadU32(o, "fadvise", 0, 0, 5));
  s->log.max_records = ReadU32(o, "logRecords", 0, 0, 1u << 26);
  s->log.avg_ms = ReadU64(o, "logAvgMs", 0);
  s->log.hist_ms = ReadU64(o, "logHistMs", 0);
}

void ReadVerify(const Napi::Object& o, JobSpec* s) {
  Napi::Env env = o.Env();
  s->verify = ReadBool(o, "verify", false);
  if (!s->verify) return;
  s->verify_seed = ReadU64(o, "verifySeed", s->randseed);
  s->verify_gen = ReadU32(o, "verifyGen", 1, 0, UINT32_MAX);
  s->verify_bs = ReadU32(o, "verifyBs", s->bs.size() == 1 ? s->bs[0].size : 0, 0, UINT32_MAX);
  if (s->workload == Workload::kTrim)
    throw Napi::RangeError::New(env, "--verify=stamp checks reads and writes, but rw=trim trims");
  if (!StampBlockSizeValid(s->verify_bs))
    throw Napi::RangeError::New(
        env, "verify=stamp needs stamp blocks of 64 B .. 64 MiB, a multiple of 4; " +
                 std::to_string(s->verify_bs) + " is not (give --verify_bs)");
  std::vector<BlockSizeShare> all = s->bs;
  all.insert(all.end(), s->bs_write.begin(), s->bs_write.end());
  for (const BlockSizeShare& b : all)
    if (b.size % s->verify_bs)
      throw Napi::RangeError::New(env, "verify_bs " + std::to_string(s->verify_bs) +
                                           " does not divide bs " + std::to_string(b.size) +
                                           " (give --verify_bs)");
  if (s->offset % s->verify_bs)
    throw Napi::RangeError::New(env, "offset " + std::to_string(s->offset) +
                                         " is not a multiple of the stamp block size " +
                                         std::to_string(s->verify_bs));
}

}  // namespace

JobSpec ReadJobSpec(const Napi::Object& o) {
  Napi::Env env = o.Env();
  JobSpec s;
  if (!o.Get("path").IsString()) throw Napi::TypeError::New(env, "path must be a string");
  s.path = o.Get("path").As<Napi::String>().Utf8Value();
  s.direct = ReadBool(o, "direct", false);
  s.exclusive = ReadBool(o, "exclusive", false);
  ReadRw(o, &s);
  s.rwmixread = ReadU32(o, "rwmixread", 50, 0, 100);
  ReadBs(o, &s);
  s.iodepth = ReadU32(o, "iodepth", 1, 1, 4096);
  s.batch_submit = ReadU32(o, "batchSubmit", 1, 0, 4096);
  s.numjobs = ReadU32(o, "numjobs", 1, 1, 256);
  s.offset = ReadU64(o, "offset", 0);
  s.size = ReadU64(o, "size", 0);
  s.runtime_ns = ReadU64(o, "runtimeNs", 0);
  s.time_based = ReadBool(o, "timeBased", false);
  s.io_size = ReadU64(o, "ioSize", 0);
  s.number_ios = ReadU64(o, "numberIos", 0);
  s.ramp_ns = ReadU64(o, "rampNs", 0);
  s.fua = ReadBool(o, "fua", false);
  s.fsync_every = ReadU32(o, "fsync", 0, 0, UINT32_MAX);
  s.fdatasync_every = ReadU32(o, "fdatasync", 0, 0, UINT32_MAX);
  std::string engine = ReadString(o, "engine", "io_uring");
  if (engine == "io_uring")
    s.engine = BenchEngine::kUring;
  else if (engine == "threads")
    s.engine = BenchEngine::kThreads;
  else if (engine == "libaio")
    s.engine = BenchEngine::kLibaio;
  else
    throw Napi::TypeError::New(
        env, "engine must be 'io_uring', 'threads' or 'libaio', got '" + engine + "'");
  s.fixedbufs = ReadBool(o, "fixedbufs", false);
  s.registerfiles = ReadBool(o, "registerfiles", false);
  s.hipri = ReadBool(o, "hipri", false);
  s.sqpoll = ReadBool(o, "sqpoll", false);
  s.randseed = ReadU64(o, "randseed", 0x89);
  s.norandommap = ReadBool(o, "norandommap", false);
  s.rate_iops = ReadU64(o, "rateIops", 0);
  s.mem_align = ReadU32(o, "memAlign", 4096, 1, 1u << 20);
  s.start_at_ns = ReadU64(o, "startAtUs", 0) * 1000;  // epoch ns would not fit a double exactly
  ReadShape(o, &s);

  if (s.size == 0)
    throw Napi::RangeError::New(env, s.path + " is empty (size 0): nothing to benchmark");
  if (s.MaxBs() > s.size)
    throw Napi::RangeError::New(
        env, "size " + std::to_string(s.size) + " is smaller than bs " + std::to_string(s.MaxBs()));
  if (s.time_based && s.runtime_ns == 0)
    throw Napi::RangeError::New(env, "--time_based needs --runtime");
  if (s.hipri && !s.direct)
    throw Napi::RangeError::New(
        env, "--hipri needs --direct=1 (polled completions are for O_DIRECT only)");
  ReadVerify(o, &s);
  return s;
}

}  // namespace rawio
