// Device.registerBuffer (qemu's blk_register_buf, behind qemu-io's -r): the io_uring engine's sparse
// table of fixed buffers, filled and emptied one buffer at a time. A request runs fixed only when all
// its buffers lie in one registered buffer; a release while a request uses the buffer takes effect
// when that request settles; a full table, the thread pool or a closed device register nothing and
// the I/O is the same. Real files, bytes read back.
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { allocAligned } from '../../lib/buffers'
import { Device } from '../../lib/index'
import { Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

describe.skipIf(skipReason(uringUnavailable(), 'fixed buffers'))('fixed buffers on io_uring', () => {
  it('reads and writes in a registered buffer run fixed; others do not', async () => {
    const path = scratch.file('fixed.img', 1 << 20, 0x5a)
    const dev = await Device.open(path, { engine: 'io_uring', cache: 'writeback' })
    try {
      const buf = allocAligned(16384)
      const reg = dev.registerBuffer(buf)
      expect(reg.fixed).toBe(true)
      expect(dev.info().registeredBuffers).toBe(1)
      buf.fill(0x11)
      await dev.write(0, buf)
      expect(dev.info().fixedIo).toBe(1)
      // views into it are inside it too
      await dev.write(16384, buf.subarray(4096, 8192))
      expect(dev.info().fixedIo).toBe(2)
      const vec = dev.info().fixedVectored ? 1 : 0
      await dev.writev(32768, [buf.subarray(0, 4096), buf.subarray(8192, 12288)])
      expect(dev.info().fixedIo).toBe(2 + vec)
      // one buffer outside: the request is not fixed (READV_FIXED needs every iovec inside)
      const other = allocAligned(4096).fill(0x22)
      await dev.writev(65536, [buf.subarray(0, 4096), other])
      await dev.write(131072, other)
      expect(dev.info().fixedIo).toBe(2 + vec)
      buf.fill(0)
      await dev.readv(0, [buf])
      expect(buf.every((b) => b === 0x11)).toBe(true)
      expect(dev.info().fixedIo).toBe(3 + vec)
      reg.release()
      reg.release() // idempotent
      expect(dev.info().registeredBuffers).toBe(0)
      await dev.readv(0, [buf])
      expect(dev.info().fixedIo).toBe(3 + vec)
    } finally {
      await dev.close()
    }
    const bytes = readFileSync(path)
    expect(bytes.subarray(0, 16384).every((b) => b === 0x11)).toBe(true)
    expect(bytes.subarray(65536 + 4096, 65536 + 8192).every((b) => b === 0x22)).toBe(true)
    expect(bytes.subarray(200000, 200100).every((b) => b === 0x5a)).toBe(true)
  })

  it('a release while a request uses the buffer takes effect when the request settles', async () => {
    const path = scratch.file('inflight.img', 1 << 20, 0x33)
    const dev = await Device.open(path, { engine: 'io_uring' })
    try {
      const buf = allocAligned(65536)
      const reg = dev.registerBuffer(buf)
      const pending = dev.readv(0, [buf])
      reg.release()
      // the request was prepared for this slot: it stays registered (and alive) until it settles
      expect(dev.info().registeredBuffers).toBe(1)
      await pending
      expect(dev.info().registeredBuffers).toBe(0)
      expect(dev.info().fixedIo).toBe(1)
      expect(buf.every((b) => b === 0x33)).toBe(true)
      // the slot is free again
      const again = dev.registerBuffer(buf)
      expect(again.fixed).toBe(true)
      again.release()
    } finally {
      await dev.close()
    }
  })

  it('a full table registers nothing more; the I/O still happens; freed slots are reused', async () => {
    const path = scratch.file('full.img', 1 << 20, 0x44)
    const dev = await Device.open(path, { engine: 'io_uring' })
    try {
      const regs = []
      for (let i = 0; i < 1024; i++) regs.push(dev.registerBuffer(allocAligned(4096)))
      expect(regs.every((r) => r.fixed)).toBe(true)
      expect(dev.info().registeredBuffers).toBe(1024)
      const extra = allocAligned(4096)
      const refused = dev.registerBuffer(extra)
      expect(refused.fixed).toBe(false)
      refused.release()
      await dev.readv(0, [extra])
      expect(extra.every((b) => b === 0x44)).toBe(true)
      expect(dev.info().fixedIo).toBe(0)
      for (const r of regs) r.release()
      expect(dev.info().registeredBuffers).toBe(0)
      const later = dev.registerBuffer(extra)
      expect(later.fixed).toBe(true)
      await dev.readv(4096, [extra])
      expect(dev.info().fixedIo).toBe(1)
      // closing with a buffer still registered lets it go with the ring
    } finally {
      await dev.close()
    }
    expect(dev.info().registeredBuffers).toBe(0)
  })

  it('an empty buffer and JavaScript-owned memory register nothing; a closed device refuses', async () => {
    const path = scratch.file('empty.img', 65536, 0x77)
    const dev = await Device.open(path, { engine: 'io_uring' })
    expect(dev.registerBuffer(new Uint8Array(0)).fixed).toBe(false)
    // V8's own memory is bounced per request (Buffer lifetime): never registered, never fixed
    const js = new Uint8Array(4096)
    const reg = dev.registerBuffer(js)
    expect(reg.fixed).toBe(false)
    await dev.readv(0, [js])
    expect(js.every((b) => b === 0x77)).toBe(true)
    expect(dev.info()).toMatchObject({ registeredBuffers: 0, fixedIo: 0 })
    await dev.close()
    expect(() => dev.registerBuffer(allocAligned(4096))).toThrow(/closed/)
  })
})

describe('fixed buffers on the thread engine', () => {
  it('register nothing, and the I/O is the same', async () => {
    const path = scratch.file('threads.img', 65536, 0x66)
    const dev = await Device.open(path, { engine: 'threads' })
    try {
      const buf = allocAligned(4096)
      const reg = dev.registerBuffer(buf)
      expect(reg.fixed).toBe(false)
      await dev.readv(0, [buf])
      expect(buf.every((b) => b === 0x66)).toBe(true)
      reg.release()
      expect(dev.info()).toMatchObject({ registeredBuffers: 0, fixedIo: 0, fixedVectored: false })
    } finally {
      await dev.close()
    }
  })
})
