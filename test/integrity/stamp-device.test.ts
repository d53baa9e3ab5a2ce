// stamp and check on real targets: clean runs, random overlapping generations against a model, and
// each corruption class made behind rawio's back (another fd, or dd) detected and named.
import { execFileSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { type CacheMode, Device } from '../../lib/device'
import { check, stamp } from '../../lib/integrity/stamp'
import { encodeBlock } from '../../lib/integrity/stamp-format'
import { cleanupTmp } from '../helpers/loop'
import { preadBehind, pwriteBehind, randomBytes, rng, usableTargets } from './targets'

const size = 8 << 20
afterAll(cleanupTmp)

async function withDevice<T>(path: string, cache: CacheMode, fn: (d: Device) => Promise<T>): Promise<T> {
  const dev = await Device.open(path, { cache, align: 'auto' })
  try {
    return await fn(dev)
  } finally {
    await dev.close()
  }
}

for (const spec of usableTargets('stamp/check')) {
  describe(`stamp and check: ${spec.name}`, () => {
    const path = spec.make(size)

    for (const cache of ['none', 'writeback'] as const) {
      it(`stamps and checks clean (cache=${cache})`, async () => {
        await withDevice(path, cache, async (dev) => {
          const s = await stamp(dev, { off: 0, len: size, gen: 1, seed: 42 })
          expect(s.blocks).toBe(size / dev.geometry.logicalBlockSize)
          const c = await check(dev, { off: 0, len: size, gen: 1, seed: 42 })
          expect(c.bad).toEqual([])
          expect(c.counts.ok).toBe(s.blocks)
          const wrong = await check(dev, { off: 0, len: 1 << 20, gen: 2, seed: 42 })
          expect(wrong.bad).toEqual([
            { offset: 0, length: 1 << 20, kind: 'stale', foundOffset: 0, foundGen: 1, foundSeed: 42 },
          ])
        })
      })
    }

    for (const bs of [undefined, 512, 8192]) {
      it(`has no false alarm after random overlapping generations (bs=${bs ?? 'lbs'})`, async () => {
        await withDevice(path, 'none', async (dev) => {
          const b = bs ?? dev.geometry.logicalBlockSize
          const blocks = (4 << 20) / b
          const gens = new Uint32Array(blocks).fill(1)
          await stamp(dev, { off: 0, len: blocks * b, bs: b, gen: 1, seed: 7 })
          const next = rng(b)
          for (let gen = 2; gen < 40; gen++) {
            const first = Math.floor(next() * blocks)
            const n = 1 + Math.floor(next() * Math.min(300, blocks - first))
            gens.fill(gen, first, first + n)
            // Overlapping stamps land in order (each awaited); inside one, 8 requests are in flight, and
            // odd chunk sizes make neighbours share device blocks when b < the sector size.
            await stamp(dev, { off: first * b, len: n * b, bs: b, gen, seed: 7, chunk: 7 * b, depth: 8 })
          }
          const c = await check(dev, { off: 0, len: blocks * b, bs: b, seed: 7, gen: (o) => gens[o / b] })
          expect(c.bad).toEqual([])
          expect(c.counts.ok).toBe(blocks)
        })
      })
    }

    it('detects and names each corruption made behind its back', async () => {
      await withDevice(path, 'none', async (dev) => {
        const bs = 4096
        await stamp(dev, { off: 0, len: 1 << 20, bs, gen: 3, seed: 9 })
        // copy block 2 over block 40 with dd, blocks 5-6 over 50-51 with pwrite
        execFileSync(
          'dd',
          [`if=${path}`, `of=${path}`, `bs=${bs}`, 'skip=2', 'seek=40', 'count=1', 'conv=notrunc,fsync'],
          {
            stdio: 'ignore',
          },
        )
        pwriteBehind(path, 50 * bs, preadBehind(path, 5 * bs, 2 * bs))
        // an old generation at 60 (a lost write)
        const old = new Uint8Array(bs)
        encodeBlock(old, 60 * bs, 9, 2, 0n)
        pwriteBehind(path, 60 * bs, old)
        // a flipped byte at 70, in the payload, and one at 71, in the magic
        for (const at of [70 * bs + 1234, 71 * bs]) {
          const b = preadBehind(path, at, 1)
          b[0] ^= 0x10
          pwriteBehind(path, at, b)
        }
        // a zeroed range at 80-83, random bytes at 90
        pwriteBehind(path, 80 * bs, new Uint8Array(4 * bs))
        pwriteBehind(path, 90 * bs, randomBytes(bs, rng(90)))
        const c = await check(dev, { off: 0, len: 1 << 20, bs, gen: 3, seed: 9 })
        expect(c.bad).toEqual([
          {
            offset: 40 * bs,
            length: bs,
            kind: 'misdirected',
            foundOffset: 2 * bs,
            foundGen: 3,
            foundSeed: 9,
          },
          {
            offset: 50 * bs,
            length: 2 * bs,
            kind: 'misdirected',
            foundOffset: 5 * bs,
            foundGen: 3,
            foundSeed: 9,
          },
          { offset: 60 * bs, length: bs, kind: 'stale', foundOffset: 60 * bs, foundGen: 2, foundSeed: 9 },
          { offset: 70 * bs, length: bs, kind: 'torn', foundOffset: 70 * bs, foundGen: 3, foundSeed: 9 },
          { offset: 71 * bs, length: bs, kind: 'torn' },
          { offset: 80 * bs, length: 4 * bs, kind: 'zeroed' },
          { offset: 90 * bs, length: bs, kind: 'foreign' },
        ])
        expect(c.counts).toMatchObject({ misdirected: 3, stale: 1, torn: 2, zeroed: 4, foreign: 1 })
        expect(c.counts.ok).toBe(256 - 11)
      })
    })

    it('passes fua through and stamps an unaligned range in auto mode', async () => {
      await withDevice(path, 'none', async (dev) => {
        const s = await stamp(dev, { off: 512 * 3, len: 512 * 21, bs: 512, gen: 4, seed: 1, fua: true })
        expect(s.fua).toBe(true)
        const c = await check(dev, { off: 512 * 3, len: 512 * 21, bs: 512, gen: 4, seed: 1 })
        expect(c.ok).toBe(true)
      })
    })
  })
}
