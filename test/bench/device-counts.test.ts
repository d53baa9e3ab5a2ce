// The report counts what reached the device: requests and bytes in /sys/block/loopN/stat
// (merging off on our own loop device) before and after, for size-based, time-based and
// number_ios jobs, at iodepth 1 and 128, on both engines. Writes pass the interlock first, which
// reads signatures: for write jobs only the write counters are compared.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bench } from '../../lib/bench/run'
import { loopUnavailable, Scratch, skipReason, uringUnavailable } from '../helpers/targets'
import { countAround, quietLoop } from './diskstat'

const MiB = 2 ** 20
const noLoop = skipReason(loopUnavailable(), 'device-count bench runs')
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

const engines = (['io_uring', 'threads'] as const).filter(
  (e) => e === 'threads' || !skipReason(uringUnavailable(), 'io_uring device counts'),
)
const limits = [
  ['size-based', { size: { bytes: 2 * MiB } }],
  ['time-based', { runtime: 0.4e9, time_based: true, size: { bytes: 16 * MiB } }],
  ['number_ios', { number_ios: 1000, size: { bytes: 16 * MiB } }],
] as const

describe.skipIf(noLoop).each(engines)('report = device counters, engine %s', (engine) => {
  let dev = ''
  beforeAll(() => {
    dev = scratch.loop(scratch.file(`counts-${engine}.img`, 32 * MiB), { directIo: true })
    quietLoop(dev)
  })

  for (const iodepth of [1, 128]) {
    for (const [what, limit] of limits) {
      it(`${what}, iodepth ${iodepth}: reads and writes`, async () => {
        const common = { engine, iodepth, direct: true, bs: 4096, ...limit }
        const r = await countAround(dev, () => bench(dev, { ...common, rw: 'randread' }))
        expect(r.value.read.ios).toBeGreaterThan(0)
        expect(r.delta).toEqual({
          reads: r.value.read.ios,
          readBytes: r.value.read.bytes,
          writes: 0,
          writeBytes: 0,
        })
        const w = await countAround(dev, () => bench(dev, { ...common, rw: 'write' }))
        expect(w.value.write.ios).toBeGreaterThan(0)
        expect({ writes: w.delta.writes, writeBytes: w.delta.writeBytes }).toEqual({
          writes: w.value.write.ios,
          writeBytes: w.value.write.bytes,
        })
        if (what === 'size-based') expect(w.value.write.bytes).toBe(2 * MiB)
        if (what === 'number_ios') expect(r.value.read.ios).toBe(1000)
      })
    }
  }
})
