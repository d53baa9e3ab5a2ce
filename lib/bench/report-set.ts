// The reports of a bench run, one job or the jobs of job files, in every requested format at
// once (fio prints terse, then json, then normal): one fio JSON document for all jobs, a terse
// line per job, a human report per job, rawio's JSON (one BenchResult, or a set of them).
import { writeFileSync } from 'node:fs'
import { reportHtml } from '../html/report-page'
import { toRunView } from '../results/load'
import type { RunView } from '../results/model'
import { type DiskSnapshot, diskUtilBetween, readDiskAgain, snapshotDisk } from './disk-util'
import { type DiskUtil, type FioJobInput, fioDocument, fioEntries, fioVersionOf } from './fio-json'
import { terseLine } from './fio-terse'
import type { OutputFormat, OutputOptions } from './output-options'
import { CsvReport, HumanReport, JsonReport } from './report'
import type { BenchResult } from './result'

export interface ReportItem {
  result: BenchResult
  jobname: string
  groupid: number
  /** "job options" as given. */
  given: Array<[string, string]>
  /** errno (positive) of the failed request, or 0. */
  error: number
  /** A line printed before this job's human report (job files: where the job came from). */
  header?: string
  groupReporting?: boolean
  percentiles?: readonly number[]
  steadystate?: unknown
}

export interface SetContext {
  rawioVersion: string
  startedAt: Date
  finishedAt: Date
  globalOptions?: Array<[string, string]>
  /** The disks under the targets, before the run (disk_util). */
  disksBefore: Array<DiskSnapshot | null>
}

/** Snapshots of the disks under these paths, one per disk. */
export function snapshotDisks(paths: readonly string[]): Array<DiskSnapshot | null> {
  const seen = new Set<string>()
  const out: Array<DiskSnapshot | null> = []
  for (const p of paths) {
    const s = snapshotDisk(p)
    if (s && !seen.has(s.statPath)) {
      seen.add(s.statPath)
      out.push(s)
    }
  }
  return out
}

function entries(items: readonly ReportItem[]): FioJobInput[] {
  return items.flatMap((it) =>
    fioEntries(it.result, {
      jobname: it.jobname,
      options: it.given,
      groupid: it.groupid,
      groupReporting: it.groupReporting,
      error: it.error,
      steadystate: it.steadystate,
    }).map((e) => ({ ...e, percentiles: it.percentiles })),
  )
}

function diskUtil(ctx: SetContext): DiskUtil[] {
  return ctx.disksBefore.flatMap((before) => {
    const after = before && readDiskAgain(before)
    return before && after ? [diskUtilBetween(before, after)] : []
  })
}

/** hostname, start_at_ms and started_at_ms of the whole set (the first request of any job). */
function fleetFields(items: readonly ReportItem[]): {
  hostname?: string
  startAtMs?: number
  startedAtMs?: number
} {
  const starts = items.flatMap((it) =>
    it.result.started_at_ms !== undefined ? [it.result.started_at_ms] : [],
  )
  return {
    hostname: items[0]?.result.hostname,
    startAtMs: items.find((it) => it.result.start_at_ms !== undefined)?.result.start_at_ms,
    startedAtMs: starts.length ? Math.min(...starts) : undefined,
  }
}

function one(format: OutputFormat, items: readonly ReportItem[], ctx: SetContext, disks: DiskUtil[]): string {
  const version = fioVersionOf(ctx.rawioVersion)
  switch (format) {
    case 'json':
    case 'json+': {
      const doc = fioDocument(entries(items), {
        version,
        now: ctx.finishedAt,
        elapsedSec: Math.round((ctx.finishedAt.getTime() - ctx.startedAt.getTime()) / 1000),
        globalOptions: ctx.globalOptions ?? [],
        plus: format === 'json+',
        diskUtil: disks,
        ...fleetFields(items),
      })
      return `${JSON.stringify(doc, null, 2)}\n`
    }
    case 'terse':
      return entries(items)
        .map((e) => terseLine(e, version, disks, e.percentiles))
        .join('')
    case 'normal':
      return items
        .map((it) => (it.header ? `${it.header}\n` : '') + new HumanReport().format(it.result))
        .join('')
    case 'rawio-csv':
      return items.map((it) => new CsvReport().format(it.result)).join('')
    case 'rawio-json':
      if (items.length === 1) return new JsonReport().format(items[0].result)
      return `${JSON.stringify(
        {
          schema: 'rawio-bench-set/1',
          jobs: items.map((it) => ({
            jobname: it.jobname,
            groupid: it.groupid,
            result: JSON.parse(new JsonReport().format(it.result)),
          })),
        },
        null,
        2,
      )}\n`
  }
}

/** Every format, in the order given (parseOutputFormats puts them in fio's order). */
export function formatReports(
  items: readonly ReportItem[],
  formats: readonly OutputFormat[],
  ctx: SetContext,
): string {
  const disks = diskUtil(ctx)
  return formats.map((f) => one(f, items, ctx, disks)).join('')
}

/** Every requested format, in order, to --output FILE (replaced) or to out. */
export function emitReports(
  items: readonly ReportItem[],
  output: OutputOptions,
  ctx: SetContext,
  sink: { out(text: string): void },
): void {
  const text = formatReports(items, output.formats, ctx)
  if (output.output) writeFileSync(output.output, text)
  else sink.out(text)
  if (output.report) writeFileSync(output.report, reportHtml([runViewOf(items)]))
}

/** The run as the HTML report sees it: one result, a job per item. */
function runViewOf(items: readonly ReportItem[]): RunView {
  const views = items.map((it) => toRunView(it.result, it.jobname))
  return {
    ...views[0],
    label: items.length === 1 ? items[0].jobname : 'bench',
    jobs: views.flatMap((v, i) => v.jobs.map((j) => ({ ...j, name: items[i].jobname }))),
  }
}

/** One format for a lone result (the library's form): options taken as the target only, the run taken to have ended now. */
export function reporterFor(format: OutputFormat): { format(result: BenchResult): string } {
  return {
    format(r: BenchResult): string {
      const now = new Date()
      const ranMs = Math.round((r.elapsedNs + (r.jobs[0]?.rampNs ?? 0)) / 1e6)
      return formatReports(
        [{ result: r, jobname: r.name, groupid: 0, given: [['filename', r.target.path]], error: 0 }],
        [format],
        {
          rawioVersion: r.rawioVersion,
          startedAt: new Date(now.getTime() - ranMs),
          finishedAt: now,
          disksBefore: [],
        },
      )
    },
  }
}
