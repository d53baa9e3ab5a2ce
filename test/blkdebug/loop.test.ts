// Fault injection on a block device: loop devices over fresh files (attached with losetup -f --show,
// always detached in finally), through rawio and through qemu-io's host_device, O_DIRECT or not.
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { blkdebugOf } from '../../lib/blkdebug'
import { Device } from '../../lib/index'
import { loopUnavailable, withLoop } from '../helpers/loop'
import { noQemu, qemuIo } from './helpers/qemu'
import { BlkdebugScratch, conf } from './helpers/scratch'
import { rawioScript } from './helpers/script'

const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())

const noLoop = loopUnavailable()
if (noLoop) console.warn(`skipping the blkdebug loop device tests: ${noLoop}`)
const MiB = 1 << 20

describe.skipIf(!!noLoop)('blkdebug on a loop device', () => {
  it.each(['writethrough', 'none'] as const)(
    'cache=%s: the failed write never reaches the device',
    async (cache) => {
      const file = scratch.image(4 * MiB, 0x11)
      const cfg = scratch.config(
        conf(
          ['inject-error', { event: 'write_aio', sector: 16, errno: 28, once: 'on' }],
          // (on write_aio too: an event with inject-error rules replaces the active ones)
          ['inject-error', { event: 'write_aio', iotype: 'discard', errno: 1 }],
          ['inject-error', { event: 'write_aio', iotype: 'write-zeroes', errno: 5 }],
        ),
      )
      await withLoop(file, {}, async (loop) => {
        const dev = await Device.open(`blkdebug:${cfg}:${loop}`, { cache })
        try {
          expect(dev.isBlockDevice).toBe(true)
          const data = dev.allocBuffer(8192).fill(0x22)
          await expect(dev.write(4096, data)).rejects.toMatchObject({ code: 'ENOSPC' }) // sectors 8-23
          await dev.write(4096, data) // once: gone
          await expect(dev.discard(MiB, 65536)).rejects.toMatchObject({ code: 'EPERM' })
          await expect(dev.writeZeroes(2 * MiB, 65536)).rejects.toMatchObject({ code: 'EIO' })
          await dev.flush()
        } finally {
          await dev.close()
        }
      })
      const bytes = readFileSync(file)
      expect(bytes.subarray(4096, 12288).every((b) => b === 0x22)).toBe(true)
      expect(bytes.subarray(0, 4096).every((b) => b === 0x11)).toBe(true)
      expect(bytes.subarray(12288).every((b) => b === 0x11)).toBe(true)
    },
  )

  it('breakpoints hold a write to the device until resume', async () => {
    const file = scratch.image(MiB)
    await withLoop(file, {}, async (loop) => {
      const dev = await Device.open(`blkdebug::${loop}`, { cache: 'none' })
      try {
        const bd = blkdebugOf(dev)!
        await bd.break('pwritev', 'P')
        const w = dev.write(0, dev.allocBuffer(4096).fill(7))
        await bd.waitBreak('P')
        expect((await dev.read(0, 4096)).data[0]).toBe(0)
        await bd.resume('P')
        await w
        expect((await dev.read(0, 4096)).data[0]).toBe(7)
      } finally {
        await dev.close()
      }
    })
  })

  it.skipIf(!!noQemu).each(['writethrough', 'none'] as const)(
    'cache=%s: the same lines and bytes as qemu-io',
    async (cache) => {
      const cfg = scratch.config(
        conf(
          ['set-state', { event: 'flush_to_disk', state: 1, new_state: 2 }],
          ['inject-error', { event: 'write_aio', state: 1, sector: 8, errno: 28, once: 'on' }],
          ['inject-error', { event: 'read_aio', state: 2, errno: 5 }],
        ),
      )
      const cmds = [
        'write -P 1 0 4k',
        'write -P 2 4k 4k',
        'write -P 3 4k 4k',
        'read -P 3 4k 4k',
        'flush',
        'read 0 4k',
      ]
      const qFile = scratch.image(MiB)
      const rFile = scratch.image(MiB)
      const q = await withLoop(qFile, {}, async (loop) => qemuIo(cfg, loop, cmds, { cache }))
      const r = await withLoop(rFile, {}, (loop) => rawioScript(`blkdebug:${cfg}:${loop}`, cmds, { cache }))
      expect(r.stdout).toEqual(q.stdout)
      expect(r.status).toBe(q.status)
      expect(readFileSync(rFile).equals(readFileSync(qFile))).toBe(true)
      expect(q.stdout).toContain('write failed: No space left on device')
      expect(q.stdout.at(-1)).toBe('read failed: Input/output error')
    },
  )
})
