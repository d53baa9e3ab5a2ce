// fio's latency bookkeeping, rebuilt from rawio's histogram (pure): fio's log-linear "plat"
// buckets (stat.c: plat_val_to_idx / plat_idx_to_val, FIO_IO_U_PLAT_BITS 6), its percentile
// rule (calc_clat_percentiles) and its coarse latency_ns/us/ms distribution (io_u.c).
//
// Mapping: rawio's buckets are exact below 256 ns and 1/128 of an octave wide above, always
// aligned on their width; fio's are exact below 128 ns and 1/64 of an octave above. So every
// rawio bucket lies inside exactly one fio bucket, and the fio bins are exact sums of rawio's
// counts: nothing is interpolated.
import type { Buckets } from './stats'

export const PLAT_BITS = 6
export const PLAT_VAL = 1 << PLAT_BITS
export const PLAT_GROUP_NR = 29
export const PLAT_NR = PLAT_GROUP_NR * PLAT_VAL

/** fio's plat_val_to_idx. */
export function platIndex(ns: number): number {
  const val = Math.max(0, Math.floor(ns))
  const msb = val === 0 ? 0 : Math.floor(Math.log2(val))
  if (msb <= PLAT_BITS) return val
  const errorBits = msb - PLAT_BITS
  const base = (errorBits + 1) << PLAT_BITS
  const offset = (PLAT_VAL - 1) & Math.floor(val / 2 ** errorBits)
  return Math.min(base + offset, PLAT_NR - 1)
}

/** fio's plat_idx_to_val: the value a bucket is reported as (the middle of its range). */
export function platValue(idx: number): number {
  if (idx < PLAT_VAL << 1) return idx
  const errorBits = (idx >> PLAT_BITS) - 1
  const base = 2 ** (errorBits + PLAT_BITS)
  const k = idx % PLAT_VAL
  return Math.floor(base + (k + 0.5) * 2 ** errorBits)
}

/** fio's bins: [fio bucket index, count], ascending, only the buckets hit. */
export type PlatBins = Array<[number, number]>

/** rawio's buckets summed into fio's (each rawio bucket falls in one fio bucket by its low edge). */
export function toPlat(buckets: Buckets): PlatBins {
  const m = new Map<number, number>()
  for (const [low, , n] of buckets) {
    const idx = platIndex(low)
    m.set(idx, (m.get(idx) ?? 0) + n)
  }
  return [...m.entries()].sort((a, b) => a[0] - b[0])
}

/** json+'s "bins": the bucket's value (ns) as the key, as fio prints them. */
export function binsObject(bins: PlatBins): Record<string, number> {
  const o: Record<string, number> = {}
  for (const [idx, n] of bins) o[String(platValue(idx))] = n
  return o
}

/** fio's calc_clat_percentiles over fio buckets: the first bucket whose running sum reaches p% of N. */
export function platPercentiles(bins: PlatBins, list: readonly number[]): number[] {
  const total = bins.reduce((a, [, n]) => a + n, 0)
  const out: number[] = []
  if (total === 0) return list.map(() => 0)
  let sum = 0
  let j = 0
  for (const [idx, n] of bins) {
    sum += n
    while (j < list.length && sum >= (list[j] / 100) * total) out[j++] = platValue(idx)
    if (j === list.length) break
  }
  while (out.length < list.length) out.push(platValue(bins[bins.length - 1][0]))
  return out
}

/** fio's latency_ns / latency_us / latency_ms keys, and the lower edge (ns) of each range. */
export const latencyNsKeys = ['2', '4', '10', '20', '50', '100', '250', '500', '750', '1000'] as const
export const latencyUsKeys = latencyNsKeys
export const latencyMsKeys = [...latencyNsKeys, '2000', '>=2000'] as const
// io_u.c's switch ranges: index i holds [edge[i], edge[i+1]) of the unit (0-1 and 2-3 share index 0/1).
const EDGES = [0, 2, 4, 10, 20, 50, 100, 250, 500, 750] as const
const MS_EDGES = [...EDGES, 1000, 2000] as const

function slot(v: number, edges: readonly number[]): number {
  let i = 0
  while (i + 1 < edges.length && v >= edges[i + 1]) i++
  return i
}

export interface LatencyDistribution {
  ns: number[]
  us: number[]
  ms: number[]
}

/**
 * io_u_mark_latency's three tables as fio's stat_calc_lat prints them: percent of `total`
 * requests, at least 0.01 for a non-empty slot. A rawio bucket that straddles an edge counts
 * on the side of its middle (buckets are at most 0.8% wide).
 */
export function latencyDistribution(buckets: Buckets, total: number): LatencyDistribution {
  const ns = new Array<number>(10).fill(0)
  const us = new Array<number>(10).fill(0)
  const ms = new Array<number>(12).fill(0)
  for (const [low, high, n] of buckets) {
    const v = Math.floor((low + high - 1) / 2)
    if (v < 1000) ns[slot(v, EDGES)] += n
    else if (v < 1e6) us[slot(Math.floor(v / 1e3), EDGES)] += n
    else ms[slot(Math.floor(v / 1e6), MS_EDGES)] += n
  }
  const pct = (c: number[]) =>
    c.map((n) => {
      if (!total) return 0
      const p = (n / total) * 100
      return p < 0.01 && n ? 0.01 : p
    })
  return { ns: pct(ns), us: pct(us), ms: pct(ms) }
}
