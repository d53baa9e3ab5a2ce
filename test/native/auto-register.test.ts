// Buffers that join io_uring's fixed-buffer table on their own (native/napi/fixed_buffers.h): an
// allocBuffer block at its 8th request in place, and only such a block. It leaves the table when
// JavaScript drops it (once the device is idle) and gives way to registerBuffer(). Real targets: an
// ext4 file with O_DIRECT and a loop device over /dev/shm; every byte read is checked.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { afterAll, describe, expect, it } from 'vitest'
import { allocAligned } from '../../lib/buffers'
import type { Device, OpenOptions } from '../../lib/index'
import { withDevice } from '../helpers/device'
import { isRoot, loopUnavailable, Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const scratch = new Scratch()
const shm = mkdtempSync('/dev/shm/rawio-test-')
afterAll(() => {
  scratch.cleanup()
  rmSync(shm, { recursive: true, force: true })
})

setFlagsFromString('--expose-gc')
const gc = runInNewContext('gc') as () => void

const SIZE = 1 << 20
const BLOCKS = SIZE / 4096
const pattern = (block: number) => (block * 7 + 3) & 0xff

function image(path: string): string {
  const b = Buffer.alloc(SIZE)
  for (let i = 0; i < BLOCKS; i++) b.fill(pattern(i), i * 4096, (i + 1) * 4096)
  writeFileSync(path, b)
  return path
}

type Target = [string, () => string]
const targets: Target[] = [['an ext4 file, O_DIRECT', () => image(join(scratch.dir, 'a.img'))]]
if (isRoot && !skipReason(loopUnavailable(), 'automatic registration on a loop device'))
  targets.push(['a loop device over /dev/shm', () => scratch.loop(image(join(shm, 'l.img')))])

/** Runs fn on the target opened O_DIRECT on io_uring (unless opts say otherwise), then closes it. */
const withDirect = (path: string, opts: OpenOptions, fn: (dev: Device) => Promise<void>) =>
  withDevice(path, { cache: 'none', engine: 'io_uring', ...opts }, fn)

/** n 4 KiB reads into buf, block i % BLOCKS each, every byte checked. */
async function reads(dev: Device, buf: Uint8Array, n: number, first = 0): Promise<void> {
  for (let i = first; i < first + n; i++) {
    const block = i % BLOCKS
    const r = await dev.readv(block * 4096, [buf])
    expect(r.bytes).toBe(4096)
    if (!buf.every((b) => b === pattern(block))) throw new Error(`read ${i}: wrong bytes`)
  }
}

describe.skipIf(skipReason(uringUnavailable(), 'automatic registration'))('automatic registration', () => {
  describe.each(targets)('on %s', (_, make) => {
    it('a buffer joins the table at its 8th request; reads and writes in it run fixed', async () => {
      const path = make()
      await withDirect(path, {}, async (dev) => {
        const buf = dev.allocBuffer(4096)
        await reads(dev, buf, 7)
        expect(dev.info()).toMatchObject({ autoRegisteredBuffers: 0, fixedIo: 0 })
        await reads(dev, buf, 13, 7)
        expect(dev.info()).toMatchObject({ autoRegisteredBuffers: 1, registeredBuffers: 0, fixedIo: 13 })
        // a view into it is inside it: a write from it runs fixed and lands where it was asked
        const big = dev.allocBuffer(16384)
        await reads(dev, big.subarray(0, 4096), 8)
        expect(dev.info().autoRegisteredBuffers).toBe(2)
        big.fill(0xe1)
        const w = await dev.writev(8192, [big.subarray(4096, 8192)])
        expect(w.bytes).toBe(4096)
        expect(dev.info().fixedIo).toBe(15)
      })
      const bytes = readFileSync(path)
      expect(bytes.subarray(8192, 12288).every((b) => b === 0xe1)).toBe(true)
      expect(bytes.subarray(4096, 8192).every((b) => b === pattern(1))).toBe(true)
      expect(bytes.subarray(12288, 16384).every((b) => b === pattern(3))).toBe(true)
    })
  })

  it('JavaScript memory, a buffer too large, autoRegister: false and the thread pool register nothing', async () => {
    const path = image(join(scratch.dir, 'n.img'))
    await withDirect(path, {}, async (dev) => {
      // V8's memory is bounced through a recycled block per request: never registered
      const js = new Uint8Array(8192).subarray(0, 4096)
      await reads(dev, js, 20)
      // over 64 MiB: never pinned on its own
      const huge = allocAligned(65 << 20)
      await reads(dev, huge.subarray(0, 4096), 20)
      expect(dev.info()).toMatchObject({ autoRegisteredBuffers: 0, fixedIo: 0 })
    })
    for (const opts of [{ autoRegister: false }, { engine: 'threads' as const }]) {
      await withDirect(path, opts, async (d) => {
        await reads(d, d.allocBuffer(4096), 20)
        expect(d.info()).toMatchObject({ autoRegisteredBuffers: 0, registeredBuffers: 0, fixedIo: 0 })
      })
    }
  })

  it('a buffer JavaScript dropped leaves the table once the device is idle', async () => {
    const path = image(join(scratch.dir, 'd.img'))
    await withDirect(path, {}, async (dev) => {
      await (async () => {
        const dropped = dev.allocBuffer(4096)
        await reads(dev, dropped, 10)
      })()
      const kept = dev.allocBuffer(4096)
      await reads(dev, kept, 10)
      expect(dev.info().autoRegisteredBuffers).toBe(2)
      // the dropped block's finalizer runs after a collection; each idle device sweeps
      for (let i = 0; i < 50 && dev.info().autoRegisteredBuffers > 1; i++) {
        gc()
        await new Promise((r) => setImmediate(r))
        await reads(dev, kept, 1)
      }
      expect(dev.info().autoRegisteredBuffers).toBe(1)
      // the one still held stays, and keeps running fixed
      const before = dev.info().fixedIo
      await reads(dev, kept, 5)
      expect(dev.info().fixedIo).toBe(before + 5)
    })
  })

  it('registerBuffer takes the room of buffers registered on their own', async () => {
    const path = image(join(scratch.dir, 'f.img'))
    await withDirect(path, {}, async (dev) => {
      const hot = dev.allocBuffer(4096)
      await reads(dev, hot, 10)
      expect(dev.info().autoRegisteredBuffers).toBe(1)
      const regs = []
      for (let i = 0; i < 1024; i++) regs.push(dev.registerBuffer(allocAligned(4096)))
      expect(regs.every((r) => r.fixed)).toBe(true)
      expect(dev.info()).toMatchObject({ registeredBuffers: 1024, autoRegisteredBuffers: 0 })
      // the table is full: the hot buffer runs unregistered, with the same bytes
      const before = dev.info().fixedIo
      await reads(dev, hot, 20)
      expect(dev.info().fixedIo).toBe(before)
      for (const r of regs) r.release()
      expect(dev.info().registeredBuffers).toBe(0)
      // registerBuffer of a buffer in the table on its own takes that slot (it is not pinned twice)
      // its 32nd request run unregistered (8, then 20 with the table full, then 4): in the table again
      await reads(dev, hot, 4)
      expect(dev.info()).toMatchObject({ autoRegisteredBuffers: 1, registeredBuffers: 0 })
      const reg = dev.registerBuffer(hot)
      expect(reg.fixed).toBe(true)
      expect(dev.info()).toMatchObject({ autoRegisteredBuffers: 0, registeredBuffers: 1 })
      reg.release()
      expect(dev.info()).toMatchObject({ autoRegisteredBuffers: 0, registeredBuffers: 0 })
    })
  })
})
