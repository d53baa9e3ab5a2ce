// Issue 12 item 9: a deep job with big blocks used to fault in iodepth x bs of buffers before
// the clock started (1024 x 1 MiB: seconds, and 4096 x 1 MiB: 4 GiB), deaf to stop() and SIGINT.
// Now the buffers are bounded by the I/Os the job can really have in flight, their preparation
// looks at stop() every few MiB, and progress() says 'preparing'.
import { truncateSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { bench, startBench } from '../../lib/bench/run'
import { Scratch } from '../helpers/targets'

const MiB = 2 ** 20
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('bench buffer preparation', () => {
  it('iodepth 1024 x bs 1M over 64 MiB keeps only what 64 I/Os need', async () => {
    const file = scratch.file('prep-64m.img', 64 * MiB)
    const base = process.memoryUsage().rss
    let peak = base
    const run = await startBench(file, { rw: 'read', iodepth: 1024, bs: MiB, engine: 'threads' })
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss)
    }, 5)
    try {
      const r = await run.result
      expect(r.read.bytes).toBe(64 * MiB)
    } finally {
      clearInterval(timer)
    }
    // 1024 buffers of 1 MiB would be 1 GiB; 64 are 64 MiB (with room for the rest of the process).
    expect(peak - base).toBeLessThan(400 * MiB)
  })

  it('stop() during preparation ends the run within a moment, nothing measured', async () => {
    const file = scratch.file('prep-4g.img', 0)
    truncateSync(file, 4096 * MiB) // sparse
    // time-based: nothing bounds the buffers but iodepth (2048 x 1 MiB = 2 GiB to prepare)
    const run = await startBench(file, {
      rw: 'read',
      iodepth: 2048,
      bs: MiB,
      runtime: 30e9,
      time_based: true,
      engine: 'threads',
    })
    let phase = run.progress().phase
    for (let i = 0; i < 2000 && phase !== 'preparing'; i++) {
      await sleep(1)
      phase = run.progress().phase
    }
    expect(phase).toBe('preparing')
    await sleep(50)
    const t0 = performance.now()
    run.stop()
    const r = await run.result
    const ms = performance.now() - t0
    expect(r.read.ios).toBe(0)
    // The job looks at stop() every 4 MiB; allow for a loaded machine.
    expect(ms).toBeLessThan(1000)
  })

  it('a size-bound job with number_ios keeps at most number_ios buffers', async () => {
    const file = scratch.file('prep-small.img', 16 * MiB)
    const r = await bench(file, { rw: 'randread', iodepth: 4096, bs: MiB, number_ios: 3, engine: 'threads' })
    expect(r.read.ios).toBe(3)
  })
})
