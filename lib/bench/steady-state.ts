// Steady-state detection (pure): fio's rule (steadystate.c: one criterion over a rolling window
// of per-interval IOPS or bandwidth: the largest deviation from the window's mean, or the
// least-squares slope, under a limit), and the SNIA PTS rule (two criteria at once over a window
// of 5 rounds: data excursion max-min within 20% of the window's mean AND the excursion of the
// least-squares line across the window within 10% of the mean, at most 25 rounds).
// docs/bench.md, "Steady state", says how rawio samples and what the JSON holds.
import { UsageError } from '../errors'
import { parseFioSize } from './fio-units'

export type SsMetric = 'iops' | 'bw'

export interface SteadyStateSpec {
  mode: 'fio' | 'pts'
  metric: SsMetric
  /** fio: the slope criterion instead of the deviation one. */
  slope: boolean
  /** fio: the limit, in percent of the mean when pct, else IOPS or bytes/s. */
  limit: number
  pct: boolean
  /** Samples in the window (fio: ss_dur / ss_interval; pts: 5 rounds). */
  window: number
  /** Length of one sample (fio's ss_interval, 1 s by default) or one PTS round (60 s by default). */
  intervalNs: number
  /** Time from the job's start before samples count (fio's ss_ramp). */
  rampNs: number
  /** PTS: give up after this many rounds (25). */
  maxRounds: number
  /** As given, for fio's "ss" string. */
  durNs: number
}

export const PTS_WINDOW = 5
export const PTS_MAX_ROUNDS = 25
export const PTS_DATA_LIMIT = 0.2
export const PTS_SLOPE_LIMIT = 0.1

/** `iops:1%`, `iops_slope:0.1%`, `bw:10M`, `bw_slope:2%`, `pts`, `pts:bw`. */
export function parseSs(text: string): Pick<SteadyStateSpec, 'mode' | 'metric' | 'slope' | 'limit' | 'pct'> {
  const [name, value] = text.split(':', 2)
  if (name === 'pts') {
    if (value !== undefined && value !== 'iops' && value !== 'bw')
      throw new UsageError(`ss=pts:${value}: the PTS rule watches iops or bw (ss=pts, ss=pts:bw)`)
    return {
      mode: 'pts',
      metric: (value as SsMetric | undefined) ?? 'iops',
      slope: false,
      limit: 0,
      pct: true,
    }
  }
  const criteria = ['iops', 'iops_slope', 'bw', 'bw_slope']
  if (!criteria.includes(name))
    throw new UsageError(`ss criterion '${name}' is not one of ${criteria.join(', ')}, pts`)
  if (value === undefined || value.trim() === '')
    throw new UsageError(`ss=${name}: give a threshold too (ss=${name}:1%), as fio requires`)
  const metric: SsMetric = name.startsWith('iops') ? 'iops' : 'bw'
  const slope = name.endsWith('_slope')
  const pct = value.includes('%')
  const num = value.replace('%', '').trim()
  let limit: number
  if (pct || metric === 'iops') {
    limit = Number(num)
    if (num === '' || !Number.isFinite(limit) || limit < 0)
      throw new UsageError(`ss=${text}: '${num}' is not a number`)
  } else {
    limit = parseFioSize(num, 'ss bandwidth threshold')
  }
  return { mode: 'fio', metric, slope, limit, pct }
}

export interface WindowCheck {
  attained: boolean
  mean: number
  /** fio: largest |value - mean|. */
  deviation: number
  /** Least-squares slope per sample. */
  slope: number
  /** fio: what was compared with the limit (percent of the mean when pct). */
  criterion: number
}

/** Least-squares slope of ys over x = 0..n-1. */
export function lsSlope(ys: readonly number[]): number {
  const n = ys.length
  if (n < 2) return 0
  const sumX = (n * (n - 1)) / 2
  const sumX2 = ((n - 1) * n * (2 * n - 1)) / 6
  const sumY = ys.reduce((a, b) => a + b, 0)
  const sumXY = ys.reduce((a, y, x) => a + x * y, 0)
  return (sumXY - (sumX * sumY) / n) / (sumX2 - (sumX * sumX) / n)
}

/** fio's steadystate_slope / steadystate_deviation over a full window. */
export function fioWindowCheck(
  ys: readonly number[],
  spec: Pick<SteadyStateSpec, 'slope' | 'limit' | 'pct'>,
): WindowCheck {
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length
  if (spec.slope) {
    const slope = lsSlope(ys)
    const criterion = spec.pct ? (100 * slope) / mean : slope
    return { attained: Math.abs(criterion) < spec.limit, mean, deviation: 0, slope, criterion }
  }
  const deviation = Math.max(...ys.map((y) => Math.abs(y - mean)))
  const criterion = spec.pct ? (100 * deviation) / mean : deviation
  return { attained: criterion < spec.limit, mean, deviation, slope: 0, criterion }
}

export interface PtsCheck {
  attained: boolean
  mean: number
  /** max - min over the window. */
  dataExcursion: number
  /** |slope| x (window - 1): how far the best-fit line moves across the window. */
  slopeExcursion: number
  slope: number
}

/** The PTS rule over one window of rounds. */
export function ptsWindowCheck(ys: readonly number[]): PtsCheck {
  const mean = ys.reduce((a, b) => a + b, 0) / ys.length
  const dataExcursion = Math.max(...ys) - Math.min(...ys)
  const slope = lsSlope(ys)
  const slopeExcursion = Math.abs(slope) * (ys.length - 1)
  const attained =
    mean > 0 && dataExcursion <= PTS_DATA_LIMIT * mean && slopeExcursion <= PTS_SLOPE_LIMIT * mean
  return { attained, mean, dataExcursion, slopeExcursion, slope }
}

/** The samples of a run as they come, and the verdict after each (the detector a run consults). */
export class SteadyStateDetector {
  readonly iops: number[] = []
  readonly bw: number[] = []
  attained = false
  /** PTS: ran out of rounds without attaining. */
  exhausted = false
  private last: WindowCheck | PtsCheck | null = null
  /** 1-based number of the first sample of the window that decided (or the last window checked). */
  private windowStart = 0

  constructor(readonly spec: SteadyStateSpec) {}

  /** One interval's IOPS and bytes/s; true when the run should stop now (attained, or PTS gave up). */
  add(iops: number, bw: number): boolean {
    if (this.attained || this.exhausted) return true
    this.iops.push(iops)
    this.bw.push(bw)
    const ys = this.spec.metric === 'iops' ? this.iops : this.bw
    const n = this.spec.window
    if (ys.length >= n) {
      const win = ys.slice(-n)
      this.windowStart = ys.length - n + 1
      this.last = this.spec.mode === 'pts' ? ptsWindowCheck(win) : fioWindowCheck(win, this.spec)
      this.attained = this.last.attained
    }
    if (!this.attained && this.spec.mode === 'pts' && ys.length >= this.spec.maxRounds) this.exhausted = true
    return this.attained || this.exhausted
  }

  /** fio's `steadystate` JSON object (stat.c), plus `pts` for the PTS rule. */
  report(): Record<string, unknown> {
    const s = this.spec
    const n = s.window
    // fio prints the window in time order, padded with the zeros of its unfilled buffer.
    const tail = (xs: number[]) => {
      const w = xs.slice(-n).map(Math.round)
      while (w.length < n) w.push(0)
      return w
    }
    const iops = tail(this.iops)
    const bw = tail(this.bw)
    // fio prints the limit and the criterion through a C float
    const f = (x: number) => Math.fround(x).toFixed(6)
    const name =
      s.mode === 'pts'
        ? `pts:${s.metric}`
        : `${s.metric}${s.slope ? '_slope' : ''}:${f(s.limit)}${s.pct ? '%' : ''}`
    const last = this.last
    let criterion = 0
    let deviation = 0
    let slope = 0
    if (last && 'criterion' in last) {
      criterion = last.criterion
      deviation = last.deviation
      slope = last.slope
    } else if (last) {
      criterion = last.mean > 0 ? (100 * last.dataExcursion) / last.mean : 0
      const ys = (s.metric === 'iops' ? this.iops : this.bw).slice(-n)
      deviation = Math.max(...ys.map((y) => Math.abs(y - last.mean)))
      slope = last.slope
    }
    const out: Record<string, unknown> = {
      ss: name,
      duration: Math.round((n * s.intervalNs) / 1e9),
      attained: this.attained ? 1 : 0,
      criterion: `${f(criterion)}${s.pct ? '%' : ''}`,
      max_deviation: deviation,
      slope,
      data: {
        bw_mean: Math.floor(bw.reduce((a, b) => a + b, 0) / n),
        iops_mean: Math.floor(iops.reduce((a, b) => a + b, 0) / n),
        iops,
        bw,
      },
    }
    if (s.mode === 'pts') {
      const rounds = s.metric === 'iops' ? this.iops : this.bw
      const p = last as PtsCheck | null
      out.pts = {
        metric: s.metric,
        round_ms: s.intervalNs / 1e6,
        rounds: rounds.length,
        max_rounds: s.maxRounds,
        values: rounds.map((v) => Number(v.toFixed(3))),
        window: p ? { first: this.windowStart, last: this.windowStart + n - 1 } : null,
        window_mean: p?.mean ?? 0,
        data_excursion: p?.dataExcursion ?? 0,
        data_excursion_limit: p ? PTS_DATA_LIMIT * p.mean : 0,
        slope_excursion: p?.slopeExcursion ?? 0,
        slope_excursion_limit: p ? PTS_SLOPE_LIMIT * p.mean : 0,
        attained: this.attained,
      }
    }
    return out
  }
}
