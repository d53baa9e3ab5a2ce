// A session: the open image (or none), how it was opened, the aio requests in flight and the one
// reporter. run(line) is qemuio_command(): split, find, check, parse, execute, report.
import type { BlkdebugLayer } from '../blkdebug/layer'
import type { AlignMode, CacheMode, Device, DeviceHooks, EngineChoice } from '../device'
import { processSink, Reporter } from '../report'
import { combineHooks, isInterlockFailure as isInterlockError, lazyInterlockHooks } from '../safety/hooks'
import type { InterlockOptions } from '../safety/interlock'
import { AioQueue } from './aio-queue'
import type { IoOutcome } from './io'
import { openDevice, relock, writePermissionError } from './open-image'
import { breakline, parseArgs } from './parse'
import { raiseSignal, SURVIVED } from './signals'
import { arityError, type Command, CommandStop, failErr, failReport, type Line, PROGRAM } from './spec'
import type { AioJob, DiscardMode, ImageOptions, SessionState } from './state'
import { findCommand, loadCommands } from './table'

export interface SessionOptions {
  reporter?: Reporter
  /** -m: buffers 16 bytes off alignment. */
  misalign?: boolean
  engine?: EngineChoice
  align?: AlignMode
  /** --force: write to block devices despite what the interlock overrides (signatures, holders). */
  force?: boolean
  /** More hooks for every open (fault injection); the write interlock is always installed first. */
  hooks?: DeviceHooks
  /** abort and sigraise; by default the signal is raised for real. */
  raise?: (signal: number) => void
  /** Called after reports printed while no command runs (the shell redraws its prompt). */
  onAsyncOutput?: () => void
}

/** What one command did. `ok` false is what makes qemu-io exit with status 1. */
export interface CommandResult {
  /** The command's name (not the alias typed), or null for an empty line or an unknown command. */
  command: string | null
  ok: boolean
  /** errno name ('EIO') or ERR_RAWIO_*, when not ok. */
  code?: string
  /** The message printed for the failure. */
  error?: string
  op?: string
  offset?: number
  bytes?: number
  ops?: number
  ns?: number
  /** What a read returned. */
  data?: Uint8Array
  /** An aio request was submitted; its report comes later. */
  pending?: boolean
  /** quit was run: the caller stops reading commands. */
  quit?: boolean
}

export class Session implements SessionState {
  device: Device | null = null
  image: ImageOptions | null = null
  readonly misalign: boolean
  readonly engine: EngineChoice
  readonly align: AlignMode
  readonly out: Reporter
  readonly force: boolean
  private readonly interlock: InterlockOptions
  private readonly hooks: DeviceHooks
  private readonly aio = new AioQueue()
  private asyncFailures = 0
  private readonly raiser: (signal: number) => void
  private readonly onAsyncOutput: () => void
  private busy = 0
  private quitRequested = false
  private cancelSleep: (() => void) | null = null
  private cancelOpen: (() => void) | null = null
  /** Commands started by run() and not yet ended (from before their module loads). */
  private running = 0
  /**
   * Set by interrupt() while a command runs and cleared when none does: a wait the command has not
   * reached yet (its module still loading, a sleep after an open) ends at once instead of missing it.
   */
  private cancelled = false
  /** The open image's blkdebug layer (blkdebug:CONFIG:PATH), else null. */
  private layer: BlkdebugLayer | null = null
  /** qemu's BLK_PERM_WRITE on the open image: taken at a writable open or a first write, then kept. */
  private writeGranted = false

  constructor(options?: SessionOptions) {
    if (options !== undefined && (typeof options !== 'object' || options === null))
      throw new TypeError('options must be an object')
    const opts = options ?? {}
    this.out = opts.reporter ?? new Reporter(processSink)
    this.misalign = !!opts.misalign
    this.engine = opts.engine ?? 'auto'
    this.align = opts.align ?? 'auto'
    this.force = !!opts.force
    this.interlock = {
      force: this.force,
      onOverride: (r) =>
        this.out.error(
          `${PROGRAM}: warning: writing despite: ${r.overridden.map((f) => f.text).join('; ')} (--force)`,
        ),
    }
    this.hooks = combineHooks(lazyInterlockHooks(this.interlock), opts.hooks)
    this.raiser = opts.raise ?? raiseSignal
    this.onAsyncOutput = opts.onAsyncOutput ?? (() => {})
    this.aio.onComplete = () => {
      if (this.busy === 0) setImmediate(() => this.deliverIdle())
    }
    this.aio.onError = (e) => this.internalError(e)
  }

  /** The open image's path (bench and other tools take it from here). */
  get path(): string | undefined {
    return this.device?.path
  }

  get quit(): boolean {
    return this.quitRequested
  }

  /** True once an aio request failed in a way that counts (the interlock refused it). */
  get asyncFailed(): boolean {
    return this.asyncFailures > 0
  }

  /** Requests in flight. */
  get pendingAio(): number {
    return this.aio.pending
  }

  findCommand(name: string): Promise<Command | undefined> {
    return findCommand(name)
  }

  loadCommands(): Promise<readonly Command[]> {
    return loadCommands()
  }

  /** Runs one command line and prints what qemu-io would print. Never throws for the user's mistakes. */
  async run(line: string): Promise<CommandResult> {
    if (typeof line !== 'string') throw new TypeError(`a command line must be a string, got ${line}`)
    this.running++
    try {
      return await this.runLine(line)
    } finally {
      if (--this.running === 0) this.cancelled = false
    }
  }

  private async runLine(line: string): Promise<CommandResult> {
    const argv = breakline(line)
    if (argv.length === 0) return { command: null, ok: true }
    const cmd = await findCommand(argv[0])
    if (!cmd)
      return this.stopped(null, new CommandStop([{ stream: 'err', text: `command "${argv[0]}" not found` }]))
    const flags = cmd.flags ?? []
    if (!flags.includes('global') && !flags.includes('nofile-ok') && !this.device) {
      return this.stopped(cmd, new CommandStop([{ stream: 'err', text: "no file open, try 'help open'" }]))
    }
    const arity = arityError(cmd, argv)
    if (arity) return this.stopped(cmd, new CommandStop([{ stream: 'err', text: arity }]))
    if ((flags.includes('write') || flags.includes('resize')) && this.device?.readOnly) {
      return this.stopped(
        cmd,
        new CommandStop([{ stream: 'err', text: `${PROGRAM}: Block node is read-only` }]),
      )
    }
    if (flags.includes('write') && !this.writeGranted && this.device) {
      // qemu-io's command() takes the write permission when a command first needs it, and keeps
      // it: after `reopen -w -c none` of an image whose size O_DIRECT cannot write, writes fail here.
      const perm = writePermissionError(this.device, this.device.direct)
      if (perm) return this.stopped(cmd, failReport(perm, 'EPERM'))
      this.writeGranted = true
    }
    this.busy++
    try {
      const parsed = parseArgs(cmd, argv)
      this.print(parsed.lines)
      const exec = () => cmd.execute({ session: this, out: this.out, argv0: argv[0] }, parsed.request)
      // Until this command ends no other runs: unless it is an aio one, nothing can resume a request
      // it starts that stops at a blkdebug breakpoint (qemu-io hangs; the request fails instead).
      const layer = this.layer
      const res = await (layer && !flags.includes('async') ? layer.whileWaiting(exec) : exec())
      cmd.report?.(res, this.out, parsed.request)
      return this.resultOf(cmd, res)
    } catch (e) {
      if (e instanceof CommandStop) return this.stopped(cmd, e)
      // The interlock's refusal is one line wherever it surfaces, never an internal error.
      if (isInterlockError(e)) return this.stopped(cmd, failErr(e.message, e.code))
      this.internalError(e)
      return { command: cmd.name, ok: false, code: 'ERR_RAWIO_INTERNAL', error: String(e) }
    } finally {
      this.busy--
      if (this.aio.deliverable > 0 && this.busy === 0) setImmediate(() => this.deliverIdle())
    }
  }

  private resultOf(cmd: Command, res: unknown): CommandResult {
    const result: CommandResult = { command: cmd.name, ok: true }
    if (this.quitRequested) result.quit = true
    if (res && typeof res === 'object') {
      const r = res as Partial<IoOutcome> & { failed?: boolean; submitted?: boolean }
      if (r.op !== undefined) {
        Object.assign(result, { op: r.op, offset: r.offset, bytes: r.total, ops: r.ops, ns: r.ns })
        if (r.data) result.data = r.data
      }
      if (r.submitted) result.pending = true
      if (r.failed) {
        result.ok = false
        result.code = 'EINVAL'
        if (r.mismatch) result.error = r.mismatch
      }
    }
    return result
  }

  private stopped(cmd: Command | null, stop: CommandStop): CommandResult {
    this.print(stop.lines)
    const error = stop.lines.map((l) => l.text).join('\n')
    if (this.out.mode === 'json') {
      this.out.result({
        command: cmd?.name ?? null,
        ok: !stop.failed,
        [stop.failed ? 'error' : 'message']: error,
      })
    }
    return { command: cmd?.name ?? null, ok: !stop.failed, code: stop.code, error }
  }

  private print(lines: readonly Line[]): void {
    for (const l of lines) {
      if (l.stream === 'err') this.out.error(l.text)
      else this.out.info(l.text)
    }
  }

  private internalError(e: unknown): void {
    const why = e instanceof Error ? e.message : String(e)
    this.out.error(`${PROGRAM}: internal error: ${why}`)
  }

  private deliverIdle(): void {
    if (this.busy > 0 || this.aio.deliverable === 0) return
    this.aio.deliver()
    this.onAsyncOutput()
  }

  // --- SessionState -------------------------------------------------------------------------------

  async openImage(path: string, opts: ImageOptions, label: string | null = path): Promise<void> {
    // an open that waits (a FIFO blkdebug config) ends at SIGINT/SIGTERM (interrupt())
    const abort = new AbortController()
    if (this.cancelled) abort.abort()
    this.cancelOpen = () => abort.abort()
    try {
      const env = { engine: this.engine, align: this.align, hooks: this.hooks, signal: abort.signal }
      this.device = await openDevice(path, opts, env, label)
    } finally {
      this.cancelOpen = null
    }
    this.image = { ...opts }
    this.layer = null
    this.writeGranted = !opts.readOnly
    if (path.startsWith('blkdebug:')) {
      // Requests suspended at a breakpoint (or resumed) outside a command print as qemu-io's do.
      const { blkdebugOf } = await import('../blkdebug/index.js')
      this.layer = blkdebugOf(this.device) ?? null
      this.layer?.onMessage((text) => this.out.info(text))
    }
  }

  async closeImage(): Promise<void> {
    // close lets every request suspended at a breakpoint go on first (docs/blkdebug.md), then waits
    await this.layer?.shutdown()
    await this.drainAio()
    const dev = this.device
    this.device = null
    this.image = null
    this.layer = null
    if (dev) await dev.close()
  }

  async reopenImage(change: { readOnly?: boolean; cache?: CacheMode; discard?: DiscardMode }): Promise<void> {
    const dev = this.device
    const image = this.image
    if (!dev || !image) return
    await this.drainAio()
    const before = { readOnly: dev.readOnly, cache: dev.cache }
    const noLock = image.forceShare || image.locking === false
    await dev.reopen({ readOnly: change.readOnly, cache: change.cache })
    try {
      relock(dev, dev.readOnly, noLock)
    } catch (e) {
      await dev.reopen(before)
      relock(dev, dev.readOnly, noLock)
      throw e
    }
    image.readOnly = dev.readOnly
    image.cache = dev.cache
    if (change.discard) image.discard = change.discard
  }

  async guardWrite(): Promise<void> {
    if (this.device) await (await import('../safety/interlock.js')).guardDevice(this.device, this.interlock)
  }

  trackAio(job: AioJob): void {
    this.aio.track(job)
  }

  recordAsyncFailure(): void {
    this.asyncFailures++
  }

  /** Waits for every aio request; those stopped at a blkdebug breakpoint fail (nothing can resume them). */
  async drainAio(): Promise<void> {
    const layer = this.layer
    await (layer ? layer.whileDraining(() => this.aio.idle()) : this.aio.idle())
    this.aio.deliver()
  }

  async poll(): Promise<void> {
    // One turn of the event loop first, so completions already in the kernel are reaped.
    if (this.aio.pending > 0) await new Promise<void>((resolve) => setImmediate(resolve))
    this.aio.deliver()
  }

  requestQuit(): void {
    this.quitRequested = true
  }

  raise(signal: number): void {
    // Signals qemu-io blocks, handles or ignores (and numbers raise() refuses) change nothing.
    if (SURVIVED.has(signal)) return
    this.raiser(signal)
  }

  async sleep(ms: number): Promise<void> {
    // qemu's main loop runs while it sleeps: completions print as they come.
    const busy = this.busy
    this.busy = 0
    this.deliverIdle()
    try {
      let left = this.cancelled ? 0 : ms
      while (left > 0) {
        const step = Math.min(left, 2 ** 31 - 1)
        const cancelled = await new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => resolve(false), step)
          this.cancelSleep = () => {
            clearTimeout(timer)
            resolve(true)
          }
        })
        if (cancelled) break
        left -= step
      }
    } finally {
      this.cancelSleep = null
      this.busy = busy
    }
  }

  /**
   * Ctrl-C, SIGINT, SIGTERM: ends the running command's sleep or waiting open, now or when it comes
   * to it (a signal can arrive while the command is still loading). Returns false when no command
   * runs, so nothing was interrupted.
   */
  interrupt(): boolean {
    if (this.running === 0) return false
    this.cancelled = true
    this.cancelOpen?.()
    this.cancelSleep?.()
    return true
  }

  async bench(args: string[]): Promise<number> {
    const where = '../bench/command.js'
    let mod: { runBenchCommand?: (s: Session, a: string[], r: Reporter) => Promise<number> }
    try {
      mod = await import(where)
    } catch {
      this.out.error(`${PROGRAM}: bench is not available in this build (lib/bench/command is missing)`)
      return 1
    }
    if (typeof mod.runBenchCommand !== 'function') {
      this.out.error(`${PROGRAM}: bench is not available in this build (runBenchCommand is missing)`)
      return 1
    }
    return mod.runBenchCommand(this, args, this.out)
  }

  /** Waits for aio requests (printing their reports) and closes the image: what qemu-io does at exit. */
  async close(): Promise<void> {
    await this.closeImage()
  }
}
