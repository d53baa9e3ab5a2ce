// One view of a benchmark result, whichever tool wrote it: rawio's own JSON (rawio-bench/1),
// fio's JSON and json+ (rawio's `--output-format=json` or fio's), and fio's client_stats shape
// (`fio --client`, `rawio merge`). The report, `compare` and `merge` read only this. Pure.

export const resultDirections = ['read', 'write', 'trim'] as const
export type ResultDirection = (typeof resultDirections)[number]

export interface LatencyView {
  minNs: number
  maxNs: number
  meanNs: number
  stddevNs: number
  /** Completion-latency percentiles as the tool printed them (p in percent). */
  percentiles: Array<{ p: number; ns: number }>
  /**
   * The histogram, when the file has one (rawio's buckets, fio's json+ bins): [valueNs, count]
   * sorted by value, the value standing for its bucket.
   */
  bins?: Array<[number, number]>
}

export interface DirView {
  ios: number
  bytes: number
  iops: number
  bwBytes: number
  /** Which latency the tool measured: rawio's submit-to-completion, or fio's clat/lat. */
  latKind: 'submit-to-completion' | 'clat' | 'lat'
  lat: LatencyView
  /** fio's own sampling of IOPS (its iops_* fields), when there is no per-interval series. */
  iopsSamples?: { mean: number; stddev: number; n: number }
}

export interface SeriesView {
  intervalNs: number
  iops: Partial<Record<ResultDirection, number[]>>
  bwBytes: Partial<Record<ResultDirection, number[]>>
  /** Mean latency of the requests completed in each interval, when the tool recorded it. */
  latMeanNs?: Partial<Record<ResultDirection, number[]>>
}

export interface JobView {
  name: string
  /** The job's options as strings (fio's "job options", or rawio's resolved job). */
  options: Record<string, string>
  dirs: Partial<Record<ResultDirection, DirView>>
  cpu?: { usrPercent: number; sysPercent: number; ctx?: number }
  series?: SeriesView
  geometry?: Record<string, string | number | boolean | null>
  steadystate?: Record<string, unknown>
  verify?: Record<string, unknown>
  hostname?: string
}

export interface RunView {
  /** What the legend calls this result (the file name unless told otherwise). */
  label: string
  tool: string
  hostname?: string
  startAtMs?: number
  startedAtMs?: number
  jobs: JobView[]
}

/** True when a direction did any I/O. */
export function active(d: DirView | undefined): d is DirView {
  return !!d && d.ios > 0
}
