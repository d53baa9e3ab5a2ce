// Running the jobs of job files as fio runs them: every job is resolved against its target (and
// through the write interlock) before any I/O; then group after group, where a job with
// `stonewall` (or `wait_for_previous`, or the first job of a later job file) waits for every job
// before it, and the jobs of one group run at the same time, each on its own threads.
import { closeSync, fsyncSync, openSync } from 'node:fs'
import { UsageError } from '../errors'
import { binding } from '../native'
import { where } from './fio-catalog'
import type { FioJob } from './fio-jobs'
import type { ImageLocks } from './image-lock'
import type { BenchResult } from './result'
import { type BenchFailure, BenchRun, type PreparedBench, prepareBench, sleepNs } from './run'

export interface JobOutcome {
  job: FioJob
  /** fio's groupid: bumped by stonewall and new_group. */
  groupid: number
  prepared: PreparedBench
  result?: BenchResult
  error?: Error
  /** Not run: an earlier group failed or was interrupted. */
  skipped: boolean
}

export interface JobSetHooks {
  /** A group's runs have started (for a progress display). */
  onStart?(runs: readonly BenchRun[]): void
  /** Called once per finished job, in start order within its group. */
  onDone?(outcome: JobOutcome): void
}

export interface JobSetRun {
  outcomes: JobOutcome[]
  interrupted: boolean
}

/** Splits jobs into groups that run one after the other (a stonewall starts a new one). */
export function runGroups(jobs: readonly FioJob[]): FioJob[][] {
  const groups: FioJob[][] = []
  for (const job of jobs) {
    if (groups.length === 0 || job.stonewall) groups.push([])
    groups[groups.length - 1].push(job)
  }
  return groups
}

/** fio's groupid of each job: a new group at each stonewall or new_group. */
export function groupIds(jobs: readonly FioJob[]): number[] {
  let id = -1
  return jobs.map((j, i) => (i === 0 || j.stonewall || j.newGroup ? ++id : id))
}

/** Resolves every job against its target; the first refusal throws, before any I/O. */
export async function prepareJobs(jobs: readonly FioJob[], locks?: ImageLocks): Promise<PreparedBench[]> {
  const out: PreparedBench[] = []
  let threadNumber = 1 // fio numbers every clone of every job from 1, in order
  for (const job of jobs) {
    const path = job.options.filename
    if (!path)
      throw new UsageError(
        `${where(job.source, job.name)} no filename= for this job (rawio does not create fio's JOB.N.0 files)`,
      )
    if (job.options.precondition)
      throw new UsageError(
        `${where(job.source, job.name)} precondition is not run for job files: give it on the command line (rawio bench --precondition --filename=...)`,
      )
    try {
      const p = await prepareBench(path, job.options, { locks })
      p.job.native.fioThreadNumber = threadNumber
      threadNumber += p.job.native.numjobs
      out.push(p)
    } catch (e) {
      if (e instanceof UsageError) throw new UsageError(`${where(job.source, job.name)} ${e.message}`)
      throw e
    }
  }
  return out
}

/**
 * Jobs of one group writing the same block device share one O_EXCL claim, held here for the
 * group (two O_EXCL opens of a block device refuse each other).
 */
function holdExclusive(prepared: readonly PreparedBench[]): Array<{ close(): void }> {
  const byPath = new Map<string, PreparedBench[]>()
  for (const p of prepared) {
    if (!p.job.native.exclusive) continue
    byPath.set(p.job.native.path, [...(byPath.get(p.job.native.path) ?? []), p])
  }
  const holders: Array<{ close(): void }> = []
  for (const [path, list] of byPath) {
    if (list.length < 2) continue
    holders.push(new (binding().NativeDevice)(path, { exclusive: true, engine: 'threads', depth: 1 }))
    for (const p of list) p.job.native.exclusive = false
  }
  return holders
}

function endFsync(path: string): void {
  const fd = openSync(path, 'r+')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Runs prepared jobs group by group; `stop()` of the returned controller interrupts. */
export class JobSet {
  private running: BenchRun[] = []
  private interrupted = false

  constructor(
    private readonly jobs: readonly FioJob[],
    private readonly prepared: readonly PreparedBench[],
  ) {}

  /** Stops what runs (in-flight requests finish) and skips the groups after it. */
  stop(): void {
    this.interrupted = true
    for (const r of this.running) r.stop()
  }

  async run(hooks: JobSetHooks = {}): Promise<JobSetRun> {
    const ids = groupIds(this.jobs)
    const outcomes: JobOutcome[] = this.jobs.map((job, i) => ({
      job,
      groupid: ids[i],
      prepared: this.prepared[i],
      skipped: true,
    }))
    let failed = false
    let start = 0
    for (const group of runGroups(this.jobs)) {
      const mine = outcomes.slice(start, start + group.length)
      start += group.length
      if (failed || this.interrupted) continue
      const holders = holdExclusive(mine.map((o) => o.prepared))
      // A job that ends (exitall) or fails stops the others; one that has not started yet skips.
      try {
        const started: BenchRun[] = []
        this.running = started
        await Promise.all(
          mine.map(async (o) => {
            // startdelay: this job starts later than the rest of its group.
            if (o.prepared.job.startDelayNs > 0) await sleepNs(o.prepared.job.startDelayNs)
            if (this.interrupted || failed) return
            const run = new BenchRun(o.prepared.job, o.prepared.target, { progressIntervalMs: 500 })
            started.push(run)
            if (started.length === 1) hooks.onStart?.(started)
            o.skipped = false
            try {
              o.result = await run.result
              if (o.job.endFsync && !o.result.stopped) endFsync(o.prepared.job.native.path)
            } catch (e) {
              o.error = e as Error
              o.result = (e as BenchFailure).partial
              failed = true
              for (const r of this.running) r.stop()
            }
            if (o.job.exitall) for (const r of this.running) if (r !== run) r.stop()
            hooks.onDone?.(o)
          }),
        )
      } finally {
        this.running = []
        for (const h of holders) h.close()
      }
    }
    return { outcomes, interrupted: this.interrupted }
  }
}
