// The rule engine, with blkdebug.c's semantics (qemu 7.2): per-event rule lists (newest first), the
// active inject-error list an event replaces, the state machine, and breakpoints that suspend the
// request raising an event until `resume` (newest suspension first, as qemu's list).
import { constants } from 'node:os'
import { IoError } from '../errors'
import type { ConfigRule, InjectErrorRule, SetStateRule } from './config'
import { type BlkdebugEvent, type IoType, iotypeBit, isBlkdebugEvent } from './events'

interface SuspendRule {
  action: 'suspend'
  event: BlkdebugEvent
  state: 0
  tag: string
}
type Rule = InjectErrorRule | SetStateRule | SuspendRule

/** A request stopped at an event; it goes on once every suspension on it is resumed. */
interface Stopped {
  pending: number
  wake: () => void
  fail: (e: Error) => void
  site?: RequestSite
}

/** A request inside the layer (BlkdebugDriver enters one per request). */
export interface LayerRequest {
  /** Its caller waits for it and nothing else can resume it: a breakpoint fails it instead. */
  readonly waited: boolean
  /** What it is, for its IoError: the syscall it stands for, its range, the target. */
  readonly site: RequestSite
}

export interface RequestSite {
  syscall: string
  offset?: number
  length?: number
  path?: string
}

/**
 * The failure of a request stopped at a breakpoint that nothing can resume (qemu-io hangs there):
 * its caller waits for it synchronously, or the process was about to exit with it pending.
 */
export function suspendedError(tag: string, site: RequestSite = { syscall: 'blkdebug' }): IoError {
  return new IoError({
    code: 'ERR_RAWIO_SUSPENDED',
    errno: constants.errno.EDEADLK,
    detail: `request suspended at breakpoint '${tag}': nothing can resume it`,
    source: 'blkdebug',
    ...site,
  })
}
interface Suspension {
  tag: string
  req: Stopped
}

export interface Injection {
  errno: number
  immediately: boolean
}

export class BlkdebugError extends Error {
  readonly errno: number
  constructor(
    readonly code: 'ENOENT' | 'ETIMEDOUT' | 'EDEADLK' | 'ECANCELED',
    message: string,
  ) {
    super(message)
    this.name = 'BlkdebugError'
    this.errno = constants.errno[code]
  }
}

interface Waiter {
  tag: string
  resolve: () => void
  reject: (e: Error) => void
}

export interface WaitBreakOptions {
  /** Give up after this many milliseconds (default 10000; Infinity: only fail when nothing can come). */
  timeoutMs?: number
}

const tick = () => new Promise<void>((r) => setImmediate(r))

export class BlkdebugLayer {
  private stateValue = 1
  private readonly rules = new Map<BlkdebugEvent, Rule[]>()
  private ruleTotal = 0
  private active: InjectErrorRule[] = []
  private suspended: Suspension[] = []
  private readonly waiters = new Set<Waiter>()
  private readonly listeners = new Set<(text: string) => void>()
  private captured: string[] | null = null
  private tracer: ((event: BlkdebugEvent) => void) | null = null
  /** Requests inside the layer that are not suspended (wait_break's "can anything still come"). */
  private running = 0
  /** >0: a caller waits for the requests that enter now (a synchronous command). */
  private waiting = 0
  /** >0: a caller waits for every request (aio_flush): no suspension can be resumed. */
  private draining = 0
  /** At the natural end of the process nothing can resume a suspended request: fail them. */
  private readonly beforeExit = () => this.failSuspended()
  private exitHooked = false
  /** Writes since the last good flush, at the image level and at blkdebug's level (qemu's write_gen). */
  topGen = 0
  flushedTop = 0
  bdGen = 0
  flushedBd = 0

  constructor(rules: readonly ConfigRule[] = []) {
    for (const r of rules) this.insert(r)
  }

  private quiet = true

  /** True while nothing can happen: no rules, no active errors, no tracer (the fast path). */
  get idle(): boolean {
    return this.quiet
  }

  private refresh(): void {
    this.quiet = this.ruleTotal === 0 && this.active.length === 0 && this.tracer === null
  }

  get state(): number {
    return this.stateValue
  }

  /** Every 'blkdebug: ...' line, as qemu prints it (suspensions, and resumptions outside commands). */
  onMessage(fn: (text: string) => void): () => void {
    this.listeners.add(fn)
    return () => this.listeners.delete(fn)
  }

  /** Records every event raised (for tests and debugging). */
  trace(fn: ((event: BlkdebugEvent) => void) | null): void {
    this.tracer = fn
    this.refresh()
  }

  /** Runs fn with the layer's lines going to the returned list instead of the listeners. */
  async capture<T>(fn: () => Promise<T>): Promise<{ value: T; lines: string[] }> {
    const outer = this.captured
    const lines: string[] = []
    this.captured = lines
    try {
      return { value: await fn(), lines }
    } finally {
      this.captured = outer
      if (outer) outer.push(...lines)
    }
  }

  private emit(text: string): void {
    if (this.captured) this.captured.push(text)
    else for (const fn of this.listeners) fn(text)
  }

  private insert(rule: Rule): void {
    const list = this.rules.get(rule.event)
    if (list) list.unshift(rule)
    else this.rules.set(rule.event, [rule])
    this.ruleTotal++
    this.refresh()
  }

  private remove(rule: Rule): void {
    const list = this.rules.get(rule.event)
    const i = list ? list.indexOf(rule) : -1
    if (list && i >= 0) {
      list.splice(i, 1)
      this.ruleTotal--
      this.refresh()
    }
  }

  /**
   * blkdebug_co_debug_event(): resolves when every breakpoint it hit has been resumed. A request
   * that nothing can resume (`req.waited`, or while draining) fails at the breakpoint instead.
   */
  raise(event: BlkdebugEvent, req?: LayerRequest): Promise<void> | undefined {
    this.tracer?.(event)
    const list = this.rules.get(event)
    if (!list || list.length === 0) return undefined
    let injected = 0
    let newState = this.stateValue
    let stops = 0
    for (const rule of [...list]) {
      if (rule.state && rule.state !== this.stateValue) continue
      if (rule.action === 'inject-error') {
        if (injected++ === 0) this.active = []
        this.active.unshift(rule)
      } else if (rule.action === 'set-state') {
        newState = rule.newState
      } else {
        stops++
      }
    }
    this.stateValue = newState
    if (stops === 0) return undefined
    if (req?.waited || this.draining > 0) {
      let first = ''
      for (const rule of [...list]) {
        if (rule.action !== 'suspend') continue
        this.remove(rule)
        first ||= rule.tag
        this.emit(`blkdebug: Suspended request '${rule.tag}'`)
      }
      this.settleWaiters()
      return Promise.reject(suspendedError(first, req?.site))
    }
    return new Promise<void>((wake, fail) => {
      const stopped: Stopped = { pending: stops, wake, fail, site: req?.site }
      for (const rule of [...list]) {
        if (rule.action !== 'suspend') continue
        this.remove(rule)
        this.suspended.unshift({ tag: rule.tag, req: stopped })
        this.emit(`blkdebug: Suspended request '${rule.tag}'`)
      }
      this.running--
      this.hookExit()
      this.settleWaiters()
    })
  }

  /** A request enters the layer; `leave` when it ends. */
  enter(site: RequestSite): LayerRequest {
    this.track(1)
    return { waited: this.waiting > 0 || this.draining > 0, site }
  }

  leave(): void {
    this.track(-1)
  }

  /**
   * Runs fn, a caller that waits for the requests it starts (a synchronous command: no other
   * command can run until it ends): those of them that stop at a breakpoint fail instead.
   */
  async whileWaiting<T>(fn: () => Promise<T>): Promise<T> {
    this.waiting++
    try {
      return await fn()
    } finally {
      this.waiting--
    }
  }

  /**
   * Runs fn, a caller that waits for every request (aio_flush): the suspended requests fail, and so
   * does any that stops at a breakpoint meanwhile.
   */
  async whileDraining<T>(fn: () => Promise<T>): Promise<T> {
    this.draining++
    try {
      this.failSuspended()
      return await fn()
    } finally {
      this.draining--
    }
  }

  /** Fails every suspended request (each with the newest tag it is suspended under). */
  failSuspended(): number {
    const failed = new Map<Stopped, string>()
    for (const s of this.suspended) if (!failed.has(s.req)) failed.set(s.req, s.tag)
    this.suspended = []
    this.unhookExit()
    for (const [req, tag] of failed) {
      this.running++
      req.fail(suspendedError(tag, req.site))
    }
    if (failed.size > 0) this.settleWaiters()
    return failed.size
  }

  private hookExit(): void {
    if (this.exitHooked) return
    this.exitHooked = true
    process.on('beforeExit', this.beforeExit)
  }

  private unhookExit(): void {
    if (!this.exitHooked) return
    this.exitHooked = false
    process.off('beforeExit', this.beforeExit)
  }

  /** rule_check(): the active rule that fails this request, if any (removing it if `once`). */
  check(iotype: IoType, offset: number, bytes: number): Injection | null {
    if (this.active.length === 0) return null
    const bit = iotypeBit(iotype)
    const rule = this.active.find(
      (r) =>
        (r.offset === -1 || (bytes > 0 && r.offset >= offset && r.offset < offset + bytes)) &&
        r.iotypeMask & bit,
    )
    if (!rule?.errno) return null
    if (rule.once) {
      this.active.splice(this.active.indexOf(rule), 1)
      this.remove(rule) // refreshes idle
    }
    return { errno: rule.errno, immediately: rule.immediately }
  }

  /** A request enters (1) or leaves (-1) the layer. */
  track(delta: 1 | -1): void {
    this.running += delta
    if (delta < 0 && this.running === 0 && this.waiters.size > 0) setImmediate(() => this.settleWaiters())
  }

  /** `break EVENT TAG`. */
  addBreakpoint(event: string, tag: string): void {
    if (!isBlkdebugEvent(event)) throw new BlkdebugError('ENOENT', `no such blkdebug event '${event}'`)
    this.insert({ action: 'suspend', event, state: 0, tag })
  }

  hasBreakpoint(tag: string): boolean {
    for (const list of this.rules.values())
      if (list.some((r) => r.action === 'suspend' && r.tag === tag)) return true
    return false
  }

  isSuspended(tag: string): boolean {
    return this.suspended.some((s) => s.tag === tag)
  }

  /** `break EVENT TAG`: suspends the next request that raises EVENT. ENOENT for an unknown event. */
  async break(event: string, tag: string): Promise<void> {
    this.addBreakpoint(event, tag)
  }

  /** `resume TAG`: resumes the newest request suspended under tag. ENOENT when there is none. */
  async resume(tag: string): Promise<void> {
    if (!(await this.resumeOne(tag))) throw new BlkdebugError('ENOENT', `no request suspended under '${tag}'`)
  }

  /** `remove_break TAG`: removes its breakpoints, resumes its requests. ENOENT when neither exists. */
  async removeBreak(tag: string): Promise<{ removed: number; resumed: number }> {
    const r = await this.removeBreakpoint(tag)
    if (r.removed === 0 && r.resumed === 0) throw new BlkdebugError('ENOENT', `no breakpoint tagged '${tag}'`)
    return r
  }

  /** Resumes the newest request suspended under tag; false when there is none. */
  async resumeOne(tag: string): Promise<boolean> {
    const i = this.suspended.findIndex((s) => s.tag === tag)
    if (i < 0) return false
    const [s] = this.suspended.splice(i, 1)
    if (this.suspended.length === 0) this.unhookExit()
    this.emit(`blkdebug: Resuming request '${tag}'`)
    if (--s.req.pending === 0) {
      this.running++
      s.req.wake()
    }
    // qemu runs the request on until it waits again: let it reach its next suspension or I/O
    await tick()
    return true
  }

  /** Removes the breakpoints tagged tag and resumes every request suspended under it. */
  async removeBreakpoint(tag: string): Promise<{ removed: number; resumed: number }> {
    let removed = 0
    for (const list of this.rules.values())
      for (const rule of [...list])
        if (rule.action === 'suspend' && rule.tag === tag) {
          this.remove(rule)
          removed++
        }
    let resumed = 0
    while (await this.resumeOne(tag)) resumed++
    this.settleWaiters()
    return { removed, resumed }
  }

  /** Resolves once a request tagged tag is suspended; never hangs (see WaitBreakOptions). */
  waitBreak(tag: string, opts: WaitBreakOptions = {}): Promise<void> {
    if (this.isSuspended(tag)) return Promise.resolve()
    if (!this.hasBreakpoint(tag))
      return Promise.reject(
        new BlkdebugError('ENOENT', `no breakpoint and no suspended request tagged '${tag}'`),
      )
    const timeoutMs = opts.timeoutMs ?? 10_000
    return new Promise<void>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined
      const done = (e?: Error) => {
        if (!this.waiters.delete(w)) return
        if (timer) clearTimeout(timer)
        if (e) reject(e)
        else resolve()
      }
      const w: Waiter = { tag, resolve: () => done(), reject: done }
      this.waiters.add(w)
      if (Number.isFinite(timeoutMs))
        timer = setTimeout(
          () =>
            done(new BlkdebugError('ETIMEDOUT', `no request reached breakpoint '${tag}' in ${timeoutMs} ms`)),
          timeoutMs,
        )
      // requests started in the same tick as the wait still count
      setImmediate(() => this.settleWaiters())
    })
  }

  private settleWaiters(): void {
    for (const w of [...this.waiters]) {
      if (this.isSuspended(w.tag)) w.resolve()
      else if (!this.hasBreakpoint(w.tag))
        w.reject(new BlkdebugError('ENOENT', `breakpoint '${w.tag}' was removed while waiting for it`))
      else if (this.running <= 0)
        w.reject(new BlkdebugError('EDEADLK', `no request in flight can reach breakpoint '${w.tag}'`))
    }
  }

  /** At close: drops the breakpoints and lets every suspended request go, so that close cannot hang. */
  async shutdown(): Promise<void> {
    for (const list of this.rules.values())
      for (const rule of [...list]) if (rule.action === 'suspend') this.remove(rule)
    while (this.suspended.length > 0) await this.resumeOne(this.suspended[0].tag)
    for (const w of [...this.waiters]) w.reject(new BlkdebugError('ECANCELED', 'the image was closed'))
  }
}
