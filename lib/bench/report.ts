// rawio's reporters, one class per format: human (summary, percentile table, a small latency
// histogram, IOPS over time), rawio-json (the BenchResult itself, schema rawio-bench/1) and
// rawio-csv / -C (one CSV line; the fields are csvFields, listed in docs/bench.md). fio's
// formats (json, json+, terse) are fio-json.ts and fio-terse.ts; report-set.ts runs them all.
import { bytesIec, bytesSi, count, duration, inUnit, latencyUnit } from './format'
import type { BenchResult, SyncSummary, VerifySummary } from './result'
import { type DirSummary, directions, latencyBins } from './stats'

export interface BenchReporter {
  format(result: BenchResult): string
}

const BAR = 40

function percentileTable(d: DirSummary | SyncSummary, indent: string): string[] {
  const unit = latencyUnit(Math.max(...d.lat.percentiles.map((p) => p.ns)))
  const cells = d.lat.percentiles.map((p) => {
    const label = `${p.p.toFixed(2).padStart(5)}th`
    return `${label}=[${inUnit(p.ns, unit, 0).padStart(5)}]`
  })
  const lines = [`${indent}lat percentiles (${unit}):`]
  for (let i = 0; i < cells.length; i += 4)
    lines.push(`${indent} | ${cells.slice(i, i + 4).join(', ')}${i + 4 < cells.length ? ',' : ''}`)
  return lines
}

function latencyLine(d: DirSummary | SyncSummary, indent: string): string {
  const unit = latencyUnit(d.lat.maxNs)
  const l = d.lat
  return `${indent}lat (${unit}): min=${inUnit(l.minNs, unit)}, max=${inUnit(l.maxNs, unit)}, avg=${inUnit(l.meanNs, unit)}, stdev=${inUnit(l.stddevNs, unit)}`
}

function histogramLines(d: DirSummary, indent: string): string[] {
  const bins = latencyBins(d.histogram, 10)
  if (bins.length === 0) return []
  const lines = [`${indent}lat histogram:`]
  for (const b of bins) {
    const range =
      b.lowNs === 0
        ? `< ${duration(b.highNs)}`
        : b.highNs === Number.POSITIVE_INFINITY
          ? `>= ${duration(b.lowNs)}`
          : `${duration(b.lowNs)} - ${duration(b.highNs)}`
    const bar = '#'.repeat(Math.round(b.share * BAR))
    lines.push(
      `${indent}  ${range.padStart(17)} |${bar.padEnd(BAR)}| ${(b.share * 100).toFixed(2).padStart(6)}%`,
    )
  }
  return lines
}

function dirBlock(name: string, d: DirSummary, elapsedNs: number, indent: string, full: boolean): string[] {
  const bw = `BW=${bytesIec(d.bytesPerSec)}/s (${bytesSi(d.bytesPerSec)}/s)`
  const lines = [
    `${indent}${name}: IOPS=${count(d.iops)}, ${bw} (${bytesIec(d.bytes)}/${Math.round(elapsedNs / 1e6)}msec)`,
  ]
  lines.push(latencyLine(d, `${indent}  `))
  if (full) lines.push(...percentileTable(d, `${indent}  `), ...histogramLines(d, `${indent}  `))
  return lines
}

function verifyLine(v: VerifySummary, indent: string): string {
  const parts = [`${indent}verify: ${v.blocks} blocks checked, ${v.bad} bad`]
  if (v.firstBad) {
    const kinds = Object.entries(v.byKind)
      .filter(([, n]) => n > 0)
      .map(([k, n]) => `${k}=${n}`)
    parts.push(` (${kinds.join(' ')}; first at offset ${v.firstBad.offset}: ${v.firstBad.kind})`)
  }
  if (v.skipped) parts.push(`, ${v.skipped} skipped (not written by this run, or a write was in flight)`)
  return parts.join('')
}

function preconditionLine(p: NonNullable<BenchResult['precondition']>): string {
  return `  precondition: ${p.passes} sequential write pass(es), bs=${bytesIec(p.bs)}: ${bytesIec(p.bytes)} in ${duration(p.elapsedNs)}`
}

function steadyStateLines(ss: Record<string, unknown>): string[] {
  const pts = ss.pts as
    | {
        rounds: number
        window: { first: number; last: number } | null
        data_excursion: number
        data_excursion_limit: number
        slope_excursion: number
        slope_excursion_limit: number
        window_mean: number
      }
    | undefined
  const verdict = ss.attained ? 'attained' : 'not attained'
  if (!pts)
    return [`  steady state (${ss.ss}, ${ss.duration}s window): ${verdict}, criterion ${ss.criterion}`]
  const w = pts.window ? `rounds ${pts.window.first}-${pts.window.last}` : 'no full window'
  return [
    `  steady state (SNIA PTS, ${ss.ss}): ${verdict} after ${pts.rounds} round(s), window ${w}, mean ${count(pts.window_mean)}`,
    `    data excursion ${count(pts.data_excursion)} (limit ${count(pts.data_excursion_limit)}), slope excursion ${count(pts.slope_excursion)} (limit ${count(pts.slope_excursion_limit)})`,
  ]
}

export class HumanReport implements BenchReporter {
  format(r: BenchResult): string {
    const g = r.target.geometry
    const lines = [`${r.name}: ${r.label}`]
    lines.push(
      `  target: ${r.target.path} (${r.target.kind === 'block' ? 'block device' : 'file'}, ${bytesIec(g.size)}, logical block ${g.logicalBlockSize}, physical block ${g.physicalBlockSize})`,
    )
    for (const w of r.warnings) lines.push(`  note: ${w}`)
    if (r.stopped) lines.push('  stopped early: the figures cover the time run')
    for (const d of directions) if (r[d].ios > 0) lines.push(...dirBlock(d, r[d], r.elapsedNs, '  ', true))
    if (r.sync.ios > 0)
      lines.push(
        `  sync: ${r.sync.ios} calls`,
        latencyLine(r.sync, '    '),
        ...percentileTable(r.sync, '    '),
      )
    if (r.verify) lines.push(verifyLine(r.verify, '  '))
    if (r.precondition) lines.push(preconditionLine(r.precondition))
    if (r.steadyState) lines.push(...steadyStateLines(r.steadyState))
    for (const j of r.jobs) {
      const parts = directions
        .filter((d) => j[d].ios > 0)
        .map((d) => `${d} IOPS=${count(j[d].iops)} BW=${bytesIec(j[d].bytesPerSec)}/s`)
      lines.push(
        `  job ${j.index}: ${parts.join(', ')}, cpu usr=${j.cpu.usrPercent.toFixed(2)}% sys=${j.cpu.sysPercent.toFixed(2)}%`,
      )
    }
    const c = r.cpu
    lines.push(
      `  cpu: usr=${c.usrPercent.toFixed(2)}%, sys=${c.sysPercent.toFixed(2)}%, ctx=${c.ctxVoluntary + c.ctxInvoluntary}`,
    )
    const full = Math.floor(r.elapsedNs / r.timeSeries.intervalNs) // whole seconds only
    for (const d of directions) {
      const s = r.timeSeries[d].iops.slice(0, full)
      if (r[d].ios > 0 && s.length > 1) lines.push(`  ${d} IOPS per second: ${s.map(count).join(' ')}`)
    }
    return `${lines.join('\n')}\n`
  }
}

/** rawio's own schema (rawio-bench/1): --output-format=rawio-json. */
export class JsonReport implements BenchReporter {
  format(r: BenchResult): string {
    return `${JSON.stringify(r, (_k, v) => (v === Number.POSITIVE_INFINITY ? null : v), 2)}\n`
  }
}

const pct = (d: DirSummary, p: number) => d.lat.percentiles.find((x) => x.p === p)?.ns ?? 0
const dirFields = (d: 'read' | 'write' | 'trim'): Array<[string, (r: BenchResult) => string | number]> => [
  [`${d}_ios`, (r) => r[d].ios],
  [`${d}_bytes`, (r) => r[d].bytes],
  [`${d}_iops`, (r) => r[d].iops.toFixed(2)],
  [`${d}_bw_bytes`, (r) => r[d].bytesPerSec.toFixed(0)],
  [`${d}_lat_min_ns`, (r) => r[d].lat.minNs],
  [`${d}_lat_mean_ns`, (r) => r[d].lat.meanNs.toFixed(1)],
  [`${d}_lat_max_ns`, (r) => r[d].lat.maxNs],
  [`${d}_lat_stddev_ns`, (r) => r[d].lat.stddevNs.toFixed(1)],
  [`${d}_p50_ns`, (r) => pct(r[d], 50)],
  [`${d}_p99_ns`, (r) => pct(r[d], 99)],
  [`${d}_p99.9_ns`, (r) => pct(r[d], 99.9)],
]

/** The -C line, in this order. */
export const csvFields: Array<[string, (r: BenchResult) => string | number]> = [
  ['schema', (r) => r.schema],
  ['rawio_version', (r) => r.rawioVersion],
  ['target', (r) => r.target.path],
  ['rw', (r) => r.job.rw],
  ['bs', (r) => (typeof r.job.bs === 'number' ? r.job.bs : r.job.bs.map(([s, p]) => `${s}/${p}`).join(':'))],
  ['iodepth', (r) => r.job.iodepth],
  ['numjobs', (r) => r.job.numjobs],
  ['engine', (r) => r.engine],
  ['direct', (r) => (r.job.direct ? 1 : 0)],
  ['elapsed_ns', (r) => r.elapsedNs],
  ...dirFields('read'),
  ...dirFields('write'),
  ...dirFields('trim'),
  ['sync_ios', (r) => r.sync.ios],
  ['cpu_usr_pct', (r) => r.cpu.usrPercent.toFixed(2)],
  ['cpu_sys_pct', (r) => r.cpu.sysPercent.toFixed(2)],
  ['stopped', (r) => (r.stopped ? 1 : 0)],
  ['verify_blocks', (r) => r.verify?.blocks ?? ''],
  ['verify_bad', (r) => r.verify?.bad ?? ''],
]

function csvCell(v: string | number): string {
  const s = String(v)
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

export class CsvReport implements BenchReporter {
  format(r: BenchResult): string {
    return `${csvFields.map(([, f]) => csvCell(f(r))).join(',')}\n`
  }
}
