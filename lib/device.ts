// Device: the typed async API over one open target. It checks every request (arguments, bounds,
// read-only state, the first-write gate) and hands it to its driver stack (lib/driver.ts): the file
// driver over the addon at the bottom, layers such as blkdebug stacked over it by whoever opens the
// target. Device imports nothing above it: openers for prefixed names (blkdebug:) register here.

import { allocAligned } from './buffers'
import { type CacheMode, cacheModes, isCacheMode } from './cache-modes'
import type { AlignMode, BlockDriver, DriverContext, IoResult, ZeroOptions } from './driver'
import { ioError } from './errors'
import { FileDriver } from './file-driver'
import { binding, type NativeDevice, type NativeGeometry } from './native'
import { fsPath } from './paths'
import { checkWindow, type RawWindow, RawWindowDriver } from './raw-window'
import { extentsOf } from './space'

export type { AlignMode, BlockDriver, DriverContext, IoResult, ZeroOptions } from './driver'
export type EngineChoice = 'auto' | 'io_uring' | 'threads' | 'libaio'
export type { CacheMode } from './cache-modes'
export type Geometry = NativeGeometry
export type { NativeDevice } from './native'

/**
 * Extension points for layers that sit in the request path (fault injection) or guard it (the
 * write interlock). Absent hooks cost nothing on the hot path.
 */
export interface DeviceHooks {
  /** Stacks a driver over the one below, once at open; it sees every request, typed. */
  wrapDriver?(lower: BlockDriver, device: DriverContext): BlockDriver
  /** Runs once before the first write, discard, write-zeroes or truncate; throw to refuse. */
  beforeFirstWrite?(dev: Device): Promise<void>
}

export interface OpenOptions {
  /** qemu's cache mode; default 'writethrough' as in qemu-io. */
  cache?: CacheMode
  readOnly?: boolean
  /** O_EXCL on block devices. */
  exclusive?: boolean
  engine?: EngineChoice
  /** 'auto' bounces unaligned O_DIRECT requests; 'strict' sends them as given. */
  align?: AlignMode
  /** Requests the engine keeps in the kernel at once (default 128). */
  depth?: number
  /**
   * How the event loop waits for completions while at most 4 requests are in flight.
   * 'adaptive' (the default): the device is measured both ways, asleep in epoll and polling the
   * ring from the loop's prepare hook (settling there), and polls only where the CPU that adds per
   * request is at most the latency it saves; a poll never lasts longer than a sleeping round trip,
   * and after 250 µs the loop serves its other handles before it polls on. 'epoll': always sleep.
   * `info().wait` shows the choice and its measures; docs/architecture.md, "Completions".
   */
  completion?: 'epoll' | 'adaptive'
  /** Always poll, for up to this many microseconds per request (overrides `completion`; default 0). */
  spinUs?: number
  /**
   * An allocBuffer buffer that requests keep using (its 8th request) joins io_uring's table of
   * registered buffers on its own, so the kernel pins its pages once rather than per request;
   * it leaves the table when JavaScript drops it (once the device is idle) or when
   * registerBuffer() needs the room. Default true; false registers only what registerBuffer() asks.
   */
  autoRegister?: boolean
  /**
   * Where requests must end: 'size' (default) at the size; 'sectors' at the size rounded up to
   * whole 512-byte sectors, qemu's view (bdrv_getlength): reads of that tail return zeroes.
   */
  bounds?: 'size' | 'sectors'
  hooks?: DeviceHooks
  /** Ends an open that waits (a blkdebug config that is a FIFO waits for its writer). */
  signal?: AbortSignal
  /**
   * qemu's raw format `offset`/`size`: the device is a window into the target, every request moved
   * and bounded by it (lib/raw-window.ts). Throws RawWindowError when it does not fit the target.
   */
  window?: RawWindow
}

export interface ReadResult extends IoResult {
  data: Uint8Array
}

export interface WriteOptions {
  /** Force unit access: RWF_DSYNC on this write only. */
  fua?: boolean
}

/** A buffer registered with Device.registerBuffer. */
export interface RegisteredBuffer {
  /** The buffer is in the engine's fixed-buffer table (false: the request runs unregistered). */
  readonly fixed: boolean
  /** Takes it out of the table once the requests using it have settled; idempotent. */
  release(): void
}

export interface Extent {
  offset: number
  length: number
  /** true: data (allocated); false: a hole. */
  data: boolean
}

/** Opens a name with a registered prefix (e.g. `blkdebug:CONFIG:PATH`) with its layers stacked. */
export type Opener = (name: string, opts: OpenOptions) => Promise<Device>

const noop = () => {}

const openers = new Map<string, Opener>()

/** Registers the opener of names starting with `prefix` (the layers above Device plug in here). */
export function registerOpener(prefix: string, opener: Opener): void {
  openers.set(prefix, opener)
}

function isDetached(view: Uint8Array): boolean {
  if (view.byteLength !== 0 || view.buffer.byteLength !== 0) return false
  try {
    new Uint8Array(view.buffer) // throws on a detached ArrayBuffer (Node 20 lacks .detached)
    return false
  } catch {
    return true
  }
}

const SECTOR = 512

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null
}

function optionsOf<T>(opts: T | undefined, what: string): T | Record<string, never> {
  if (opts === undefined) return {}
  if (!isObject(opts)) throw new TypeError(`${what} must be an object`)
  return opts
}

function checkBool(v: unknown, what: string): void {
  if (v !== undefined && typeof v !== 'boolean') throw new TypeError(`${what} must be a boolean`)
}

/**
 * An empty request never reaches the kernel: its time is the call's own (qemu's clock, which also
 * times the call, never reads 0 either), measured here, the one place that times such requests.
 */
function noIo(t0: bigint): IoResult {
  return { bytes: 0, ns: Number(process.hrtime.bigint() - t0) }
}

function checkRange(offset: number, length: number, what = 'length'): void {
  if (!Number.isSafeInteger(offset)) throw new TypeError(`offset must be an integer, got ${offset}`)
  if (offset < 0) throw new RangeError(`offset ${offset} is negative`)
  if (!Number.isSafeInteger(length)) throw new TypeError(`${what} must be an integer, got ${length}`)
  if (length < 0) throw new RangeError(`${what} ${length} is negative`)
  if (offset + length > Number.MAX_SAFE_INTEGER) throw new RangeError('offset + length is too large')
}

/** The most buffers one preadv/pwritev takes (the kernel's UIO_MAXIOV). */
export const IOV_MAX = 1024

function checkBuffer(b: Uint8Array): void {
  if (!(b instanceof Uint8Array)) throw new TypeError('buffers must be Uint8Arrays')
  if (b.byteLength === 0) {
    // an empty or detached buffer: the kernel must never see it
    throw new TypeError(isDetached(b) ? 'buffer is detached' : 'buffer is empty')
  }
  // Another thread may write or read it while the kernel does: refused, not raced.
  if (typeof SharedArrayBuffer !== 'undefined' && b.buffer instanceof SharedArrayBuffer)
    throw new TypeError('buffer is backed by a SharedArrayBuffer; use an ArrayBuffer (e.g. allocBuffer())')
}

function totalLength(buffers: Uint8Array[]): number {
  if (!Array.isArray(buffers) || buffers.length === 0) throw new TypeError('expected a non-empty buffer list')
  // Refused whichever path the request would take (the bounce path could take more): one rule.
  if (buffers.length > IOV_MAX)
    throw new RangeError(`${buffers.length} buffers: more than IOV_MAX (${IOV_MAX}) in one request`)
  let n = 0
  for (const b of buffers) {
    checkBuffer(b)
    n += b.byteLength
  }
  return n
}

export class Device implements DriverContext {
  readonly path: string
  readonly align: AlignMode
  private readonly driver: BlockDriver
  /** The raw format's window into the target (offset/size), when opened with one. */
  readonly window?: Readonly<RawWindow>
  private geo: Geometry
  /** The target's own geometry (the window's lower side); the same as geo without a window. */
  private targetGeo: Geometry
  private readonly native: NativeDevice
  private mode: CacheMode
  private ro: boolean
  private readonly sectorBounds: boolean
  private closed = false

  private constructor(
    path: string,
    native: NativeDevice,
    opts: Required<Pick<OpenOptions, 'cache' | 'align'>> & {
      readOnly: boolean
      hooks?: DeviceHooks
      window?: RawWindow
      bounds?: OpenOptions['bounds']
    },
  ) {
    this.path = path
    this.native = native
    this.mode = opts.cache
    this.ro = opts.readOnly
    this.align = opts.align
    this.sectorBounds = opts.bounds === 'sectors'
    this.geo = native.probe()
    this.targetGeo = this.geo
    const hooks = opts.hooks ?? {}
    // Under a raw window the drivers below it work in the target's terms: its size, not the window's.
    const lower: DriverContext = opts.window
      ? Object.create(this, {
          size: { get: () => this.targetGeo.size },
          geometry: { get: () => this.targetGeo },
        })
      : this
    // the first-write gate guards the target: it runs where a write reaches it, in the file driver
    const gate = hooks.beforeFirstWrite
    const file = new FileDriver(native, lower, gate ? () => gate(this) : null)
    const stack = hooks.wrapDriver ? hooks.wrapDriver(file, lower) : file
    this.driver = opts.window
      ? new RawWindowDriver(stack, opts.window, (g) => {
          this.targetGeo = g
        })
      : stack
    if (opts.window) {
      this.window = { ...opts.window }
      this.geo = this.driver.probe()
    }
  }

  static async open(path: string, options?: OpenOptions): Promise<Device> {
    if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string')
    if (path.includes('\0')) throw new TypeError('path must not contain NUL bytes')
    const opts: OpenOptions = optionsOf(options, 'options')
    checkBool(opts.readOnly, 'readOnly')
    checkBool(opts.exclusive, 'exclusive')
    if (opts.bounds !== undefined && opts.bounds !== 'size' && opts.bounds !== 'sectors')
      throw new TypeError(`bounds must be 'size' or 'sectors'`)
    for (const [prefix, opener] of openers) if (path.startsWith(prefix)) return opener(path, opts)
    const cache = opts.cache ?? 'writethrough'
    if (!isCacheMode(cache)) throw new TypeError(`unknown cache mode '${cache}'`)
    const align = opts.align ?? 'auto'
    if (align !== 'auto' && align !== 'strict') throw new TypeError(`align must be 'auto' or 'strict'`)
    const native = new (binding().NativeDevice)(fsPath(path), {
      readOnly: !!opts.readOnly,
      direct: cacheModes[cache].direct,
      exclusive: !!opts.exclusive,
      engine: opts.engine ?? 'auto',
      depth: opts.depth,
      spinUs: opts.spinUs,
      completion: opts.completion,
      autoRegister: opts.autoRegister,
    })
    if (opts.window) {
      try {
        checkWindow(opts.window, native.probe().size)
      } catch (e) {
        native.close()
        throw e
      }
    }
    return new Device(path, native, {
      cache,
      align,
      readOnly: !!opts.readOnly,
      hooks: opts.hooks,
      window: opts.window,
      bounds: opts.bounds,
    })
  }

  get geometry(): Geometry {
    return this.geo
  }
  get size(): number {
    return this.geo.size
  }
  /** The target's own size: `size` unless the device is a raw window (`window`) into it. */
  get targetSize(): number {
    return this.window ? this.targetGeo.size : this.geo.size
  }
  /** Where requests must end: the size, or with `bounds: 'sectors'` the size in whole sectors. */
  get end(): number {
    return this.sectorBounds ? Math.ceil(this.geo.size / SECTOR) * SECTOR : this.geo.size
  }
  get cache(): CacheMode {
    return this.mode
  }
  get readOnly(): boolean {
    return this.ro
  }
  get direct(): boolean {
    return cacheModes[this.mode].direct
  }
  get engine(): 'io_uring' | 'threads' | 'libaio' | 'closed' {
    return this.driver.info().engine
  }
  get isBlockDevice(): boolean {
    return this.geo.kind === 'block'
  }
  /** What the open really applied. */
  info() {
    return { ...this.driver.info(), cache: this.mode, align: this.align }
  }
  /** Offset/length granularity O_DIRECT needs (1 when not direct). */
  get offsetAlign(): number {
    return this.direct ? this.geo.dioOffsetAlign || this.geo.logicalBlockSize : 1
  }
  /** Buffer address alignment O_DIRECT needs (1 when not direct). */
  get memAlign(): number {
    return this.direct ? this.geo.dioMemAlign || this.geo.logicalBlockSize : 1
  }

  /** A buffer suited to this device, optionally `misalign` bytes off alignment. */
  allocBuffer(size: number, misalign = 0): Uint8Array {
    this.checkOpen('alloc')
    return allocAligned(size, Math.max(4096, this.geo.dioMemAlign || 0), misalign)
  }

  /**
   * qemu's blk_register_buf (qemu-io's -r): `buf`'s memory joins the io_uring engine's fixed buffers
   * until release(), and the reads and writes whose buffers lie in it run as READ_FIXED/WRITE_FIXED
   * (vectored ones as READV_FIXED/WRITEV_FIXED where the kernel has them; info() counts them). A hint,
   * as in qemu: `fixed` is false when nothing was registered (the thread pool, a buffer over 1 GiB,
   * RLIMIT_MEMLOCK), and the I/O is the same. release() waits for nothing: the buffer leaves the
   * table when the last request using it settles.
   *
   * Only allocBuffer's native memory is registered (any other buffer is bounced per request, so it
   * could never run fixed: `fixed` is false); the registration holds a reference on that memory, so
   * it stays valid until release() whatever happens to the ArrayBuffer. rawio's commands register
   * only buffers they allocated and hand to no one while registered.
   * @internal
   */
  registerBuffer(buf: Uint8Array): RegisteredBuffer {
    if (buf.byteLength === 0) return { fixed: false, release: noop }
    const slot = this.native.registerBuffer(buf)
    if (slot < 0) return { fixed: false, release: noop }
    let released = false
    return {
      fixed: true,
      release: () => {
        if (released) return
        released = true
        this.native.unregisterBuffer(slot)
      },
    }
  }

  async read(offset: number, length: number, opts: { misalign?: number } = {}): Promise<ReadResult> {
    const t0 = length === 0 ? process.hrtime.bigint() : 0n
    this.checkOpen('preadv')
    checkRange(offset, length)
    this.checkBounds('preadv', offset, length)
    const data = this.allocBuffer(length, optionsOf(opts, 'options').misalign ?? 0)
    if (length === 0) return { data, ...noIo(t0) }
    // checked above: straight to the driver, not through readv's checks again
    const r = await this.driver.readv(offset, [data])
    return { data, bytes: r.bytes, ns: r.ns }
  }

  async write(offset: number, data: Uint8Array, opts: WriteOptions = {}): Promise<IoResult> {
    const t0 = data?.byteLength === 0 ? process.hrtime.bigint() : 0n
    this.checkOpen('pwritev')
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
    if (isDetached(data)) {
      throw new TypeError('buffer is detached')
    }
    if (data.byteLength === 0) {
      checkRange(offset, 0)
      this.checkWritable('pwritev', offset, 0)
      this.checkBounds('pwritev', offset, 0)
      return noIo(t0)
    }
    return this.writev(offset, [data], opts)
  }

  readv(offset: number, buffers: Uint8Array[]): Promise<IoResult> {
    try {
      this.checkOpen('preadv')
      const length = totalLength(buffers)
      checkRange(offset, length)
      this.checkBounds('preadv', offset, length)
    } catch (e) {
      return Promise.reject(e)
    }
    return this.driver.readv(offset, buffers)
  }

  writev(offset: number, buffers: Uint8Array[], opts: WriteOptions = {}): Promise<IoResult> {
    let fua: boolean
    try {
      this.checkOpen('pwritev')
      const length = totalLength(buffers)
      checkRange(offset, length)
      this.checkWritable('pwritev', offset, length)
      this.checkBounds('pwritev', offset, length)
      fua = !!optionsOf(opts, 'options').fua
    } catch (e) {
      return Promise.reject(e)
    }
    return this.driver.writev(offset, buffers, { fua, writethrough: cacheModes[this.mode].writethrough })
  }

  /** fdatasync (a no-op under cache=unsafe). */
  async flush(): Promise<IoResult> {
    this.checkOpen('fdatasync')
    return this.driver.flush()
  }

  /** Deallocates a range: punch hole on files, BLKDISCARD on block devices. */
  async discard(offset: number, length: number): Promise<IoResult> {
    const t0 = length === 0 ? process.hrtime.bigint() : 0n
    this.checkOpen('discard')
    checkRange(offset, length)
    this.checkWritable('discard', offset, length)
    this.checkBounds('discard', offset, length)
    if (length === 0) return noIo(t0)
    return this.driver.discard(offset, length)
  }

  /** Makes a range read back as zeroes: ZERO_RANGE / BLKZEROOUT, or a punch with mayUnmap. */
  async writeZeroes(offset: number, length: number, options?: ZeroOptions): Promise<IoResult> {
    const t0 = length === 0 ? process.hrtime.bigint() : 0n
    this.checkOpen('write_zeroes')
    const opts: ZeroOptions = optionsOf(options, 'options')
    checkRange(offset, length)
    this.checkWritable('write_zeroes', offset, length)
    this.checkBounds('write_zeroes', offset, length)
    if (length === 0) return noIo(t0)
    return this.driver.writeZeroes(offset, length, {
      mayUnmap: !!opts.mayUnmap,
      noFallback: !!opts.noFallback,
      writethrough: cacheModes[this.mode].writethrough,
    })
  }

  /** Data and holes in [offset, offset+length) by SEEK_DATA/SEEK_HOLE. Block devices are all data. */
  async map(offset = 0, length = this.geo.size - offset): Promise<Extent[]> {
    this.checkOpen('lseek')
    checkRange(offset, length)
    const end = Math.min(offset + length, this.geo.size)
    if (offset >= end) return []
    if (this.isBlockDevice) return [{ offset, length: end - offset, data: true }]
    return extentsOf((o, w) => this.driver.seek(o, w), offset, end)
  }

  /** Allocation status at offset: whether it is data, and for how many bytes that holds. */
  async blockStatus(offset: number, length: number): Promise<{ data: boolean; length: number }> {
    const [first] = await this.map(offset, length)
    return first ? { data: first.data, length: first.length } : { data: false, length: 0 }
  }

  /** ftruncate on files; on block devices shrinking is a no-op and growing fails. */
  async truncate(length: number): Promise<IoResult> {
    this.checkOpen('ftruncate')
    checkRange(0, length)
    this.checkWritable('ftruncate', 0, length)
    const r = await this.driver.truncate(length)
    if (!this.isBlockDevice) this.geo = this.driver.probe()
    return r
  }

  /** The current size, probed again. */
  async length(): Promise<number> {
    this.checkOpen('fstat')
    this.geo = this.driver.probe()
    return this.geo.size
  }

  /** Waits for every request in flight (composite ones in JS, and the addon's). */
  drain(): Promise<void> {
    return this.driver.drain()
  }

  /** Changes the cache mode and/or read-only status in place. */
  async reopen(options: { cache?: CacheMode; readOnly?: boolean }): Promise<void> {
    this.checkOpen('open')
    if (!isObject(options)) throw new TypeError('options must be an object')
    const opts = options
    checkBool(opts.readOnly, 'readOnly')
    const cache = opts.cache ?? this.mode
    if (!isCacheMode(cache)) throw new TypeError(`unknown cache mode '${cache}'`)
    await this.drain()
    const readOnly = opts.readOnly ?? this.ro
    this.driver.reopen({ readOnly, direct: cacheModes[cache].direct })
    this.mode = cache
    this.ro = readOnly
    this.geo = this.driver.probe()
  }

  /** OFD lock of the whole target; false when another process holds a conflicting one. */
  lockImage(kind: 'read' | 'write' | 'unlock'): boolean {
    this.checkOpen('fcntl(F_OFD_SETLK)')
    if (kind !== 'read' && kind !== 'write' && kind !== 'unlock')
      throw new TypeError(`lock kind must be 'read', 'write' or 'unlock', got ${String(kind)}`)
    return this.driver.lock(kind)
  }

  /**
   * Lets every layer go (blkdebug resumes what it suspended), waits for the requests, closes.
   * Every later call says the device is closed; closing again is a no-op.
   */
  async close(): Promise<void> {
    if (this.closed) return
    await this.driver.close()
    this.closed = true
  }

  /** True when [offset, offset + length) ends within the device (see `end`). */
  inBounds(offset: number, length: number): boolean {
    const end = this.end
    return offset <= end && end - offset >= length
  }

  /**
   * THE past-end check (qemu's blk_check_byte_request): EIO before any I/O. What the kernel finds
   * past a file's real end (it shrank under us) is the addon's: a short read, zero-filled.
   */
  checkBounds(syscall: string, offset: number, length: number): void {
    if (!this.inBounds(offset, length)) throw ioError('EIO', syscall, { offset, length, path: this.path })
  }

  /** Throws when the device was closed (every public operation asks first). */
  checkOpen(syscall: string): void {
    if (this.closed) throw ioError('EBADF', syscall, { path: this.path, detail: 'device is closed' })
  }

  private checkWritable(syscall: string, offset: number, length: number): void {
    if (this.ro)
      throw ioError('EBADF', syscall, { offset, length, path: this.path, detail: 'device is open read-only' })
  }
}
