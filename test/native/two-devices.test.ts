// Two devices in one process: a request queued on one from another's completion must be
// submitted at once (regression: it once waited for an unrelated wake-up). The reads run in a
// child whose event loop holds nothing else (ping-pong-child.ts), where such a wait never ends:
// the child must finish by itself, so no clock decides the test (a loaded machine only slows it).
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bundleChild, runChild } from '../helpers/child'
import { Scratch } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

let script = ''
beforeAll(() => {
  script = bundleChild('test/native/ping-pong-child.ts', scratch.dir)
})

describe.each(['io_uring', 'threads'] as const)('engine %s', (engine) => {
  it('alternating awaited reads on two devices never stall', { timeout: 120_000 }, async () => {
    const f = scratch.file(`two-${engine}.img`, 1 << 20, 0x11)
    const r = await runChild(script, [f, engine, 'epoll', 'none', '17', '0', '200'])
    expect(r, r.err).toMatchObject({ hung: false, signal: null, code: 0 })
    expect(JSON.parse(r.out)).toEqual({ ok: true, reads: 400 })
  })
})
