// The pump's poll (native/napi/pump.cc): at low depth, where completion: 'adaptive' finds it pays
// (or spinUs asks for it), the loop polls the ring from its prepare hook and settles what it finds
// there. What promise reactions do from that hook must work as from the poll phase: a request
// started on another device is submitted at once (its own hook may have run already in this turn
// of the loop), a device closed from a reaction is gone cleanly, and the results are the kernel's.
// Each case runs with the adaptive policy (which polls in some windows) and with spinUs (which
// always polls). Targets: files in /dev/shm (reads complete at submit) and on ext4 with O_DIRECT,
// and a loop device over /dev/shm. The policy itself: wait-policy.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Device, type OpenOptions } from '../../lib/index'
import { bundleChild, runChild } from '../helpers/child'
import { withDevice } from '../helpers/device'
import { isRoot, loopUnavailable, Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const scratch = new Scratch()
const shm = mkdtempSync('/dev/shm/rawio-test-')
let script = ''
beforeAll(() => {
  script = bundleChild('test/native/ping-pong-child.ts', scratch.dir)
})
afterAll(() => {
  scratch.cleanup()
  rmSync(shm, { recursive: true, force: true })
})

function shmFile(name: string, size: number, fill: number): string {
  const path = join(shm, name)
  writeFileSync(path, Buffer.alloc(size, fill))
  return path
}

type Target = [string, () => string, OpenOptions['cache']]
const targets: Target[] = [
  ['a /dev/shm file', () => shmFile('a.img', 1 << 20, 0x11), 'writeback'],
  ['an ext4 file, O_DIRECT', () => scratch.file('a.img', 1 << 20, 0x11), 'none'],
]
if (isRoot && !skipReason(loopUnavailable(), 'the adaptive wait on a loop device'))
  targets.push(['a loop device over /dev/shm', () => scratch.loop(shmFile('l.img', 1 << 20, 0x11)), 'none'])

const waits: Array<[string, OpenOptions]> = [
  ['adaptive', { completion: 'adaptive' }],
  ['spin', { spinUs: 20_000 }],
]

describe.skipIf(skipReason(uringUnavailable(), 'adaptive wait tests'))(
  'polling from the prepare hook (io_uring)',
  () => {
    describe.each(targets.flatMap(([n, m, c]) => waits.map(([w, o]) => [`${n}, ${w}`, m, c, w, o] as const)))(
      '%s',
      (_name, make, cache, wait, waitOpts) => {
        it('a reaction starts a read on a device opened later: it is submitted at once', {
          timeout: 120_000,
        }, async () => {
          // In a child whose loop holds nothing else (ping-pong-child.ts): a read left unsubmitted
          // there hangs the child, however loaded the machine, instead of waiting for a stray wake-up.
          const r = await runChild(script, [make(), 'io_uring', wait, cache as string, '17', '50', '300'])
          expect(r, r.err).toMatchObject({ hung: false, signal: null, code: 0 })
          expect(JSON.parse(r.out)).toEqual({ ok: true, reads: 600 })
        })

        const opts: OpenOptions = { cache, engine: 'io_uring', ...waitOpts }

        it('a device closed from a reaction, with requests of another in flight', {
          timeout: 20_000,
        }, async () => {
          const path = make()
          await withDevice(path, opts, async (other) => {
            for (let round = 0; round < 20; round++) {
              const dev = await Device.open(path, opts)
              for (let i = 0; i < 20; i++) await dev.read(i * 4096, 4096)
              const pending = other.read(0, 4096)
              await dev.read(0, 4096).then(() => dev.close())
              await expect(dev.read(0, 4096)).rejects.toThrow(/device is closed/)
              expect((await pending).data[0]).toBe(0x11)
            }
          })
        })

        it('depth 1 to 8 in one loop: every read completes with the bytes on disk', {
          timeout: 20_000,
        }, async () => {
          await withDevice(make(), opts, async (dev) => {
            for (const depth of [1, 2, 4, 5, 8]) {
              let done = 0
              const worker = async () => {
                for (let i = 0; i < 100; i++) {
                  const r = await dev.read(((i * 7) % 200) * 4096, 4096)
                  expect(r.bytes).toBe(4096)
                  expect(r.data.every((b) => b === 0x11)).toBe(true)
                  done++
                }
              }
              await Promise.all(Array.from({ length: depth }, worker))
              expect(done).toBe(100 * depth)
            }
          })
        })
      },
    )

    it('completion and spinUs options: checked, and each mode reads', async () => {
      const path = shmFile('opt.img', 1 << 16, 0)
      await expect(Device.open(path, { spinUs: -1 })).rejects.toThrow()
      await expect(Device.open(path, { completion: 'spin' as never })).rejects.toThrow(TypeError)
      const modes: OpenOptions[] = [{}, { completion: 'epoll' }, { completion: 'adaptive' }, { spinUs: 20 }]
      for (const mode of modes) {
        const dev = await Device.open(path, { engine: 'io_uring', ...mode })
        for (let i = 0; i < 20; i++) expect((await dev.read(i * 512, 4096)).bytes).toBe(4096)
        await dev.close()
      }
    })
  },
)
