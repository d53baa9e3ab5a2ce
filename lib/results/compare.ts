// `rawio compare A B`: job by job and direction by direction, IOPS, bandwidth, mean and tail
// latency, the change in percent, and whether it is beyond the noise (significance.ts). A
// regression is a change for the worse larger than the threshold that the test does not put
// down to noise (or that no test can judge: then the threshold alone decides, and the row
// says "untested"). Pure.
import { bytesIec, count, duration } from '../bench/format'
import {
  active,
  type DirView,
  type JobView,
  type ResultDirection,
  type RunView,
  resultDirections,
} from './model'
import { mannWhitney, type TestResult, welch } from './significance'

export type Metric = 'iops' | 'bw' | 'lat_mean' | 'lat_p50' | 'lat_p99' | 'lat_p99.9'
export const metrics: readonly Metric[] = ['iops', 'bw', 'lat_mean', 'lat_p50', 'lat_p99', 'lat_p99.9']
const higherIsBetter: Record<Metric, boolean> = {
  iops: true,
  bw: true,
  lat_mean: false,
  lat_p50: false,
  lat_p99: false,
  'lat_p99.9': false,
}

export type Verdict = 'regression' | 'improvement' | 'noise' | 'below-threshold' | 'same'

export interface CompareRow {
  job: string
  dir: ResultDirection
  metric: Metric
  a: number
  b: number
  /** (b - a) / a in percent. */
  changePct: number
  test: TestResult | null
  verdict: Verdict
}

export interface CompareOptions {
  /** Percent; default 5. */
  thresholdPct?: number
  /** Significance level; default 0.05. */
  alpha?: number
}

export interface Comparison {
  a: string
  b: string
  thresholdPct: number
  alpha: number
  rows: CompareRow[]
  /** Jobs present on one side only. */
  unmatched: string[]
  regressions: CompareRow[]
  improvements: CompareRow[]
}

function percentile(d: DirView, p: number): number | undefined {
  return d.lat.percentiles.find((x) => Math.abs(x.p - p) < 1e-6)?.ns
}

function value(d: DirView, m: Metric): number | undefined {
  switch (m) {
    case 'iops':
      return d.iops
    case 'bw':
      return d.bwBytes
    case 'lat_mean':
      return d.lat.meanNs
    case 'lat_p50':
      return percentile(d, 50)
    case 'lat_p99':
      return percentile(d, 99)
    case 'lat_p99.9':
      return percentile(d, 99.9)
  }
}

/**
 * Fewer samples than this on a side and no test can reach a significance of 0.05 (the smallest
 * two-sided Mann-Whitney p with 3 and 3 is 0.1): the threshold alone decides then.
 */
export const minSamples = 4

/** Per-interval samples of a metric, when the result has enough of them. */
function samples(job: JobView, dir: ResultDirection, m: Metric): number[] | undefined {
  const s = job.series
  if (!s) return undefined
  const list =
    m === 'iops'
      ? s.iops[dir]
      : m === 'bw'
        ? s.bwBytes[dir]
        : m === 'lat_mean'
          ? s.latMeanNs?.[dir]
          : undefined
  return list && list.length >= minSamples ? list : undefined
}

function testOf(
  ja: JobView,
  jb: JobView,
  da: DirView,
  db: DirView,
  dir: ResultDirection,
  m: Metric,
): TestResult | null {
  const sa = samples(ja, dir, m)
  const sb = samples(jb, dir, m)
  if (sa && sb) return mannWhitney(sa, sb)
  const fa = da.iopsSamples
  const fb = db.iopsSamples
  if (m === 'iops' && fa && fb && fa.n >= minSamples && fb.n >= minSamples) return welch(fa, fb)
  return null
}

function pairJobs(a: RunView, b: RunView): { pairs: Array<[JobView, JobView]>; unmatched: string[] } {
  const key = (j: JobView) => (j.hostname ? `${j.name}@${j.hostname}` : j.name)
  if (a.jobs.length === 1 && b.jobs.length === 1) return { pairs: [[a.jobs[0], b.jobs[0]]], unmatched: [] }
  const pairs: Array<[JobView, JobView]> = []
  const unmatched: string[] = []
  const used = new Set<JobView>()
  for (const ja of a.jobs) {
    const jb = b.jobs.find((j) => !used.has(j) && key(j) === key(ja))
    if (jb) {
      used.add(jb)
      pairs.push([ja, jb])
    } else unmatched.push(`${key(ja)} (only in ${a.label})`)
  }
  for (const jb of b.jobs) if (!used.has(jb)) unmatched.push(`${key(jb)} (only in ${b.label})`)
  return { pairs, unmatched }
}

export function compareRuns(a: RunView, b: RunView, opts: CompareOptions = {}): Comparison {
  const thresholdPct = opts.thresholdPct ?? 5
  const alpha = opts.alpha ?? 0.05
  const { pairs, unmatched } = pairJobs(a, b)
  const rows: CompareRow[] = []
  for (const [ja, jb] of pairs) {
    const name = ja.name === jb.name ? ja.name : `${ja.name} / ${jb.name}`
    for (const dir of resultDirections) {
      const da = ja.dirs[dir]
      const db = jb.dirs[dir]
      if (!active(da) || !active(db)) continue
      for (const m of metrics) {
        const va = value(da, m)
        const vb = value(db, m)
        if (va === undefined || vb === undefined) continue
        const changePct = va === 0 ? (vb === 0 ? 0 : Number.POSITIVE_INFINITY) : ((vb - va) / va) * 100
        const test = testOf(ja, jb, da, db, dir, m)
        rows.push({
          job: name,
          dir,
          metric: m,
          a: va,
          b: vb,
          changePct,
          test,
          verdict: judge(m, changePct, test, thresholdPct, alpha),
        })
      }
    }
  }
  return {
    a: a.label,
    b: b.label,
    thresholdPct,
    alpha,
    rows,
    unmatched,
    regressions: rows.filter((r) => r.verdict === 'regression'),
    improvements: rows.filter((r) => r.verdict === 'improvement'),
  }
}

function judge(
  m: Metric,
  changePct: number,
  test: TestResult | null,
  thresholdPct: number,
  alpha: number,
): Verdict {
  if (changePct === 0) return 'same'
  if (Math.abs(changePct) <= thresholdPct) return 'below-threshold'
  if (test && test.p >= alpha) return 'noise'
  const better = higherIsBetter[m] ? changePct > 0 : changePct < 0
  return better ? 'improvement' : 'regression'
}

const metricLabel: Record<Metric, string> = {
  iops: 'IOPS',
  bw: 'bandwidth',
  lat_mean: 'lat mean',
  lat_p50: 'lat p50',
  lat_p99: 'lat p99',
  'lat_p99.9': 'lat p99.9',
}

export function formatMetric(m: Metric, v: number): string {
  if (m === 'iops') return count(v)
  if (m === 'bw') return `${bytesIec(v)}/s`
  return duration(v)
}

function pct(v: number): string {
  if (!Number.isFinite(v)) return 'new'
  return `${v >= 0 ? '+' : ''}${v.toFixed(1)}%`
}

function pText(t: TestResult | null): string {
  if (!t) return 'untested'
  const p = t.p < 0.0001 ? '<0.0001' : t.p.toFixed(4)
  return `${t.test === 'mann-whitney' ? 'U' : 't'} p=${p}`
}

/** The table and the one-line verdict. */
export function formatComparison(c: Comparison): string {
  const head = ['job', 'dir', 'metric', c.a, c.b, 'change', 'test', 'verdict']
  const body = c.rows.map((r) => [
    r.job,
    r.dir,
    metricLabel[r.metric],
    formatMetric(r.metric, r.a),
    formatMetric(r.metric, r.b),
    pct(r.changePct),
    pText(r.test),
    r.verdict,
  ])
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)))
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i >= 3 && i <= 5 ? cell.padStart(widths[i]) : cell.padEnd(widths[i])))
      .join('  ')
      .trimEnd()
  const out = [line(head), ...body.map(line)]
  for (const u of c.unmatched) out.push(`not compared: ${u}`)
  out.push(verdictLine(c))
  return `${out.join('\n')}\n`
}

export function verdictLine(c: Comparison): string {
  const describe = (r: CompareRow) => `${r.job} ${r.dir} ${metricLabel[r.metric]} ${pct(r.changePct)}`
  if (c.rows.length === 0) return 'verdict: nothing to compare (no job and direction in common)'
  if (c.regressions.length > 0)
    return `verdict: REGRESSION beyond ${c.thresholdPct}%: ${c.regressions.map(describe).join(', ')}`
  if (c.improvements.length > 0)
    return `verdict: no regression beyond ${c.thresholdPct}%; improved: ${c.improvements.map(describe).join(', ')}`
  return `verdict: no change beyond ${c.thresholdPct}% and the noise`
}
