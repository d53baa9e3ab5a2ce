// fio's reporting options (how results are reported, never what I/O is done), as a part of the
// bench option table: options.ts spreads reportOptionTable into jobOptionTable. Pure.
import { UsageError } from '../errors'
import type { OptionDef } from './options'

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
