// `rawio bench [options] JOBFILE...`: fio's command line next to job files. Options before the
// first --name are global defaults (fio's def_thread) that the job files' own [global] and job
// sections override; each --name=X starts a command-line job, run before the files' jobs; a
// stonewall separates job files. Every job is checked against its target before any I/O.
import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { diagnostic } from '../report'
import type { BenchIo } from './cli'
import { type FioJob, jobsFromSections } from './fio-jobs'
import { ImageLocks } from './image-lock'
import { type JobOutcome, JobSet, prepareJobs } from './job-set'
import { commandLineSections, type JobFileContext, type JobSection, parseJobFile } from './jobfile'
import { parseBenchArgs } from './options'
import { ProgressLine } from './progress'
import { emitReports, snapshotDisks } from './report-set'
import { verifyFailed } from './result'
import { rawioVersion } from './run'

/** A regular file whose first line that is not blank or a comment is a `[section]` header. */
export function isJobFile(path: string): boolean {
  let fd: number | undefined
  try {
    if (!statSync(path).isFile()) return false
    fd = openSync(path, 'r')
    const buf = Buffer.alloc(65536)
    const n = readSync(fd, buf, 0, buf.length, 0)
    const text = buf.subarray(0, n)
    if (text.includes(0)) return false
    for (const raw of text.toString('utf8').split('\n')) {
      const line = raw.trim()
      if (line === '' || line[0] === ';' || line[0] === '#') continue
      return /^\[[^\]]+\]/.test(line)
    }
    return false
  } catch {
    return false
  } finally {
    if (fd !== undefined) closeSync(fd)
  }
}

/** Output flags: handed to parseBenchArgs, which owns them. */
const OUTPUT_FLAGS = new Set(['-q', '--quiet', '-C', '-h', '--help'])
const OUTPUT_OPTIONS = new Set(['output-format', 'output_format', 'output'])

export interface JobFileArgs {
  options: Array<{ name: string; value?: string }>
  outputArgs: string[]
  jobFiles: string[]
  others: string[]
}

/** Sorts argv into job options (fio's order kept), output arguments, job files and other operands. */
export function splitJobFileArgs(args: readonly string[]): JobFileArgs {
  const out: JobFileArgs = { options: [], outputArgs: [], jobFiles: [], others: [] }
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]
    if (OUTPUT_FLAGS.has(arg)) out.outputArgs.push(arg)
    else if (arg.startsWith('--')) {
      const eq = arg.indexOf('=')
      const name = arg.slice(2, eq < 0 ? undefined : eq)
      if (OUTPUT_OPTIONS.has(name)) {
        out.outputArgs.push(arg)
        if (eq < 0 && i + 1 < args.length) out.outputArgs.push(args[++i])
      } else
        out.options.push({ name: name.replace(/-/g, '_'), value: eq < 0 ? undefined : arg.slice(eq + 1) })
    } else if (isJobFile(arg)) out.jobFiles.push(arg)
    else out.others.push(arg)
  }
  return out
}

export function defaultContext(): JobFileContext {
  return {
    read: (p) => readFileSync(p, 'utf8'),
    exists: (p) => existsSync(p),
    env: process.env,
    keywords: { pagesize: 4096, mb_memory: Math.floor(totalmem() / 2 ** 20), ncpus: cpus().length },
  }
}

/** The jobs of a command line with job files, in fio's order. */
export function jobsOfCommandLine(split: JobFileArgs, ctx: JobFileContext): FioJob[] {
  const cli = commandLineSections(split.options, ctx)
  const cliJobs = jobsFromSections(cli)
  const jobs = [...cliJobs.jobs]
  // fio's [global] options live on in def_thread: a later file's jobs inherit them too.
  let globals = cliJobs.globals
  split.jobFiles.forEach((file, i) => {
    const sections: JobSection[] = parseJobFile(file, ctx)
    const next = jobsFromSections(sections, globals)
    globals = next.globals
    if ((i > 0 || cliJobs.jobs.length > 0) && next.jobs[0]) next.jobs[0].stonewall = true
    jobs.push(...next.jobs)
  })
  return jobs
}

/** Exit statuses as `rawio bench`: 0, 1 (usage, refusal, I/O error, verify failure), 130 (SIGINT). */
export async function runJobFiles(args: readonly string[], io: BenchIo): Promise<number> {
  const split = splitJobFileArgs(args)
  let jobs: FioJob[]
  let output: ReturnType<typeof parseBenchArgs>['output']
  try {
    output = parseBenchArgs(split.outputArgs).output
    if (split.others.length > 0)
      throw new Error(
        `${split.others.join(' ')}: not a job file (a job file starts with a [section]); with job files, give the target as filename= or --filename=`,
      )
    jobs = jobsOfCommandLine(split, defaultContext())
    if (jobs.length === 0) throw new Error('no jobs defined in the job file(s)')
  } catch (e) {
    io.err(`${diagnostic((e as Error).message, 'bench')}\n`)
    return 1
  }
  // A [global] option warns once, not once per job.
  const warned = new Set<string>()
  for (const j of jobs)
    for (const w of j.warnings) {
      const key = w.replace(/ \[[^\]]*\]/, '')
      if (!warned.has(key)) io.err(`${diagnostic(`warning: ${w}`, 'bench')}\n`)
      warned.add(key)
    }
  let set: JobSet
  // Every target's image lock, once, for the whole run (the shell's locks: lib/bench/image-lock).
  const locks = new ImageLocks()
  try {
    set = new JobSet(jobs, await prepareJobs(jobs, locks))
  } catch (e) {
    locks.releaseAll()
    io.err(`${diagnostic((e as Error).message, 'bench')}\n`)
    return 1
  }
  const line = new ProgressLine(io.progress ?? process.stderr, output.quiet)
  const disksBefore = snapshotDisks(jobs.flatMap((j) => (j.options.filename ? [j.options.filename] : [])))
  const startedAt = new Date()
  let timer: NodeJS.Timeout | undefined
  const onSigint = () => set.stop()
  process.on('SIGINT', onSigint)
  let outcome: Awaited<ReturnType<JobSet['run']>>
  try {
    outcome = await set.run({
      onStart: (runs) => {
        if (timer) clearInterval(timer)
        timer = setInterval(() => line.update(runs[0].progress()), 500)
        timer.unref()
      },
    })
  } finally {
    locks.releaseAll()
    if (timer) clearInterval(timer)
    process.off('SIGINT', onSigint)
    line.clear()
  }
  const done = outcome.outcomes.filter((o) => o.result)
  emitReports(
    done.map((o) => ({
      result: o.result as NonNullable<JobOutcome['result']>,
      jobname: o.job.name,
      groupid: o.groupid,
      given: Object.entries(o.job.given),
      error: Math.abs((o.error as { errno?: number } | undefined)?.errno ?? 0),
      header: `${o.job.name}: (groupid=${o.groupid}) ${o.job.source.file}:${o.job.source.line}`,
      groupReporting: o.job.options.group_reporting,
      percentiles: o.job.options.percentile_list,
    })),
    output,
    { rawioVersion: rawioVersion(), startedAt, finishedAt: new Date(), disksBefore },
    io,
  )
  return status(outcome.outcomes, io, outcome.interrupted)
}

function status(outcomes: JobOutcome[], io: BenchIo, interrupted: boolean): number {
  let status = 0
  for (const o of outcomes) {
    if (o.error) {
      io.err(`${diagnostic(`${o.job.name}: ${o.error.message}`, 'bench')}\n`)
      status = 1
    } else if (o.result && verifyFailed(o.result)) {
      const f = o.result.verify?.firstBad
      io.err(
        `${diagnostic(`${o.job.name}: verify failed: ${o.result.verify?.bad} bad block(s), the first at offset ${f?.offset} (${f?.kind})`, 'bench')}\n`,
      )
      status = 1
    }
  }
  const skipped = outcomes.filter((o) => o.skipped)
  if (skipped.length && !interrupted && status)
    io.err(
      `${diagnostic(`not run after the failure: ${skipped.map((o) => o.job.name).join(', ')}`, 'bench')}\n`,
    )
  if (interrupted) return 130
  return status
}
