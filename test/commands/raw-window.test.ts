// The raw format's offset/size window against the real qemu-io on the same kind of target: a loop
// device under O_DIRECT (unaligned requests go through read-modify-write inside the window) and a
// file. Output, status and every byte of the target afterwards must match; nothing outside the
// window may change. Plus the library form (Device.open(path, { window })).
import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/device'
import { RawWindowError } from '../../lib/raw-window'
import { loopUnavailable } from '../helpers/loop'
import { Scratch, skipReason } from '../helpers/targets'
import { noQemu, qemuIo, rawio } from '../helpers/vs-qemu'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())
const MiB = 1 << 20

function patterned(name: string, size: number): string {
  const path = scratch.file(name, size)
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 7) & 255
  writeFileSync(path, b)
  return path
}

const COMMANDS = [
  'length',
  'write -P 9 100 1000',
  'read -P 9 100 1000',
  'write -P 8 1020k 4k',
  'write -P 8 1020k 5k',
  'writev -P 7 3000 100 2000',
  'write -z 8k 3000',
  'aio_write -P 6 64k 512',
  'aio_flush',
  'read -v 1023k 48',
  'truncate 2M',
]

const args = (target: string, extra: string[] = []) => [
  ...extra,
  '--image-opts',
  ...COMMANDS.flatMap((c) => ['-c', c]),
  `driver=raw,file.filename=${target},offset=12k,size=1M`,
]

describe.skipIf(skipReason(noQemu, 'raw window comparisons'))('raw offset/size vs qemu-io', () => {
  it('on a file', () => {
    const q = patterned('q.img', 2 * MiB)
    const r = patterned('r.img', 2 * MiB)
    const want = qemuIo(args(q))
    expect(rawio(args(r))).toEqual(want)
    expect(readFileSync(r).equals(readFileSync(q))).toBe(true)
  })

  it.skipIf(skipReason(loopUnavailable(), 'raw window on loop devices'))(
    'on a loop device under O_DIRECT (read-modify-write inside the window)',
    () => {
      const qf = patterned('ql.img', 2 * MiB)
      const rf = patterned('rl.img', 2 * MiB)
      const ql = scratch.loop(qf)
      const rl = scratch.loop(rf)
      const want = qemuIo(args(ql, ['-t', 'none']))
      const got = rawio(args(rl, ['-t', 'none']))
      expect(got).toEqual(want)
      scratch.detach(ql)
      scratch.detach(rl)
      expect(readFileSync(rf).equals(readFileSync(qf))).toBe(true)
    },
  )

  it.skipIf(skipReason(loopUnavailable(), 'raw window on loop devices'))(
    "write permission under O_DIRECT is the target's (4 KiB sectors, a window of 4.5 KiB)",
    () => {
      // qemu checks the protocol node's size against its request alignment, not the window's
      const cmds = ['-c', 'write -P 0x11 0 4k', '-c', 'read -P 0x11 0 4k', '-c', 'length']
      const opts = (dev: string) => `driver=raw,file.filename=${dev},size=4608,cache.direct=on`
      const ql = scratch.loop(scratch.file('q4k.img', 1 * MiB), { sectorSize: 4096 })
      const rl = scratch.loop(scratch.file('r4k.img', 1 * MiB), { sectorSize: 4096 })
      const want = qemuIo(['--image-opts', ...cmds, opts(ql)])
      expect(want.status).toBe(0)
      expect(rawio(['--image-opts', ...cmds, opts(rl)])).toEqual(want)
      scratch.detach(ql)
      scratch.detach(rl)
    },
  )
})

describe('Device.open with a window', () => {
  it('reads, writes and maps inside the window only', async () => {
    const f = patterned('lib.img', 64 << 10)
    const before = readFileSync(f)
    const dev = await Device.open(f, { window: { offset: 4096, size: 8192 } })
    try {
      expect(dev.size).toBe(8192)
      expect((await dev.read(0, 4)).data).toEqual(new Uint8Array(before.subarray(4096, 4100)))
      await dev.write(8188, new Uint8Array(4).fill(0xee))
      await expect(dev.write(8190, new Uint8Array(4))).rejects.toMatchObject({ code: 'EIO' })
      await expect(dev.truncate(4096)).rejects.toMatchObject({ code: 'ENOTSUP' })
      expect(await dev.map()).toEqual([{ offset: 0, length: 8192, data: true }])
    } finally {
      await dev.close()
    }
    const after = readFileSync(f)
    expect(after.subarray(12284, 12288)).toEqual(Buffer.alloc(4, 0xee))
    after.fill(0, 12284, 12288)
    before.fill(0, 12284, 12288)
    expect(after.equals(before)).toBe(true)
  })

  it('refuses a window that does not fit, with qemu words', async () => {
    const f = patterned('small.img', 8192)
    await expect(Device.open(f, { window: { offset: 16384 } })).rejects.toBeInstanceOf(RawWindowError)
    await expect(Device.open(f, { window: { offset: 0, size: 1000 } })).rejects.toThrow(
      'Specified size is not multiple of 512',
    )
  })
})
