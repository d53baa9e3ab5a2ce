// The histogram layout, percentiles, merging and summaries: pure.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import {
  bucketIndex,
  bucketRange,
  bucketValue,
  defaultLayout,
  fioPercentiles,
  latencyBins,
  mergeHistograms,
  mergeSeries,
  percentiles,
  summarizeDir,
  toBuckets,
} from '../../lib/bench/stats'
import { dirOf, jobOf, spread } from './fixtures'

describe('histogram layout (mirrors native/bench/histogram.h)', () => {
  it('matches the native constants', async () => {
    const { benchBinding } = await import('../../lib/bench/binding.js')
    expect(benchBinding().bench.histogram).toEqual(defaultLayout)
  })

  it('every value lands in a bucket that holds it, at most 1% wide', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 44 }), (ns) => {
        const i = bucketIndex(ns)
        const [low, high] = bucketRange(i)
        expect(i).toBeGreaterThanOrEqual(0)
        expect(i).toBeLessThan(defaultLayout.buckets)
        expect(ns).toBeGreaterThanOrEqual(low)
        expect(ns).toBeLessThan(high)
        expect(Math.abs(bucketValue(i) - ns) / Math.max(1, ns)).toBeLessThanOrEqual(0.01)
      }),
      { numRuns: 5000 },
    )
  })

  it('exact below 256 ns; contiguous buckets; huge values clamp to the last', () => {
    for (let ns = 0; ns < 256; ns++) expect(bucketValue(bucketIndex(ns))).toBe(ns)
    for (let i = 0; i < defaultLayout.buckets - 1; i++) expect(bucketRange(i)[1]).toBe(bucketRange(i + 1)[0])
    expect(bucketIndex(2 ** 50)).toBe(defaultLayout.buckets - 1)
  })
})

describe('percentiles', () => {
  it('fio rule on 1..10000 ns: p50 near 5000, p99 near 9900, within 1%', () => {
    const d = dirOf(spread(10000, 1, 10000))
    const ps = percentiles(d.hist)
    expect(ps.map((p) => p.p)).toEqual([...fioPercentiles])
    const at = (p: number) => ps.find((x) => x.p === p)?.ns as number
    expect(Math.abs(at(50) - 5000) / 5000).toBeLessThan(0.01)
    expect(Math.abs(at(99) - 9900) / 9900).toBeLessThan(0.01)
    expect(Math.abs(at(1) - 100) / 100).toBeLessThan(0.01)
  })

  it('a single value is every percentile, clamped to min/max', () => {
    const d = dirOf([123456, 123456, 123456])
    for (const p of percentiles(d.hist, fioPercentiles, { minNs: d.minNs, maxNs: d.maxNs }))
      expect(p.ns).toBe(123456)
  })

  it('empty histograms give zeros', () => {
    expect(percentiles({ index: [], count: [] }, [50])).toEqual([{ p: 50, ns: 0 }])
  })
})

describe('summaries', () => {
  it('mean, stddev, min, max, IOPS and bandwidth over jobs', () => {
    const a = dirOf([100, 200, 300])
    const b = dirOf([400, 500])
    const s = summarizeDir([a, b], 1e9)
    expect(s.ios).toBe(5)
    expect(s.bytes).toBe(5 * 4096)
    expect(s.iops).toBe(5)
    expect(s.bytesPerSec).toBe(5 * 4096)
    expect(s.lat.minNs).toBe(100)
    expect(s.lat.maxNs).toBe(500)
    expect(s.lat.meanNs).toBe(300)
    expect(s.lat.stddevNs).toBeCloseTo(Math.sqrt(25000), 6)
    expect(s.histogram.reduce((n, [, , c]) => n + c, 0)).toBe(5)
  })

  it('merging histograms adds counts bucket by bucket', () => {
    const m = mergeHistograms([dirOf([10, 20]).hist, dirOf([20, 30]).hist])
    expect(m).toEqual({ index: [10, 20, 30], count: [1, 2, 1] })
  })

  it('time series add up second by second; the last interval length is kept', () => {
    const s = mergeSeries([
      jobOf(0, { read: spread(10, 1, 9) }, 1.5e9),
      jobOf(1, { read: spread(6, 1, 9) }, 1.5e9),
    ])
    expect(s.read.iops).toEqual([8, 8])
    expect(s.write.iops).toEqual([0, 0])
    expect(s.lastIntervalNs).toBe(0.5e9)
  })

  it('terminal histogram rows: 1-2-5 scale, shares add to 1, tails fold', () => {
    const rows = latencyBins(toBuckets(dirOf([...spread(1000, 10_000, 90_000), 5, 5e9]).hist), 4)
    expect(rows.length).toBe(4)
    expect(rows.reduce((a, r) => a + r.share, 0)).toBeCloseTo(1, 9)
    expect(rows[0].lowNs).toBe(0)
    expect(rows[rows.length - 1].highNs).toBe(Number.POSITIVE_INFINITY)
    const plain = latencyBins(toBuckets(dirOf(spread(100, 100_000, 190_000)).hist))
    expect(plain.map((r) => [r.lowNs, r.highNs])).toEqual([[100_000, 200_000]])
  })
})
