// The bottom driver: the addon's NativeDevice, with what qemu's file driver and block layer do below
// every other layer: O_DIRECT alignment (bounce buffers, read-modify-write under a RangeLock), the
// writethrough flush, the first-write gate (the interlock: it runs before the first write, discard,
// write-zeroes or truncate reaches the target), and the space operations (lib/space.ts).
import { isAligned } from './buffers'
import { cacheModes } from './cache-modes'
import type { BlockDriver, DriverContext, IoResult, WriteFlags, ZeroFlags } from './driver'
import { type Binding, binding, type NativeDevice } from './native'
import { RangeLock } from './range-lock'
import * as space from './space'
import { type RawAccess, unalignedRead, unalignedWrite } from './unaligned'

const noop = () => {}

function totalLength(buffers: Uint8Array[]): number {
  let n = 0
  for (const b of buffers) n += b.byteLength
  return n
}

export class FileDriver implements BlockDriver, space.SpaceTarget {
  readonly ops: Binding['ops']
  private readonly ranges = new RangeLock()
  private inFlight = 0
  private idle: (() => void)[] = []
  private writeGate: Promise<void> | null = null

  constructor(
    readonly native: NativeDevice,
    readonly ctx: DriverContext,
    /** Runs once before the first mutating request; throw to refuse it (and every later one). */
    private firstWrite: (() => Promise<void>) | null = null,
  ) {
    this.ops = binding().ops
  }

  readv(offset: number, buffers: Uint8Array[]): Promise<IoResult> {
    const length = totalLength(buffers)
    if (this.needsBounce(offset, length, buffers)) {
      return this.track(unalignedRead(this.rawAccess(), offset, buffers, length))
    }
    // The hot path: one native call, one promise; the addon resolves with {bytes, ns}.
    return this.native.read(buffers.length === 1 ? buffers[0] : buffers, offset)
  }

  writev(offset: number, buffers: Uint8Array[], flags: WriteFlags): Promise<IoResult> {
    const gate = this.gate()
    if (gate) return gate.then(() => this.writev(offset, buffers, flags))
    const length = totalLength(buffers)
    const fua = !!flags.fua
    const flush = !!flags.writethrough && !fua
    if (!flush && !this.needsBounce(offset, length, buffers)) {
      // The hot path. Under O_DIRECT with auto alignment an aligned write still holds
      // its range (shared), so that a read-modify-write never loses it.
      const ctx = this.ctx
      const release =
        ctx.direct && ctx.align === 'auto' ? this.ranges.tryAcquire(offset, offset + length, false) : noop
      if (release) {
        const data = buffers.length === 1 ? buffers[0] : buffers
        return this.native.write(data, offset, fua).then(
          (r) => {
            release()
            return r
          },
          (e) => {
            release()
            throw e
          },
        )
      }
    }
    return this.track(this.writeSlow(offset, buffers, length, fua, flush))
  }

  private async writeSlow(
    offset: number,
    buffers: Uint8Array[],
    length: number,
    fua: boolean,
    flush: boolean,
  ): Promise<IoResult> {
    // Every time is the engine's; a composite request's is the sum of its parts'.
    const data = buffers.length === 1 ? buffers[0] : buffers
    let r: IoResult
    if (this.ctx.direct && this.ctx.align === 'auto') {
      if (this.needsBounce(offset, length, buffers)) {
        r = await unalignedWrite(this.rawAccess(), this.ranges, offset, buffers, length, fua)
      } else {
        const release = await this.ranges.acquire(offset, offset + length, false)
        try {
          r = await this.native.write(data, offset, fua)
        } finally {
          release()
        }
      }
    } else {
      r = await this.native.write(data, offset, fua)
    }
    if (flush) r = { bytes: r.bytes, ns: r.ns + (await this.native.space(this.ops.flush)).ns }
    return r
  }

  async flush(): Promise<IoResult> {
    if (cacheModes[this.ctx.cache].ignoreFlush) return { bytes: 0, ns: 0 }
    const r = await this.track(this.native.space(this.ops.flush))
    return { bytes: 0, ns: r.ns }
  }

  async discard(offset: number, length: number): Promise<IoResult> {
    await this.gate()
    return space.discard(this, offset, length)
  }

  async writeZeroes(offset: number, length: number, flags: ZeroFlags): Promise<IoResult> {
    await this.gate()
    return space.writeZeroes(this, offset, length, flags)
  }

  async truncate(length: number): Promise<IoResult> {
    await this.gate()
    return space.truncate(this, length)
  }

  seek(offset: number, whence: 'data' | 'hole'): number {
    return this.native.seek(offset, whence)
  }

  probe() {
    return this.native.probe()
  }
  reopen(opts: { readOnly?: boolean; direct?: boolean }): void {
    this.native.reopen(opts)
  }
  lock(kind: 'read' | 'write' | 'unlock'): boolean {
    return this.native.lock(kind)
  }
  info() {
    return this.native.info()
  }

  /** Waits for every request in flight (composite ones in JS, and the addon's). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.inFlight > 0) await new Promise<void>((r) => this.idle.push(r))
      else if (this.native.info().inFlight > 0) await new Promise<void>((r) => setImmediate(r))
      else return
    }
  }

  async close(): Promise<void> {
    await this.drain()
    this.native.close()
  }

  track<T>(p: Promise<T>): Promise<T> {
    this.inFlight++
    return p.finally(() => {
      if (--this.inFlight === 0) for (const r of this.idle.splice(0)) r()
    })
  }

  /** The first-write check, started at the first mutating request; null once it passed. */
  private gate(): Promise<void> | null {
    if (this.firstWrite) {
      const check = this.firstWrite
      this.firstWrite = null
      this.writeGate = check().then(() => {
        this.writeGate = null
      })
    }
    return this.writeGate
  }

  private needsBounce(offset: number, length: number, buffers: Uint8Array[]): boolean {
    const ctx = this.ctx
    if (!ctx.direct || ctx.align === 'strict') return false
    const a = ctx.offsetAlign
    if (offset % a !== 0 || length % a !== 0) return true
    const m = ctx.memAlign
    for (const b of buffers) if (b.byteLength % a !== 0 || !isAligned(b, m)) return true
    return false
  }

  private rawAccess(): RawAccess {
    const ctx = this.ctx
    return {
      read: (b, o) => this.native.read(b, o),
      write: (b, o, fua) => this.native.write(b, o, fua),
      truncate: (n) => this.native.space(this.ops.truncate, n, 0),
      alloc: (n) => ctx.allocBuffer(n),
      size: ctx.size,
      isFile: !ctx.isBlockDevice,
      blockSize: ctx.offsetAlign,
    }
  }
}
