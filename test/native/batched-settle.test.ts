// How the pump batches (issue 11, part 3): a burst of requests goes to the kernel in batches that
// double (a batch goes as soon as it is as large as what the kernel has), and each reap settles its
// requests with one call into JS by id (lib/native-io.ts). Every request gets its own result, a
// failure in the middle of a reap included, and ids are reused only once settled.
import { writeFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Device, IoError } from '../../lib/index'
import { Scratch, usableEngines } from '../helpers/targets'

const BLOCK = 4096
const BLOCKS = 64
const engineList = usableEngines('batched-settle tests')
const scratch = new Scratch()
let file = ''

beforeAll(() => {
  file = scratch.file('batched.img', BLOCKS * BLOCK)
  const data = Buffer.alloc(BLOCKS * BLOCK)
  for (let i = 0; i < BLOCKS; i++) data.fill(i + 1, i * BLOCK, (i + 1) * BLOCK)
  writeFileSync(file, data)
})
afterAll(() => scratch.cleanup())

describe.each(engineList)('engine %s', (engine) => {
  it('a burst of 32 reads from idle goes in 6 batches (1, 1, 2, 4, 8, 16); each gets its own block', async () => {
    const dev = await Device.open(file, { engine, cache: 'none', readOnly: true })
    try {
      for (let round = 0; round < 3; round++) {
        const before = dev.info()
        const bufs = Array.from({ length: 32 }, () => dev.allocBuffer(BLOCK))
        const block = (i: number) => (i * 7 + round) % BLOCKS
        const results = await Promise.all(bufs.map((b, i) => dev.readv(block(i) * BLOCK, [b])))
        const after = dev.info()
        expect(after.commits - before.commits).toBe(6)
        expect(after.reaped - before.reaped).toBe(32)
        expect(after.inFlight).toBe(0)
        for (let i = 0; i < 32; i++) {
          expect(results[i].bytes).toBe(BLOCK)
          expect(results[i].ns).toBeGreaterThan(0)
          expect(bufs[i].every((x) => x === block(i) + 1)).toBe(true)
        }
      }
    } finally {
      await dev.close()
    }
  })

  it('a failure among good requests settles alone, and its id is reused safely', async () => {
    // strict alignment: a buffer one byte off alignment reaches the kernel, which says EINVAL
    const dev = await Device.open(file, { engine, cache: 'none', align: 'strict', readOnly: true })
    try {
      for (let round = 0; round < 3; round++) {
        const bufs = Array.from({ length: 17 }, (_, i) =>
          i === 8 ? dev.allocBuffer(BLOCK, 1) : dev.allocBuffer(BLOCK),
        )
        const block = (i: number) => (i * 5 + round) % BLOCKS
        const settled = await Promise.allSettled(bufs.map((b, i) => dev.readv(block(i) * BLOCK, [b])))
        for (let i = 0; i < 17; i++) {
          const s = settled[i]
          if (i === 8) {
            expect(s.status).toBe('rejected')
            const e = (s as PromiseRejectedResult).reason
            expect(e).toBeInstanceOf(IoError)
            expect((e as IoError).code).toBe('EINVAL')
            continue
          }
          expect(s.status).toBe('fulfilled')
          expect((s as PromiseFulfilledResult<{ bytes: number }>).value.bytes).toBe(BLOCK)
          expect(bufs[i].every((x) => x === block(i) + 1)).toBe(true)
        }
        expect(dev.info().inFlight).toBe(0)
      }
    } finally {
      await dev.close()
    }
  })
})
