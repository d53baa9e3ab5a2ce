// The typed result of a bench run (also the JSON schema, rawio-bench/1: docs/bench.md),
// built from the native per-job results. Pure.
import type { NativeGeometry } from '../native'
import type {
  BenchEngine,
  HistogramLayout,
  NativeBenchJob,
  NativeBenchResult,
  NativeDepth,
  NativeJobResult,
  NativeVerifyResult,
} from './binding'
import type { ResolvedJob } from './job'
import type { PreconditionSummary } from './precondition'
import {
  type Buckets,
  type DirSummary,
  defaultLayout,
  directions,
  type LatencySummary,
  mergeSeries,
  summarizeDir,
  type TimeSeries,
} from './stats'

export const benchSchema = 'rawio-bench/1'

export interface CpuSummary {
  usrNs: number
  sysNs: number
  /** CPU time over measured time, in percent; above 100 with several jobs. */
  usrPercent: number
  sysPercent: number
  ctxVoluntary: number
  ctxInvoluntary: number
  majorFaults: number
  minorFaults: number
}

export interface SyncSummary {
  ios: number
  lat: LatencySummary
  histogram: Buckets
}

/** verify=stamp over all jobs: sums, and the bad block at the lowest offset. */
export type VerifySummary = NativeVerifyResult

export function mergeVerify(parts: readonly NativeVerifyResult[]): VerifySummary {
  const v: VerifySummary = {
    blocks: 0,
    bad: 0,
    skipped: 0,
    byKind: { misdirected: 0, stale: 0, torn: 0, zeroed: 0, foreign: 0 },
    firstBad: null,
  }
  for (const p of parts) {
    v.blocks += p.blocks
    v.bad += p.bad
    v.skipped += p.skipped
    for (const k of Object.keys(v.byKind) as Array<keyof VerifySummary['byKind']>)
      v.byKind[k] += p.byKind[k] ?? 0
    if (p.firstBad && (!v.firstBad || p.firstBad.offset < v.firstBad.offset)) v.firstBad = { ...p.firstBad }
  }
  return v
}

export interface JobSummary {
  index: number
  elapsedNs: number
  rampNs: number
  cpu: CpuSummary
  read: DirSummary
  write: DirSummary
  trim: DirSummary
  sync: SyncSummary
  /** fio's iodepth_level / iodepth_submit / iodepth_complete counts (binding.ts, NativeDepth). */
  depth: NativeDepth
  timeSeries: TimeSeries
  verify?: VerifySummary
}

export interface BenchResult {
  schema: typeof benchSchema
  rawioVersion: string
  /** The host that ran the job (for `rawio merge`). */
  hostname: string
  /** --start-at: the planned start, epoch milliseconds. */
  start_at_ms?: number
  /** When the first request was submitted, epoch milliseconds (absent when none was). */
  started_at_ms?: number
  name: string
  /** fio-style description of the job. */
  label: string
  job: NativeBenchJob
  warnings: string[]
  target: { path: string; kind: 'block' | 'file'; geometry: NativeGeometry }
  engine: BenchEngine
  /** Stopped early (stop(), SIGINT, or a failed request): the figures cover the time run. */
  stopped: boolean
  /** Longest measured time of the jobs (ns); rates are over this. */
  elapsedNs: number
  cpu: CpuSummary
  read: DirSummary
  write: DirSummary
  trim: DirSummary
  sync: SyncSummary
  /** Summed over jobs. */
  depth: NativeDepth
  /** Per job, when numjobs > 1 (empty otherwise). */
  jobs: JobSummary[]
  timeSeries: TimeSeries
  /** verify=stamp only: what was checked, and what was bad (a bad block fails the run). */
  verify?: VerifySummary
  /** ss= only: fio's steadystate object (plus `pts` under the PTS rule): lib/bench/steady-state.ts. */
  steadyState?: Record<string, unknown>
  /** --precondition only: what was written before the job. */
  precondition?: PreconditionSummary
}

function cpuOf(jobs: readonly NativeJobResult[], elapsedNs: number): CpuSummary {
  const usrNs = jobs.reduce((a, j) => a + j.usrNs, 0)
  const sysNs = jobs.reduce((a, j) => a + j.sysNs, 0)
  return {
    usrNs,
    sysNs,
    usrPercent: elapsedNs > 0 ? (usrNs / elapsedNs) * 100 : 0,
    sysPercent: elapsedNs > 0 ? (sysNs / elapsedNs) * 100 : 0,
    ctxVoluntary: jobs.reduce((a, j) => a + j.ctxVoluntary, 0),
    ctxInvoluntary: jobs.reduce((a, j) => a + j.ctxInvoluntary, 0),
    majorFaults: jobs.reduce((a, j) => a + (j.majorFaults ?? 0), 0),
    minorFaults: jobs.reduce((a, j) => a + (j.minorFaults ?? 0), 0),
  }
}

function depthOf(jobs: readonly NativeJobResult[]): NativeDepth {
  const sum = (k: keyof NativeDepth) =>
    Array.from({ length: 7 }, (_, i) => jobs.reduce((a, j) => a + (j.depth?.[k][i] ?? 0), 0))
  return { level: sum('level'), submit: sum('submit'), complete: sum('complete') }
}

function syncOf(jobs: readonly NativeJobResult[], elapsedNs: number, layout: HistogramLayout): SyncSummary {
  const s = summarizeDir(
    jobs.map((j) => j.sync),
    elapsedNs,
    layout,
  )
  return { ios: s.ios, lat: s.lat, histogram: s.histogram }
}

function jobSummary(j: NativeJobResult, layout: HistogramLayout): JobSummary {
  const [read, write, trim] = directions.map((d) => summarizeDir([j[d]], j.elapsedNs, layout))
  const summary: JobSummary = {
    index: j.index,
    elapsedNs: j.elapsedNs,
    rampNs: j.rampNs,
    cpu: cpuOf([j], j.elapsedNs),
    read,
    write,
    trim,
    sync: syncOf([j], j.elapsedNs, layout),
    depth: depthOf([j]),
    timeSeries: mergeSeries([j]),
  }
  if (j.verify) summary.verify = mergeVerify([j.verify])
  return summary
}

export function buildResult(
  native: NativeBenchResult,
  job: ResolvedJob,
  geometry: NativeGeometry,
  rawioVersion: string,
  layout: HistogramLayout = defaultLayout,
  hostname = '',
): BenchResult {
  const jobs = native.jobs
  const elapsedNs = Math.max(0, ...jobs.map((j) => j.elapsedNs))
  const [read, write, trim] = directions.map((d) =>
    summarizeDir(
      jobs.map((j) => j[d]),
      elapsedNs,
      layout,
    ),
  )
  const result: BenchResult = {
    schema: benchSchema,
    rawioVersion,
    hostname,
    name: job.name,
    label: job.label,
    job: job.native,
    warnings: job.warnings,
    target: { path: job.native.path, kind: native.kind, geometry },
    engine: native.engine,
    stopped: native.stopped,
    elapsedNs,
    cpu: cpuOf(jobs, elapsedNs),
    read,
    write,
    trim,
    sync: syncOf(jobs, elapsedNs, layout),
    depth: depthOf(jobs),
    jobs: jobs.length > 1 ? jobs.map((j) => jobSummary(j, layout)) : [],
    timeSeries: mergeSeries(jobs),
  }
  if (job.native.startAtUs) result.start_at_ms = job.native.startAtUs / 1000
  const starts = jobs.map((j) => j.startedAtUs ?? 0).filter((us) => us > 0)
  if (starts.length > 0) result.started_at_ms = Math.min(...starts) / 1000
  const verified = jobs.flatMap((j) => (j.verify ? [j.verify] : []))
  if (verified.length > 0) result.verify = mergeVerify(verified)
  return result
}

/** True when verify=stamp found a bad block: the run fails (exit status 1). */
export function verifyFailed(r: BenchResult): boolean {
  return (r.verify?.bad ?? 0) > 0
}
