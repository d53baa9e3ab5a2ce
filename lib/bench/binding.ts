// The native bench surface (native/bench/bench_module.cc): its types, which lib/native.ts's
// Binding uses for `bench`, and the accessor.
import { type Binding, binding } from '../native'

export type RwMode = 'read' | 'write' | 'randread' | 'randwrite' | 'rw' | 'randrw' | 'trim' | 'randtrim'
export type BenchEngine = 'io_uring' | 'threads' | 'libaio'

/** The job exactly as the native runner takes it: every value resolved, in bytes and ns. */
export interface NativeBenchJob {
  path: string
  direct: boolean
  /** O_EXCL on a block device (write workloads), so a mounted device is refused. */
  exclusive: boolean
  rw: RwMode
  rwmixread: number
  /** One block size, or bssplit's [size, percent] pairs (percentages add up to 100). */
  bs: number | Array<[number, number]>
  iodepth: number
  /** New requests per submit call (0: all free slots). */
  batchSubmit: number
  numjobs: number
  offset: number
  size: number
  runtimeNs: number
  timeBased: boolean
  ioSize: number
  numberIos: number
  rampNs: number
  fua: boolean
  fsync: number
  fdatasync: number
  engine: BenchEngine
  fixedbufs: boolean
  registerfiles: boolean
  hipri: boolean
  sqpoll: boolean
  randseed: number
  norandommap: boolean
  /** fio's invalidate: BLKFLSBUF (block device) or posix_fadvise DONTNEED (file) before the job. */
  invalidate?: boolean
  /** fio's fadvise_hint as a POSIX_FADV_* value (1 RANDOM, 2 SEQUENTIAL; 0 none). */
  fadvise?: number
  rateIops: number
  memAlign: number
  /** Writes' block size(s) when they differ from reads' (fio's bs=R,W); absent: bs. */
  bsWrite?: number | Array<[number, number]>
  /** rw=read:N — bytes skipped after each sequential request (negative: backwards). */
  seqAdd?: number
  /** rw=randread:N — a new random offset every N requests. */
  randSeqNr?: number
  /** The target's size (fio's real_file_size), for rw=read:N wraps. */
  targetSize?: number
  distribution?: NativeDistribution
  /** randrepeat: fio's seeds for zipf/pareto/normal (default true). */
  randRepeat?: boolean
  /** fio's thread number of the job's first clone (seeds zipf/pareto/normal as fio does). */
  fioThreadNumber?: number
  /** Bytes per second per job (fio's rate); 0 or absent: unlimited. */
  rateBytes?: number
  ratePoisson?: boolean
  thinktimeNs?: number
  thinktimeSpinNs?: number
  thinktimeBlocks?: number
  loops?: number
  /** Keep up to this many issued requests for write_iolog. */
  iologMax?: number
  /** fio's logs (lib/bench/log-options.ts): per-request records kept (0: none), window ms. */
  logRecords?: number
  logAvgMs?: number
  logHistMs?: number
  /** verify=stamp (absent otherwise): stamp writes, check reads against stamps. */
  verify?: boolean
  verifySeed?: number
  verifyGen?: number
  /** Bytes per stamp block; divides every bs and the offset. */
  verifyBs?: number
  /** --start-at: hold the prepared job until this CLOCK_REALTIME instant, epoch microseconds (0: at once). */
  startAtUs?: number
}

export type DistributionKind = 'random' | 'zipf' | 'pareto' | 'normal' | 'zoned' | 'zoned_abs'

/** random_distribution: fio's zipf:theta, pareto:h, normal:dev[:center], zoned[_abs]:pct/size:... */
export interface NativeDistribution {
  kind: DistributionKind
  param?: number
  center?: number
  /** [access percent, size] — size in percent of the region (zoned) or bytes (zoned_abs). */
  zones?: Array<[number, number]>
}

export interface NativeHistogram {
  /** Bucket indexes that were hit, ascending (layout: HistogramLayout). */
  index: number[]
  count: number[]
}

export interface NativeDirResult {
  ios: number
  bytes: number
  minNs: number
  maxNs: number
  sumNs: number
  sumSqNs: number
  hist: NativeHistogram
}

export interface NativeSeriesDir {
  ios: number[]
  bytes: number[]
  /** Sum of the latencies (ns) of the requests completed in each interval. */
  latNs?: number[]
}

export type StampKind = 'misdirected' | 'stale' | 'torn' | 'zeroed' | 'foreign'

/** What --verify=stamp checked in one job (docs/bench.md, Verification). */
export interface NativeVerifyResult {
  /** Blocks verified (good and bad). */
  blocks: number
  bad: number
  /** Blocks read but not verifiable: never written by the job, or a write to them was in flight. */
  skipped: number
  byKind: Record<StampKind, number>
  /** The bad block at the lowest offset, or null. */
  firstBad: { offset: number; kind: StampKind } | null
}

/**
 * level: requests by the number in flight after their submit (1, 2-3, 4-7, 8-15, 16-31, 32-63, 64+);
 * submit: submit calls by requests submitted, complete: reaps by requests completed
 * (0, 1-4, 5-8, 9-16, 17-32, 33-64, 65+).
 */
export interface NativeDepth {
  level: number[]
  submit: number[]
  complete: number[]
}

export interface NativeJobResult {
  index: number
  /** Measured time (after ramp_time), ns. */
  elapsedNs: number
  rampNs: number
  usrNs: number
  sysNs: number
  ctxVoluntary: number
  ctxInvoluntary: number
  /** getrusage(RUSAGE_THREAD) page faults while measuring (fio's majf/minf). */
  majorFaults: number
  minorFaults: number
  /** fio's iodepth_level / iodepth_submit / iodepth_complete counts (7 slots each). */
  depth: NativeDepth
  stopped: boolean
  failed: boolean
  /** invalidate failed with this errno (fio warns and goes on). */
  invalidateErrno?: number
  /** CLOCK_REALTIME when the first request was submitted, epoch microseconds; 0 when none was. */
  startedAtUs?: number
  read: NativeDirResult
  write: NativeDirResult
  trim: NativeDirResult
  sync: NativeDirResult
  series: { intervalNs: number; read: NativeSeriesDir; write: NativeSeriesDir; trim: NativeSeriesDir }
  /** Present with verify=stamp. */
  verify?: NativeVerifyResult
  /** Present with write_iolog: the requests in issue order (op: 0 read, 1 write, 2 trim). */
  iolog?: { offset: Float64Array; length: Uint32Array; op: Uint8Array; truncated: boolean }
  /** Present with fio's logs (native/bench/job_log.h). */
  log?: NativeJobLog
}

/** fio's log samples of one job, as columns (dir: 0 read, 1 write, 2 trim). */
export interface NativeJobLog {
  records: {
    tNs: Float64Array
    latNs: Float64Array
    offset: Float64Array
    bytes: Float64Array
    dir: Float64Array
    truncated: boolean
  }
  lat: { tMs: Float64Array; meanNs: Float64Array; maxNs: Float64Array; dir: Float64Array }
  rate: { index: Float64Array; bytes: Float64Array; ios: Float64Array; dir: Float64Array }
  /** Sample i's bins are pairs (fio bucket, count) first..first+count of `bins`. */
  hist: {
    tMs: Float64Array
    bs: Float64Array
    dir: Float64Array
    first: Float64Array
    count: Float64Array
    bins: Float64Array
  }
}

export interface NativeBenchResult {
  engine: BenchEngine
  kind: 'block' | 'file'
  stopped: boolean
  jobs: NativeJobResult[]
}

/** `preparing`: the job threads fill their buffers before the clock starts (stop() works there too). */
export type BenchPhase = 'starting' | 'preparing' | 'ramp' | 'running' | 'stopping' | 'done'

export interface NativeProgress {
  phase: BenchPhase
  nowNs: number
  elapsedNs: number
  measuredNs: number
  jobs: number
  read: { ios: number; bytes: number }
  write: { ios: number; bytes: number }
  trim: { ios: number; bytes: number }
}

export interface NativeBenchHandle {
  progress(): NativeProgress
  stop(): void
  /** Rejects with an IoError carrying `partial` (a NativeBenchResult) when a request failed. */
  result: Promise<NativeBenchResult>
}

export interface HistogramLayout {
  subBits: number
  linear: number
  maxExp: number
  buckets: number
}

export interface NativeBench {
  start(job: NativeBenchJob): NativeBenchHandle
  histogram: HistogramLayout
}

export function benchBinding(): Pick<Binding, 'bench'> {
  return binding()
}
