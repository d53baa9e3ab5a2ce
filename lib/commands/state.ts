// What commands may ask of the session that runs them. Session implements it; commands depend on this
// interface only, so the command modules never import the session (nor each other).
import type { AlignMode, CacheMode, Device, EngineChoice } from '../device'
import type { Command } from './spec'

/** qemu's discard option: 'ignore' (= off) makes discard a no-op; 'unmap' (= on) punches holes. */
export type DiscardMode = 'ignore' | 'unmap'
/** qemu's aio option. 'native' is Linux AIO in qemu; rawio serves it with io_uring. */
export type AioMode = 'threads' | 'io_uring' | 'native'

/** How an image is opened: qemu-io's open flags, as `open` and the command line give them. */
export interface ImageOptions {
  readOnly: boolean
  cache: CacheMode
  discard: DiscardMode
  aio?: AioMode
  /** -k: qemu's BDRV_O_NATIVE_AIO. */
  nativeAio?: boolean
  /** -U: no image lock (read-only images only, as in qemu). */
  forceShare: boolean
  /** The driver (-f / -o driver=...): raw, file or host_device; undefined means raw, unprobed. */
  format?: string
  /** The raw format's window into the target (offset=, size=). */
  offset?: number
  size?: number
  /** The protocol under the format (file.driver=, or a `file:` prefix): file or host_device. */
  protocol?: string
  /** file.locking=off: take no image lock (unlike force-share, also for writers). */
  locking?: boolean
}

export const defaultImageOptions: ImageOptions = {
  readOnly: false,
  cache: 'writethrough',
  discard: 'unmap',
  forceShare: false,
}

/** An asynchronous request: what to print once it settles. */
export interface AioJob {
  promise: Promise<unknown>
  /** Called with the resolved value, or with the error; prints the report. */
  settle(result: { ok: true; value: unknown } | { ok: false; error: unknown }): void
}

export interface SessionState {
  readonly device: Device | null
  readonly image: ImageOptions | null
  /** -m: every buffer 16 bytes off alignment. */
  readonly misalign: boolean
  readonly engine: EngineChoice
  readonly align: AlignMode
  /** The command table, sorted by name (loaded on demand). */
  loadCommands(): Promise<readonly Command[]>
  findCommand(name: string): Promise<Command | undefined>
  /** Opens `path` as the session's image; throws CommandStop with qemu's "can't open device" text. */
  openImage(path: string, opts: ImageOptions, label?: string | null): Promise<void>
  closeImage(): Promise<void>
  /** Changes read-only status, cache mode and discard mode in place (reopen). */
  reopenImage(change: { readOnly?: boolean; cache?: CacheMode; discard?: DiscardMode }): Promise<void>
  /**
   * Runs the write interlock for the open image now: for commands that write through an open of
   * their own (align -w). Throws InterlockError to refuse; warns when --force overrides.
   */
  guardWrite(): Promise<void>
  /** Submits nothing itself: tracks a request already started. */
  trackAio(job: AioJob): void
  /** An aio request failed in a way that counts (the interlock refused it): the exit status is 1. */
  recordAsyncFailure(): void
  /** Waits for every request in flight, then prints their reports. */
  drainAio(): Promise<void>
  /** Prints the reports of requests that completed meanwhile (qemu's aio_poll inside a command). */
  poll(): Promise<void>
  requestQuit(): void
  /** raise(3): abort and sigraise. */
  raise(signal: number): void
  /** Waits `ms` milliseconds; Ctrl-C in the shell ends it early. */
  sleep(ms: number): Promise<void>
  /** Runs `rawio bench`-style benchmarks from the shell (lib/bench/command). */
  bench(args: string[]): Promise<number>
}
