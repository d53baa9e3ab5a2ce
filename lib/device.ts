// Device: the typed async API over one open target.

import type { JobOptions } from './bench/options'
import type { BenchRun } from './bench/run'
import { allocAligned, isAligned } from './buffers'
import { type CacheMode, cacheModes, isCacheMode } from './cache-modes'
import { IoError, ioError } from './errors'
import { type Binding, binding, type NativeDevice, type NativeGeometry } from './native'
import { RangeLock } from './range-lock'
import { extentsOf } from './space'
import { alignedSpan, unalignedRead, unalignedWrite } from './unaligned'

export type AlignMode = 'auto' | 'strict'
export type EngineChoice = 'auto' | 'io_uring' | 'threads'
export type { CacheMode } from './cache-modes'
export type Geometry = NativeGeometry
export type { NativeDevice } from './native'

/**
 * Extension points for layers that sit in the request path (fault injection) or
 * guard it (the write interlock). Absent hooks cost nothing on the hot path.
 */
export interface DeviceHooks {
  /** Wraps the native device once at open; the wrapper sees every request. */
  wrapNative?(native: NativeDevice): NativeDevice
  /** Runs once before the first write, discard, write-zeroes or truncate; throw to refuse. */
  beforeFirstWrite?(dev: Device): Promise<void>
  /** Named points of the I/O path that a native wrapper cannot see (qemu's RMW events). */
  event?(name: string): Promise<void> | void
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
  /** Microseconds to poll for completions before the event loop sleeps (default 50; 0: never). */
  spinUs?: number
  hooks?: DeviceHooks
}

export interface IoResult {
  /** Bytes transferred (or affected, for space operations). */
  bytes: number
  /** Elapsed nanoseconds, monotonic clock. */
  ns: number
}

export interface ReadResult extends IoResult {
  data: Uint8Array
}

export interface WriteOptions {
  /** Force unit access: RWF_DSYNC on this write only. */
  fua?: boolean
}

export interface ZeroOptions {
  /** Allowed to deallocate (punch a hole) instead of writing zeroes. */
  mayUnmap?: boolean
  /** Fail with ENOTSUP rather than writing zeroes by hand. */
  noFallback?: boolean
}

export interface Extent {
  offset: number
  length: number
  /** true: data (allocated); false: a hole. */
  data: boolean
}

const noop = () => {}

function isDetached(view: Uint8Array): boolean {
  if (view.byteLength !== 0 || view.buffer.byteLength !== 0) return false
  try {
    new Uint8Array(view.buffer) // throws on a detached ArrayBuffer (Node 20 lacks .detached)
    return false
  } catch {
    return true
  }
}

function now(): bigint {
  return process.hrtime.bigint()
}

function checkRange(offset: number, length: number, what = 'length'): void {
  if (!Number.isSafeInteger(offset)) throw new TypeError(`offset must be an integer, got ${offset}`)
  if (offset < 0) throw new RangeError(`offset ${offset} is negative`)
  if (!Number.isSafeInteger(length)) throw new TypeError(`${what} must be an integer, got ${length}`)
  if (length < 0) throw new RangeError(`${what} ${length} is negative`)
  if (offset + length > Number.MAX_SAFE_INTEGER) throw new RangeError('offset + length is too large')
}

function totalLength(buffers: Uint8Array[]): number {
  if (!Array.isArray(buffers) || buffers.length === 0) throw new TypeError('expected a non-empty buffer list')
  let n = 0
  for (const b of buffers) {
    if (!(b instanceof Uint8Array)) throw new TypeError('buffers must be Uint8Arrays')
    if (b.byteLength === 0) {
      // an empty or detached buffer: the kernel must never see it
      throw new TypeError(isDetached(b) ? 'buffer is detached' : 'buffer is empty')
    }
    n += b.byteLength
  }
  return n
}

export class Device {
  readonly path: string
  readonly align: AlignMode
  private native: NativeDevice
  private readonly nat: Binding
  private geo: Geometry
  private mode: CacheMode
  private ro: boolean
  private readonly lock = new RangeLock()
  private inFlight = 0
  private idle: (() => void)[] = []
  private readonly hooks: DeviceHooks
  private pendingGate: ((dev: Device) => Promise<void>) | null = null
  private writeGate: Promise<void> | null = null

  private constructor(
    path: string,
    native: NativeDevice,
    opts: Required<Pick<OpenOptions, 'cache' | 'align'>> & { readOnly: boolean; hooks?: DeviceHooks },
  ) {
    this.path = path
    this.hooks = opts.hooks ?? {}
    this.native = this.hooks.wrapNative ? this.hooks.wrapNative(native) : native
    this.pendingGate = this.hooks.beforeFirstWrite ?? null
    this.nat = binding()
    this.mode = opts.cache
    this.ro = opts.readOnly
    this.align = opts.align
    this.geo = native.probe()
  }

  static async open(path: string, opts: OpenOptions = {}): Promise<Device> {
    if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string')
    if (path.includes('\0')) throw new TypeError('path must not contain NUL bytes')
    // blkdebug:CONFIG:PATH: the fault-injection layer (lib/blkdebug, loaded only for such paths)
    // opens PATH with its hooks composed with the caller's.
    if (path.startsWith('blkdebug:')) return (await import('./blkdebug/open')).openBlkdebug(path, opts)
    const cache = opts.cache ?? 'writethrough'
    if (!isCacheMode(cache)) throw new TypeError(`unknown cache mode '${cache}'`)
    const align = opts.align ?? 'auto'
    if (align !== 'auto' && align !== 'strict') throw new TypeError(`align must be 'auto' or 'strict'`)
    const native = new (binding().NativeDevice)(path, {
      readOnly: !!opts.readOnly,
      direct: cacheModes[cache].direct,
      exclusive: !!opts.exclusive,
      engine: opts.engine ?? 'auto',
      depth: opts.depth,
      spinUs: opts.spinUs,
    })
    return new Device(path, native, { cache, align, readOnly: !!opts.readOnly, hooks: opts.hooks })
  }

  get geometry(): Geometry {
    return this.geo
  }
  get size(): number {
    return this.geo.size
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
  get engine(): 'io_uring' | 'threads' | 'closed' {
    return this.native.info().engine
  }
  get isBlockDevice(): boolean {
    return this.geo.kind === 'block'
  }
  /** What the open really applied. */
  info() {
    return { ...this.native.info(), cache: this.mode, align: this.align }
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
    return allocAligned(size, Math.max(4096, this.geo.dioMemAlign || 0), misalign)
  }

  async read(offset: number, length: number, opts: { misalign?: number } = {}): Promise<ReadResult> {
    checkRange(offset, length)
    this.checkBounds('preadv', offset, length)
    const data = this.allocBuffer(length, opts.misalign ?? 0)
    if (length === 0) return { data, bytes: 0, ns: 0 }
    const r = await this.readv(offset, [data])
    return { data, ...r }
  }

  async write(offset: number, data: Uint8Array, opts: WriteOptions = {}): Promise<IoResult> {
    if (!(data instanceof Uint8Array)) throw new TypeError('data must be a Uint8Array')
    if (isDetached(data)) {
      throw new TypeError('buffer is detached')
    }
    if (data.byteLength === 0) {
      checkRange(offset, 0)
      return { bytes: 0, ns: 0 }
    }
    return this.writev(offset, [data], opts)
  }

  readv(offset: number, buffers: Uint8Array[]): Promise<IoResult> {
    let length: number
    try {
      length = totalLength(buffers)
      checkRange(offset, length)
      this.checkBounds('preadv', offset, length)
    } catch (e) {
      return Promise.reject(e)
    }
    if (this.needsBounce(offset, length, buffers)) {
      return this.track(unalignedRead(this.rawAccess(), offset, buffers, length))
    }
    // The hot path: one native call, one promise, no per-request bookkeeping in JS.
    return this.native
      .read(buffers.length === 1 ? buffers[0] : buffers, offset)
      .then((ns) => ({ bytes: length, ns }))
  }

  writev(offset: number, buffers: Uint8Array[], opts: WriteOptions = {}): Promise<IoResult> {
    let length: number
    try {
      length = totalLength(buffers)
      checkRange(offset, length)
      this.checkWritable('pwritev', offset, length)
      this.checkBounds('pwritev', offset, length)
    } catch (e) {
      return Promise.reject(e)
    }
    const gate = this.gate()
    if (gate) return gate.then(() => this.writev(offset, buffers, opts))
    const fua = !!opts.fua
    if (!(cacheModes[this.mode].writethrough && !fua) && !this.needsBounce(offset, length, buffers)) {
      // The hot path. Under O_DIRECT with auto alignment an aligned write still holds
      // its range (shared), so that a read-modify-write never loses it.
      const release =
        this.direct && this.align === 'auto' ? this.lock.tryAcquire(offset, offset + length, false) : noop
      if (release) {
        const data = buffers.length === 1 ? buffers[0] : buffers
        return this.native.write(data, offset, fua).then(
          (ns) => {
            release()
            return { bytes: length, ns }
          },
          (e) => {
            release()
            throw e
          },
        )
      }
    }
    return this.track(this.writeSlow(offset, buffers, length, fua))
  }

  private async writeSlow(
    offset: number,
    buffers: Uint8Array[],
    length: number,
    fua: boolean,
  ): Promise<IoResult> {
    const t0 = now()
    if (this.direct && this.align === 'auto') {
      if (this.needsBounce(offset, length, buffers)) {
        await unalignedWrite(this.rawAccess(), this.lock, offset, buffers, length, fua)
      } else {
        const release = await this.lock.acquire(offset, offset + length, false)
        try {
          await this.native.write(buffers.length === 1 ? buffers[0] : buffers, offset, fua)
        } finally {
          release()
        }
      }
    } else {
      await this.native.write(buffers.length === 1 ? buffers[0] : buffers, offset, fua)
    }
    if (cacheModes[this.mode].writethrough && !fua) await this.native.space(this.nat.ops.flush)
    return { bytes: length, ns: Number(now() - t0) }
  }

  /** fdatasync (a no-op under cache=unsafe). */
  async flush(): Promise<IoResult> {
    if (cacheModes[this.mode].ignoreFlush) return { bytes: 0, ns: 0 }
    const ns = await this.track(this.native.space(this.nat.ops.flush))
    return { bytes: 0, ns }
  }

  /** Deallocates a range: punch hole on files, BLKDISCARD on block devices. */
  async discard(offset: number, length: number): Promise<IoResult> {
    checkRange(offset, length)
    this.checkWritable('discard', offset, length)
    this.checkBounds('discard', offset, length)
    if (length === 0) return { bytes: 0, ns: 0 }
    await this.gate()
    const op = this.isBlockDevice ? this.nat.ops.blkDiscard : this.nat.ops.punchHole
    const ns = await this.track(this.native.space(op, offset, length))
    return { bytes: length, ns }
  }

  /** Makes a range read back as zeroes: ZERO_RANGE / BLKZEROOUT, or a punch with mayUnmap. */
  async writeZeroes(offset: number, length: number, opts: ZeroOptions = {}): Promise<IoResult> {
    checkRange(offset, length)
    this.checkWritable('write_zeroes', offset, length)
    this.checkBounds('write_zeroes', offset, length)
    if (length === 0) return { bytes: 0, ns: 0 }
    await this.gate()
    const t0 = now()
    const ops = this.nat.ops
    const attempts: number[] = this.isBlockDevice
      ? opts.mayUnmap
        ? [ops.punchHole, ops.blkZeroout]
        : [ops.blkZeroout]
      : opts.mayUnmap
        ? [ops.punchHole, ops.zeroRange]
        : [ops.zeroRange]
    if (this.isBlockDevice && opts.noFallback && !opts.mayUnmap && this.geo.writeZeroesMax === 0)
      attempts.length = 0
    let last: unknown
    for (const op of attempts) {
      try {
        await this.track(this.native.space(op, offset, length))
        if (cacheModes[this.mode].writethrough) await this.track(this.native.space(ops.flush))
        return { bytes: length, ns: Number(now() - t0) }
      } catch (e) {
        if (!(e instanceof IoError) || !['EOPNOTSUPP', 'ENOTSUP', 'EINVAL', 'ENOTTY'].includes(e.code))
          throw e
        last = e
      }
    }
    if (opts.noFallback) {
      throw ioError('ENOTSUP', 'write_zeroes', {
        offset,
        length,
        path: this.path,
        detail: last instanceof IoError ? `Operation not supported (${last.code})` : undefined,
      })
    }
    const chunk = Math.min(length, 1 << 20)
    const zeroes = this.allocBuffer(chunk)
    for (let pos = 0; pos < length; pos += chunk) {
      const n = Math.min(chunk, length - pos)
      await this.writev(offset + pos, [n === chunk ? zeroes : zeroes.subarray(0, n)])
    }
    return { bytes: length, ns: Number(now() - t0) }
  }

  /** Data and holes in [offset, offset+length) by SEEK_DATA/SEEK_HOLE. Block devices are all data. */
  async map(offset = 0, length = this.geo.size - offset): Promise<Extent[]> {
    checkRange(offset, length)
    const end = Math.min(offset + length, this.geo.size)
    if (offset >= end) return []
    if (this.isBlockDevice) return [{ offset, length: end - offset, data: true }]
    return extentsOf((o, w) => this.native.seek(o, w), offset, end)
  }

  /** Allocation status at offset: whether it is data, and for how many bytes that holds. */
  async blockStatus(offset: number, length: number): Promise<{ data: boolean; length: number }> {
    const [first] = await this.map(offset, length)
    return first ? { data: first.data, length: first.length } : { data: false, length: 0 }
  }

  /** ftruncate on files; on block devices shrinking is a no-op and growing fails. */
  async truncate(length: number): Promise<IoResult> {
    checkRange(0, length)
    this.checkWritable('ftruncate', 0, length)
    await this.gate()
    if (this.isBlockDevice) {
      if (length > this.geo.size)
        throw ioError('ENOTSUP', 'ftruncate', { path: this.path, detail: 'Cannot grow device files' })
      return { bytes: 0, ns: 0 }
    }
    const ns = await this.track(this.native.space(this.nat.ops.truncate, length, 0))
    this.geo = this.native.probe()
    return { bytes: length, ns }
  }

  /** The current size, probed again. */
  async length(): Promise<number> {
    this.geo = this.native.probe()
    return this.geo.size
  }

  /** Waits for every request in flight (composite ones in JS, and the addon's). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.inFlight > 0) await new Promise<void>((r) => this.idle.push(r))
      else if (this.native.info().inFlight > 0) await new Promise<void>((r) => setImmediate(r))
      else return
    }
  }

  /** Changes the cache mode and/or read-only status in place. */
  async reopen(opts: { cache?: CacheMode; readOnly?: boolean }): Promise<void> {
    const cache = opts.cache ?? this.mode
    if (!isCacheMode(cache)) throw new TypeError(`unknown cache mode '${cache}'`)
    await this.drain()
    const readOnly = opts.readOnly ?? this.ro
    this.native.reopen({ readOnly, direct: cacheModes[cache].direct })
    this.mode = cache
    this.ro = readOnly
    this.geo = this.native.probe()
  }

  /**
   * A fio-grade benchmark job on this target, run natively (its own threads and rings);
   * `direct` defaults to this device's cache mode. The run emits 'progress' events.
   */
  async bench(options: JobOptions = {}): Promise<BenchRun> {
    const { startBench } = await import('./bench/run')
    return startBench(this.path, { direct: this.direct, ...options }, { shared: true })
  }

  /** OFD lock of the whole target; false when another process holds a conflicting one. */
  lockImage(kind: 'read' | 'write' | 'unlock'): boolean {
    return this.native.lock(kind)
  }

  async close(): Promise<void> {
    await this.drain()
    this.native.close()
  }

  /** The first-write check, run lazily at the first mutating request (then null). */
  private gate(): Promise<void> | null {
    if (this.pendingGate) {
      const check = this.pendingGate
      this.pendingGate = null
      this.writeGate = check(this).then(() => {
        this.writeGate = null
      })
    }
    return this.writeGate
  }

  private needsBounce(offset: number, length: number, buffers: Uint8Array[]): boolean {
    if (!this.direct || this.align === 'strict') return false
    const a = this.offsetAlign
    if (offset % a !== 0 || length % a !== 0) return true
    const m = this.memAlign
    for (const b of buffers) if (b.byteLength % a !== 0 || !isAligned(b, m)) return true
    return false
  }

  private checkBounds(syscall: string, offset: number, length: number): void {
    if (offset + length > this.geo.size) throw ioError('EIO', syscall, { offset, length, path: this.path })
  }

  private checkWritable(syscall: string, offset: number, length: number): void {
    if (this.ro)
      throw ioError('EBADF', syscall, { offset, length, path: this.path, detail: 'device is open read-only' })
  }

  private rawAccess() {
    return {
      read: (b: Uint8Array, o: number) => this.native.read(b, o),
      write: (b: Uint8Array, o: number, fua: boolean) => this.native.write(b, o, fua),
      truncate: (n: number) => this.native.space(this.nat.ops.truncate, n, 0),
      alloc: (n: number) => this.allocBuffer(n),
      span: (o: number, n: number) => alignedSpan(o, n, this.offsetAlign),
      size: this.geo.size,
      isFile: !this.isBlockDevice,
      blockSize: this.offsetAlign,
      event: this.hooks.event,
    }
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++
    return p.finally(() => {
      if (--this.inFlight === 0) for (const r of this.idle.splice(0)) r()
    })
  }
}
