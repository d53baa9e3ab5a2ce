// tmpfs: no ZERO_RANGE (write-zeroes falls back, or ENOTSUP without fallback), and
// O_DIRECT, which older kernels refuse there.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Device, IoError } from '../../lib/index'

const shm = existsSync('/dev/shm') ? mkdtempSync('/dev/shm/rawio-test-') : null
afterAll(() => {
  if (shm) rmSync(shm, { recursive: true, force: true })
})
if (!shm) console.warn('skipping tmpfs tests: no /dev/shm')

describe.skipIf(!shm)('tmpfs', () => {
  it('write-zeroes without ZERO_RANGE: falls back, or ENOTSUP with noFallback', async () => {
    const f = join(shm as string, 'z.img')
    writeFileSync(f, Buffer.alloc(65536, 0x77))
    const dev = await Device.open(f, { cache: 'writeback' })
    try {
      await expect(dev.writeZeroes(4096, 4096, { noFallback: true })).rejects.toMatchObject({
        code: 'ENOTSUP',
      })
      expect((await dev.read(4096, 4096)).data.every((x) => x === 0x77)).toBe(true) // untouched
      await dev.writeZeroes(4096, 4096)
      const d = (await dev.read(0, 12288)).data
      expect(d.subarray(4096, 8192).every((x) => x === 0)).toBe(true)
      expect(d[4095]).toBe(0x77)
      expect(d[8192]).toBe(0x77)
      await dev.writeZeroes(16384, 8192, { mayUnmap: true }) // tmpfs can punch holes
      expect((await dev.map(16384, 8192))[0]).toEqual({ offset: 16384, length: 8192, data: false })
    } finally {
      await dev.close()
    }
  })

  it('O_DIRECT: a typed error naming the cause, or (newer kernels) it works', async () => {
    const f = join(shm as string, 'd.img')
    writeFileSync(f, Buffer.alloc(8192))
    const r = await Device.open(f, { cache: 'none' }).catch((e: unknown) => e)
    if (r instanceof IoError) {
      expect(r).toMatchObject({
        code: 'EINVAL',
        description: 'O_DIRECT is not supported by the filesystem',
        path: f,
      })
    } else {
      console.warn('tmpfs accepts O_DIRECT on this kernel (6.6+): checking it reads back')
      const dev = r as Device
      await dev.write(0, dev.allocBuffer(4096).fill(3))
      expect((await dev.read(0, 4096)).data[100]).toBe(3)
      await dev.close()
    }
  })
})
