// `rawio report`: one self-contained HTML page (no scripts, fonts or requests: inline CSS and
// SVG only) for one or more results. Per job and direction: IOPS, bandwidth and mean latency
// over time, the latency histogram on a log axis, the percentile curve, each followed by a
// table of the same figures; CPU, the job's options, the target's geometry, steady state and
// verification when the result has them. Several results overlay on the same axes. Pure.
import { bytesIec, count, duration } from '../bench/format'
import { type Comparison, formatMetric } from '../results/compare'
import {
  active,
  type DirView,
  type JobView,
  type ResultDirection,
  type RunView,
  resultDirections,
} from '../results/model'
import { escapeHtml as esc } from './escape'
import { chartSvg, legendHtml } from './svg-chart'

export interface ReportOptions {
  title?: string
  /** Shown first: a `rawio compare` result. */
  comparison?: Comparison
  /** The generation time printed in the page (tests pass a fixed one). */
  now?: Date
}

const BINS_PER_DECADE = 10

/** The histogram regrouped into 10 log-spaced bins per decade: [bin centre ns, % of requests]. */
export function histogramPoints(bins: ReadonlyArray<[number, number]>): Array<[number, number]> {
  const total = bins.reduce((a, [, n]) => a + n, 0)
  if (total === 0) return []
  const groups = new Map<number, number>()
  for (const [ns, n] of bins) {
    if (n === 0) continue
    const g = Math.floor(Math.log10(Math.max(ns, 1)) * BINS_PER_DECADE)
    groups.set(g, (groups.get(g) ?? 0) + n)
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([g, n]) => [10 ** ((g + 0.5) / BINS_PER_DECADE), (n / total) * 100])
}

/** Per-interval points [seconds since start, value]. */
export function seriesPoints(values: readonly number[], intervalNs: number): Array<[number, number]> {
  return values.map((v, i) => [((i + 1) * intervalNs) / 1e9, v])
}

const fmtNs = (v: number) => duration(v)
const fmtPct = (v: number) => `${Number(v.toPrecision(3))}%`
const fmtSec = (v: number) => `${Number(v.toPrecision(4))}s`
const fmtP = (v: number) => `p${v}`

function table(caption: string, head: string[], rows: string[][]): string {
  const th = head.map((h) => `<th scope="col">${esc(h)}</th>`).join('')
  const body = rows.map(
    (r) =>
      `<tr>${r.map((c, i) => (i === 0 ? `<th scope="row">${esc(c)}</th>` : `<td>${esc(c)}</td>`)).join('')}</tr>`,
  )
  return `<table><caption>${esc(caption)}</caption><thead><tr>${th}</tr></thead><tbody>${body.join('')}</tbody></table>`
}

interface Entry {
  run: RunView
  job: JobView
}

function figure(id: string, caption: string, chart: string, names: string[], data: string): string {
  return `<figure aria-labelledby="${id}-cap"><figcaption id="${id}-cap">${esc(caption)}</figcaption>${legendHtml(names)}${chart}<details><summary>The figures as a table</summary>${data}</details></figure>`
}

function timeChart(
  id: string,
  title: string,
  yLabel: string,
  entries: Entry[],
  dir: ResultDirection,
  pick: (j: JobView) => number[] | undefined,
  fy: (v: number) => string,
): string {
  const with_ = entries.flatMap((e) => {
    const v = pick(e.job)
    return v && v.length > 0 && e.job.series
      ? [{ name: e.run.label, v, interval: e.job.series.intervalNs }]
      : []
  })
  if (with_.length === 0) return ''
  const series = with_.map((w) => ({ name: w.name, points: seriesPoints(w.v, w.interval) }))
  const len = Math.max(...series.map((s) => s.points.length))
  const rows: string[][] = []
  for (let i = 0; i < len; i++) {
    const t = series.find((s) => s.points[i])?.points[i][0] ?? 0
    rows.push([fmtSec(t), ...series.map((s) => (s.points[i] ? fy(s.points[i][1]) : ''))])
  }
  const svg = chartSvg({ id, title, xLabel: 'time (s)', yLabel, series, xFormat: fmtSec, yFormat: fy })
  return figure(
    id,
    `${title} (${dir})`,
    svg,
    series.map((s) => s.name),
    table(`${title} (${dir}), per interval`, ['time', ...series.map((s) => s.name)], rows),
  )
}

function histogramChart(id: string, entries: Array<Entry & { d: DirView }>, dir: ResultDirection): string {
  const with_ = entries.filter((e) => e.d.lat.bins && e.d.lat.bins.length > 0)
  if (with_.length === 0) return ''
  const series = with_.map((e) => ({ name: e.run.label, points: histogramPoints(e.d.lat.bins ?? []) }))
  const keys = [...new Set(series.flatMap((s) => s.points.map(([x]) => x)))].sort((a, b) => a - b)
  const rows = keys.map((k) => [
    fmtNs(k),
    ...series.map((s) => {
      const p = s.points.find(([x]) => x === k)
      return p ? fmtPct(p[1]) : ''
    }),
  ])
  const svg = chartSvg({
    id,
    title: 'Latency histogram',
    xLabel: 'latency (log scale)',
    yLabel: '% of requests',
    xScale: 'log',
    series,
    xFormat: fmtNs,
    yFormat: fmtPct,
  })
  return figure(
    id,
    `Latency histogram (${dir}, ${with_[0].d.latKind})`,
    svg,
    series.map((s) => s.name),
    table(
      `Latency histogram (${dir}): share of requests per bin (10 bins per decade)`,
      ['latency', ...series.map((s) => s.name)],
      rows,
    ),
  )
}

function percentileChart(id: string, entries: Array<Entry & { d: DirView }>, dir: ResultDirection): string {
  const with_ = entries.filter((e) => e.d.lat.percentiles.length > 0)
  if (with_.length === 0) return ''
  const series = with_.map((e) => ({
    name: e.run.label,
    points: e.d.lat.percentiles.map((p): [number, number] => [p.p, p.ns]),
  }))
  const ps = [...new Set(series.flatMap((s) => s.points.map(([p]) => p)))].sort((a, b) => a - b)
  const rows = ps.map((p) => [
    fmtP(p),
    ...series.map((s) => {
      const v = s.points.find(([x]) => x === p)
      return v ? fmtNs(v[1]) : ''
    }),
  ])
  const svg = chartSvg({
    id,
    title: 'Latency percentiles',
    xLabel: 'percentile',
    yLabel: 'latency (log scale)',
    xScale: 'nines',
    yScale: 'log',
    series,
    xFormat: fmtP,
    yFormat: fmtNs,
  })
  return figure(
    id,
    `Latency percentiles (${dir})`,
    svg,
    series.map((s) => s.name),
    table(`Latency percentiles (${dir})`, ['percentile', ...series.map((s) => s.name)], rows),
  )
}

function summaryTable(entries: Array<Entry & { d: DirView }>, dir: ResultDirection): string {
  const rows = entries.map(({ run, d }) => [
    run.label,
    count(d.iops),
    `${bytesIec(d.bwBytes)}/s`,
    String(d.ios),
    bytesIec(d.bytes),
    fmtNs(d.lat.minNs),
    fmtNs(d.lat.meanNs),
    fmtNs(d.lat.maxNs),
    fmtNs(d.lat.stddevNs),
    d.latKind,
  ])
  return table(
    `Summary (${dir})`,
    [
      'result',
      'IOPS',
      'bandwidth',
      'requests',
      'bytes',
      'lat min',
      'lat mean',
      'lat max',
      'lat stddev',
      'latency measured',
    ],
    rows,
  )
}

function kvTable(
  caption: string,
  entries: Entry[],
  pick: (j: JobView) => Record<string, unknown> | undefined,
): string {
  const objs = entries.map((e) => ({ label: e.run.label, o: pick(e.job) }))
  if (!objs.some((x) => x.o)) return ''
  const keys = [...new Set(objs.flatMap((x) => (x.o ? Object.keys(x.o) : [])))]
  const show = (v: unknown) => (v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v))
  return table(
    caption,
    ['', ...objs.map((x) => x.label)],
    keys.map((k) => [k, ...objs.map((x) => show(x.o?.[k]))]),
  )
}

function jobSection(entries: Entry[], index: number): string {
  const name = [
    ...new Set(entries.map((e) => (e.job.hostname ? `${e.job.name} @ ${e.job.hostname}` : e.job.name))),
  ].join(' / ')
  const out: string[] = [`<section aria-labelledby="job${index}"><h2 id="job${index}">Job: ${esc(name)}</h2>`]
  for (const dir of resultDirections) {
    const withDir = entries.flatMap((e) =>
      active(e.job.dirs[dir]) ? [{ ...e, d: e.job.dirs[dir] as DirView }] : [],
    )
    if (withDir.length === 0) continue
    const id = `j${index}-${dir}`
    out.push(`<section aria-labelledby="${id}"><h3 id="${id}">${dir}</h3>`, summaryTable(withDir, dir))
    out.push(
      timeChart(`${id}-iops`, 'IOPS over time', 'IOPS', entries, dir, (j) => j.series?.iops[dir], count),
      timeChart(
        `${id}-bw`,
        'Bandwidth over time',
        'MiB/s',
        entries,
        dir,
        (j) => j.series?.bwBytes[dir]?.map((v) => v / 2 ** 20),
        (v) => `${Number(v.toPrecision(4))} MiB/s`,
      ),
      timeChart(
        `${id}-lat`,
        'Mean latency over time',
        'mean latency',
        entries,
        dir,
        (j) => j.series?.latMeanNs?.[dir],
        fmtNs,
      ),
      histogramChart(`${id}-hist`, withDir, dir),
      percentileChart(`${id}-pct`, withDir, dir),
      '</section>',
    )
  }
  out.push('<section><h3>Run details</h3>')
  out.push(
    kvTable('CPU', entries, (j) =>
      j.cpu
        ? {
            'usr %': j.cpu.usrPercent.toFixed(2),
            'sys %': j.cpu.sysPercent.toFixed(2),
            'context switches': j.cpu.ctx,
          }
        : undefined,
    ),
    kvTable('Job options', entries, (j) => j.options),
    kvTable('Target geometry', entries, (j) => j.geometry),
    kvTable('Steady state', entries, (j) => j.steadystate),
    kvTable('Verification', entries, (j) => j.verify),
    '</section></section>',
  )
  return out.join('')
}

function comparisonSection(c: Comparison): string {
  const rows = c.rows.map((r) => [
    `${r.job} ${r.dir}`,
    r.metric,
    formatMetric(r.metric, r.a),
    formatMetric(r.metric, r.b),
    Number.isFinite(r.changePct) ? `${r.changePct >= 0 ? '+' : ''}${r.changePct.toFixed(1)}%` : 'new',
    r.test ? `${r.test.test} p=${r.test.p.toPrecision(3)}` : 'untested',
    r.verdict,
  ])
  return `<section aria-labelledby="cmp"><h2 id="cmp">Comparison: ${esc(c.a)} vs ${esc(c.b)}</h2>${table(
    `Changes beyond ${c.thresholdPct}% and significance level ${c.alpha}`,
    ['job', 'metric', c.a, c.b, 'change', 'test', 'verdict'],
    rows,
  )}</section>`
}

const css = `
body{font:14px/1.4 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:24px auto;max-width:980px;color:#111;padding:0 12px}
h1{font-size:22px}h2{font-size:18px;border-bottom:1px solid #ccc;padding-bottom:4px;margin-top:32px}h3{font-size:15px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:12px}caption{text-align:left;font-weight:600;padding:2px 0}
th,td{border:1px solid #ccc;padding:2px 6px;text-align:right}th[scope=row],thead th{text-align:left;background:#f4f4f4}
figure{margin:12px 0 24px;break-inside:avoid}figcaption{font-weight:600}
.chart{width:100%;height:auto;max-width:720px;display:block}
.chart .grid line{stroke:#e3e3e3}.chart .frame{fill:none;stroke:#888}.chart text{font-size:11px;fill:#333}
.legend{list-style:none;padding:0;margin:4px 0;display:flex;flex-wrap:wrap;gap:12px}.legend li{display:flex;align-items:center;gap:4px}
figure table{max-height:none}
@media print{body{margin:0;max-width:none}figure,table{break-inside:avoid}h2{break-before:auto}}
`

export function reportHtml(runs: readonly RunView[], opts: ReportOptions = {}): string {
  const title = opts.title ?? 'rawio benchmark report'
  const when = (opts.now ?? new Date()).toISOString()
  const list = runs.map((r) => [
    r.label,
    r.tool,
    r.hostname ?? '',
    r.startedAtMs !== undefined ? new Date(r.startedAtMs).toISOString() : '',
    String(r.jobs.length),
  ])
  const jobs = Math.max(0, ...runs.map((r) => r.jobs.length))
  const sections: string[] = []
  for (let i = 0; i < jobs; i++)
    sections.push(
      jobSection(
        runs.flatMap((run) => (run.jobs[i] ? [{ run, job: run.jobs[i] }] : [])),
        i,
      ),
    )
  return [
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">',
    '<meta name="viewport" content="width=device-width, initial-scale=1">',
    `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">`,
    `<title>${esc(title)}</title><style>${css}</style></head><body><main>`,
    `<h1>${esc(title)}</h1><p>Written by rawio on ${esc(when)}.</p>`,
    table('Results', ['result', 'tool', 'host', 'started', 'jobs'], list),
    opts.comparison ? comparisonSection(opts.comparison) : '',
    ...sections,
    '</main></body></html>\n',
  ].join('')
}
