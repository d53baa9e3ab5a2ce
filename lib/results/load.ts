// Reads a result file into a RunView: rawio's own JSON (schema rawio-bench/1), fio's JSON or
// json+ (from fio or from rawio), or fio's client_stats shape. Anything else is a UsageError
// that names the file and what was expected.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { UsageError } from '../errors'
import type { DirView, JobView, LatencyView, ResultDirection, RunView, SeriesView } from './model'
import { resultDirections } from './model'

type Json = Record<string, unknown>

const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

/** Parses and converts one file; `label` defaults to the file's name. */
export function loadResult(path: string, label = basename(path)): RunView {
  return toRunView(readResultJson(path), label, path)
}

/** A result file's JSON; a UsageError naming the file when it cannot be read or parsed. */
export function readResultJson(path: string): unknown {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new UsageError(`${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`)
  }
  // fio may print lines before its JSON (warnings it could not route elsewhere): start at the first '{'.
  const start = text.indexOf('{')
  let doc: unknown
  try {
    doc = JSON.parse(start > 0 ? text.slice(start) : text)
  } catch (e) {
    throw new UsageError(`${path}: not JSON (${(e as Error).message})`)
  }
  return doc
}

export function toRunView(doc: unknown, label: string, where = label): RunView {
  if (!isObj(doc)) throw new UsageError(`${where}: not a benchmark result (expected a JSON object)`)
  if (doc.schema === 'rawio-bench/1') return fromRawio(doc, label)
  if (typeof doc['fio version'] === 'string') return fromFio(doc, label)
  throw new UsageError(
    `${where}: not a benchmark result (expected rawio's JSON, schema rawio-bench/1, or fio's JSON with "fio version")`,
  )
}

function top(doc: Json, view: RunView): RunView {
  if (typeof doc.hostname === 'string') view.hostname = doc.hostname
  if (typeof doc.start_at_ms === 'number') view.startAtMs = doc.start_at_ms
  if (typeof doc.started_at_ms === 'number') view.startedAtMs = doc.started_at_ms
  return view
}

// ---- rawio-bench/1 ----

function rawioLat(l: Json, hist: unknown): LatencyView {
  const view: LatencyView = {
    minNs: num(l.minNs),
    maxNs: num(l.maxNs),
    meanNs: num(l.meanNs),
    stddevNs: num(l.stddevNs),
    percentiles: Array.isArray(l.percentiles)
      ? l.percentiles.filter(isObj).map((p) => ({ p: num(p.p), ns: num(p.ns) }))
      : [],
  }
  if (Array.isArray(hist))
    view.bins = hist
      .filter((b): b is [number, number, number] => Array.isArray(b) && b.length === 3)
      .map(([low, high, n]) => [high - low <= 1 ? low : (low + high - 1) / 2, n])
  return view
}

function rawioDir(d: unknown): DirView | undefined {
  if (!isObj(d) || num(d.ios) === 0) return undefined
  return {
    ios: num(d.ios),
    bytes: num(d.bytes),
    iops: num(d.iops),
    bwBytes: num(d.bytesPerSec),
    latKind: 'submit-to-completion',
    lat: rawioLat(isObj(d.lat) ? d.lat : {}, d.histogram),
  }
}

function rawioSeries(ts: unknown): SeriesView | undefined {
  if (!isObj(ts)) return undefined
  const intervalNs = num(ts.intervalNs) || 1e9
  const series: SeriesView = { intervalNs, iops: {}, bwBytes: {} }
  const lastNs = num(ts.lastIntervalNs) || intervalNs
  for (const d of resultDirections) {
    const s = ts[d]
    if (!isObj(s) || !Array.isArray(s.iops) || !s.iops.some((n) => num(n) > 0)) continue
    // Counts per interval become rates; the last interval may be shorter than the others.
    // A last interval shorter than half the others is left out: a rate over a sliver is noise.
    const rate = (list: unknown[]) =>
      list
        .slice(0, lastNs < intervalNs / 2 && list.length > 1 ? -1 : undefined)
        .map((n, i) => num(n) / ((i === list.length - 1 ? lastNs : intervalNs) / 1e9))
    series.iops[d] = rate(s.iops)
    series.bwBytes[d] = rate(Array.isArray(s.bytes) ? s.bytes : [])
    if (Array.isArray(s.latMeanNs))
      (series.latMeanNs ??= {})[d] = s.latMeanNs.slice(0, series.iops[d]?.length ?? 0).map(num)
  }
  return series
}

function optionsOf(job: unknown): Record<string, string> {
  const out: Record<string, string> = {}
  if (isObj(job))
    for (const [k, v] of Object.entries(job)) out[k] = Array.isArray(v) ? JSON.stringify(v) : String(v)
  return out
}

function fromRawio(doc: Json, label: string): RunView {
  const dirs: JobView['dirs'] = {}
  for (const d of resultDirections) {
    const v = rawioDir(doc[d])
    if (v) dirs[d] = v
  }
  const cpu = isObj(doc.cpu) ? doc.cpu : {}
  const target = isObj(doc.target) ? doc.target : {}
  const job: JobView = {
    name: typeof doc.name === 'string' ? doc.name : 'bench',
    options: optionsOf(doc.job),
    dirs,
    cpu: {
      usrPercent: num(cpu.usrPercent),
      sysPercent: num(cpu.sysPercent),
      ctx: num(cpu.ctxVoluntary) + num(cpu.ctxInvoluntary),
    },
    series: rawioSeries(doc.timeSeries),
  }
  if (isObj(target.geometry)) job.geometry = target.geometry as JobView['geometry']
  if (isObj(doc.verify)) job.verify = doc.verify
  // rawio's JSON names it steadyState; fio's job object steadystate.
  const ss = doc.steadyState ?? doc.steadystate
  if (isObj(ss)) job.steadystate = ss
  return top(doc, { label, tool: `rawio ${String(doc.rawioVersion ?? '')}`.trim(), jobs: [job] })
}

// ---- fio's JSON ----

/** fio's percentile keys are "99.000000"; its bins are {"ns": count}. */
function fioLat(l: Json): LatencyView {
  const pct = isObj(l.percentile) ? l.percentile : {}
  const view: LatencyView = {
    minNs: num(l.min),
    maxNs: num(l.max),
    meanNs: num(l.mean),
    stddevNs: num(l.stddev),
    percentiles: Object.entries(pct)
      .map(([p, ns]) => ({ p: Number(p), ns: num(ns) }))
      .filter((p) => Number.isFinite(p.p))
      .sort((a, b) => a.p - b.p),
  }
  if (isObj(l.bins))
    view.bins = Object.entries(l.bins)
      .map(([ns, n]): [number, number] => [Number(ns), num(n)])
      .filter(([ns]) => Number.isFinite(ns))
      .sort((a, b) => a[0] - b[0])
  return view
}

function fioDir(d: unknown): DirView | undefined {
  if (!isObj(d) || num(d.total_ios) === 0) return undefined
  const lat = isObj(d.lat_ns) ? d.lat_ns : {}
  const clat = isObj(d.clat_ns) ? d.clat_ns : {}
  // Prefer total latency (submission to completion, what rawio measures) when fio has it with
  // percentiles; else completion latency, which fio measures by default.
  const useLat = num(lat.N) > 0 && (isObj(lat.percentile) || !isObj(clat.percentile))
  const view: DirView = {
    ios: num(d.total_ios),
    bytes: num(d.io_bytes),
    iops: num(d.iops),
    bwBytes: num(d.bw_bytes),
    latKind: useLat ? 'lat' : 'clat',
    lat: fioLat(useLat ? lat : clat),
  }
  if (num(d.iops_samples) > 0)
    view.iopsSamples = { mean: num(d.iops_mean), stddev: num(d.iops_stddev), n: num(d.iops_samples) }
  return view
}

function fioJob(j: Json): JobView {
  const dirs: JobView['dirs'] = {}
  for (const d of resultDirections) {
    const v = fioDir(j[d])
    if (v) dirs[d as ResultDirection] = v
  }
  const job: JobView = {
    name: typeof j.jobname === 'string' ? j.jobname : 'job',
    options: isObj(j['job options']) ? optionsOf(j['job options']) : {},
    dirs,
    cpu: { usrPercent: num(j.usr_cpu), sysPercent: num(j.sys_cpu), ctx: num(j.ctx) },
  }
  if (typeof j.hostname === 'string') job.hostname = j.hostname
  if (isObj(j.steadystate)) job.steadystate = j.steadystate
  if (isObj(j.rawio)) {
    const ext = j.rawio
    const series = rawioSeries(ext.timeSeries)
    if (series) job.series = series
    if (isObj(ext.geometry)) job.geometry = ext.geometry as JobView['geometry']
    if (isObj(ext.verify)) job.verify = ext.verify
  }
  return job
}

function fromFio(doc: Json, label: string): RunView {
  const list = Array.isArray(doc.client_stats) ? doc.client_stats : Array.isArray(doc.jobs) ? doc.jobs : []
  const jobs = list.filter(isObj).map(fioJob)
  return top(doc, { label, tool: String(doc['fio version']), jobs })
}
