// The in-shell `bench [options] [TARGET]` command (also in -c scripts): benchmarks the open
// target's path unless TARGET is given, inheriting its cache mode (O_DIRECT) and read-only state.

import { diagnostic } from '../report'
import { type BenchOutcome, executeBench } from './cli'
import { isJobFile, runJobFiles } from './jobfile-cli'
import { benchUsage, parseBenchArgs } from './options'

export interface BenchSession {
  device?: unknown
  path?: string
  /** How the shell opened its image: `-d ignore` allows no deallocation, so no trim job. */
  image?: { discard?: string } | null
}

export interface BenchReporterSink {
  info(s: string): void
  error(s: string): void
  /** 'json' (--json): the outcome is one record through result(), as every command's. */
  readonly mode?: string
  result?(record: Record<string, unknown>): void
}

interface DeviceLike {
  direct?: unknown
  readOnly?: unknown
}

const chomp = (text: string) => text.replace(/\n$/, '')

export async function runBenchCommand(
  session: BenchSession,
  args: string[],
  reporter: BenchReporterSink,
): Promise<number> {
  const json = reporter.mode === 'json' && reporter.result !== undefined
  const record = (outcome: BenchOutcome) => reporter.result?.({ command: 'bench', ...outcome })
  const fail = (message: string): number => {
    const line = diagnostic(message, 'bench')
    reporter.error(line)
    if (json) record({ ok: false, error: line })
    return 1
  }
  // A job file is never a target: `bench job.fio` runs it, as `rawio bench job.fio` does.
  if (args.some((a) => !a.startsWith('-') && isJobFile(a)))
    return runJobFiles(args, { out: (t) => reporter.info(chomp(t)), err: (t) => reporter.error(chomp(t)) })
  let parsed: ReturnType<typeof parseBenchArgs>
  try {
    parsed = parseBenchArgs(args)
  } catch (e) {
    return fail((e as Error).message)
  }
  if (parsed.help) {
    reporter.info(benchUsage())
    if (json) reporter.result?.({ command: 'bench', ok: true, help: benchUsage() })
    return 0
  }
  const path = parsed.target ?? session.path
  if (!path) return fail('no file open (open one first, or give TARGET)')
  const ownDevice = parsed.target === undefined || parsed.target === session.path
  if (ownDevice && session.image?.discard === 'ignore' && /trim/.test(parsed.job.rw ?? ''))
    return fail(`--rw=${parsed.job.rw} discards, and the image was opened with discard=ignore`)
  const dev = (ownDevice ? session.device : undefined) as DeviceLike | undefined
  if (dev && typeof dev === 'object') {
    if (parsed.job.direct === undefined && typeof dev.direct === 'boolean') parsed.job.direct = dev.direct
    if (dev.readOnly === true) parsed.job.readonly = true
  }
  return executeBench(
    path,
    parsed.job,
    parsed.output,
    {
      out: (t) => reporter.info(chomp(t)),
      err: (t) => reporter.error(chomp(t)),
      ...(json ? { record } : {}),
    },
    { shared: ownDevice && session.device !== undefined, given: parsed.given },
  )
}
