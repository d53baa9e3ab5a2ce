// fio's reporting options (how results are reported, never what I/O is done), steady state
// (which ends a job when its rate has settled) and preconditioning, as a part of the bench option
// table: options.ts spreads reportOptionTable into jobOptionTable. Pure.
import { UsageError } from '../errors'
import { parseFioTime, parseInteger } from './fio-units'
import type { OptionDef } from './options'
import { parseSs, type SteadyStateSpec } from './steady-state'

export interface ReportJobOptions {
  /** One report entry for all jobs of the run instead of one per job (fio's group_reporting). */
  group_reporting?: boolean
  /** rawio always reports latency percentiles of what it measures (lat); accepted for fio job files. */
  lat_percentiles?: boolean
  /** fio's clat/slat percentiles: rawio does not measure clat or slat (docs/bench.md), a warning says so. */
  clat_percentiles?: boolean
  slat_percentiles?: boolean
  /** Percentiles to report, fio's `99:99.9:99.99` (at most 20). */
  percentile_list?: number[]
  /** fio's steadystate criterion and limit, or rawio's `pts` rule (lib/bench/steady-state.ts). */
  ss?: ReturnType<typeof parseSs>
  /** ns: fio's window (ss_dur); 0 disables fio's rule, as in fio. */
  ss_dur?: number
  /** ns: no samples before this long after the job's start (fio's ss_ramp). */
  ss_ramp?: number
  /** ns: one sample (fio: 1 s) or one PTS round (60 s). */
  ss_interval?: number
  /** Sequential 128 KiB write passes over the job's region before the job (default 2). */
  precondition?: number
}

type Table = { [K in keyof ReportJobOptions]-?: OptionDef<NonNullable<ReportJobOptions[K]>> }

/** fio's percentile_list: colon-separated percentages in (0, 100], at most 20 (FIO_IO_U_LIST_MAX_LEN). */
export function parsePercentileList(text: string): number[] {
  const list = text.split(':').map((s) => {
    const p = Number(s)
    if (s.trim() === '' || !Number.isFinite(p) || p <= 0 || p > 100)
      throw new UsageError(`percentile_list: '${s}' is not a percentage in (0, 100]`)
    return p
  })
  if (list.length > 20) throw new UsageError(`percentile_list: ${list.length} entries, fio allows at most 20`)
  return [...list].sort((a, b) => a - b)
}

export const reportOptionTable: Table = {
  group_reporting: { help: 'report all jobs as one (fio JSON/terse: one entry)' },
  lat_percentiles: { help: 'latency percentiles (always on: rawio measures lat, docs/bench.md)' },
  clat_percentiles: { help: 'accepted with a warning: rawio does not measure clat (docs/bench.md)' },
  slat_percentiles: { help: 'accepted with a warning: rawio does not measure slat (docs/bench.md)' },
  percentile_list: {
    arg: 'P:P:...',
    help: "percentiles to report (fio's default: 1:5:10:...:99.99)",
    parse: parsePercentileList,
  },
  ss: {
    arg: 'CRIT:LIMIT|pts',
    help: "steady state: fio's iops|iops_slope|bw|bw_slope:LIMIT[%], or pts[:iops|:bw] (SNIA PTS rule)",
    alias: ['steadystate'],
    parse: parseSs,
  },
  ss_dur: {
    arg: 'TIME',
    help: "fio's steady-state window (needed with ss=iops..., as in fio)",
    alias: ['steadystate_duration'],
    parse: (s) => parseFioTime(s, 'ss_dur'),
  },
  ss_ramp: {
    arg: 'TIME',
    help: 'steady state: start sampling this long after the job starts',
    alias: ['steadystate_ramp_time'],
    parse: (s) => parseFioTime(s, 'ss_ramp'),
  },
  ss_interval: {
    arg: 'TIME',
    help: 'steady state: one sample (default 1s) or one PTS round (default 60s)',
    alias: ['steadystate_check_interval'],
    parse: (s) => parseFioTime(s, 'ss_interval'),
  },
  precondition: {
    arg: 'N',
    help: 'write the region sequentially with 128k blocks N times (bare: 2) before the job',
    parse: (s) => parseInteger(s, 'precondition', 0, 1000),
    bare: 2,
  },
}

/** The steady-state rule of a job, or null: fio's needs ss_dur (as fio; ss defaults to iops_slope:0.01%); pts needs ss=pts. */
export function steadyStateSpec(o: ReportJobOptions): SteadyStateSpec | null {
  // fio's default criterion is iops_slope:0.01%: ss_dur alone turns it on
  const crit = o.ss ?? (o.ss_dur ? parseSs('iops_slope:0.01%') : undefined)
  for (const k of ['ss_ramp', 'ss_interval'] as const)
    if (o[k] !== undefined && !crit)
      throw new UsageError(`--${k} needs --ss_dur or --ss (iops:1%, iops_slope:0.1%, bw:..., pts)`)
  if (!crit) return null
  if (crit.mode === 'pts') {
    if (o.ss_dur)
      throw new UsageError(
        'ss=pts judges a window of 5 rounds: set the round length with --ss_interval, not --ss_dur',
      )
    const intervalNs = o.ss_interval ?? 60e9
    if (intervalNs < 1e8) throw new UsageError('ss_interval must be at least 100ms')
    return { ...crit, window: 5, intervalNs, rampNs: o.ss_ramp ?? 0, maxRounds: 25, durNs: 5 * intervalNs }
  }
  if (!o.ss_dur) return null // fio: ss_dur=0 (the default) disables steady-state detection
  const intervalNs = o.ss_interval ?? 1e9
  if (intervalNs < 1e8) throw new UsageError('ss_interval must be at least 100ms')
  const window = Math.floor(o.ss_dur / intervalNs)
  if (window < 2) throw new UsageError(`ss_dur must cover at least 2 intervals of ${intervalNs / 1e9}s`)
  return {
    ...crit,
    window,
    intervalNs,
    rampNs: o.ss_ramp ?? 0,
    maxRounds: Number.POSITIVE_INFINITY,
    durNs: o.ss_dur,
  }
}

/** One-line notes for reporting options that rawio takes but cannot honour to the letter. */
export function reportOptionWarnings(o: ReportJobOptions): string[] {
  const w: string[] = []
  if (o.lat_percentiles === false)
    w.push('lat_percentiles=0: rawio still reports lat percentiles, its only latency (docs/bench.md)')
  for (const k of ['clat_percentiles', 'slat_percentiles'] as const)
    if (o[k])
      w.push(
        `${k}: rawio measures submit-to-completion latency only (fio's lat); ${k.slice(0, 4)}_ns has N=0`,
      )
  return w
}
