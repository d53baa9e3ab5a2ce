// fio's JSON (and json+) document, built from rawio's results (pure). The structure is fio 3.33's
// stat.c (show_run_stats / show_thread_status_json / add_ddir_status_json), key for key and in
// fio's order; docs/bench.md ("fio's JSON") says where each figure comes from and which fields
// rawio does not measure (those are set as fio sets a field it did not measure: zero, N 0).

import type { NativeDepth } from './binding'
import {
  binsObject,
  latencyDistribution,
  latencyMsKeys,
  latencyNsKeys,
  platPercentiles,
  toPlat,
} from './fio-hist'
import type { BenchResult, CpuSummary, SyncSummary } from './result'
import { type Buckets, type DirSummary, directions, fioPercentiles, type TimeSeries } from './stats'

/** The figures of one fio "job" entry: a whole run (group_reporting, or numjobs 1) or one job of it. */
export interface StatsView {
  elapsedNs: number
  rampNs?: number
  cpu: CpuSummary
  read: DirSummary
  write: DirSummary
  trim: DirSummary
  sync: SyncSummary
  depth: NativeDepth
  timeSeries: TimeSeries
}

export interface FioJobInput {
  jobname: string
  groupid: number
  /** errno of the first failed request (positive), or 0. */
  error: number
  /** "job options": as given, values as text. */
  options: Array<[string, string]>
  iodepth: number
  view: StatsView
  /** Bytes per second of the whole reporting group, per direction (fio's rs->agg, for bw_agg). */
  groupBps: Record<'read' | 'write' | 'trim', number>
  /** The steadystate object (lib/bench/steady-state.ts), when ss was asked for. */
  steadystate?: unknown
  /** percentile_list (default: fio's). */
  percentiles?: readonly number[]
}

export interface DiskUtil {
  name: string
  read_ios: number
  write_ios: number
  read_merges: number
  write_merges: number
  read_ticks: number
  write_ticks: number
  in_queue: number
  util: number
}

export interface FioDocContext {
  /** "rawio-0.1.0 (fio-3.33 compatible)" */
  version: string
  /** When the report was made (fio takes the time at the end of the run). */
  now: Date
  /** Seconds since the run started (fio's "elapsed"). */
  elapsedSec: number
  globalOptions: Array<[string, string]>
  /** json+: add the latency "bins". */
  plus: boolean
  diskUtil: DiskUtil[]
  /**
   * rawio's additions at the top level, for fleets (docs/fleet.md): the host, the planned start
   * (--start-at) and when the first request was submitted, epoch milliseconds.
   */
  hostname?: string
  startAtMs?: number
  startedAtMs?: number
}

export const fioCompat = 'fio-3.33'

/** fio's "fio version" for rawio. */
export const fioVersionOf = (rawioVersion: string) => `rawio-${rawioVersion} (${fioCompat} compatible)`

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** ctime(3) without the newline, in local time: "Sun Nov 29 09:59:43 2026". */
export function ctime(d: Date): string {
  const two = (n: number) => String(n).padStart(2, '0')
  return `${DAYS[d.getDay()]} ${MONTHS[d.getMonth()]} ${String(d.getDate()).padStart(2, ' ')} ${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())} ${d.getFullYear()}`
}

/** fio's "%f" keys: 99.9 -> "99.900000". */
export const percentileKey = (p: number) => p.toFixed(6)

const unmeasured = () => ({ min: 0, max: 0, mean: 0, stddev: 0, N: 0 })

/** add_ddir_lat_json for a latency rawio measured: from its summary and its histogram. */
function latObject(
  d: { ios: number; lat: DirSummary['lat'] },
  buckets: Buckets,
  plus: boolean,
  list: readonly number[],
) {
  const o: Record<string, unknown> = {
    min: d.ios ? d.lat.minNs : 0,
    max: d.ios ? d.lat.maxNs : 0,
    mean: d.lat.meanNs,
    stddev: d.lat.stddevNs,
    N: d.ios,
  }
  if (d.ios === 0) return o
  const bins = toPlat(buckets)
  const values = platPercentiles(bins, list)
  o.percentile = Object.fromEntries(list.map((p, i) => [percentileKey(p), values[i]]))
  if (plus) o.bins = binsObject(bins)
  return o
}

/** fio's calc_lat over samples: min, max, mean, sample stddev; false (zeros) without samples. */
function sampleStats(xs: number[]) {
  if (xs.length === 0) return { min: 0, max: 0, mean: 0, dev: 0, n: 0 }
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const s = xs.reduce((a, x) => a + (x - mean) ** 2, 0)
  return {
    min: Math.min(...xs),
    max: Math.max(...xs),
    mean,
    dev: xs.length > 1 ? Math.sqrt(s / (xs.length - 1)) : 0,
    n: xs.length,
  }
}

/** Whole intervals only (a short last interval is not a sample, as in fio). */
function fullIntervals(view: StatsView): number {
  return Math.floor(view.elapsedNs / view.timeSeries.intervalNs)
}

function dirObject(input: FioJobInput, d: 'read' | 'write' | 'trim', plus: boolean, list: readonly number[]) {
  const v = input.view
  const s = v[d]
  const secs = v.elapsedNs / 1e9
  const bwBytes = s.ios && secs > 0 ? Math.floor(s.bytes / secs) : 0
  const n = fullIntervals(v)
  const perSec = v.timeSeries.intervalNs / 1e9
  const bw = sampleStats(v.timeSeries[d].bytes.slice(0, n).map((b) => Math.floor(b / 1024 / perSec)))
  const iops = sampleStats(v.timeSeries[d].iops.slice(0, n).map((c) => Math.floor(c / perSec)))
  const agg = input.groupBps[d] / 1024
  const bwAgg = bw.n && agg > 0 ? Math.min(100, (bw.mean * 100) / agg) : 0
  return {
    io_bytes: s.bytes,
    io_kbytes: Math.floor(s.bytes / 1024),
    bw_bytes: bwBytes,
    bw: Math.floor(bwBytes / 1024),
    iops: s.ios && secs > 0 ? s.ios / secs : 0,
    runtime: s.ios ? Math.round(v.elapsedNs / 1e6) : 0,
    total_ios: s.ios,
    short_ios: 0,
    drop_ios: 0,
    slat_ns: unmeasured(),
    clat_ns: unmeasured(),
    lat_ns: latObject(s, s.histogram, plus, list),
    bw_min: bw.min,
    bw_max: bw.max,
    bw_agg: bwAgg,
    bw_mean: bw.mean,
    bw_dev: bw.dev,
    bw_samples: bw.n,
    iops_min: iops.min,
    iops_max: iops.max,
    iops_mean: iops.mean,
    iops_stddev: iops.dev,
    iops_samples: iops.n,
  }
}

/** stat_calc_dist: percent of total, at least 0.1 for a non-empty slot. */
function dist(counts: readonly number[], total: number, keys: readonly string[]): Record<string, number> {
  return Object.fromEntries(
    keys.map((k, i) => {
      const c = counts[i] ?? 0
      if (!total) return [k, 0]
      const p = (c / total) * 100
      return [k, p < 0.1 && c ? 0.1 : p]
    }),
  )
}

const LEVEL_KEYS = ['1', '2', '4', '8', '16', '32', '>=64']
const MAP_KEYS = ['0', '4', '8', '16', '32', '64', '>=64']

/** show_thread_status_json for one entry. */
export function fioJobObject(
  input: FioJobInput,
  plus: boolean,
  elapsedSec: number,
  list: readonly number[] = input.percentiles ?? fioPercentiles,
): Record<string, unknown> {
  const v = input.view
  const o: Record<string, unknown> = {
    jobname: input.jobname,
    groupid: input.groupid,
    error: input.error,
    eta: 0,
    elapsed: elapsedSec,
  }
  if (input.options.length) o['job options'] = Object.fromEntries(input.options)
  for (const d of directions) o[d] = dirObject(input, d, plus, list)
  o.sync = { total_ios: v.sync.ios, lat_ns: latObject(v.sync, v.sync.histogram, plus, list) }
  const runMs = Math.round(v.elapsedNs / 1e6)
  const dataIos = v.read.ios + v.write.ios + v.trim.ios
  o.job_runtime = runMs
  o.usr_cpu = v.cpu.usrPercent
  o.sys_cpu = v.cpu.sysPercent
  o.ctx = v.cpu.ctxVoluntary + v.cpu.ctxInvoluntary
  o.majf = v.cpu.majorFaults
  o.minf = v.cpu.minorFaults
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0)
  o.iodepth_level = dist(v.depth.level, sum(v.depth.level), LEVEL_KEYS)
  o.iodepth_submit = dist(v.depth.submit, sum(v.depth.submit), MAP_KEYS)
  o.iodepth_complete = dist(v.depth.complete, sum(v.depth.complete), MAP_KEYS)
  const lat = latencyDistribution(
    directions.flatMap((d) => v[d].histogram),
    dataIos,
  )
  o.latency_ns = Object.fromEntries(latencyNsKeys.map((k, i) => [k, lat.ns[i]]))
  o.latency_us = Object.fromEntries(latencyNsKeys.map((k, i) => [k, lat.us[i]]))
  o.latency_ms = Object.fromEntries(latencyMsKeys.map((k, i) => [k, lat.ms[i]]))
  o.latency_depth = input.iodepth
  o.latency_target = 0
  o.latency_percentile = 100
  o.latency_window = 0
  if (input.steadystate !== undefined) o.steadystate = input.steadystate
  return o
}

/** The whole document: fio's top level. */
export function fioDocument(jobs: readonly FioJobInput[], ctx: FioDocContext): Record<string, unknown> {
  const root: Record<string, unknown> = {
    'fio version': ctx.version,
    timestamp: Math.floor(ctx.now.getTime() / 1000),
    timestamp_ms: ctx.now.getTime(),
    time: ctime(ctx.now),
  }
  if (ctx.globalOptions.length) root['global options'] = Object.fromEntries(ctx.globalOptions)
  root.jobs = jobs.map((j) => fioJobObject(j, ctx.plus, ctx.elapsedSec))
  root.disk_util = ctx.diskUtil
  if (ctx.hostname !== undefined) root.hostname = ctx.hostname
  if (ctx.startAtMs !== undefined) root.start_at_ms = ctx.startAtMs
  if (ctx.startedAtMs !== undefined) root.started_at_ms = ctx.startedAtMs
  return root
}

export interface FioEntryOptions {
  jobname: string
  options: Array<[string, string]>
  groupid?: number
  /** One entry for the whole run instead of one per job (fio's group_reporting). */
  groupReporting?: boolean
  error?: number
  steadystate?: unknown
}

/** A rawio result as fio's job entries: one per job (numjobs clones), or one for the group. */
export function fioEntries(r: BenchResult, o: FioEntryOptions): FioJobInput[] {
  const secs = r.elapsedNs / 1e9
  const groupBps = {
    read: secs > 0 ? r.read.bytes / secs : 0,
    write: secs > 0 ? r.write.bytes / secs : 0,
    trim: secs > 0 ? r.trim.bytes / secs : 0,
  }
  const base = {
    jobname: o.jobname,
    groupid: o.groupid ?? 0,
    error: o.error ?? 0,
    options: o.options,
    iodepth: r.job.iodepth,
    groupBps,
  }
  if (o.groupReporting || r.jobs.length === 0)
    return [{ ...base, view: r, steadystate: o.steadystate ?? r.steadyState }]
  return r.jobs.map((j) => ({ ...base, view: j, steadystate: o.steadystate ?? r.steadyState }))
}
