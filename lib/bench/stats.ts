// Pure statistics over the native results: histogram bucket values (mirroring
// native/bench/histogram.h), merging jobs, percentiles at fio's default list, mean/stddev,
// IOPS and bandwidth, and the aggregate time series.
import type { HistogramLayout, NativeDirResult, NativeJobResult } from './binding'

export const defaultLayout: HistogramLayout = { subBits: 7, linear: 256, maxExp: 44, buckets: 4992 }

/** fio's default percentile list. */
export const fioPercentiles = [
  1, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 99, 99.5, 99.9, 99.95, 99.99,
] as const

export const directions = ['read', 'write', 'trim'] as const
export type Direction = (typeof directions)[number]

/** [low, high) in ns of a bucket. */
export function bucketRange(index: number, layout: HistogramLayout = defaultLayout): [number, number] {
  if (index < layout.linear) return [index, index + 1]
  const sub = 2 ** layout.subBits
  const k = index - layout.linear
  const e = layout.subBits + 1 + Math.floor(k / sub)
  const width = 2 ** (e - layout.subBits)
  const low = (sub + (k % sub)) * width
  return [low, low + width]
}

/** The value a bucket stands for: its midpoint (at most 0.4% from any value in it). */
export function bucketValue(index: number, layout: HistogramLayout = defaultLayout): number {
  const [low, high] = bucketRange(index, layout)
  return high - low === 1 ? low : (low + high - 1) / 2
}

/** Mirrors LatencyHistogram::Index, for tests. */
export function bucketIndex(ns: number, layout: HistogramLayout = defaultLayout): number {
  if (ns < layout.linear) return Math.max(0, Math.floor(ns))
  const e = Math.floor(Math.log2(ns))
  if (e > layout.maxExp) return layout.buckets - 1
  const sub = 2 ** layout.subBits
  const sb = Math.floor(ns / 2 ** (e - layout.subBits)) - sub
  return layout.linear + (e - layout.subBits - 1) * sub + sb
}

export interface Histogram {
  /** Sorted bucket indexes with their counts. */
  index: number[]
  count: number[]
}

export function mergeHistograms(hists: readonly Histogram[]): Histogram {
  const m = new Map<number, number>()
  for (const h of hists)
    for (let i = 0; i < h.index.length; i++) m.set(h.index[i], (m.get(h.index[i]) ?? 0) + h.count[i])
  const index = [...m.keys()].sort((a, b) => a - b)
  return { index, count: index.map((i) => m.get(i) as number) }
}

export interface Percentile {
  p: number
  ns: number
}

/** The value below which p% of the requests fall (fio's rule: first bucket whose cumulative count reaches p%). */
export function percentiles(
  h: Histogram,
  list: readonly number[] = fioPercentiles,
  clamp: { minNs: number; maxNs: number } | null = null,
  layout: HistogramLayout = defaultLayout,
): Percentile[] {
  const total = h.count.reduce((a, b) => a + b, 0)
  if (total === 0) return list.map((p) => ({ p, ns: 0 }))
  const out: Percentile[] = []
  let cum = 0
  let i = 0
  for (const p of list) {
    const need = Math.max(1, Math.ceil((p / 100) * total - 1e-9))
    while (i < h.index.length && cum + h.count[i] < need) cum += h.count[i++]
    let ns = bucketValue(h.index[Math.min(i, h.index.length - 1)], layout)
    if (clamp) ns = Math.min(Math.max(ns, clamp.minNs), clamp.maxNs)
    out.push({ p, ns })
  }
  return out
}

export interface LatencySummary {
  minNs: number
  maxNs: number
  meanNs: number
  stddevNs: number
  percentiles: Percentile[]
}

export interface DirSummary {
  ios: number
  bytes: number
  iops: number
  bytesPerSec: number
  lat: LatencySummary
  /** Latency histogram buckets that were hit: [lowNs, highNs, count]. */
  histogram: Buckets
}

/** Sums one direction over jobs; rates use the longest job's measured time, as fio's group report. */
export function summarizeDir(
  dirs: readonly NativeDirResult[],
  elapsedNs: number,
  layout = defaultLayout,
): DirSummary {
  const ios = dirs.reduce((a, d) => a + d.ios, 0)
  const bytes = dirs.reduce((a, d) => a + d.bytes, 0)
  const hit = dirs.filter((d) => d.ios > 0)
  const minNs = hit.length ? Math.min(...hit.map((d) => d.minNs)) : 0
  const maxNs = hit.length ? Math.max(...hit.map((d) => d.maxNs)) : 0
  const sum = dirs.reduce((a, d) => a + d.sumNs, 0)
  const sumSq = dirs.reduce((a, d) => a + d.sumSqNs, 0)
  const meanNs = ios ? sum / ios : 0
  const variance = ios > 1 ? Math.max(0, (sumSq - ios * meanNs * meanNs) / (ios - 1)) : 0
  const histogram = mergeHistograms(dirs.map((d) => d.hist))
  const secs = elapsedNs / 1e9
  return {
    ios,
    bytes,
    iops: secs > 0 ? ios / secs : 0,
    bytesPerSec: secs > 0 ? bytes / secs : 0,
    lat: {
      minNs,
      maxNs,
      meanNs,
      stddevNs: Math.sqrt(variance),
      percentiles: percentiles(histogram, fioPercentiles, { minNs, maxNs }, layout),
    },
    histogram: toBuckets(histogram, layout),
  }
}

export interface SeriesDir {
  /** Requests completed in each interval (IOPS at a 1 s interval). */
  iops: number[]
  bytes: number[]
  /** Mean latency (ns, submit to completion) of the requests completed in each interval; 0 when none. */
  latMeanNs: number[]
}

export interface TimeSeries {
  intervalNs: number
  /** Length of the last interval (ns): shorter than intervalNs when the run ended inside it. */
  lastIntervalNs: number
  read: SeriesDir
  write: SeriesDir
  trim: SeriesDir
}

/** Adds the jobs' per-second counts, second by second. */
export function mergeSeries(jobs: readonly NativeJobResult[]): TimeSeries {
  const elapsedNs = Math.max(0, ...jobs.map((j) => j.elapsedNs))
  const out: TimeSeries = {
    intervalNs: 1e9,
    lastIntervalNs: elapsedNs % 1e9 || (elapsedNs > 0 ? 1e9 : 0),
    read: { iops: [], bytes: [], latMeanNs: [] },
    write: { iops: [], bytes: [], latMeanNs: [] },
    trim: { iops: [], bytes: [], latMeanNs: [] },
  }
  const latSum: Record<Direction, number[]> = { read: [], write: [], trim: [] }
  for (const job of jobs) {
    for (const d of directions) {
      const src = job.series[d]
      const dst = out[d]
      src.ios.forEach((n, i) => {
        dst.iops[i] = (dst.iops[i] ?? 0) + n
        dst.bytes[i] = (dst.bytes[i] ?? 0) + src.bytes[i]
        latSum[d][i] = (latSum[d][i] ?? 0) + (src.latNs?.[i] ?? 0)
      })
    }
  }
  for (const d of directions) {
    const len = Math.max(out.read.iops.length, out.write.iops.length, out.trim.iops.length)
    for (let i = 0; i < len; i++) {
      out[d].iops[i] ??= 0
      out[d].bytes[i] ??= 0
      out[d].latMeanNs[i] = out[d].iops[i] > 0 ? (latSum[d][i] ?? 0) / out[d].iops[i] : 0
    }
  }
  return out
}

/** A histogram as [lowNs, highNs, count] rows (what the JSON carries). */
export type Buckets = Array<[number, number, number]>

export function toBuckets(h: Histogram, layout = defaultLayout): Buckets {
  return h.index.map((idx, i) => {
    const [low, high] = bucketRange(idx, layout)
    return [low, high, h.count[i]]
  })
}

export interface LatencyBin {
  /** 0 when the thin low tail was folded into this row. */
  lowNs: number
  /** Infinity when the thin high tail was folded into this row. */
  highNs: number
  share: number
}

const STEPS = [1, 2, 5] as const

/** Row key of a value on the 1-2-5 scale (1, 2, 5, 10, 20, 50, ... ns). */
function rowOf(ns: number): number {
  const v = Math.max(1, ns)
  const e = Math.floor(Math.log10(v) + 1e-12)
  const m = v / 10 ** e
  return e * 3 + (m < 2 ? 0 : m < 5 ? 1 : 2)
}

/** The lower edge of a row: rowEdge(rowOf(x)) <= x. */
function rowEdge(row: number): number {
  return STEPS[row % 3] * 10 ** Math.floor(row / 3)
}

/** Rows on a 1-2-5 scale for the terminal histogram, at most maxRows (thin tails fold into the end rows). */
export function latencyBins(buckets: Buckets, maxRows = 12): LatencyBin[] {
  const total = buckets.reduce((a, [, , n]) => a + n, 0)
  if (total === 0) return []
  const rows = new Map<number, number>()
  for (const [low, high, n] of buckets) {
    const r = rowOf((low + high - 1) / 2)
    rows.set(r, (rows.get(r) ?? 0) + n)
  }
  const first = Math.min(...rows.keys())
  const last = Math.max(...rows.keys())
  let lo = first
  let hi = last
  let foldLow = 0
  let foldHigh = 0
  while (hi - lo + 1 > maxRows) {
    if (foldLow + (rows.get(lo) ?? 0) <= foldHigh + (rows.get(hi) ?? 0)) foldLow += rows.get(lo++) ?? 0
    else foldHigh += rows.get(hi--) ?? 0
  }
  const out: LatencyBin[] = []
  for (let r = lo; r <= hi; r++) {
    const n = (rows.get(r) ?? 0) + (r === lo ? foldLow : 0) + (r === hi ? foldHigh : 0)
    out.push({
      lowNs: r === lo && foldLow ? 0 : rowEdge(r),
      highNs: r === hi && foldHigh ? Number.POSITIVE_INFINITY : rowEdge(r + 1),
      share: n / total,
    })
  }
  return out
}
