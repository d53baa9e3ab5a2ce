// Loads the addon (node-gyp-build: a prebuild or build/Release), types its surface,
// and says how to fix a failed load.
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import type { NativeBench } from './bench/binding'
import type { BuildReport } from './capabilities'
import { IoError, setStrerror } from './errors'
import { type RawNativeDeviceClass, withPromises } from './native-io'
import type { NativeSafety } from './safety/binding'

export interface NativeGeometry {
  kind: 'block' | 'file'
  size: number
  logicalBlockSize: number
  physicalBlockSize: number
  dioMemAlign: number
  dioOffsetAlign: number
  dioAlignSource: 'statx' | 'block-size'
  minIo: number
  optIo: number
  maxTransfer: number
  discardGranularity: number
  discardMax: number
  writeZeroesMax: number
  rotational: boolean | null
  zoned: string
  readOnly: boolean
  dmaAlignment: number
  fsBlockSize: number
}

export interface NativeOpenOptions {
  readOnly?: boolean
  direct?: boolean
  exclusive?: boolean
  engine?: 'auto' | 'io_uring' | 'threads' | 'libaio'
  depth?: number
  spinUs?: number
  completion?: 'epoll' | 'adaptive'
  autoRegister?: boolean
}

export interface NativeDeviceInfo {
  path: string
  open: boolean
  fd: number
  engine: 'io_uring' | 'threads' | 'libaio' | 'closed'
  kind: 'block' | 'file'
  direct: boolean
  exclusive: boolean
  readOnly: boolean
  inFlight: number
  /** Buffers in the engine's fixed-buffer table now (qemu-io's -r). */
  registeredBuffers: number
  /** allocBuffer blocks the device put in that table on its own, as requests kept using them. */
  autoRegisteredBuffers: number
  /** Reads and writes the ring ran with a fixed-buffer opcode (READ_FIXED, WRITEV_FIXED, ...). */
  fixedIo: number
  /** Vectored requests in a registered buffer run as READV_FIXED/WRITEV_FIXED (Linux 6.15+). */
  fixedVectored: boolean
  /** Batches the pump handed to the kernel since the open (one io_uring_enter each with the ring). */
  commits: number
  /** Reaps that found whole requests since the open, and the requests they settled. */
  reaps: number
  reaped: number
  /** Of those reaps, the ones the pump's poll found (the rest: the loop woke from epoll). */
  spinReaps: number
  /** How the pump waits for completions at low depth (native/napi/wait_policy.h). */
  wait: WaitInfo
}

/** What one way of waiting measured on the device, per request. */
export interface WaitEstimate {
  /** Round trip, submit to reap: a moving average of each window's median. */
  rttNs: number
  /** The JS thread's CPU time (user + system). */
  cpuNs: number
}

export interface WaitInfo {
  /** The way the loop waits now: asleep in epoll, or polling the ring. */
  mode: 'sleep' | 'spin'
  /** The way the estimates favour; differs from mode only while the other way is re-measured. */
  chosen: 'sleep' | 'spin'
  /** completion: 'adaptive' (false: 'epoll', or a fixed spinUs). */
  adaptive: boolean
  /** Measuring windows closed so far (32 low-depth requests each). */
  windows: number
  sleep: WaitEstimate | null
  spin: WaitEstimate | null
}

export type Buffers = Uint8Array | Uint8Array[]

/** What the kernel said about one request. */
export interface NativeResult {
  /** Bytes really transferred (a read that met EOF: what it read); for space operations, the range's length. */
  bytes: number
  /** The engine's submit-to-completion time in nanoseconds (monotonic clock). */
  ns: number
}

export interface NativeDevice {
  read(buffers: Buffers, offset: number): Promise<NativeResult>
  write(buffers: Buffers, offset: number, fua: boolean): Promise<NativeResult>
  space(op: number, offset?: number, length?: number): Promise<NativeResult>
  probe(): NativeGeometry
  seek(offset: number, whence: 'data' | 'hole'): number
  reopen(opts: { readOnly?: boolean; direct?: boolean }): void
  lock(kind: 'read' | 'write' | 'unlock'): boolean
  close(): void
  info(): NativeDeviceInfo
  /**
   * The memory of `view`'s ArrayBuffer joins the engine's fixed buffers: the slot, or -errno
   * (-ENOTSUP on the thread pool). Only for buffers the caller never hands to other code.
   */
  registerBuffer(view: Uint8Array): number
  /** The slot's buffer leaves the table once the requests using it have settled. */
  unregisterBuffer(slot: number): void
}

export interface EngineReport {
  io_uring: boolean
  ioUringBuilt: boolean
  threads: boolean
  ioUringReason?: string
  /** Linux AIO (io_setup works); absent from addons older than the libaio engine. */
  libaio?: boolean
  libaioReason?: string
}

/** Everything the addon exports (native/addon.cc). */
export interface Binding {
  NativeDevice: new (path: string | Buffer, opts: NativeOpenOptions) => NativeDevice
  ops: {
    flush: number
    fsync: number
    zeroRange: number
    punchHole: number
    blkDiscard: number
    blkZeroout: number
    truncate: number
  }
  engines(): EngineReport
  setErrorClass(cls: typeof IoError): void
  strerror(errno: number): string
  errnoName(errno: number): string
  alignOffset(view: Uint8Array, align: number): number
  /** native/napi/js_buffers.cc: zeroed native memory, misalign bytes past an align boundary. */
  allocBuffer(size: number, align: number, misalign: number): Uint8Array
  /** native/bench: benchmark jobs run natively (types in lib/bench/binding.ts). */
  bench: NativeBench
  /** native/safety: the write interlock's probes (types in lib/safety/binding.ts). */
  safety: NativeSafety
  /** native/napi/build_info.cc: what the build has (types in lib/capabilities.ts). */
  build: BuildReport
  /** native/integrity: the one stamp codec (docs/integrity.md). */
  stamp: NativeStamp
}

/**
 * The stamp codec over a run of whole `bs` blocks, the first at device offset `offset`: fill
 * writes the stamps, classify returns a kind per block (an index into `kinds`); `gen` is one
 * generation for every block or one per block. The Async forms run on libuv's pool (every core)
 * and keep the buffer until they settle.
 */
export interface NativeStamp {
  fill(buf: Uint8Array, offset: number, seed: number, gen: number, bs: number, timestamp: bigint): void
  classify(buf: Uint8Array, offset: number, seed: number, gen: number | Uint32Array, bs: number): Uint8Array
  fillAsync(
    buf: Uint8Array,
    offset: number,
    seed: number,
    gen: number,
    bs: number,
    timestamp: bigint,
  ): Promise<void>
  classifyAsync(
    buf: Uint8Array,
    offset: number,
    seed: number,
    gen: number | Uint32Array,
    bs: number,
  ): Promise<Uint8Array>
  /** BlockKind names, in the order of the kinds classify returns. */
  kinds: readonly string[]
}

function isRawioRoot(dir: string): boolean {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === 'rawio'
  } catch {
    return false
  }
}

/** The package root: lib/ under vitest, dist/lib/ once compiled (found by its package.json). */
export const packageRoot =
  [resolve(__dirname, '..'), resolve(__dirname, '../..')].find(isRawioRoot) ?? resolve(__dirname, '../..')

/** Which addon file was loaded, and how it was found (for `rawio -V`). */
export interface AddonOrigin {
  kind: 'local build' | 'prebuild' | 'RAWIO_ADDON'
  path: string
}

let origin: AddonOrigin | undefined

/** The addon file in use, once binding() has loaded it. */
export function addonOrigin(): AddonOrigin | undefined {
  return origin
}

function locate(): AddonOrigin {
  const override = process.env.RAWIO_ADDON // e.g. the ASan build of scripts/sanitize.sh
  if (override) return { kind: 'RAWIO_ADDON', path: resolve(override) }
  // The usual case, a local build, is loaded directly: node-gyp-build's directory scan
  // (prebuilds/ for a matching platform tag) costs start-up time that `rawio -c` feels.
  const local = join(packageRoot, 'build', 'Release', 'rawio.node')
  if (existsSync(local)) return { kind: 'local build', path: local }
  const found = (require('node-gyp-build') as { resolve(dir: string): string }).resolve(packageRoot)
  return { kind: found.startsWith(join(packageRoot, 'prebuilds')) ? 'prebuild' : 'local build', path: found }
}

function load(): Binding {
  try {
    const where = locate()
    const binding = require(where.path) as Binding
    // the addon's device submits and names requests; its promises are made in JS
    binding.NativeDevice = withPromises(binding.NativeDevice as unknown as RawNativeDeviceClass)
    origin = where
    binding.setErrorClass(IoError)
    setStrerror(binding.strerror)
    return binding
  } catch (e) {
    const why = (e instanceof Error ? e.message : String(e)).split('\n')[0]
    throw new Error(
      `rawio: could not load the native addon (${why}).\n` +
        `No prebuild matches ${process.platform}-${process.arch} here and there is no local build. Try:\n` +
        '  - npm rebuild rawio   (builds it from source: needs g++, make and python3, and install\n' +
        '                         scripts allowed: not --ignore-scripts)\n' +
        '  - apt-get install liburing-dev (dnf install liburing-devel) first, for the io_uring engine;\n' +
        '    the build works without it\n' +
        `  - Node.js >= 20 (this is ${process.version}); prebuilds are for linux-x64 and linux-arm64 with glibc`,
    )
  }
}

let cached: Binding | undefined

export function binding(): Binding {
  cached ??= load()
  return cached
}
