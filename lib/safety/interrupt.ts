// SIGINT/SIGTERM for long commands, aio batches and bench runs. The first signal sets the
// stop flag, aborts `abortSignal` and runs the stop callbacks in order (stop submitting, wait
// for the requests in flight, print a partial report); then the process exits 130 (SIGINT) or
// 143 (SIGTERM). A second signal exits at once. Requests already in the kernel are never
// abandoned by the first signal: callbacks wait for them.
import { constants } from 'node:os'
import { diagnostic } from '../report'

export type StopCallback = (signal: NodeJS.Signals) => void | Promise<void>

export interface InterruptOptions {
  /** Signals to catch (default SIGINT and SIGTERM). */
  signals?: readonly NodeJS.Signals[]
  /**
   * After the callbacks: true (default) exits with 128+signal; false does not exit, so that the
   * program ends by itself (the shell: cancel the command, keep the prompt). Either way
   * process.exitCode is 128+signal from the first signal on.
   */
  exitAfterStop?: boolean
  /** One line printed on the first signal (default none). */
  notice?: string
  /** Where notices go (default process.stderr). */
  stderr?: { write(s: string): unknown }
  /** Ends the process (default process.exit). */
  exit?: (code: number) => void
}

/** The shell's exit status for a death by signal: 128 + its number (SIGINT 130, SIGTERM 143). */
export function exitStatusFor(signal: NodeJS.Signals): number {
  const n = constants.signals[signal]
  if (n === undefined) throw new RangeError(`unknown signal ${signal}`)
  return 128 + n
}

export class Interrupt {
  private readonly signals: readonly NodeJS.Signals[]
  private readonly opts: InterruptOptions
  private readonly callbacks = new Set<StopCallback>()
  private controller = new AbortController()
  private received: NodeJS.Signals | null = null
  private installed = false
  private stopping: Promise<void> | null = null
  private readonly handler = (signal: NodeJS.Signals) => this.trigger(signal)

  constructor(opts: InterruptOptions = {}) {
    this.opts = opts
    this.signals = opts.signals ?? ['SIGINT', 'SIGTERM']
  }

  /** True once a signal has asked to stop: stop submitting. */
  get stopped(): boolean {
    return this.received !== null
  }

  /** The first signal received, or null. */
  get signal(): NodeJS.Signals | null {
    return this.received
  }

  /** Aborted on the first signal (for APIs that take an AbortSignal). */
  get abortSignal(): AbortSignal {
    return this.controller.signal
  }

  /** 130/143 once a signal arrived, else null. */
  get exitCode(): number | null {
    return this.received ? exitStatusFor(this.received) : null
  }

  /** Resolves when the stop callbacks have run (immediately when no signal came). */
  get settled(): Promise<void> {
    return this.stopping ?? Promise.resolve()
  }

  /** Registers a stop callback; returns its removal. */
  onStop(cb: StopCallback): () => void {
    this.callbacks.add(cb)
    return () => this.callbacks.delete(cb)
  }

  install(): this {
    if (!this.installed) {
      for (const s of this.signals) process.on(s, this.handler)
      this.installed = true
    }
    return this
  }

  dispose(): void {
    if (!this.installed) return
    for (const s of this.signals) process.off(s, this.handler)
    this.installed = false
  }

  /** Re-arms after a handled stop (the shell, between commands); callbacks stay registered. */
  reset(): void {
    if (this.received && process.exitCode === exitStatusFor(this.received)) process.exitCode = undefined
    this.received = null
    this.stopping = null
    this.controller = new AbortController()
  }

  /** What a signal does; also callable directly. */
  trigger(signal: NodeJS.Signals): void {
    const out = this.opts.stderr ?? process.stderr
    const exit = this.opts.exit ?? ((code: number) => process.exit(code))
    if (this.received) {
      out.write(`${diagnostic(`${signal} again; exiting now without waiting`)}\n`)
      exit(exitStatusFor(this.received))
      return
    }
    this.received = signal
    if (this.opts.notice) out.write(`${this.opts.notice}\n`)
    this.controller.abort(new Error(`interrupted by ${signal}`))
    const code = exitStatusFor(signal)
    // If the program runs out of work and ends by itself, it still ends with 130/143.
    process.exitCode = code
    // Stay alive until the callbacks are done, even when they wait on nothing that holds the loop.
    const keepAlive = setInterval(() => {}, 1 << 30)
    this.stopping = (async () => {
      for (const cb of [...this.callbacks]) {
        try {
          await cb(signal)
        } catch (e) {
          out.write(`${diagnostic(e instanceof Error ? e.message : String(e), 'while stopping')}\n`)
        }
      }
    })()
    void this.stopping.then(() => {
      clearInterval(keepAlive)
      if (this.opts.exitAfterStop ?? true) exit(code)
    })
  }
}

/** Creates and installs an Interrupt (see InterruptOptions). */
export function installInterrupt(opts: InterruptOptions = {}): Interrupt {
  return new Interrupt(opts).install()
}
