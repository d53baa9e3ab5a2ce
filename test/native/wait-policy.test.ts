// How the Device pump waits for completions at low depth (native/napi/wait_policy.h, pump.cc):
// asleep in epoll, or polling the ring from the loop's prepare hook. Real targets: an ext4 file
// with O_DIRECT (a virtual disk's interrupt completes the read) and a loop device over /dev/shm
// (the loop's worker completes it); in both, io_uring's completion is task work that the ring
// (COOP_TASKRUN) leaves for the submitting thread to run when it next enters the kernel.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Device, type OpenOptions } from '../../lib/index'
import { isRoot, loopUnavailable, Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const scratch = new Scratch()
const shm = mkdtempSync('/dev/shm/rawio-test-')
afterAll(() => {
  scratch.cleanup()
  rmSync(shm, { recursive: true, force: true })
})

const SIZE = 4 << 20
type Target = [string, () => string]
const targets: Target[] = [['an ext4 file, O_DIRECT', () => scratch.file('w.img', SIZE, 0x5a)]]
if (isRoot && !skipReason(loopUnavailable(), 'wait policy on a loop device'))
  targets.push([
    'a loop device over /dev/shm',
    () => {
      const path = join(shm, 'l.img')
      writeFileSync(path, Buffer.alloc(SIZE, 0x5a))
      return scratch.loop(path)
    },
  ])

/** n awaited 4 KiB reads at depth 1, each checked against the fill byte; returns info(). */
async function readLoop(path: string, opts: OpenOptions, n: number) {
  const dev = await Device.open(path, { cache: 'none', engine: 'io_uring', ...opts })
  try {
    const buf = dev.allocBuffer(4096)
    for (let i = 0; i < n; i++) {
      const r = await dev.readv(((i * 37) % (SIZE / 4096)) * 4096, [buf])
      expect(r.bytes).toBe(4096)
      if (buf[0] !== 0x5a || buf[4095] !== 0x5a) throw new Error(`read ${i}: wrong bytes`)
    }
    return dev.info()
  } finally {
    await dev.close()
  }
}

describe.skipIf(skipReason(uringUnavailable(), 'wait policy tests'))('completion wait (io_uring)', () => {
  describe.each(targets)('%s', (_name, make) => {
    it('a poll finds its completions: the pending task work is run, not waited out', {
      timeout: 60_000,
    }, async () => {
      // spinUs 20000 outlasts any round trip here, loaded or not. Polling cq_ready alone did not
      // see a completion on this ring: the CQE is posted only once the thread enters the kernel,
      // so a poll ran until a timer tick ran the work (about 4 ms a read) or to its limit.
      const info = await readLoop(make(), { spinUs: 20_000 }, 300)
      expect(info.reaped).toBe(300)
      expect(info.spinReaps).toBeGreaterThanOrEqual(0.5 * info.reaps)
      expect(info.wait).toMatchObject({ mode: 'spin', adaptive: false })
    })

    it("completion: 'epoll' never polls", { timeout: 60_000 }, async () => {
      const info = await readLoop(make(), { completion: 'epoll' }, 200)
      expect(info.spinReaps).toBe(0)
      expect(info.wait).toMatchObject({ mode: 'sleep', adaptive: false, windows: 0 })
    })

    it('adaptive (the default) measures both ways and keeps the one its rule favours', {
      timeout: 60_000,
    }, async () => {
      const info = await readLoop(make(), {}, 2000)
      const { wait } = info
      expect(wait.adaptive).toBe(true)
      expect(wait.windows).toBeGreaterThanOrEqual(50)
      expect(wait.sleep).not.toBeNull()
      expect(wait.spin).not.toBeNull()
      const sleep = wait.sleep as { rttNs: number; cpuNs: number }
      const spin = wait.spin as { rttNs: number; cpuNs: number }
      for (const e of [sleep, spin]) {
        expect(e.rttNs).toBeGreaterThan(0)
        expect(e.cpuNs).toBeGreaterThan(0)
      }
      // The rule: poll only where the CPU it adds per request is at most the latency it saves.
      const saved = sleep.rttNs - spin.rttNs
      const added = spin.cpuNs - sleep.cpuNs
      expect(wait.chosen).toBe(saved > 0 && added <= saved ? 'spin' : 'sleep')
      // Both ways were really used: the sleep windows woke from epoll, the spin windows polled.
      expect(info.spinReaps).toBeGreaterThan(0)
      expect(info.spinReaps).toBeLessThan(info.reaps)
    })
  })

  it('while a poll goes on, timers, immediates and other I/O are still served', {
    timeout: 60_000,
  }, async () => {
    const path = scratch.file('t.img', SIZE, 0x5a)
    const dev = await Device.open(path, { cache: 'none', engine: 'io_uring', spinUs: 20_000 })
    let ticks = 0
    let immediates = 0
    const timer = setInterval(() => ticks++, 1)
    const other = Device.open(path, { cache: 'none', engine: 'io_uring', completion: 'epoll' })
    try {
      const buf = dev.allocBuffer(4096)
      const t0 = Date.now()
      let i = 0
      let otherDone = false
      const side = other.then(async (o) => {
        for (let k = 0; k < 20; k++) expect((await o.read(k * 4096, 4096)).data[0]).toBe(0x5a)
        otherDone = true
      })
      while (Date.now() - t0 < 300 || !otherDone || ticks < 3 || immediates < 3) {
        await dev.readv((i++ % 64) * 4096, [buf])
        setImmediate(() => immediates++)
      }
      await side
      expect(dev.info().spinReaps).toBeGreaterThan(0)
    } finally {
      clearInterval(timer)
      await dev.close()
      await (await other).close()
    }
  })
})
