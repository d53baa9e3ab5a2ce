// Opening, probing, typed errors, exclusive opens, truncate and buffers.
import { chmodSync, statSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { allocAligned, Device, engines, IoError, isAligned } from '../../lib/index'
import { isRoot, loopUnavailable, Scratch, skipReason } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())
const noLoop = loopUnavailable()

describe('open', () => {
  it('a missing path is a typed ENOENT naming the path', async () => {
    const err = await Device.open(`${scratch.dir}/missing.img`).catch((e) => e)
    expect(err).toBeInstanceOf(IoError)
    expect(err).toMatchObject({
      code: 'ENOENT',
      errno: 2,
      syscall: 'open',
      path: `${scratch.dir}/missing.img`,
    })
    expect(err.message).toBe(`ENOENT: no such file or directory, open '${scratch.dir}/missing.img'`)
  })

  it('a directory is refused with the cause', async () => {
    await expect(Device.open(scratch.dir)).rejects.toMatchObject({
      code: 'EINVAL',
      description: 'not a regular file or block device',
    })
  })

  it.skipIf(isRoot)('EACCES without permission', async () => {
    const f = scratch.file('noperm.img', 4096)
    chmodSync(f, 0)
    await expect(Device.open(f)).rejects.toMatchObject({ code: 'EACCES' })
  })

  it('bad options are TypeErrors before anything is opened', async () => {
    const f = scratch.file('opts.img', 4096)
    await expect(Device.open(f, { cache: 'bogus' as never })).rejects.toBeInstanceOf(TypeError)
    await expect(Device.open(f, { engine: 'spdk' as never })).rejects.toBeInstanceOf(TypeError)
    await expect(Device.open(f, { align: 'loose' as never })).rejects.toBeInstanceOf(TypeError)
    await expect(Device.open('')).rejects.toBeInstanceOf(TypeError)
  })

  it('argument mistakes are TypeError/RangeError, never reaching the kernel', async () => {
    const dev = await Device.open(scratch.file('args.img', 65536), { cache: 'writeback' })
    try {
      await expect(dev.read(-1, 512)).rejects.toBeInstanceOf(RangeError)
      await expect(dev.read(1.5, 512)).rejects.toBeInstanceOf(TypeError)
      await expect(dev.read(Number.NaN, 512)).rejects.toBeInstanceOf(TypeError)
      await expect(dev.read(0, 2 ** 63)).rejects.toBeInstanceOf(TypeError)
      await expect(dev.readv(0, [])).rejects.toBeInstanceOf(TypeError)
      await expect(dev.write(0, 'abc' as never)).rejects.toBeInstanceOf(TypeError)
      const ab = new ArrayBuffer(512)
      const view = new Uint8Array(ab)
      structuredClone(ab, { transfer: [ab] }) // detaches
      await expect(dev.writev(0, [view])).rejects.toBeInstanceOf(TypeError)
    } finally {
      await dev.close()
    }
  })

  it('reports the engines', () => {
    const e = engines()
    expect(e.threads).toBe(true)
    expect(typeof e.io_uring).toBe('boolean')
  })
})

describe('geometry', () => {
  it('probes a file', async () => {
    const f = scratch.file('geo.img', 1 << 20)
    const dev = await Device.open(f, { cache: 'none' })
    const g = dev.geometry
    await dev.close()
    expect(g).toMatchObject({ kind: 'file', size: 1 << 20, fsBlockSize: statSync(f).blksize })
    expect(g.logicalBlockSize).toBeGreaterThanOrEqual(512)
    expect(g.dioOffsetAlign).toBeGreaterThan(0)
    expect(g.dioMemAlign).toBeGreaterThan(0)
  })

  it.skipIf(skipReason(noLoop, 'loop geometry'))('probes a 4096-sector loop device', async () => {
    const f = scratch.file('geo4k.img', 4 << 20)
    const loop = scratch.loop(f, { sectorSize: 4096, directIo: true })
    const dev = await Device.open(loop, { cache: 'none' })
    const g = dev.geometry
    await dev.close()
    expect(g).toMatchObject({ kind: 'block', size: 4 << 20, logicalBlockSize: 4096, dioOffsetAlign: 4096 })
    expect(g.rotational).not.toBeUndefined()
    expect(g.zoned).toBe('none')
    expect(g.maxTransfer).toBeGreaterThan(0)
  })
})

describe.skipIf(skipReason(noLoop, 'block-device semantics'))('block devices', () => {
  it('exclusive opens refuse each other', async () => {
    const loop = scratch.loop(scratch.file('excl.img', 1 << 20))
    const a = await Device.open(loop, { exclusive: true })
    try {
      expect(a.info().exclusive).toBe(true)
      await expect(Device.open(loop, { exclusive: true })).rejects.toMatchObject({ code: 'EBUSY' })
    } finally {
      await a.close()
    }
    const b = await Device.open(loop, { exclusive: true })
    await b.close()
  })

  it('truncate: shrinking is a no-op, growing fails as qemu-io does', async () => {
    const loop = scratch.loop(scratch.file('trunc.img', 1 << 20))
    const dev = await Device.open(loop)
    try {
      await dev.truncate(4096)
      expect(await dev.length()).toBe(1 << 20)
      await expect(dev.truncate(2 << 20)).rejects.toMatchObject({ description: 'Cannot grow device files' })
    } finally {
      await dev.close()
    }
  })

  it('a read-only loop device refuses writes with EROFS/EPERM', async () => {
    const loop = scratch.loop(scratch.file('ro.img', 1 << 20), { readOnly: true })
    await expect(Device.open(loop)).rejects.toMatchObject({
      code: expect.stringMatching(/EROFS|EACCES|EPERM/),
    })
    const dev = await Device.open(loop, { readOnly: true })
    expect(dev.geometry.readOnly).toBe(true)
    await dev.close()
  })
})

describe('files', () => {
  it('truncate grows and shrinks; length follows', async () => {
    const dev = await Device.open(scratch.file('grow.img', 4096), { cache: 'writeback' })
    try {
      await dev.truncate(1 << 20)
      expect(await dev.length()).toBe(1 << 20)
      expect((await dev.map()).at(-1)).toMatchObject({ data: false })
      await dev.truncate(512)
      expect(dev.size).toBe(512)
    } finally {
      await dev.close()
    }
  })

  it('reopen changes cache mode and read-only status in place', async () => {
    const dev = await Device.open(scratch.file('reopen.img', 65536), { cache: 'writeback' })
    try {
      await dev.reopen({ cache: 'none', readOnly: true })
      expect(dev.info()).toMatchObject({ direct: true, readOnly: true, cache: 'none' })
      await expect(dev.write(0, new Uint8Array(512))).rejects.toBeInstanceOf(IoError)
      await dev.reopen({ readOnly: false })
      await dev.write(0, new Uint8Array(512).fill(9))
      expect((await dev.read(0, 1)).data[0]).toBe(9)
    } finally {
      await dev.close()
    }
  })

  it('image locks: a second writer is refused', async () => {
    const f = scratch.file('lock.img', 65536)
    const a = await Device.open(f)
    const b = await Device.open(f)
    try {
      expect(a.lockImage('write')).toBe(true)
      // OFD locks conflict between open file descriptions, even in one process
      expect(b.lockImage('write')).toBe(false)
      expect(b.lockImage('read')).toBe(false)
      a.lockImage('unlock')
      expect(b.lockImage('read')).toBe(true)
    } finally {
      await a.close()
      await b.close()
    }
  })
})

describe('buffers', () => {
  it('aligned and deliberately misaligned views', () => {
    for (const align of [512, 4096]) {
      const b = allocAligned(8192, align)
      expect(isAligned(b, align)).toBe(true)
      const m = allocAligned(8192, align, 16)
      expect(isAligned(m, align)).toBe(false)
      expect(isAligned(m, 16)).toBe(true)
      expect(m.byteLength).toBe(8192)
    }
    expect(() => allocAligned(10, 3)).toThrow(RangeError)
    expect(() => allocAligned(-1)).toThrow(RangeError)
  })
})
