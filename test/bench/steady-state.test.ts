// Steady-state detection on synthetic series (pure): fio's criteria as steadystate.c computes
// them, the SNIA PTS rule (both excursions at once, window of 5, at most 25 rounds), the options.
import { describe, expect, it } from 'vitest'
import { parseBenchArgs } from '../../lib/bench/options'
import { steadyStateSpec } from '../../lib/bench/report-options'
import {
  fioWindowCheck,
  lsSlope,
  parseSs,
  ptsWindowCheck,
  SteadyStateDetector,
  type SteadyStateSpec,
} from '../../lib/bench/steady-state'

const pts = (metric: 'iops' | 'bw' = 'iops'): SteadyStateSpec => ({
  mode: 'pts',
  metric,
  slope: false,
  limit: 0,
  pct: true,
  window: 5,
  intervalNs: 60e9,
  rampNs: 0,
  maxRounds: 25,
  durNs: 300e9,
})

/** Feeds a series; returns the round at which the detector said stop (1-based) or 0. */
function feed(d: SteadyStateDetector, series: number[]): number {
  for (let i = 0; i < series.length; i++) if (d.add(series[i], series[i] * 4096)) return i + 1
  return 0
}

const flat = Array.from({ length: 30 }, () => 10_000)
// +3% per round: over a window of 5 the fitted line moves ~12% of the mean (> 10%) while the
// data stay within ~12% (< 20%): the slope criterion alone refuses it, in every window
const drifting = Array.from({ length: 30 }, (_, i) => 10_000 * 1.03 ** i)
// alternating +-12%: flat on average, but max-min is 24% of the mean (> 20%)
const noisy = Array.from({ length: 30 }, (_, i) => 10_000 * (i % 2 ? 1.12 : 0.88))
// 4 rounds at 5k, then 10k: windows across the step fail, the first window after it passes
const step = Array.from({ length: 30 }, (_, i) => (i < 4 ? 5_000 : 10_000))

describe('SNIA PTS rule', () => {
  it('flat: attained at round 5, window 1-5', () => {
    const d = new SteadyStateDetector(pts())
    expect(feed(d, flat)).toBe(5)
    const r = d.report() as { attained: number; pts: Record<string, unknown> }
    expect(r.attained).toBe(1)
    expect(r.pts).toMatchObject({
      rounds: 5,
      window: { first: 1, last: 5 },
      data_excursion: 0,
      slope_excursion: 0,
      window_mean: 10_000,
      attained: true,
    })
  })

  it('drifting: the data excursion passes, the slope excursion does not; gives up after 25 rounds', () => {
    const c = ptsWindowCheck(drifting.slice(0, 5))
    expect(c.dataExcursion / c.mean).toBeLessThan(0.2)
    expect(c.slopeExcursion / c.mean).toBeGreaterThan(0.1)
    expect(c.attained).toBe(false)
    const d = new SteadyStateDetector(pts())
    expect(feed(d, drifting)).toBe(25)
    expect(d.attained).toBe(false)
    expect(d.exhausted).toBe(true)
    const r = d.report() as { attained: number; pts: { rounds: number; window: unknown; values: number[] } }
    expect(r.attained).toBe(0)
    expect(r.pts.rounds).toBe(25)
    expect(r.pts.window).toEqual({ first: 21, last: 25 })
    expect(r.pts.values).toHaveLength(25)
  })

  it('noisy: the slope is flat, the data excursion is not', () => {
    const c = ptsWindowCheck(noisy.slice(0, 5))
    expect(c.slopeExcursion / c.mean).toBeLessThan(0.1)
    expect(c.dataExcursion / c.mean).toBeGreaterThan(0.2)
    expect(feed(new SteadyStateDetector(pts()), noisy)).toBe(25)
  })

  it('step: attained on the first window after the step (rounds 5-9)', () => {
    const d = new SteadyStateDetector(pts('bw'))
    expect(feed(d, step)).toBe(9)
    const r = d.report() as { ss: string; pts: { window: unknown; window_mean: number } }
    expect(r.ss).toBe('pts:bw')
    expect(r.pts.window).toEqual({ first: 5, last: 9 })
    expect(r.pts.window_mean).toBe(10_000 * 4096)
  })

  it('both limits are inclusive at exactly 20% and 10%', () => {
    // max-min = 20% of the mean, a symmetric series: slope 0
    expect(ptsWindowCheck([90, 110, 100, 110, 90]).attained).toBe(true)
    expect(ptsWindowCheck([89, 111, 100, 111, 89]).attained).toBe(false)
    expect(lsSlope([1, 2, 3, 4, 5])).toBeCloseTo(1)
  })
})

describe("fio's criteria (steadystate.c)", () => {
  it('deviation as fio computed it on a real run: iops [2268, 4834, 4283] -> 40.237156% of the mean', () => {
    const c = fioWindowCheck([2268, 4834, 4283], { slope: false, limit: 80, pct: true })
    expect(c.deviation).toBeCloseTo(1527)
    expect(c.criterion).toBeCloseTo(40.237154, 5)
    // fio prints it through a float: "40.237156%"
    const d = new SteadyStateDetector({
      ...pts(),
      mode: 'fio',
      limit: 80,
      window: 3,
      intervalNs: 1e9,
      maxRounds: Infinity,
    })
    for (const v of [2268, 4834, 4283]) d.add(v, v * 4096)
    expect(d.report()).toMatchObject({
      ss: 'iops:80.000000%',
      criterion: '40.237156%',
      max_deviation: 1527,
      attained: 1,
    })
    expect(c.attained).toBe(true)
    expect(fioWindowCheck([2268, 4834, 4283], { slope: false, limit: 40, pct: true }).attained).toBe(false)
  })

  it('slope: percent of the mean, or absolute', () => {
    expect(fioWindowCheck(flat.slice(0, 10), { slope: true, limit: 0.01, pct: true }).attained).toBe(true)
    const linear = Array.from({ length: 10 }, (_, i) => 10_000 + 300 * i)
    const d = fioWindowCheck(linear, { slope: true, limit: 2, pct: true })
    expect(d.slope).toBeCloseTo(300)
    expect(d.criterion).toBeCloseTo((100 * 300) / 11_350) // percent of the window's mean
    expect(d.attained).toBe(false)
    expect(fioWindowCheck(linear, { slope: true, limit: 301, pct: false }).attained).toBe(true)
  })

  it("the detector waits for a full window, and reports fio's object", () => {
    const spec = {
      ...pts(),
      mode: 'fio' as const,
      slope: false,
      limit: 5,
      window: 3,
      intervalNs: 1e9,
      durNs: 3e9,
      maxRounds: Infinity,
    }
    const d = new SteadyStateDetector(spec)
    expect(d.add(100, 409600)).toBe(false)
    expect(d.report()).toMatchObject({ attained: 0, data: { iops: [100, 0, 0] } })
    expect(d.add(300, 1228800)).toBe(false)
    expect(d.add(100, 409600)).toBe(false) // mean 166, deviation 133 = 80%
    expect(feed(d, [100, 101, 100])).toBe(2) // [100, 100, 101]: 0.66% of the mean
    const r = d.report()
    expect(Object.keys(r)).toEqual([
      'ss',
      'duration',
      'attained',
      'criterion',
      'max_deviation',
      'slope',
      'data',
    ])
    expect(r).toMatchObject({
      ss: 'iops:5.000000%',
      duration: 3,
      attained: 1,
      data: { iops: [100, 100, 101], iops_mean: 100 },
    })
    expect(Object.keys(r.data as object)).toEqual(['bw_mean', 'iops_mean', 'iops', 'bw'])
  })
})

describe('options', () => {
  it("parses fio's criteria and rawio's pts", () => {
    expect(parseSs('iops:1%')).toEqual({ mode: 'fio', metric: 'iops', slope: false, limit: 1, pct: true })
    expect(parseSs('iops_slope:0.1%')).toMatchObject({ slope: true, limit: 0.1, pct: true })
    expect(parseSs('bw:10m')).toMatchObject({ metric: 'bw', limit: 10 * 2 ** 20, pct: false })
    expect(parseSs('pts')).toMatchObject({ mode: 'pts', metric: 'iops' })
    expect(parseSs('pts:bw')).toMatchObject({ mode: 'pts', metric: 'bw' })
    expect(() => parseSs('iops')).toThrow('ss=iops: give a threshold too (ss=iops:1%), as fio requires')
    expect(() => parseSs('lat:1%')).toThrow(
      "ss criterion 'lat' is not one of iops, iops_slope, bw, bw_slope, pts",
    )
  })

  it('as fio: ss_dur turns it on (default iops_slope:0.01%), ss alone does not; pts rounds default to 60s', () => {
    const spec = (...a: string[]) => steadyStateSpec(parseBenchArgs([...a, 'x']).job)
    expect(spec('--ss=iops:1%')).toBeNull()
    expect(spec('--ss_dur=30')).toMatchObject({
      mode: 'fio',
      slope: true,
      limit: 0.01,
      window: 30,
      intervalNs: 1e9,
    })
    expect(spec('--steadystate=bw:2%', '--ss_dur=10s', '--ss_interval=2s')).toMatchObject({
      window: 5,
      intervalNs: 2e9,
    })
    expect(spec('--ss=pts')).toMatchObject({ mode: 'pts', window: 5, intervalNs: 60e9, maxRounds: 25 })
    expect(spec('--ss=pts', '--ss_interval=1s', '--ss_ramp=5s')).toMatchObject({
      intervalNs: 1e9,
      rampNs: 5e9,
    })
    expect(() => spec('--ss=pts', '--ss_dur=10')).toThrow('ss=pts judges a window of 5 rounds')
    expect(() => spec('--ss_ramp=5')).toThrow('--ss_ramp needs --ss_dur or --ss')
    expect(parseBenchArgs(['--precondition', 'x']).job.precondition).toBe(2)
    expect(parseBenchArgs(['--precondition=3', 'x']).job.precondition).toBe(3)
    expect(parseBenchArgs(['--precondition', 'x']).target).toBe('x')
  })
})
