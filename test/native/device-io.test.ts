// Every operation, in every cache mode, on both engines, on a file and on loop
// devices (with and without --direct-io=on). Bytes are read back for real.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type CacheMode, Device, IoError } from '../../lib/index'
import { loopUnavailable, Scratch, skipReason, usableEngines } from '../helpers/targets'

const MiB = 1 << 20
const engineList = usableEngines('engine tests')
const kinds = ['file', 'loop', 'loop-dio'] as const
const noLoop = loopUnavailable()
const caches: CacheMode[] = ['none', 'writeback', 'writethrough', 'directsync', 'unsafe']

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

function pattern(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7 + (i >> 9)) & 0xff
  return b
}

describe.each(engineList)('engine %s', (engine) => {
  describe.each(kinds)('target %s', (kind) => {
    const skip = kind !== 'file' && skipReason(noLoop, `${kind} tests`)
    let backing = ''
    let target = ''
    beforeAll(() => {
      if (skip) return
      backing = scratch.file(`${engine}-${kind}.img`, 4 * MiB, 0x5a)
      target = kind === 'file' ? backing : scratch.loop(backing, { directIo: kind === 'loop-dio' })
    })

    it.skipIf(skip).each(caches)('cache=%s: write, FUA write, readv/writev read back', async (cache) => {
      const dev = await Device.open(target, { cache, engine })
      try {
        expect(dev.engine).toBe(engine)
        expect(dev.info().direct).toBe(cache === 'none' || cache === 'directsync')
        const a = pattern(64 * 1024, 1)
        const w = await dev.write(MiB, a)
        expect(w.bytes).toBe(a.length)
        expect(w.ns).toBeGreaterThan(0)
        expect(Buffer.from((await dev.read(MiB, a.length)).data)).toEqual(Buffer.from(a))
        const b = pattern(8192, 2)
        await dev.write(2 * MiB, b, { fua: true })
        const parts = [dev.allocBuffer(4096), dev.allocBuffer(4096)]
        await dev.readv(2 * MiB, parts)
        expect(Buffer.concat(parts)).toEqual(Buffer.from(b))
        const c = [pattern(4096, 3), pattern(8192, 4)]
        await dev.writev(3 * MiB, c)
        expect(Buffer.from((await dev.read(3 * MiB, 12288)).data)).toEqual(Buffer.concat(c))
        await dev.flush()
      } finally {
        await dev.close()
      }
      // Through another fd (the page cache may hold it for buffered modes: flush first).
      const onDisk = readFileSync(backing).subarray(MiB, MiB + 64 * 1024)
      if (cache !== 'unsafe' && kind === 'file') expect(onDisk).toEqual(Buffer.from(pattern(64 * 1024, 1)))
    })

    it.skipIf(skip).each(caches)('cache=%s: discard leaves holes: map and zero reads', async (cache) => {
      const dev = await Device.open(target, { cache, engine })
      try {
        await dev.write(0, pattern(256 * 1024, 5))
        await dev.discard(64 * 1024, 128 * 1024)
        const data = (await dev.read(0, 256 * 1024)).data
        expect(data.subarray(64 * 1024, 192 * 1024).every((x) => x === 0)).toBe(true)
        expect(Buffer.from(data.subarray(0, 64 * 1024))).toEqual(
          Buffer.from(pattern(256 * 1024, 5).subarray(0, 64 * 1024)),
        )
        const map = await dev.map(0, 256 * 1024)
        if (kind === 'file') {
          expect(map).toEqual([
            { offset: 0, length: 64 * 1024, data: true },
            { offset: 64 * 1024, length: 128 * 1024, data: false },
            { offset: 192 * 1024, length: 64 * 1024, data: true },
          ])
        } else {
          expect(map).toEqual([{ offset: 0, length: 256 * 1024, data: true }])
        }
      } finally {
        await dev.close()
      }
      if (kind !== 'file') {
        // BLKDISCARD on a loop device punches its backing file
        const dev = await Device.open(backing, { cache: 'writeback', engine })
        const map = await dev.map(0, 256 * 1024)
        await dev.close()
        expect(map.some((e) => !e.data)).toBe(true)
      }
    })

    it.skipIf(skip).each(caches)(
      'cache=%s: write-zeroes: ZERO_RANGE / BLKZEROOUT, may-unmap punches',
      async (cache) => {
        const dev = await Device.open(target, { cache, engine })
        try {
          await dev.write(0, pattern(128 * 1024, 6))
          await dev.writeZeroes(4096, 8192)
          await dev.writeZeroes(64 * 1024, 32 * 1024, { mayUnmap: true })
          const d = (await dev.read(0, 128 * 1024)).data
          expect(d.subarray(4096, 12288).every((x) => x === 0)).toBe(true)
          expect(d.subarray(64 * 1024, 96 * 1024).every((x) => x === 0)).toBe(true)
          expect(d[0]).toBe(pattern(1, 6)[0])
          expect(Buffer.from(d.subarray(12288, 64 * 1024))).toEqual(
            Buffer.from(pattern(128 * 1024, 6).subarray(12288, 64 * 1024)),
          )
          if (kind === 'file') {
            const holes = (await dev.map(0, 128 * 1024)).filter((e) => !e.data)
            expect(holes).toContainEqual({ offset: 64 * 1024, length: 32 * 1024, data: false })
          }
        } finally {
          await dev.close()
        }
      },
    )

    it.skipIf(skip)('past the end is EIO, even partly; writes never extend', async () => {
      const dev = await Device.open(target, { cache: 'writeback', engine })
      try {
        const size = dev.size
        expect(size).toBe(4 * MiB)
        await expect(dev.read(size - 512, 1024)).rejects.toMatchObject({
          code: 'EIO',
          errno: 5,
          offset: size - 512,
        })
        await expect(dev.write(size, new Uint8Array(512))).rejects.toBeInstanceOf(IoError)
        await expect(dev.discard(size - 4096, 8192)).rejects.toMatchObject({ code: 'EIO' })
        expect(await dev.length()).toBe(size)
      } finally {
        await dev.close()
      }
    })

    it.skipIf(skip)('read-only opens refuse writes', async () => {
      const dev = await Device.open(target, { readOnly: true, engine })
      try {
        expect(dev.readOnly).toBe(true)
        await expect(dev.write(0, new Uint8Array(512))).rejects.toBeInstanceOf(IoError)
        await expect(dev.discard(0, 4096)).rejects.toBeInstanceOf(IoError)
        expect((await dev.read(0, 512)).bytes).toBe(512)
      } finally {
        await dev.close()
      }
    })

    it.skipIf(skip)('32 reads in flight at once', async () => {
      const dev = await Device.open(target, { cache: 'none', engine })
      try {
        await dev.write(0, pattern(32 * 4096, 7))
        const reads = Array.from({ length: 32 }, (_, i) => dev.read(i * 4096, 4096))
        expect(dev.info().inFlight).toBe(32)
        const results = await Promise.all(reads)
        const all = Buffer.concat(results.map((r) => r.data))
        expect(all).toEqual(Buffer.from(pattern(32 * 4096, 7)))
        expect(dev.info().inFlight).toBe(0)
      } finally {
        await dev.close()
      }
    })

    it.skipIf(skip)('strict alignment: the kernel says EINVAL; auto: correct data', async () => {
      const strict = await Device.open(target, { cache: 'none', engine, align: 'strict' })
      try {
        await expect(strict.read(1, 512)).rejects.toMatchObject({ code: 'EINVAL', syscall: 'preadv' })
        await expect(strict.read(0, 100)).rejects.toMatchObject({ code: 'EINVAL' })
        const buf = strict.allocBuffer(4096, 16)
        // dio_mem_align may be as small as 4 bytes on some devices; 1 byte off is never fine
        const odd = strict.allocBuffer(4096, 1)
        await expect(strict.readv(0, [odd])).rejects.toMatchObject({ code: 'EINVAL' })
        expect(buf.byteLength).toBe(4096)
      } finally {
        await strict.close()
      }
      const auto = await Device.open(target, { cache: 'none', engine })
      try {
        const model = Buffer.from(pattern(64 * 1024, 8))
        await auto.write(0, model)
        const cases: [number, number, number][] = [
          [1, 511, 0],
          [511, 4097, 16],
          [4095, 1, 511],
          [512, 512, 1],
        ]
        for (const [off, len, mis] of cases) {
          const data = pattern(len, off)
          const src = auto.allocBuffer(len, mis)
          src.set(data)
          await auto.write(off, src)
          data.forEach((v, i) => {
            model[off + i] = v
          })
          const got = await auto.read(off, len, { misalign: mis })
          expect(Buffer.from(got.data)).toEqual(Buffer.from(data))
        }
        expect(Buffer.from((await auto.read(0, 64 * 1024)).data)).toEqual(model)
      } finally {
        await auto.close()
      }
    })

    it.skipIf(skip)('concurrent overlapping unaligned writes lose no update', async () => {
      const dev = await Device.open(target, { cache: 'none', engine })
      try {
        await dev.write(0, new Uint8Array(16384))
        // 64 writes of 100 bytes each, every one in a different spot of the same blocks
        const writes = Array.from({ length: 64 }, (_, i) =>
          dev.write(i * 100 + 7, new Uint8Array(100).fill(i + 1)),
        )
        await Promise.all(writes)
        const d = (await dev.read(0, 16384)).data
        for (let i = 0; i < 64; i++) {
          expect(d.subarray(i * 100 + 7, i * 100 + 107).every((x) => x === i + 1)).toBe(true)
        }
        expect(d[6]).toBe(0)
        expect(d[64 * 100 + 7]).toBe(0)
      } finally {
        await dev.close()
      }
    })
  })
})
