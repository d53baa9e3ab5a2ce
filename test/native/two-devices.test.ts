// Two devices in one process: a request queued on one from another's completion
// must be submitted at once (regression: it once waited for an unrelated wake-up).
import { afterAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/index'
import { Scratch } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

describe.each(['io_uring', 'threads'] as const)('engine %s', (engine) => {
  it('alternating awaited reads on two devices never stall', { timeout: 10_000 }, async () => {
    const f = scratch.file(`two-${engine}.img`, 1 << 20, 0x11)
    const a = await Device.open(f, { cache: 'none', engine })
    const b = await Device.open(f, { cache: 'none', engine })
    try {
      const t0 = Date.now()
      for (let i = 0; i < 200; i++) {
        await a.read((i % 16) * 4096, 4096)
        expect((await b.read((i % 16) * 4096, 4096)).data[0]).toBe(0x11)
      }
      expect(Date.now() - t0).toBeLessThan(5000)
    } finally {
      await a.close()
      await b.close()
    }
  })
})
