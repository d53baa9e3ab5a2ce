// Made-up native results for the pure tests: latencies histogrammed the way the C++ does.
import type { NativeBenchResult, NativeDirResult, NativeJobResult } from '../../lib/bench/binding'
import { bucketIndex } from '../../lib/bench/stats'

export function dirOf(latencies: number[], bytesEach = 4096): NativeDirResult {
  const counts = new Map<number, number>()
  for (const ns of latencies) counts.set(bucketIndex(ns), (counts.get(bucketIndex(ns)) ?? 0) + 1)
  const index = [...counts.keys()].sort((a, b) => a - b)
  return {
    ios: latencies.length,
    bytes: latencies.length * bytesEach,
    minNs: latencies.length ? Math.min(...latencies) : 0,
    maxNs: latencies.length ? Math.max(...latencies) : 0,
    sumNs: latencies.reduce((a, b) => a + b, 0),
    sumSqNs: latencies.reduce((a, b) => a + b * b, 0),
    hist: { index, count: index.map((i) => counts.get(i) as number) },
  }
}

export function jobOf(
  index: number,
  lat: { read?: number[]; write?: number[]; trim?: number[]; sync?: number[] },
  elapsedNs = 2e9,
): NativeJobResult {
  const series = (n: number) => ({
    ios: [Math.ceil(n / 2), Math.floor(n / 2)],
    bytes: [Math.ceil(n / 2) * 4096, Math.floor(n / 2) * 4096],
  })
  return {
    index,
    elapsedNs,
    rampNs: 0,
    usrNs: 0.1e9,
    sysNs: 0.5e9,
    ctxVoluntary: 10,
    ctxInvoluntary: 2,
    majorFaults: 0,
    minorFaults: 7,
    depth: { level: [0, 0, 0, 0, 0, 0, 0], submit: [0, 0, 0, 0, 0, 0, 0], complete: [0, 0, 0, 0, 0, 0, 0] },
    stopped: false,
    failed: false,
    read: dirOf(lat.read ?? []),
    write: dirOf(lat.write ?? []),
    trim: dirOf(lat.trim ?? []),
    sync: dirOf(lat.sync ?? [], 0),
    series: {
      intervalNs: 1e9,
      read: series(lat.read?.length ?? 0),
      write: series(lat.write?.length ?? 0),
      trim: series(lat.trim?.length ?? 0),
    },
  }
}

export function nativeResult(jobs: NativeJobResult[]): NativeBenchResult {
  return { engine: 'io_uring', kind: 'block', stopped: false, jobs }
}

/** n latencies spread evenly over [lo, hi]. */
export function spread(n: number, lo: number, hi: number): number[] {
  return Array.from({ length: n }, (_, i) => Math.round(lo + ((hi - lo) * i) / Math.max(1, n - 1)))
}
