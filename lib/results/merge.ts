// `rawio merge`: per-host results (fio's JSON shape, from rawio or fio) into fio's client_stats
// shape, as `fio --client` writes it: one entry per job and host (with "hostname" and "port"),
// then an "All clients" entry whose IOPS, bandwidth and counts are sums and whose latency
// percentiles come from the merged histograms (json+ bins), never from averaged percentiles.
// Pure: the CLI reads the files and writes the output.
import { UsageError } from '../errors'

type Json = Record<string, unknown>
const isObj = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v)
const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0)

export interface HostResult {
  /** The host this result came from: its top-level "hostname", else a name from the file. */
  hostname: string
  doc: Json
}

const dirs = ['read', 'write', 'trim', 'sync'] as const
/** Fields that add up across hosts. */
const summed = [
  'io_bytes',
  'io_kbytes',
  'bw_bytes',
  'bw',
  'iops',
  'total_ios',
  'short_ios',
  'drop_ios',
] as const
const latKeys = ['slat_ns', 'clat_ns', 'lat_ns'] as const

/** fio's rule: the first bin whose cumulative count reaches p% of all, reported as that bin's value. */
export function binPercentiles(
  bins: Array<[number, number]>,
  list: readonly number[],
): Record<string, number> {
  const total = bins.reduce((a, [, n]) => a + n, 0)
  const out: Record<string, number> = {}
  if (total === 0) {
    for (const p of list) out[p.toFixed(6)] = 0
    return out
  }
  let cum = 0
  let i = 0
  for (const p of [...list].sort((a, b) => a - b)) {
    const need = Math.max(1, Math.ceil((p / 100) * total - 1e-9))
    while (i < bins.length - 1 && cum + bins[i][1] < need) cum += bins[i++][1]
    out[p.toFixed(6)] = bins[i][0]
  }
  return out
}

function mergeLat(parts: Json[], where: string, needBins: boolean): Json {
  const hit = parts.filter((l) => num(l.N) > 0)
  const n = hit.reduce((a, l) => a + num(l.N), 0)
  const out: Json = { min: 0, max: 0, mean: 0, stddev: 0, N: n }
  if (n === 0) return out
  const mean = hit.reduce((a, l) => a + num(l.mean) * num(l.N), 0) / n
  // Pooled variance: within-host variances plus the spread of the host means.
  const ss = hit.reduce((a, l) => {
    const k = num(l.N)
    return a + (k - 1) * num(l.stddev) ** 2 + k * (num(l.mean) - mean) ** 2
  }, 0)
  out.min = Math.min(...hit.map((l) => num(l.min)))
  out.max = Math.max(...hit.map((l) => num(l.max)))
  out.mean = mean
  out.stddev = n > 1 ? Math.sqrt(ss / (n - 1)) : 0
  const withPct = hit.filter((l) => isObj(l.percentile))
  if (withPct.length === 0) return out
  if (!hit.every((l) => isObj(l.bins))) {
    if (needBins)
      throw new UsageError(
        `${where}: latency percentiles can only be merged from histograms: give json+ results (--output-format=json+)`,
      )
    return out
  }
  const bins = new Map<number, number>()
  for (const l of hit)
    for (const [k, v] of Object.entries(l.bins as Json))
      bins.set(Number(k), (bins.get(Number(k)) ?? 0) + num(v))
  const sorted = [...bins.entries()].sort((a, b) => a[0] - b[0])
  const list = Object.keys(withPct[0].percentile as Json).map(Number)
  out.percentile = binPercentiles(sorted, list)
  out.bins = Object.fromEntries(sorted.map(([k, v]) => [String(k), v]))
  return out
}

function mergeDir(parts: Json[], where: string): Json {
  const out: Json = {}
  for (const f of summed) out[f] = parts.reduce((a, d) => a + num(d[f]), 0)
  out.runtime = Math.max(0, ...parts.map((d) => num(d.runtime)))
  for (const k of latKeys)
    if (parts.some((d) => isObj(d[k])))
      out[k] = mergeLat(
        parts.map((d) => (isObj(d[k]) ? (d[k] as Json) : {})),
        `${where} ${k}`,
        k !== 'slat_ns',
      )
  // Per-sample bandwidth and IOPS statistics do not add across hosts: the aggregate's are the sums of the means.
  for (const f of [
    'bw_agg',
    'bw_min',
    'bw_max',
    'bw_mean',
    'bw_dev',
    'bw_samples',
    'iops_min',
    'iops_max',
    'iops_mean',
    'iops_stddev',
    'iops_samples',
  ])
    if (parts.some((d) => f in d)) out[f] = f.endsWith('_mean') ? parts.reduce((a, d) => a + num(d[f]), 0) : 0
  return out
}

function jobsOf(h: HostResult): Json[] {
  const list = Array.isArray(h.doc.client_stats)
    ? h.doc.client_stats
    : Array.isArray(h.doc.jobs)
      ? h.doc.jobs
      : null
  if (!list) throw new UsageError(`${h.hostname}: not fio's JSON (no "jobs")`)
  return list.filter(isObj).filter((j) => j.jobname !== 'All clients')
}

export function mergeHosts(hosts: readonly HostResult[]): Json {
  if (hosts.length === 0) throw new UsageError('merge: no results given')
  for (const h of hosts)
    if (typeof h.doc['fio version'] !== 'string')
      throw new UsageError(
        `${h.hostname}: not fio's JSON shape; run bench with --output-format=json+ for merging`,
      )
  const clients: Json[] = []
  for (const h of hosts)
    for (const job of jobsOf(h)) {
      const entry: Json = { ...job, hostname: h.hostname, port: 0 }
      if (typeof h.doc.start_at_ms === 'number') entry.start_at_ms = h.doc.start_at_ms
      if (typeof h.doc.started_at_ms === 'number') entry.started_at_ms = h.doc.started_at_ms
      clients.push(entry)
    }
  const all: Json = {
    jobname: 'All clients',
    groupid: 0,
    error: clients.some((c) => num(c.error) !== 0) ? 1 : 0,
  }
  for (const d of dirs) {
    const parts = clients.map((c) => c[d]).filter(isObj)
    if (parts.length > 0) all[d] = mergeDir(parts, `All clients ${d}`)
  }
  const runtime = clients.reduce((a, c) => a + num(c.job_runtime), 0)
  all.job_runtime = Math.max(0, ...clients.map((c) => num(c.job_runtime)))
  // fio sums CPU time and run time over clients: the aggregate's CPU is the runtime-weighted mean.
  for (const f of ['usr_cpu', 'sys_cpu'])
    all[f] = runtime > 0 ? clients.reduce((a, c) => a + num(c[f]) * num(c.job_runtime), 0) / runtime : 0
  for (const f of ['ctx', 'majf', 'minf']) all[f] = clients.reduce((a, c) => a + num(c[f]), 0)
  all.hostname = 'All clients'
  all.port = 0
  clients.push(all)
  const first = hosts[0].doc
  const now = Date.now()
  return {
    'fio version': first['fio version'],
    timestamp: Math.floor(now / 1000),
    timestamp_ms: now,
    time: new Date(now).toUTCString(),
    'global options': hosts.map((h) => (isObj(h.doc['global options']) ? h.doc['global options'] : {})),
    client_stats: clients,
    disk_util: hosts.flatMap((h) => (Array.isArray(h.doc.disk_util) ? h.doc.disk_util : [])),
  }
}
