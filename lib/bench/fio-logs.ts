// fio's log files, in fio 3.33's names and line formats (init.c gen_log_name, iolog.c
// flush_samples and flush_hist_samples), so fio_generate_plots, fio2gnuplot and
// fiologparser_hist.py read them:
//   PREFIX_lat.N.log (PREFIX_clat and PREFIX_slat are written empty: not measured),
//   PREFIX_bw.N.log, PREFIX_iops.N.log: `time, value, ddir, bs, prio`, or
//     `time, value, ddir, bs, offset, prio` with log_offset; time in ms since the job began,
//     latency in ns, bandwidth in KiB/s (per request: bytes * 10^6 / latency ns, as fio),
//     IOPS 1 per request; with log_avg_msec one line per window and direction, bs and offset 0.
//   PREFIX_clat_hist.N.log: `time, ddir, bs, ` and then the window's counts in fio's 1856
//     latency buckets (fewer with log_hist_coarseness).
// N is fio's thread number (1.. over every clone of every job); per_job_logs=0 drops `.N` and
// appends, as fio does. The samples come from native/bench/job_log.h.
import { closeSync, openSync, writeSync } from 'node:fs'
import type { NativeJobLog, NativeJobResult } from './binding'
import { PLAT_NR } from './fio-hist'
import type { LogPlan } from './log-options'

/** fio's gen_log_name. */
export function logFileName(prefix: string, type: string, thread: number, perJob: boolean): string {
  return perJob ? `${prefix}_${type}.${thread}.log` : `${prefix}_${type}.log`
}

/** Lines of one log, in chunks (a per-request log can hold millions). */
type Lines = Iterable<string>

function writeLines(path: string, append: boolean, lines: Lines): void {
  const fd = openSync(path, append ? 'a' : 'w')
  try {
    let chunk: string[] = []
    for (const line of lines) {
      chunk.push(line)
      if (chunk.length === 65536) {
        writeSync(fd, `${chunk.join('\n')}\n`)
        chunk = []
      }
    }
    if (chunk.length) writeSync(fd, `${chunk.join('\n')}\n`)
  } finally {
    closeSync(fd)
  }
}

type Kind = 'lat' | 'bw' | 'iops'

function* sampleLines(log: NativeJobLog, plan: LogPlan, kind: Kind, epochMs: number): Generator<string> {
  const prio = plan.prio ? '0x0000' : '0'
  const line = (t: number, value: number, dir: number, bs: number, offset: number) =>
    plan.offset
      ? `${t}, ${value}, ${dir}, ${bs}, ${offset}, ${prio}`
      : `${t}, ${value}, ${dir}, ${bs}, ${prio}`
  if (plan.avgMs === 0) {
    const r = log.records
    for (let i = 0; i < r.tNs.length; i++) {
      const lat = r.latNs[i]
      const value =
        kind === 'lat' ? lat : kind === 'iops' ? 1 : lat > 0 ? Math.floor((r.bytes[i] * 1e6) / lat) : 0
      yield line(Math.floor(r.tNs[i] / 1e6) + epochMs, value, r.dir[i], r.bytes[i], r.offset[i])
    }
    return
  }
  if (kind === 'lat') {
    const w = log.lat
    for (let i = 0; i < w.tMs.length; i++)
      yield line(w.tMs[i] + epochMs, plan.maxValue ? w.maxNs[i] : w.meanNs[i], w.dir[i], 0, 0)
    return
  }
  // Bandwidth and IOPS windows: fio's __add_samples over each whole window (KiB/s, IOPS).
  const w = log.rate
  const order = [...w.index.keys()].sort((a, b) => w.index[a] - w.index[b] || w.dir[a] - w.dir[b])
  for (const i of order) {
    const perSec = (n: number) => Math.floor((n * 1000) / plan.avgMs)
    const value = kind === 'bw' ? Math.floor(perSec(w.bytes[i]) / 1024) : perSec(w.ios[i])
    yield line((w.index[i] + 1) * plan.avgMs + epochMs, value, w.dir[i], 0, 0)
  }
}

function* histLines(log: NativeJobLog, plan: LogPlan, epochMs: number): Generator<string> {
  const h = log.hist
  const stride = 2 ** plan.coarseness
  const columns = PLAT_NR / stride
  for (let i = 0; i < h.tMs.length; i++) {
    const counts = new Array<number>(columns).fill(0)
    for (let k = h.first[i]; k < h.first[i] + h.count[i]; k++)
      counts[Math.floor(h.bins[2 * k] / stride)] += h.bins[2 * k + 1]
    yield `${h.tMs[i] + epochMs}, ${h.dir[i]}, ${h.bs[i]}, ${counts.join(', ')}`
  }
}

/** Writes the logs of a run's jobs; returns the files written and the warnings (logs cut short). */
export function writeFioLogs(
  plan: LogPlan,
  jobs: readonly NativeJobResult[],
  firstThread: number,
): { files: string[]; warnings: string[] } {
  const files: string[] = []
  const warnings: string[] = []
  for (const job of jobs) {
    const log = job.log
    if (!log) continue
    const thread = firstThread + job.index
    const epochMs = plan.unixEpoch ? Math.round(((job.startedAtUs ?? 0) * 1e3 + job.rampNs) / 1e6) : 0
    const write = (prefix: string, type: string, lines: Lines) => {
      const path = logFileName(prefix, type, thread, plan.perJob)
      writeLines(path, !plan.perJob, lines)
      if (!files.includes(path)) files.push(path)
    }
    for (const kind of ['lat', 'bw', 'iops'] as const) {
      const prefix = plan[kind]
      if (prefix !== undefined) write(prefix, kind, sampleLines(log, plan, kind, epochMs))
    }
    // fio's lat log comes with clat and slat logs; rawio does not split latency, so they hold no
    // sample (as fio's JSON slat_ns/clat_ns: N 0), and fio_generate_plots goes on to the next plot.
    if (plan.lat !== undefined) for (const type of ['clat', 'slat']) write(plan.lat, type, [])
    if (plan.hist !== undefined) write(plan.hist, 'clat_hist', histLines(log, plan, epochMs))
    if (log.records.truncated)
      warnings.push(
        `fio logs of job ${thread}: only its first ${log.records.tNs.length} requests (give log_avg_msec for long runs)`,
      )
  }
  return { files, warnings }
}
