// The request path under blkdebug: a NativeDevice around the addon's. For every request the Device
// sends it plays qemu's raw node and blkdebug node: raises the events where block/io.c and
// block/raw-format.c raise them, asks the layer whether the request fails (then no byte of it
// reaches the target), and cuts and pads requests as a device with the configured limits would.
//
// A request runs synchronously up to its I/O or its rule check, as a qemu coroutine does: events are
// awaited only when a breakpoint suspended the request.
import { allocAligned } from '../buffers'
import { type Binding, type Buffers, binding, type NativeDevice } from '../native'
import type { BlkdebugEvent, IoType } from './events'
import { deliver, injectedError } from './inject'
import { gather, list, one, scatter, slice, total } from './iovec'
import type { BlkdebugLayer } from './layer'
import {
  alignDown,
  alignUp,
  type BlkdebugLimits,
  discardChunks,
  padding,
  type Range,
  splitRange,
  zeroChunks,
} from './limits'

/** What a Device call is about, registered by the Device-level half (open.ts). */
export interface Intent {
  kind: 'read' | 'write' | 'zeroes' | 'discard' | 'truncate'
  offset: number
  length: number
  /** The request reached the native level (qemu bumps write_gen only then). */
  started: boolean
}

/** The Device as seen from below, known once Device.open returns. */
export interface DeviceView {
  readonly offsetAlign: number
  readonly memAlign: number
  readonly size: number
  readonly readOnly: boolean
  readonly path: string
}

const now = () => process.hrtime.bigint()
const since = (t0: bigint) => Number(process.hrtime.bigint() - t0)

export class RequestPath implements NativeDevice {
  readonly intents = new Set<Intent>()
  device: DeviceView | null = null
  private readonly limited: boolean
  private readonly align: number
  private readonly maxTransfer: number

  constructor(
    private readonly n: NativeDevice,
    private readonly layer: BlkdebugLayer,
    private readonly limits: BlkdebugLimits,
    private readonly ops: Binding['ops'] = binding().ops,
  ) {
    this.align = limits.align || 1
    this.maxTransfer = limits.maxTransfer || 0
    this.limited = Object.values(limits).some((v) => !!v)
  }

  read(buffers: Buffers, offset: number): Promise<number> {
    if (this.layer.idle && !this.limited) return this.n.read(buffers, offset) // the hot path
    return this.run(() => this.readv(list(buffers), offset))
  }

  write(buffers: Buffers, offset: number, fua: boolean): Promise<number> {
    return this.run(() => this.writev(list(buffers), offset, fua))
  }

  space(op: number, offset = 0, length = 0): Promise<number> {
    const o = this.ops
    if (op === o.flush || op === o.fsync) return this.run(() => this.flush(op))
    if (op === o.truncate) return this.run(() => this.truncate(offset))
    if (op === o.blkDiscard || (op === o.punchHole && this.find('discard', offset, length)))
      return this.run(() => this.discard(op, offset, length))
    return this.run(() => this.zeroes(op, offset, length))
  }

  /** SEEK_DATA/SEEK_HOLE: qemu's block-status requests. */
  seek(offset: number, whence: 'data' | 'hole'): number {
    if (!this.layer.idle) {
      const r = { offset, length: Math.max(0, (this.device?.size ?? 0) - offset) }
      const hit = this.layer.check('block-status', r.offset, r.length)
      if (hit && hit.errno > 0) throw injectedError(hit.errno, 'lseek', r, this.device?.path ?? '')
    }
    return this.n.seek(offset, whence)
  }

  probe() {
    return this.n.probe()
  }
  reopen(opts: { readOnly?: boolean; direct?: boolean }): void {
    this.n.reopen(opts)
  }
  lock(kind: 'read' | 'write' | 'unlock'): boolean {
    return this.n.lock(kind)
  }
  close(): void {
    this.n.close()
  }
  info() {
    return this.n.info()
  }

  private async run<T>(fn: () => Promise<T>): Promise<T> {
    this.layer.track(1)
    try {
      return await fn()
    } finally {
      this.layer.track(-1)
    }
  }

  /** Raises events in order; a promise only when one of them suspended the request. */
  private raise(...names: BlkdebugEvent[]): Promise<void> | undefined {
    for (let i = 0; i < names.length; i++) {
      const stopped = this.layer.raise(names[i])
      if (stopped) return stopped.then(() => this.raise(...names.slice(i + 1)))
    }
    return undefined
  }

  /** rule_check(), taken at once; resolves true to do the I/O, false to "succeed" without it. */
  private pass(iotype: IoType, r: Range, syscall: string): Promise<boolean> {
    const hit = this.layer.check(iotype, r.offset, r.length)
    if (!hit) return Promise.resolve(true)
    if (hit.errno < 0) return Promise.resolve(false) // qemu returns -errno > 0: success, no I/O
    return deliver(hit, injectedError(hit.errno, syscall, r, this.device?.path ?? ''))
  }

  private bounce(size: number): Uint8Array {
    return allocAligned(size, Math.max(4096, this.device?.memAlign ?? 1))
  }

  /** The Device call a native request belongs to (marked started), or null. */
  private claim(kind: Intent['kind'], offset: number, length: number): Intent | null {
    for (const it of this.intents) {
      if (it.started || it.kind !== kind || offset > it.offset || offset + length < it.offset + it.length)
        continue
      it.started = true
      this.layer.track(-1)
      return it
    }
    return null
  }

  private find(kind: Intent['kind'], offset: number, length: number): Intent | null {
    for (const it of this.intents)
      if (it.kind === kind && it.offset === offset && it.length === length) return it
    return null
  }

  /** A read of the Device's own O_DIRECT read-modify-write: below blkdebug in qemu, so unseen. */
  private internalRead(offset: number, length: number): boolean {
    const a = this.device?.offsetAlign ?? 1
    if (a <= 1 || length !== a || offset % a) return false
    for (const it of this.intents) {
      if (it.kind !== 'write' || it.started || (it.offset % a === 0 && it.length % a === 0)) continue
      if (offset >= alignDown(it.offset, a) && offset + length <= alignUp(it.offset + it.length, a))
        return true
    }
    return false
  }

  private async readv(bufs: Uint8Array[], offset: number): Promise<number> {
    const len = total(bufs)
    if (this.internalRead(offset, len)) return this.n.read(one(bufs), offset)
    const t0 = now()
    // as for writes: an O_DIRECT read the Device padded is checked on the caller's range
    const logical = this.claim('read', offset, len) ?? { offset, length: len }
    const direct = logical.offset === offset && logical.length === len
    let io = true
    for (const c of splitRange(logical.offset, logical.length, this.maxTransfer)) {
      const stop = this.raise('read_aio')
      if (stop) await stop
      const pad = padding(c.offset, c.length, this.align)
      const span = pad ? pad.span : c
      let ok = true
      for (const sub of splitRange(span.offset, span.length, alignDown(this.maxTransfer, this.align)))
        if (!(await this.pass('read', sub, 'preadv'))) ok = false
      if (!ok || !direct) {
        io &&= ok
        continue
      }
      const part = slice(bufs, c.offset - offset, c.length)
      if (!pad) {
        await this.n.read(one(part), c.offset)
        continue
      }
      const b = this.bounce(span.length)
      await this.n.read(b, span.offset)
      scatter(b, c.offset - span.offset, part)
    }
    if (!direct && io) await this.n.read(one(bufs), offset)
    return since(t0)
  }

  private async writev(bufs: Uint8Array[], offset: number, fua: boolean): Promise<number> {
    const len = total(bufs)
    const t0 = now()
    // Under O_DIRECT the Device may have padded the request already (qemu does that below blkdebug):
    // then rules see the caller's range, and the device-aligned write goes once all have passed.
    const logical = this.claim('write', offset, len) ?? { offset, length: len }
    const direct = logical.offset === offset && logical.length === len
    for (const c of splitRange(logical.offset, logical.length, this.maxTransfer)) {
      let stop = this.raise('write_aio')
      if (stop) await stop
      const pad = padding(c.offset, c.length, this.align)
      const span = pad ? pad.span : c
      let data = direct ? slice(bufs, c.offset - offset, c.length) : []
      if (pad) {
        const b = direct ? this.bounce(span.length) : null
        for (const step of pad.steps) {
          stop = this.raise(...step.before)
          if (stop) await stop
          const at = step.read.offset - span.offset
          if (b) await this.n.read(b.subarray(at, at + step.read.length), step.read.offset)
          stop = this.raise(...step.after)
          if (stop) await stop
        }
        if (b) {
          gather(b, c.offset - span.offset, data)
          data = [b]
        }
      }
      await this.aligned(span, async (sub) => {
        if (direct)
          await this.n.write(one(slice(data, sub.offset - span.offset, sub.length)), sub.offset, fua)
      })
    }
    if (!direct) await this.n.write(one(bufs), offset, fua)
    if (fua) await this.flushSteps(null) // qemu emulates FUA with a flush of the image
    return since(t0)
  }

  /** bdrv_aligned_pwritev() of data: pwritev, a rule check and the I/O per max-transfer piece, pwritev_done. */
  private async aligned(span: Range, io: (sub: Range) => Promise<void>): Promise<void> {
    const stop = this.raise('pwritev')
    if (stop) await stop
    try {
      for (const sub of splitRange(span.offset, span.length, alignDown(this.maxTransfer, this.align)))
        if (await this.pass('write', sub, 'pwritev')) await io(sub)
    } finally {
      this.layer.bdGen++
      const done = this.raise('pwritev_done')
      if (done) await done
    }
  }

  private async zeroes(op: number, offset: number, length: number): Promise<number> {
    const t0 = now()
    if (this.find('zeroes', offset, length)?.started) {
      // the Device trying another operation after ENOTSUP: one request for qemu
      await this.n.space(op, offset, length)
      return since(t0)
    }
    this.claim('zeroes', offset, length)
    const a = this.align
    const pad = padding(offset, length, a)
    if (!pad) {
      await this.zeroAligned(op, offset, length)
      return since(t0)
    }
    // bdrv_co_do_zero_pwritev(): the padded head and tail blocks are written as data, the middle as
    // zeroes. Zeroing just the caller's part of a block leaves the same bytes, without the reads.
    for (const step of pad.steps) {
      const stop = this.raise(...step.before, ...step.after)
      if (stop) await stop
    }
    const end = offset + length
    let at = offset
    const zero = (from: number, to: number) => async () => void (await this.n.space(op, from, to - from))
    if (pad.head || pad.merge) {
      const blockEnd = pad.span.offset + (pad.merge ? pad.bufLen : a)
      await this.aligned(
        { offset: pad.span.offset, length: blockEnd - pad.span.offset },
        zero(at, Math.min(end, blockEnd)),
      )
      if (pad.merge) return since(t0)
      at = blockEnd
    }
    const middle = alignDown(end - at, a)
    if (middle > 0) await this.zeroAligned(op, at, middle)
    at += middle
    if (at < end) await this.aligned({ offset: at, length: a }, zero(at, end))
    return since(t0)
  }

  /** An aligned write-zeroes: pwritev_zero, bdrv_co_do_pwrite_zeroes()'s pieces, pwritev_done. */
  private async zeroAligned(op: number, offset: number, length: number): Promise<void> {
    const stop = this.raise('pwritev_zero')
    if (stop) await stop
    try {
      for (const c of zeroChunks(offset, length, this.limits)) {
        // pieces below the zero alignment: blkdebug says ENOTSUP, qemu writes zeroes instead
        const ok = c.fallback ? this.pass('write', c, 'pwritev') : this.pass('write-zeroes', c, 'fallocate')
        if (await ok) await this.n.space(op, c.offset, c.length)
      }
    } finally {
      this.layer.bdGen++
      const done = this.raise('pwritev_done')
      if (done) await done
    }
  }

  private async discard(op: number, offset: number, length: number): Promise<number> {
    const t0 = now()
    this.claim('discard', offset, length)
    try {
      for (const c of discardChunks(offset, length, this.limits))
        if (!c.skip && (await this.pass('discard', c, 'fallocate')))
          await this.n.space(op, c.offset, c.length)
    } finally {
      this.layer.bdGen++
    }
    return since(t0)
  }

  private async truncate(length: number): Promise<number> {
    // the Device's O_DIRECT read-modify-write gives a file back its size: part of that write
    for (const it of this.intents)
      if (it.kind === 'write' && it.started && length === this.device?.size)
        return this.n.space(this.ops.truncate, length, 0)
    this.claim('truncate', length, 0)
    try {
      return await this.n.space(this.ops.truncate, length, 0)
    } finally {
      this.layer.bdGen++
    }
  }

  private async flush(op: number): Promise<number> {
    if (this.device?.readOnly) return this.n.space(op) // bdrv_co_flush() returns early: no events
    const t0 = now()
    await this.flushSteps(op)
    return since(t0)
  }

  /**
   * bdrv_co_flush() of the image, then of the blkdebug node: flush_to_os; flush_to_disk only when the
   * image was written since its last good flush; the rule check only when blkdebug's node was.
   * op null: the FUA emulation after a RWF_DSYNC write, which flushed already.
   */
  private async flushSteps(op: number | null): Promise<void> {
    const L = this.layer
    let stop = this.raise('flush_to_os')
    if (stop) await stop
    const top = L.topGen
    const bd = L.bdGen
    if (L.flushedTop !== top) {
      stop = this.raise('flush_to_disk')
      if (stop) await stop
    }
    if (L.flushedBd !== bd && !(await this.pass('flush', { offset: 0, length: 0 }, 'fdatasync'))) return
    if (op !== null) await this.n.space(op)
    L.flushedTop = top
    L.flushedBd = bd
  }
}
