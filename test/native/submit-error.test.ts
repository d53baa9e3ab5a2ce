// A lasting submit error settles every request it affects, with the error (issue 10): the
// ring's fd is replaced underneath the Device (closed, and /dev/null takes its number), so
// io_uring_enter fails with EOPNOTSUPP from then on. Before the one I/O core, the pump
// re-signalled its eventfd and busy-looped: the promises never settled.
import { closeSync, openSync, readdirSync, readlinkSync } from 'node:fs'
import { constants } from 'node:os'
import { afterAll, describe, expect, it } from 'vitest'
import { Device, IoError } from '../../lib/index'
import { Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

function ringFds(): Set<number> {
  const out = new Set<number>()
  for (const name of readdirSync('/proc/self/fd')) {
    try {
      if (readlinkSync(`/proc/self/fd/${name}`) === 'anon_inode:[io_uring]') out.add(Number(name))
    } catch {
      // gone while we looked (the directory's own fd)
    }
  }
  return out
}

describe.skipIf(skipReason(uringUnavailable(), 'the io_uring submit-error test'))(
  'a lasting submit error',
  () => {
    it('settles every request in the batch, and every later one, with the error', async () => {
      const file = scratch.file('submit-error.img', 1 << 20, 0x11)
      const before = ringFds()
      const dev = await Device.open(file, { engine: 'io_uring', cache: 'writeback' })
      const ring = [...ringFds()].filter((fd) => !before.has(fd))
      expect(ring).toHaveLength(1)
      // Replace the ring fd: the lowest free number is the one just closed.
      closeSync(ring[0])
      const nul = openSync('/dev/null', 'r')
      if (nul !== ring[0]) {
        closeSync(nul)
        console.warn('submit-error: /dev/null did not take the ring fd number; skipped')
        return
      }
      const settle = (p: Promise<unknown>) =>
        p.then(
          () => 'resolved',
          (e: unknown) => e,
        )
      const batch = Array.from({ length: 8 }, (_, i) => settle(dev.read(i * 4096, 4096)))
      const results = await Promise.all(batch)
      for (const r of results) {
        expect(r).toBeInstanceOf(IoError)
        expect(r).toMatchObject({ errno: constants.errno.EOPNOTSUPP, syscall: 'preadv' })
      }
      // Later requests fail at once too; none hangs.
      const later = await settle(dev.write(0, new Uint8Array(4096)))
      expect(later).toBeInstanceOf(IoError)
      expect(await settle(dev.flush())).toBeInstanceOf(IoError)
      await dev.close() // io_uring_queue_exit closes the fd number, now /dev/null's
    })
  },
)
