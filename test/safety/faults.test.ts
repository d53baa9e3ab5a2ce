// Faults through the Device API, on real targets this file makes: each gives a typed IoError, the
// device stays usable, and what was written before is intact. EIO comes from shutting down the
// ext4 filesystem that holds a loop device's backing file (EXT4_IOC_SHUTDOWN): this kernel has no
// device-mapper, so a dm `error` target cannot be made here.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/device'
import { IoError } from '../../lib/errors'
import { binding } from '../../lib/native'
import { Lab, loopUnavailable, mountUnavailable, skipBecause } from './fixtures'

const KiB = 1024
const MiB = 1 << 20
const noLoop = skipBecause(loopUnavailable(), 'fault tests on loop devices')
const noMount = noLoop || skipBecause(mountUnavailable(), 'fault tests on a small ext4')
const uringReason = (() => {
  const e = binding().engines()
  return e.io_uring ? null : `io_uring unavailable: ${e.ioUringReason}`
})()
const noUring = skipBecause(uringReason, 'io_uring depth tests')

function shutdownUnavailable(): string | null {
  try {
    execFileSync('python3', ['-c', 'import fcntl'], { stdio: 'ignore' })
    return null
  } catch {
    return 'python3 is not installed (it issues the EXT4_IOC_SHUTDOWN ioctl)'
  }
}
const noShutdown = noMount || skipBecause(shutdownUnavailable(), 'EIO tests (filesystem shutdown)')

/** EXT4_IOC_SHUTDOWN with EXT4_GOING_FLAGS_DEFAULT: syncs, then every I/O on the fs fails with EIO. */
function shutdownFs(dir: string): void {
  const py = `import fcntl,os,struct;fd=os.open(${JSON.stringify(dir)},os.O_RDONLY);fcntl.ioctl(fd,0x8004587d,struct.pack('I',0))`
  execFileSync('python3', ['-c', py])
}

/** Block i of a target: its own byte pattern, stamped with the index. */
function block(i: number, size: number): Uint8Array {
  const b = new Uint8Array(size)
  for (let k = 0; k < size; k++) b[k] = (i * 37 + k * 13 + (k >> 8)) & 0xff
  new DataView(b.buffer).setUint32(0, i)
  return b
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.compare(Buffer.from(a.buffer, a.byteOffset, a.byteLength), Buffer.from(b)) === 0
}

async function rejection(p: Promise<unknown>): Promise<IoError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(IoError)
    return e as IoError
  }
  throw new Error('expected the operation to fail')
}

let lab: Lab
beforeAll(() => {
  if (!noLoop) lab = new Lab('rawio-faults-')
})
afterAll(() => lab?.cleanup())

/** A small ext4 (`size` bytes) on a loop device, mounted; returns the mount point. */
function smallFs(size: number): { dir: string; fsDev: string; fsImage: string } {
  const fsImage = lab.file(size)
  lab.mkfsExt4(fsImage, 'rawio-small')
  const fsDev = lab.loop(fsImage)
  const dir = lab.mount(fsDev)
  return { dir, fsDev, fsImage }
}

function sparse(path: string, size: number): string {
  execFileSync('truncate', ['-s', String(size), path])
  return path
}

describe.skipIf(noMount)('ENOSPC', () => {
  it.each(['file', 'loop'] as const)(
    '%s on a full filesystem: typed error, data intact, usable',
    async (kind) => {
      const { dir } = smallFs(16 * MiB)
      const file = sparse(join(dir, `${kind}.img`), 64 * MiB) // bigger than the filesystem
      const target = kind === 'file' ? file : lab.loop(file)
      const dev = await Device.open(target, { cache: 'none' })
      const chunk = 256 * KiB
      let written = 0
      let err: IoError | undefined
      try {
        for (let i = 0; ; i++) {
          if ((i + 1) * chunk > dev.size) throw new Error('the filesystem never filled up')
          try {
            await dev.write(i * chunk, block(i, chunk))
            written = i + 1
          } catch (e) {
            err = e as IoError
            break
          }
        }
        expect(err).toBeInstanceOf(IoError)
        expect(err).toMatchObject({
          code: 'ENOSPC',
          syscall: 'pwritev',
          offset: written * chunk,
          length: chunk,
        })
        expect(err?.message).toMatch(/^ENOSPC: no space left on device, pwritev \(offset \d+, 262144 bytes\)/)
        expect(written).toBeGreaterThan(8)
        // What was written before is intact.
        for (let i = 0; i < written; i++)
          expect(same((await dev.read(i * chunk, chunk)).data, block(i, chunk))).toBe(true)
        // Still usable: overwrite in place, free space, and write again where it failed.
        await dev.write(0, block(1000, chunk))
        expect(same((await dev.read(0, chunk)).data, block(1000, chunk))).toBe(true)
        if (kind === 'file') {
          await dev.discard(chunk, 4 * chunk)
        } else {
          await dev.discard(chunk, 4 * chunk) // BLKDISCARD on the loop: punches the backing file
        }
        await dev.write(written * chunk, block(written, chunk))
        expect(same((await dev.read(written * chunk, chunk)).data, block(written, chunk))).toBe(true)
        await dev.flush()
      } finally {
        await dev.close()
      }
      // Read back through a fresh open: the last state is on disk.
      const again = await Device.open(target, { readOnly: true, cache: 'none' })
      try {
        expect(same((await again.read(0, chunk)).data, block(1000, chunk))).toBe(true)
        for (let i = 5; i < written; i++)
          expect(same((await again.read(i * chunk, chunk)).data, block(i, chunk))).toBe(true)
      } finally {
        await again.close()
      }
    },
  )
})

describe.skipIf(noShutdown)('EIO from a failing device (its backing filesystem shut down)', () => {
  it('every op fails with EIO, nothing hangs, other devices work, flushed data survives', async () => {
    const { dir, fsDev } = smallFs(32 * MiB)
    const file = join(dir, 'disk.img')
    execFileSync('truncate', ['-s', String(8 * MiB), file])
    const dev = lab.loop(file)
    const healthyFile = lab.file(MiB, 0)
    const d = await Device.open(dev, { cache: 'none' })
    const healthy = await Device.open(healthyFile)
    try {
      for (let i = 0; i < 16; i++) await d.write(i * 64 * KiB, block(i, 64 * KiB))
      await d.flush()
      shutdownFs(dir)
      const w = await rejection(d.write(0, block(99, 4 * KiB)))
      expect(w).toMatchObject({ code: 'EIO', syscall: 'pwritev', offset: 0, length: 4096, path: dev })
      expect(w.message).toBe(`EIO: i/o error, pwritev (offset 0, 4096 bytes) '${dev}'`)
      expect(await rejection(d.read(MiB, 4 * KiB))).toMatchObject({ code: 'EIO', syscall: 'preadv' })
      expect(await rejection(d.flush())).toMatchObject({ code: 'EIO', syscall: 'fdatasync' })
      // Many at once: each settles with its own error, none is lost or left pending.
      const many = await Promise.allSettled(
        Array.from({ length: 64 }, (_, i) => d.read(i * 4 * KiB, 4 * KiB)),
      )
      expect(many.every((r) => r.status === 'rejected' && (r.reason as IoError).code === 'EIO')).toBe(true)
      expect(d.info().inFlight).toBe(0)
      // The rest of the process is unaffected.
      await healthy.write(0, block(1, 4 * KiB))
      expect(same((await healthy.read(0, 4 * KiB)).data, block(1, 4 * KiB))).toBe(true)
    } finally {
      await d.close()
      await healthy.close()
    }
    // Bring the filesystem back: what was flushed before the fault is intact.
    lab.detachNow(dev)
    lab.umountNow(dir)
    lab.mount(fsDev, dir)
    const bytes = readFileSync(file)
    for (let i = 0; i < 16; i++) {
      expect(same(bytes.subarray(i * 64 * KiB, (i + 1) * 64 * KiB), block(i, 64 * KiB))).toBe(true)
    }
  })
})

describe.skipIf(noLoop)('a target removed under rawio', () => {
  it('a loop device detached while open: the kernel defers it, I/O goes on, gone after close', async () => {
    const file = lab.file(4 * MiB, 0)
    const dev = lab.loop(file)
    const name = dev.slice('/dev/'.length)
    const d = await Device.open(dev, { cache: 'none' })
    try {
      await d.write(0, block(1, 64 * KiB))
      execFileSync('losetup', ['-d', dev]) // succeeds: the loop is set to autoclear on last close
      expect(readFileSync(`/sys/class/block/${name}/loop/autoclear`, 'utf8').trim()).toBe('1')
      await d.write(64 * KiB, block(2, 64 * KiB))
      expect(same((await d.read(0, 64 * KiB)).data, block(1, 64 * KiB))).toBe(true)
      await d.flush()
    } finally {
      await d.close()
    }
    // The kernel clears an autoclear loop after its last close, in a work item of its own: wait for
    // it however long a loaded machine takes (it never happening times the test out).
    let backing = file
    while (backing === file) {
      try {
        backing = readFileSync(`/sys/class/block/${name}/loop/backing_file`, 'utf8').trim()
      } catch {
        backing = '' // gone
      }
      // another path: reused by someone else already, gone for us
      if (backing === file) await new Promise((r) => setTimeout(r, 25))
    }
    const bytes = readFileSync(file)
    expect(same(bytes.subarray(0, 64 * KiB), block(1, 64 * KiB))).toBe(true)
    expect(same(bytes.subarray(64 * KiB, 128 * KiB), block(2, 64 * KiB))).toBe(true)
  })

  it('a file truncated by another process: zeroes past the new end until re-probed, then EIO', async () => {
    const file = lab.file(MiB, 0)
    const w = await Device.open(file)
    for (let i = 0; i < 16; i++) await w.write(i * 64 * KiB, block(i, 64 * KiB))
    await w.close()
    for (const engine of noUring ? (['threads'] as const) : (['io_uring', 'threads'] as const)) {
      const d = await Device.open(file, { engine })
      try {
        execFileSync('truncate', ['-s', String(256 * KiB), file])
        // The size rawio knew is stale: a read past the new end is a short read, zero-filled.
        expect(d.size).toBe(MiB)
        expect((await d.read(512 * KiB, 64 * KiB)).data.every((b) => b === 0)).toBe(true)
        const across = (await d.read(192 * KiB, 128 * KiB)).data
        expect(same(across.subarray(0, 64 * KiB), block(3, 64 * KiB))).toBe(true)
        expect(across.subarray(64 * KiB).every((b) => b === 0)).toBe(true)
        // Re-probed, the bounds check refuses past the end with EIO, and data before it is intact.
        expect(await d.length()).toBe(256 * KiB)
        const e = await rejection(d.read(256 * KiB, 4 * KiB))
        expect(e).toMatchObject({ code: 'EIO', syscall: 'preadv', offset: 256 * KiB, length: 4096 })
        expect(await rejection(d.write(300 * KiB, block(0, 4096)))).toMatchObject({ code: 'EIO' })
        for (let i = 0; i < 4; i++)
          expect(same((await d.read(i * 64 * KiB, 64 * KiB)).data, block(i, 64 * KiB))).toBe(true)
        // And still usable: grow it back and write there.
        await d.truncate(MiB)
        await d.write(512 * KiB, block(8, 64 * KiB))
        expect(same((await d.read(512 * KiB, 64 * KiB)).data, block(8, 64 * KiB))).toBe(true)
      } finally {
        await d.close()
      }
    }
  })
})

describe.skipIf(noLoop)('EROFS and read-only devices', () => {
  it('a read-only loop device: opening for write is EROFS, reading works', async () => {
    const file = lab.file(MiB, 0x11)
    const dev = lab.loop(file, { readOnly: true })
    let e: unknown
    try {
      await Device.open(dev)
    } catch (x) {
      e = x
    }
    expect(e).toBeInstanceOf(IoError)
    expect(e).toMatchObject({ code: 'EROFS', syscall: 'open', path: dev })
    const r = await Device.open(dev, { readOnly: true })
    try {
      expect((await r.read(0, 4096)).data.every((b) => b === 0x11)).toBe(true)
    } finally {
      await r.close()
    }
  })

  it('blockdev --setro under an open device: writes fail clearly, then work again after --setrw', async () => {
    const file = lab.file(MiB, 0)
    const dev = lab.loop(file)
    const d = await Device.open(dev, { cache: 'none' })
    try {
      await d.write(0, block(1, 4096))
      execFileSync('blockdev', ['--setro', dev])
      try {
        const w = await rejection(d.write(4096, block(2, 4096)))
        // The kernel answers a write to a read-only block device with EPERM.
        expect(['EPERM', 'EROFS']).toContain(w.code)
        expect(w).toMatchObject({ syscall: 'pwritev', offset: 4096, length: 4096, path: dev })
        expect(['EPERM', 'EROFS']).toContain((await rejection(d.discard(0, 4096))).code)
        expect(same((await d.read(0, 4096)).data, block(1, 4096))).toBe(true)
      } finally {
        execFileSync('blockdev', ['--setrw', dev])
      }
      await d.write(4096, block(2, 4096))
      await d.flush()
    } finally {
      await d.close()
    }
    const bytes = readFileSync(file)
    expect(same(bytes.subarray(0, 4096), block(1, 4096))).toBe(true)
    expect(same(bytes.subarray(4096, 8192), block(2, 4096))).toBe(true)
  })

  it.skipIf(noMount)('a file on a read-only filesystem: EROFS at open, reads work', async () => {
    const { dir, fsDev } = smallFs(16 * MiB)
    const file = join(dir, 'ro.img')
    execFileSync('truncate', ['-s', String(MiB), file])
    lab.umountNow(dir)
    lab.mount(fsDev, dir, ['-o', 'ro'])
    await expect(Device.open(file)).rejects.toMatchObject({ code: 'EROFS', syscall: 'open' })
    const r = await Device.open(file, { readOnly: true })
    try {
      expect((await r.read(0, 4096)).bytes).toBe(4096)
    } finally {
      await r.close()
    }
  })
})

describe.skipIf(noUring)('io_uring under pressure', () => {
  async function storm(target: string, depth: number, cache: 'none' | 'writeback'): Promise<void> {
    const d = await Device.open(target, { engine: 'io_uring', depth, cache })
    const n = 256
    const size = 4096
    try {
      expect(d.engine).toBe('io_uring')
      const writes = await Promise.all(Array.from({ length: n }, (_, i) => d.write(i * size, block(i, size))))
      expect(writes.every((w) => w.bytes === size)).toBe(true)
      const flushes = Promise.all([d.flush(), d.flush()])
      const reads = await Promise.all(Array.from({ length: n }, (_, i) => d.read(i * size, size)))
      await flushes
      for (let i = 0; i < n; i++) expect(same(reads[i].data, block(i, size))).toBe(true)
      expect(d.info().inFlight).toBe(0)
    } finally {
      await d.close()
    }
  }

  it('depth 4, 256 concurrent requests on a file: all complete, in the right places', async () => {
    await storm(lab.file(2 * MiB, 0), 4, 'none')
  })

  it.skipIf(noLoop)(
    'depth 4 and depth 256 on a loop device with 4 block-layer tags (EAGAIN pressure)',
    async () => {
      const dev = lab.loop(lab.file(2 * MiB, 0), { directIo: true })
      const nr = `/sys/class/block/${dev.slice(5)}/queue/nr_requests`
      try {
        execFileSync('sh', ['-c', `echo 4 > ${nr}`])
      } catch (e) {
        console.warn(`could not lower ${nr}: ${(e as Error).message.split('\n')[0]}; running at the default`)
      }
      // With the tags exhausted, nowait submissions get EAGAIN inside the kernel; io_uring and the
      // engine must requeue them, never surface them or lose one.
      await storm(dev, 4, 'none')
      await storm(dev, 256, 'none')
    },
  )
})
