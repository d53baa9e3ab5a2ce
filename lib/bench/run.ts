// Starting a bench on a target (by path: it needs no Device), watching it, stopping it.
// A BenchRun emits 'progress' events while it runs and settles `result` with a BenchResult;
// a failed request rejects with the IoError, whose `partial` holds the results so far.
import { EventEmitter } from 'node:events'
import { readFileSync } from 'node:fs'
import { constants, hostname } from 'node:os'
import { join } from 'node:path'
import { IoError, UsageError } from '../errors'
import { binding, type NativeGeometry, packageRoot } from '../native'
import { hasRawBytes } from '../paths'
import { checkTarget, InterlockError } from '../safety/interlock'
import { benchBinding, type NativeBenchHandle, type NativeBenchResult } from './binding'
import { writeFioLogs } from './fio-logs'
import { ImageLocks } from './image-lock'
import { writeIologs } from './iolog'
import { type ResolvedJob, resolveJob, type TargetInfo } from './job'
import type { JobOptions } from './options'
import { runPrecondition } from './precondition'
import { type BenchProgress, ProgressTracker } from './progress'
import { reportOptionWarnings, steadyStateSpec } from './report-options'
import { type BenchResult, buildResult } from './result'
import { SteadyStateWatch } from './steady-state-watch'

let version: string | undefined
export function rawioVersion(): string {
  version ??= (JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')) as { version: string })
    .version
  return version
}

/** The target's geometry, through a short open (read-write when the job will write, so EROFS shows now). */
export function probeTarget(path: string, writable = false): TargetInfo {
  const dev = new (binding().NativeDevice)(path, { readOnly: !writable, engine: 'threads', depth: 1 })
  try {
    return { path, geometry: dev.probe() }
  } finally {
    dev.close()
  }
}

/** An IoError from a bench whose `partial` holds the results up to the failure. */
export interface BenchFailure extends IoError {
  partial?: BenchResult
}

export interface BenchRunOptions {
  /** How often 'progress' events fire (default 1000 ms). */
  progressIntervalMs?: number
  /** The target is held open by the caller (the shell's device): do not ask for O_EXCL, nor a lock. */
  shared?: boolean
  /**
   * Where the image locks are held (lib/bench/image-lock). prepareBench takes them only when given
   * one; startBench makes its own and releases it when the run settles.
   */
  locks?: ImageLocks
}

export class BenchRun extends EventEmitter<{ progress: [BenchProgress] }> {
  readonly job: ResolvedJob
  readonly target: TargetInfo
  readonly result: Promise<BenchResult>
  private readonly handle: NativeBenchHandle
  private readonly tracker: ProgressTracker
  private timer: NodeJS.Timeout | undefined
  private readonly watch: SteadyStateWatch | undefined

  constructor(job: ResolvedJob, target: TargetInfo, opts: BenchRunOptions = {}) {
    super()
    this.job = job
    this.target = target
    const n = job.native
    const sizeBound = !n.timeBased
    this.tracker = new ProgressTracker({
      runtimeNs: n.runtimeNs,
      rampNs: n.rampNs,
      totalIos: n.numberIos * n.numjobs,
      totalBytes: sizeBound ? (n.ioSize || n.size) * n.numjobs : 0,
    })
    this.handle = benchBinding().bench.start(n)
    if (job.steadyState) this.watch = new SteadyStateWatch(job.steadyState, this.handle)
    this.timer = setInterval(() => {
      if (this.listenerCount('progress') > 0)
        this.emit('progress', this.tracker.sample(this.handle.progress()))
    }, opts.progressIntervalMs ?? 1000)
    this.timer.unref()
    this.result = this.handle.result.then(
      (r) => this.finish(r),
      (e: unknown) => {
        this.stopTimer()
        if (e instanceof IoError) {
          const partial = (e as IoError & { partial?: NativeBenchResult }).partial
          if (partial) {
            this.writeLogs(partial)
            ;(e as BenchFailure).partial = this.build(partial)
          }
        }
        throw e
      },
    )
  }

  /** A snapshot of the counters, with rates since the last 'progress' event. */
  progress(): BenchProgress {
    return this.tracker.peek(this.handle.progress())
  }

  /** Stops submitting; requests in flight finish, and `result` settles with the figures so far. */
  stop(): void {
    this.handle.stop()
  }

  private build(r: NativeBenchResult): BenchResult {
    const result = buildResult(
      r,
      this.job,
      this.target.geometry,
      rawioVersion(),
      benchBinding().bench.histogram,
      hostname(),
    )
    if (this.watch) result.steadyState = this.watch.report()
    if (this.job.precondition) result.precondition = this.job.precondition
    return result
  }

  private finish(r: NativeBenchResult): BenchResult {
    this.stopTimer()
    this.writeLogs(r)
    return this.build(r)
  }

  /** write_iolog and fio's logs (also for a run that failed: what it did until then). */
  private writeLogs(r: NativeBenchResult): void {
    const failed = r.jobs.find((j) => j.invalidateErrno)?.invalidateErrno
    if (failed)
      this.job.warnings.push(
        `invalidate: the page cache of ${this.target.path} was not dropped (${errnoName(failed)}${failed === 13 ? ': only root may flush a block device' : ''}), as fio goes on`,
      )
    if (this.job.iologPath) this.job.warnings.push(...writeIologs(this.job.iologPath, this.target.path, r))
    if (this.job.logs)
      this.job.warnings.push(
        ...writeFioLogs(this.job.logs, r.jobs, this.job.native.fioThreadNumber ?? 1).warnings,
      )
  }

  private stopTimer(): void {
    this.watch?.stop()
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }
}

/** A job resolved against its target and past the write interlock, not started yet. */
export interface PreparedBench {
  job: ResolvedJob
  target: TargetInfo
}

/**
 * Resolves the options against the target and puts write and trim workloads on a block device
 * through the write interlock (lib/safety: mounted, swap, other holders, signatures; --force
 * overrides what can be overridden). No I/O: a job file's jobs are all prepared before any of
 * them starts. Rejects with UsageError, IoError or InterlockError.
 */
export async function prepareBench(
  path: string,
  options: JobOptions,
  opts: BenchRunOptions = {},
): Promise<PreparedBench> {
  if (hasRawBytes(path))
    throw new UsageError(`the target's name is not valid UTF-8: bench cannot open it by that name yet`)
  const rw = options.rw ?? 'read'
  const writes = rw !== 'read' && rw !== 'randread'
  const writable = !options.readonly && writes
  // The shell's image lock, unless the caller holds the target already (the shell's own device) or -U.
  const locks = opts.shared || options.force_share ? undefined : opts.locks
  const target = locks
    ? { path, geometry: locks.take(path, writable ? 'write' : 'read') }
    : probeTarget(path, writable)
  const job = resolveJob(options, target, binding().engines())
  job.warnings.push(...reportOptionWarnings(options))
  const ss = steadyStateSpec(options)
  if (ss) job.steadyState = ss
  if (opts.shared) job.native.exclusive = false
  const late = Date.now() - (job.native.startAtUs ?? 0) / 1000
  if (job.native.startAtUs && late > 0)
    job.warnings.push(`--start-at: the start time passed ${Math.round(late)} ms ago: starting at once`)
  if (writes && target.geometry.kind === 'block') {
    const result = await checkTarget(path, { force: !!options.force, holdsExclusive: !!opts.shared })
    if (!result.ok) throw new InterlockError(result)
    for (const f of result.overridden) job.warnings.push(`--force: writing although ${f.device} ${f.text}`)
  }
  return { job, target }
}

/** Prepares (prepareBench) and starts the run. */
export async function startBench(
  path: string,
  options: JobOptions,
  opts: BenchRunOptions = {},
): Promise<BenchRun> {
  const locks = opts.locks ?? new ImageLocks()
  try {
    const { job, target } = await prepareBench(path, options, { ...opts, locks })
    if (options.precondition)
      job.precondition = await runPrecondition(path, job, options, options.precondition, { ...opts, locks })
    if (job.startDelayNs > 0) await sleepNs(job.startDelayNs)
    const run = new BenchRun(job, target, opts)
    if (!opts.locks) run.result.then(release, release)
    return run
  } catch (e) {
    if (!opts.locks) locks.releaseAll()
    throw e
  }
  function release() {
    locks.releaseAll()
  }
}

/** startdelay: a plain timer (the job has not started; nothing is open). */
export function sleepNs(ns: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.ceil(ns / 1e6)))
}

/** Runs a job to the end: the library form of `rawio bench`. */
export async function bench(path: string, options: JobOptions = {}): Promise<BenchResult> {
  return (await startBench(path, options)).result
}

/** While `run` runs, SIGINT stops it cleanly (in-flight requests finish) instead of killing the process. */
export async function withSigint<T>(
  run: BenchRun,
  body: () => Promise<T>,
): Promise<{ value: T; interrupted: boolean }> {
  let interrupted = false
  const onSigint = () => {
    interrupted = true
    run.stop()
  }
  process.on('SIGINT', onSigint)
  try {
    return { value: await body(), interrupted }
  } finally {
    process.off('SIGINT', onSigint)
  }
}

export type { NativeGeometry }

function errnoName(n: number): string {
  return Object.entries(constants.errno).find(([, v]) => v === n)?.[0] ?? `errno ${n}`
}
