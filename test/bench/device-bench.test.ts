// Device.bench(): the library form of `rawio bench`, on the open target.
import { afterAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/index'
import { Scratch } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

describe('Device.bench', () => {
  it('runs a job on the open target and counts every request', async () => {
    const dev = await Device.open(scratch.file('bench.img', 4 << 20, 1), { cache: 'none' })
    try {
      const run = await dev.bench({ rw: 'randread', bs: 4096, iodepth: 8, number_ios: 500 })
      const result = await run.result
      expect(result.read.ios).toBe(500)
      expect(result.read.bytes).toBe(500 * 4096)
      expect(result.write.ios).toBe(0)
      expect(result.job.direct).toBe(true)
    } finally {
      await dev.close()
    }
  })
})
