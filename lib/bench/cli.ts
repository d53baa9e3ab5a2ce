// `rawio bench [options] TARGET`: parse, run with a live progress line and SIGINT handling,
// report in the chosen format; the exit status is the result. `rawio bench` (lib/cli/main.ts)
// dispatches here; `node dist/lib/bench/cli.js [options] TARGET` runs it directly too.
import { diagnostic, processSink } from '../report'
import { isJobFile, runJobFiles } from './jobfile-cli'
import { benchUsage, type JobOptions, type OutputOptions, parseBenchArgs } from './options'
import { ProgressLine, type ProgressStream } from './progress'
import { emitReports, snapshotDisks } from './report-set'
import { type BenchResult, verifyFailed } from './result'
import { type BenchFailure, type BenchRun, rawioVersion, startBench, withSigint } from './run'

const messageOf = (e: unknown) => (e instanceof Error ? e.message : String(e))

export interface BenchIo {
  out(text: string): void
  err(text: string): void
  /** Where the live line goes (default process.stderr); it shows only on a TTY. */
  progress?: ProgressStream
  /**
   * The shell's --json: the outcome as one record instead of the report text (messages still go to
   * err). `result` is the BenchResult (the figures so far when the run failed part way).
   */
  record?(outcome: BenchOutcome): void
}

export interface BenchOutcome {
  ok: boolean
  error?: string
  interrupted?: boolean
  result?: BenchResult
}

export interface ExecuteOptions {
  /** The target is the shell's own open device: do not ask for O_EXCL again. */
  shared?: boolean
  /** The options as given (fio's "job options"). */
  given?: Array<[string, string]>
}

/** Exit statuses: 0 done, 1 failed (usage, I/O, or a bad block under verify=stamp), 130 stopped by SIGINT (results so far printed). */
export async function executeBench(
  path: string,
  job: JobOptions,
  output: OutputOptions,
  io: BenchIo,
  opts: ExecuteOptions = {},
): Promise<number> {
  // One prefix policy (lib/report's diagnostic): `rawio: bench: message`, on stderr and in the record.
  const fail = (message: string, result?: BenchResult): number => {
    const line = diagnostic(message, 'bench')
    io.err(`${line}\n`)
    io.record?.({ ok: false, error: line, ...(result ? { result } : {}) })
    return 1
  }
  let run: BenchRun
  const disksBefore = snapshotDisks([path])
  const startedAt = new Date()
  try {
    run = await startBench(path, job, { progressIntervalMs: 500, shared: opts.shared })
  } catch (e) {
    return fail(messageOf(e))
  }
  // The human report carries the notes; a machine format keeps stdout to itself.
  if (!output.formats.includes('normal') || output.output)
    for (const w of run.job.warnings) io.err(`${diagnostic(`note: ${w}`, 'bench')}\n`)
  const line = new ProgressLine(io.progress ?? process.stderr, output.quiet)
  run.on('progress', (p) => line.update(p))
  const given: Array<[string, string]> = [...(opts.given ?? [])]
  if (!given.some(([k]) => k === 'filename')) given.push(['filename', path])
  const emit = (result: BenchResult, error: number) =>
    emitReports(
      [
        {
          result,
          jobname: result.name,
          groupid: 0,
          given,
          error,
          groupReporting: job.group_reporting,
          percentiles: job.percentile_list,
        },
      ],
      output,
      { rawioVersion: rawioVersion(), startedAt, finishedAt: new Date(), disksBefore },
      io,
    )
  try {
    const { value, interrupted } = await withSigint(run, () => run.result)
    line.clear()
    if (!io.record) emit(value, 0)
    if (verifyFailed(value)) {
      const f = value.verify?.firstBad
      return fail(
        `verify failed: ${value.verify?.bad} bad block(s), the first at offset ${f?.offset} (${f?.kind})`,
        value,
      )
    }
    if (io.record) io.record({ ok: true, ...(interrupted ? { interrupted } : {}), result: value })
    return interrupted ? 130 : 0
  } catch (e) {
    line.clear()
    const partial = (e as BenchFailure).partial
    if (partial && !io.record) emit(partial, Math.abs((e as BenchFailure).errno ?? 0))
    return fail(messageOf(e), partial)
  }
}

export async function runBenchCli(
  args: string[],
  io: BenchIo = { out: processSink.out, err: processSink.err },
): Promise<number> {
  if (args.some((a) => !a.startsWith('-') && isJobFile(a))) return runJobFiles(args, io)
  let parsed: ReturnType<typeof parseBenchArgs>
  try {
    parsed = parseBenchArgs(args)
  } catch (e) {
    io.err(`${diagnostic(messageOf(e), 'bench')}\n`)
    return 1
  }
  if (parsed.help) {
    io.out(`${benchUsage()}\n`)
    return 0
  }
  if (!parsed.target) {
    io.err(`${diagnostic('missing TARGET', 'bench')}\n${benchUsage()}\n`)
    return 1
  }
  return executeBench(parsed.target, parsed.job, parsed.output, io, { given: parsed.given })
}

if (require.main === module) {
  runBenchCli(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status
    },
    (e: unknown) => {
      process.stderr.write(`${diagnostic(String((e as Error).stack ?? e), 'bench')}\n`)
      process.exitCode = 1
    },
  )
}
