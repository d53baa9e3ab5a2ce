// fio's log options (write_lat_log, write_bw_log, write_iops_log, write_hist_log and the
// log_* family) as a part of the bench option table (options.ts spreads logOptionTable into
// jobOptionTable), and what a job's options ask of the native runner and of the log writer
// (lib/bench/fio-logs.ts). Pure.
import type { NativeBenchJob } from './binding'
import { parseInteger } from './fio-units'
import type { OptionDef } from './options'

export interface LogJobOptions {
  /** fio's write_lat_log=PREFIX: PREFIX_lat.N.log (bare or empty: the job's name). */
  write_lat_log?: string
  write_bw_log?: string
  write_iops_log?: string
  /** PREFIX_clat_hist.N.log, one line per log_hist_msec window (needs log_hist_msec, as in fio). */
  write_hist_log?: string
  /** ms: one averaged line per window and direction (0: a line per request, fio's default). */
  log_avg_msec?: number
  /** ms: the latency histogram windows of write_hist_log (0: none, as in fio). */
  log_hist_msec?: number
  /** 0..6: each step halves the histogram's columns. */
  log_hist_coarseness?: number
  /** With log_avg_msec: the window's maximum instead of its mean. */
  log_max_value?: boolean
  /** Each line carries the request's offset. */
  log_offset?: boolean
  /** Each line's priority column as fio's log_prio=1 prints it (0x0000: rawio sets no priority). */
  log_prio?: boolean
  /** Times are Unix epoch milliseconds instead of milliseconds since the job began. */
  log_unix_epoch?: boolean
  /** false: one file per log for all jobs, appended to (fio's per_job_logs=0). */
  per_job_logs?: boolean
}

type Table = { [K in keyof LogJobOptions]-?: OptionDef<NonNullable<LogJobOptions[K]>> }

const prefix = (s: string) => s
const ms = (name: string) => (s: string) => parseInteger(s, name, 0, 2 ** 31 - 1)

export const logOptionTable: Table = {
  write_lat_log: {
    arg: 'PREFIX',
    help: "fio's latency log PREFIX_lat.N.log (bare: the job's name; docs/bench.md)",
    parse: prefix,
    bare: '',
  },
  write_bw_log: {
    arg: 'PREFIX',
    help: "fio's bandwidth log PREFIX_bw.N.log (KiB/s)",
    parse: prefix,
    bare: '',
  },
  write_iops_log: { arg: 'PREFIX', help: "fio's IOPS log PREFIX_iops.N.log", parse: prefix, bare: '' },
  write_hist_log: {
    arg: 'PREFIX',
    help: "fio's latency histogram log PREFIX_clat_hist.N.log (with --log_hist_msec)",
    parse: prefix,
    bare: '',
  },
  log_avg_msec: {
    arg: 'MS',
    help: 'log one mean (or max) per window and direction (default 0: every request)',
    parse: ms('log_avg_msec'),
  },
  log_hist_msec: {
    arg: 'MS',
    help: 'the histogram log window (default 0: none)',
    parse: ms('log_hist_msec'),
  },
  log_hist_coarseness: {
    arg: '0-6',
    help: 'histogram log: each step halves the columns (default 0: 1856)',
    parse: (s) => parseInteger(s, 'log_hist_coarseness', 0, 6),
  },
  log_max_value: { help: "with --log_avg_msec: log each window's maximum, not its mean" },
  log_offset: { help: "logs: add each request's offset (a column before the priority)" },
  log_prio: { help: 'logs: the priority column in hex, as fio (always 0x0000: rawio sets none)' },
  log_unix_epoch: { help: 'logs: Unix epoch milliseconds instead of time since the job began' },
  per_job_logs: { help: 'one log file per job (default 1); 0: all jobs append to PREFIX_TYPE.log' },
}

/** Requests kept per job for per-request logs (32 bytes each in the job thread). */
export const LOG_RECORDS_MAX = 4 * 2 ** 20

/** What the log writer needs after the run. */
export interface LogPlan {
  /** File name prefix per log kind (the option's value, or the job's name). */
  lat?: string
  bw?: string
  iops?: string
  hist?: string
  avgMs: number
  histMs: number
  coarseness: number
  maxValue: boolean
  offset: boolean
  prio: boolean
  unixEpoch: boolean
  perJob: boolean
}

/** The log plan of a job, or undefined when it writes no log. */
export function logPlan(o: LogJobOptions, name: string): LogPlan | undefined {
  const pick = (v: string | undefined) => (v === undefined ? undefined : v === '' ? name : v)
  const plan: LogPlan = {
    lat: pick(o.write_lat_log),
    bw: pick(o.write_bw_log),
    iops: pick(o.write_iops_log),
    hist: pick(o.write_hist_log),
    avgMs: o.log_avg_msec ?? 0,
    histMs: o.log_hist_msec ?? 0,
    coarseness: o.log_hist_coarseness ?? 0,
    maxValue: !!o.log_max_value,
    offset: !!o.log_offset,
    prio: !!o.log_prio,
    unixEpoch: !!o.log_unix_epoch,
    perJob: o.per_job_logs !== false,
  }
  if (plan.lat === undefined && plan.bw === undefined && plan.iops === undefined && plan.hist === undefined)
    return undefined
  return plan
}

/** The native runner's part: per-request records, fio's windows, histogram windows. */
export function logNative(plan: LogPlan | undefined): Partial<NativeBenchJob> {
  if (!plan) return {}
  const perRequest = plan.avgMs === 0 && (plan.lat ?? plan.bw ?? plan.iops) !== undefined
  return {
    logRecords: perRequest ? LOG_RECORDS_MAX : 0,
    logAvgMs: (plan.lat ?? plan.bw ?? plan.iops) ? plan.avgMs : 0,
    logHistMs: plan.hist !== undefined ? plan.histMs : 0,
  }
}

/** Warnings a log plan earns before the run. */
export function logWarnings(plan: LogPlan | undefined): string[] {
  if (!plan) return []
  const out: string[] = []
  if (plan.hist !== undefined && plan.histMs === 0)
    out.push('write_hist_log without log_hist_msec: the histogram log stays empty, as in fio')
  if (plan.lat !== undefined)
    out.push(
      `write_lat_log: ${plan.lat}_lat holds rawio's submit-to-completion latency; its _clat and _slat logs are empty (not measured, docs/bench.md)`,
    )
  return out
}
