// The in-shell `bench [options] [TARGET]` command (also in -c scripts): benchmarks the open
// target's path unless TARGET is given, inheriting its cache mode (O_DIRECT) and read-only state.

import { executeBench } from './cli'
import { benchUsage, parseBenchArgs } from './options'

export interface BenchSession {
  device?: unknown
  path?: string
}

export interface BenchReporterSink {
  info(s: string): void
  error(s: string): void
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
  let parsed: ReturnType<typeof parseBenchArgs>
  try {
    parsed = parseBenchArgs(args)
  } catch (e) {
    reporter.error(`bench: ${(e as Error).message}`)
    return 1
  }
  if (parsed.help) {
    reporter.info(benchUsage())
    return 0
  }
  const path = parsed.target ?? session.path
  if (!path) {
    reporter.error('bench: no file open (open one first, or give TARGET)')
    return 1
  }
  const ownDevice = parsed.target === undefined || parsed.target === session.path
  const dev = (ownDevice ? session.device : undefined) as DeviceLike | undefined
  if (dev && typeof dev === 'object') {
    if (parsed.job.direct === undefined && typeof dev.direct === 'boolean') parsed.job.direct = dev.direct
    if (dev.readOnly === true) parsed.job.readonly = true
  }
  return executeBench(
    path,
    parsed.job,
    parsed.output,
    { out: (t) => reporter.info(chomp(t)), err: (t) => reporter.error(chomp(t)) },
    { shared: ownDevice && session.device !== undefined },
  )
}
