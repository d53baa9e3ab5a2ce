// blkdebug as a stacked driver, as qemu's block/blkdebug.c is a BlockDriver: it sits over the file
// driver with the same typed operations and plays qemu's raw node and blkdebug node for each: raises
// the events where block/io.c and block/raw-format.c raise them, asks the layer whether the request
// fails (then no byte of it reaches the target), and cuts and pads requests as a device with the
// configured limits would. The file driver's own O_DIRECT padding happens below, unseen, as qemu's
// file driver pads below blkdebug.
//
// A request runs synchronously up to its I/O or its rule check, as a qemu coroutine does: events are
// awaited only when a breakpoint suspended the request.
import { allocAligned } from '../buffers'
import { cacheModes } from '../cache-modes'
import {
  type BlockDriver,
  type DriverContext,
  type IoResult,
  StackedDriver,
  type WriteFlags,
  type ZeroFlags,
} from '../driver'
import type { BlkdebugEvent, IoType } from './events'
import { deliver, injectedError } from './inject'
import { gather, scatter, slice, total } from './iovec'
import type { BlkdebugLayer, LayerRequest, RequestSite } from './layer'
import {
  alignDown,
  type BlkdebugLimits,
  discardChunks,
  padding,
  type Range,
  splitRange,
  zeroChunks,
} from './limits'

export interface BlkdebugDriverOptions {
  /** Pad writes to the device's O_DIRECT alignment here, raising pwritev_rmw_* (deviceRmwEvents). */
  padToDevice?: boolean
}

/** A request of the image, with the sum of the native times of the I/O it sent down (its report time). */
type Req = LayerRequest & { ns: number }

export class BlkdebugDriver extends StackedDriver {
  private readonly maxTransfer: number
  private readonly limited: boolean

  constructor(
    lower: BlockDriver,
    private readonly dev: DriverContext,
    readonly layer: BlkdebugLayer,
    private readonly limits: BlkdebugLimits,
    private readonly opts: BlkdebugDriverOptions = {},
  ) {
    super(lower)
    this.maxTransfer = limits.maxTransfer || 0
    this.limited = Object.values(limits).some((v) => !!v)
  }

  override readv(offset: number, buffers: Uint8Array[]): Promise<IoResult> {
    // reads go through the layer only while something can happen: the read path stays one call
    if (this.layer.idle && !this.limited) return this.lower.readv(offset, buffers) // the hot path
    return this.request(false, this.site('preadv', offset, buffers), (req) => this.read(req, buffers, offset))
  }

  override writev(offset: number, buffers: Uint8Array[], flags: WriteFlags): Promise<IoResult> {
    return this.request(true, this.site('pwritev', offset, buffers), (req) =>
      this.write(req, buffers, offset, flags),
    )
  }

  override flush(): Promise<IoResult> {
    // cache=unsafe: the file driver skips the flush, qemu still raises flush_to_os (and nothing else)
    if (cacheModes[this.dev.cache].ignoreFlush) {
      if (this.dev.readOnly) return this.lower.flush()
      return this.request(false, { syscall: 'fdatasync' }, async (req) => {
        const stop = this.layer.raise('flush_to_os', req)
        if (stop) await stop
        return this.lower.flush()
      })
    }
    if (this.dev.readOnly) return this.lower.flush() // bdrv_co_flush() returns early: no events
    return this.request(false, { syscall: 'fdatasync' }, async (req) => {
      await this.flushSteps(req, true)
      return { bytes: 0, ns: req.ns }
    })
  }

  override discard(offset: number, length: number): Promise<IoResult> {
    return this.request(true, { syscall: 'fallocate', offset, length }, async (req) => {
      try {
        for (const c of discardChunks(offset, length, this.limits))
          if (!c.skip && (await this.pass('discard', c, 'fallocate')))
            await this.timed(req, this.lower.discard(c.offset, c.length))
      } finally {
        this.layer.bdGen++
      }
      return { bytes: length, ns: req.ns }
    })
  }

  override writeZeroes(offset: number, length: number, flags: ZeroFlags): Promise<IoResult> {
    return this.request(true, { syscall: 'fallocate', offset, length }, (req) =>
      this.zeroes(req, offset, length, flags),
    )
  }

  override truncate(length: number): Promise<IoResult> {
    return this.request(true, { syscall: 'ftruncate', offset: 0, length }, async () => {
      try {
        return await this.lower.truncate(length)
      } finally {
        this.layer.bdGen++
      }
    })
  }

  /** SEEK_DATA/SEEK_HOLE: qemu's block-status requests. */
  override seek(offset: number, whence: 'data' | 'hole'): number {
    if (!this.layer.idle) {
      const r = { offset, length: Math.max(0, this.dev.size - offset) }
      const hit = this.layer.check('block-status', r.offset, r.length)
      if (hit && hit.errno > 0) throw injectedError(hit.errno, 'lseek', r, this.dev.path)
    }
    return this.lower.seek(offset, whence)
  }

  /** Drops the breakpoints and resumes every suspended request first, so that close cannot hang. */
  override async close(): Promise<void> {
    await this.layer.shutdown()
    return this.lower.close()
  }

  /**
   * One request of the image: counted as running in the layer while it is not suspended, and, for
   * what writes, bumping the image's write generation when it ends, after its writethrough flush, as
   * bdrv_co_write_req_finish().
   */
  private async request(
    writes: boolean,
    site: RequestSite,
    fn: (req: Req) => Promise<IoResult>,
  ): Promise<IoResult> {
    const req: Req = Object.assign(this.layer.enter({ ...site, path: this.dev.path }), { ns: 0 })
    try {
      return await fn(req)
    } finally {
      this.layer.leave()
      if (writes) this.layer.topGen++
    }
  }

  /** One I/O of the layer below, its native time added to the request's. */
  private async timed(req: Req, io: Promise<IoResult>): Promise<IoResult> {
    const r = await io
    req.ns += r.ns
    return r
  }

  private site(syscall: string, offset: number, buffers: Uint8Array[]): RequestSite {
    return { syscall, offset, length: total(buffers) }
  }

  /** Raises events in order; a promise only when one of them suspended the request. */
  private raise(req: Req, ...names: BlkdebugEvent[]): Promise<void> | undefined {
    for (let i = 0; i < names.length; i++) {
      const stopped = this.layer.raise(names[i], req)
      if (stopped) return stopped.then(() => this.raise(req, ...names.slice(i + 1)))
    }
    return undefined
  }

  /** rule_check(), taken at once; resolves true to do the I/O, false to "succeed" without it. */
  private pass(iotype: IoType, r: Range, syscall: string): Promise<boolean> {
    const hit = this.layer.check(iotype, r.offset, r.length)
    if (!hit) return Promise.resolve(true)
    if (hit.errno < 0) return Promise.resolve(false) // qemu returns -errno > 0: success, no I/O
    return deliver(hit, injectedError(hit.errno, syscall, r, this.dev.path))
  }

  private bounce(size: number): Uint8Array {
    return allocAligned(size, Math.max(4096, this.dev.memAlign))
  }

  /** blkdebug's request alignment: its `align` limit, or the device's own with padToDevice. */
  private get align(): number {
    return this.limits.align || (this.opts.padToDevice ? this.dev.offsetAlign : 1)
  }

  private async read(req: Req, bufs: Uint8Array[], offset: number): Promise<IoResult> {
    const len = total(bufs)
    let bytes = 0 // what the kernel read of the caller's range (a file that shrank: less)
    const align = this.limits.align || 1
    for (const c of splitRange(offset, len, this.maxTransfer)) {
      const stop = this.raise(req, 'read_aio')
      if (stop) await stop
      const pad = padding(c.offset, c.length, align)
      const span = pad ? pad.span : c
      let ok = true
      for (const sub of splitRange(span.offset, span.length, alignDown(this.maxTransfer, align)))
        if (!(await this.pass('read', sub, 'preadv'))) ok = false
      if (!ok) {
        bytes += c.length // blkdebug's "success without I/O": the caller is told it was read
        continue
      }
      const part = slice(bufs, c.offset - offset, c.length)
      if (!pad) {
        bytes += (await this.timed(req, this.lower.readv(c.offset, part))).bytes
        continue
      }
      const b = this.bounce(span.length)
      const r = await this.timed(req, this.lower.readv(span.offset, [b]))
      scatter(b, c.offset - span.offset, part)
      bytes += Math.max(0, Math.min(c.length, r.bytes - (c.offset - span.offset)))
    }
    return { bytes, ns: req.ns }
  }

  private async write(req: Req, bufs: Uint8Array[], offset: number, flags: WriteFlags): Promise<IoResult> {
    const len = total(bufs)
    const align = this.align
    const fua = !!flags.fua
    for (const c of splitRange(offset, len, this.maxTransfer)) {
      let stop = this.raise(req, 'write_aio')
      if (stop) await stop
      const pad = padding(c.offset, c.length, align)
      const span = pad ? pad.span : c
      let data = slice(bufs, c.offset - offset, c.length)
      if (pad) {
        const b = this.bounce(span.length)
        for (const step of pad.steps) {
          stop = this.raise(req, ...step.before)
          if (stop) await stop
          const at = step.read.offset - span.offset
          await this.timed(req, this.lower.readv(step.read.offset, [b.subarray(at, at + step.read.length)]))
          stop = this.raise(req, ...step.after)
          if (stop) await stop
        }
        gather(b, c.offset - span.offset, data)
        data = [b]
      }
      await this.aligned(req, span, align, async (sub) => {
        await this.timed(
          req,
          this.lower.writev(sub.offset, slice(data, sub.offset - span.offset, sub.length), { fua }),
        )
      })
    }
    // qemu emulates FUA (and the writethrough mode's FUA) with a flush of the image
    if (fua) await this.flushSteps(req, false)
    else if (flags.writethrough) await this.flushSteps(req, true)
    return { bytes: len, ns: req.ns }
  }

  /** bdrv_aligned_pwritev() of data: pwritev, a rule check and the I/O per max-transfer piece, pwritev_done. */
  private async aligned(
    req: Req,
    span: Range,
    align: number,
    io: (sub: Range) => Promise<void>,
  ): Promise<void> {
    const stop = this.raise(req, 'pwritev')
    if (stop) await stop
    try {
      for (const sub of splitRange(span.offset, span.length, alignDown(this.maxTransfer, align)))
        if (await this.pass('write', sub, 'pwritev')) await io(sub)
    } finally {
      this.layer.bdGen++
      const done = this.raise(req, 'pwritev_done')
      if (done) await done
    }
  }

  private async zeroes(req: Req, offset: number, length: number, flags: ZeroFlags): Promise<IoResult> {
    const f: ZeroFlags = { mayUnmap: flags.mayUnmap, noFallback: flags.noFallback }
    const zero = (from: number, to: number) => async () =>
      void (await this.timed(req, this.lower.writeZeroes(from, to - from, f)))
    const a = this.limits.align || 1
    const pad = padding(offset, length, a)
    if (!pad) {
      await this.zeroAligned(req, offset, length, f)
    } else {
      // bdrv_co_do_zero_pwritev(): the padded head and tail blocks are written as data, the middle
      // as zeroes. Zeroing just the caller's part of a block leaves the same bytes, without the reads.
      for (const step of pad.steps) {
        const stop = this.raise(req, ...step.before, ...step.after)
        if (stop) await stop
      }
      const end = offset + length
      let at = offset
      let done = false
      if (pad.head || pad.merge) {
        const blockEnd = pad.span.offset + (pad.merge ? pad.bufLen : a)
        await this.aligned(
          req,
          { offset: pad.span.offset, length: blockEnd - pad.span.offset },
          a,
          zero(at, Math.min(end, blockEnd)),
        )
        done = pad.merge
        at = blockEnd
      }
      if (!done) {
        const middle = alignDown(end - at, a)
        if (middle > 0) await this.zeroAligned(req, at, middle, f)
        at += middle
        if (at < end) await this.aligned(req, { offset: at, length: a }, a, zero(at, end))
      }
    }
    if (flags.writethrough) await this.flushSteps(req, true)
    return { bytes: length, ns: req.ns }
  }

  /** An aligned write-zeroes: pwritev_zero, bdrv_co_do_pwrite_zeroes()'s pieces, pwritev_done. */
  private async zeroAligned(req: Req, offset: number, length: number, f: ZeroFlags): Promise<void> {
    const stop = this.raise(req, 'pwritev_zero')
    if (stop) await stop
    try {
      for (const c of zeroChunks(offset, length, this.limits)) {
        // pieces below the zero alignment: blkdebug says ENOTSUP, qemu writes zeroes instead
        const ok = c.fallback ? this.pass('write', c, 'pwritev') : this.pass('write-zeroes', c, 'fallocate')
        if (await ok) await this.timed(req, this.lower.writeZeroes(c.offset, c.length, f))
      }
    } finally {
      this.layer.bdGen++
      const done = this.raise(req, 'pwritev_done')
      if (done) await done
    }
  }

  /**
   * bdrv_co_flush() of the image, then of the blkdebug node: flush_to_os; flush_to_disk only when the
   * image was written since its last good flush; the rule check only when blkdebug's node was.
   * io false: the FUA emulation after a RWF_DSYNC write, which flushed already.
   */
  private async flushSteps(req: Req, io: boolean): Promise<void> {
    const L = this.layer
    let stop = this.raise(req, 'flush_to_os')
    if (stop) await stop
    const top = L.topGen
    const bd = L.bdGen
    if (L.flushedTop !== top) {
      stop = this.raise(req, 'flush_to_disk')
      if (stop) await stop
    }
    if (L.flushedBd !== bd && !(await this.pass('flush', { offset: 0, length: 0 }, 'fdatasync'))) return
    if (io) await this.timed(req, this.lower.flush())
    L.flushedTop = top
    L.flushedBd = bd
  }
}
