// Real runs on loop devices we attach ourselves (and detach in afterAll): byte counts per
// direction, the mix, FUA, discard through the block layer, the logical block size in the
// alignment message, and the write interlock. Skips, saying why, when not root.
import { execFileSync } from 'node:child_process'
import { closeSync, constants, openSync, readSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { bench, startBench } from '../../lib/bench/run'
import { loopUnavailable, Scratch, skipReason, usableEngines } from '../helpers/targets'

const MiB = 2 ** 20
const noLoop = skipReason(loopUnavailable(), 'bench loop-device runs')
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

const engines = usableEngines('bench loop runs')

function allZero(dev: string, length: number): boolean {
  const fd = openSync(dev, 'r')
  const buf = Buffer.alloc(MiB)
  try {
    for (let off = 0; off < length; off += MiB) {
      const n = readSync(fd, buf, 0, MiB, off)
      if (!buf.subarray(0, n).every((b) => b === 0)) return false
    }
    return true
  } finally {
    closeSync(fd)
  }
}

describe.skipIf(noLoop).each(engines)('bench on a loop device, engine %s', (engine) => {
  let dev = ''
  beforeAll(() => {
    dev = scratch.loop(scratch.file(`${engine}-loop.img`, 32 * MiB), { directIo: true })
  })

  it('randread and randwrite with O_DIRECT: exact bytes', async () => {
    const r = await bench(dev, { engine, rw: 'randread', direct: true, iodepth: 8, number_ios: 2000 })
    expect(r.target.kind).toBe('block')
    expect(r.read).toMatchObject({ ios: 2000, bytes: 2000 * 4096 })
    const w = await bench(dev, {
      engine,
      rw: 'randwrite',
      direct: true,
      iodepth: 4,
      bs: 16384,
      number_ios: 500,
      fua: true,
    })
    expect(w.write).toMatchObject({ ios: 500, bytes: 500 * 16384 })
    expect(w.read.ios).toBe(0)
  })

  it('randrw holds rwmixread within 2%', async () => {
    const r = await bench(dev, {
      engine,
      rw: 'randrw',
      rwmixread: 30,
      direct: true,
      iodepth: 16,
      io_size: 4096 * MiB,
      number_ios: 20000,
    })
    expect(r.read.ios + r.write.ios).toBe(20000)
    expect(Math.abs(r.read.ios / 20000 - 0.3)).toBeLessThan(0.02)
    expect(r.read.bytes + r.write.bytes).toBe(20000 * 4096)
  })

  it('sequential write, then trim discards the whole device', async () => {
    const w = await bench(dev, { engine, rw: 'write', bs: MiB, direct: true, iodepth: 4 })
    expect(w.write.bytes).toBe(32 * MiB)
    expect(allZero(dev, 32 * MiB)).toBe(false)
    const t = await bench(dev, { engine, rw: 'trim', bs: MiB, iodepth: 4 })
    expect(t.trim).toMatchObject({ ios: 32, bytes: 32 * MiB })
    expect(allZero(dev, 32 * MiB)).toBe(true)
  })

  it('numjobs=2 writes and trims: one O_EXCL claim for the run, not one per job (issue 12 item 6)', async () => {
    const w = await bench(dev, {
      engine,
      rw: 'randwrite',
      direct: true,
      numjobs: 2,
      iodepth: 4,
      number_ios: 50,
    })
    expect(w.write.ios).toBe(100)
    const t = await bench(dev, { engine, rw: 'trim', bs: MiB, numjobs: 2, number_ios: 4 })
    expect(t.trim.ios).toBe(8)
    // The run still holds the device exclusively while it runs, and lets it go after.
    const run = await startBench(dev, { engine, rw: 'randwrite', numjobs: 2, runtime: 5e9, time_based: true })
    try {
      expect(() => closeSync(openSync(dev, constants.O_RDONLY | constants.O_EXCL))).toThrow(/EBUSY/)
    } finally {
      run.stop()
      await run.result
    }
    closeSync(openSync(dev, constants.O_RDONLY | constants.O_EXCL))
  })
})

describe.skipIf(noLoop)('bench on loop devices: geometry and safety', () => {
  it('a 4096-byte logical block size shows in the alignment message', async () => {
    const dev = scratch.loop(scratch.file('lbs4k.img', 8 * MiB), { directIo: true, sectorSize: 4096 })
    await expect(bench(dev, { rw: 'randread', bs: 512, direct: true, align: 'strict' })).rejects.toThrow(
      "bs 512 is not a multiple of the device's logical block size 4096",
    )
    const r = await bench(dev, { rw: 'randread', bs: 512, direct: true, number_ios: 10 })
    expect(r.read.bytes).toBe(10 * 4096)
    expect(r.warnings[0]).toContain('using 4096')
  })

  it('a read-only loop device refuses write workloads; --readonly refuses them anywhere', async () => {
    const ro = scratch.loop(scratch.file('ro.img', 4 * MiB), { readOnly: true })
    await expect(bench(ro, { rw: 'randwrite', number_ios: 10 })).rejects.toMatchObject({ code: 'EROFS' })
    expect((await bench(ro, { rw: 'randread', number_ios: 10 })).read.ios).toBe(10)
    const rw = scratch.loop(scratch.file('rw.img', 4 * MiB))
    await expect(bench(rw, { rw: 'write', readonly: true })).rejects.toThrow('--readonly forbids writes')
  })

  let mkfs: string | null = null
  try {
    execFileSync('mkfs.ext4', ['-V'], { stdio: 'ignore' })
  } catch {
    mkfs = 'mkfs.ext4 is not installed'
  }
  it.skipIf(skipReason(mkfs, 'bench interlock test'))(
    'writes to a device with a filesystem go through the interlock',
    async () => {
      const dev = scratch.loop(scratch.file('fs.img', 16 * MiB))
      execFileSync('mkfs.ext4', ['-q', '-F', dev])
      await expect(bench(dev, { rw: 'randwrite', number_ios: 10 })).rejects.toThrow(/ext4/)
      await expect(bench(dev, { rw: 'randtrim', number_ios: 1 })).rejects.toThrow(/ext4/)
      expect((await bench(dev, { rw: 'randread', number_ios: 10 })).read.ios).toBe(10) // reads never ask
      const forced = await bench(dev, { rw: 'randwrite', number_ios: 10, force: true })
      expect(forced.write.ios).toBe(10)
      expect(forced.warnings.join('\n')).toContain('--force: writing although')
    },
  )
})
