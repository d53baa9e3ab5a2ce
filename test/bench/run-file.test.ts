// Real runs on a temp file (ext4 under /var/tmp), both engines: each direction moves exactly the
// bytes the workload asks for, the mix holds, syncs and trims happen, progress and stop work,
// and failures are clear. Short: number_ios/io_size, or well under a second of runtime.
import { closeSync, openSync, readFileSync, readSync, truncateSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import type { JobOptions } from '../../lib/bench/options'
import { bench, startBench } from '../../lib/bench/run'
import { IoError } from '../../lib/errors'
import { Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const MiB = 2 ** 20
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

const engines = (['io_uring', 'threads'] as const).filter(
  (e) => e === 'threads' || !skipReason(uringUnavailable(), 'io_uring bench runs'),
)

/** Number of 4 KiB blocks in [0, size) of path that are all zero. */
function zeroBlocks(path: string, size: number): number {
  const fd = openSync(path, 'r')
  const buf = Buffer.alloc(4096)
  let zero = 0
  try {
    for (let off = 0; off < size; off += 4096) {
      readSync(fd, buf, 0, 4096, off)
      if (buf.every((b) => b === 0)) zero++
    }
  } finally {
    closeSync(fd)
  }
  return zero
}

describe.each(engines)('bench on a file, engine %s', (engine) => {
  const run = (path: string, o: JobOptions) => bench(path, { engine, ...o })

  it('sequential read and write: exact byte counts', async () => {
    const f = scratch.file(`${engine}-seq.img`, 8 * MiB, 0x11)
    const r = await run(f, { rw: 'read', bs: 4096, number_ios: 1000 })
    expect(r.engine).toBe(engine)
    expect(r.read).toMatchObject({ ios: 1000, bytes: 1000 * 4096 })
    expect(r.write.ios + r.trim.ios + r.sync.ios).toBe(0)
    expect(r.read.lat.minNs).toBeGreaterThan(0)
    expect(r.read.lat.percentiles.find((p) => p.p === 50)?.ns).toBeGreaterThanOrEqual(r.read.lat.minNs)
    const w = await run(f, { rw: 'write', bs: 65536, io_size: 2 * MiB, iodepth: 4, direct: true })
    expect(w.write).toMatchObject({ ios: 32, bytes: 2 * MiB })
    expect(w.read.ios).toBe(0)
    // Without io_size or number_ios a job does `size` bytes, as fio.
    const whole = await run(f, { rw: 'randread', bs: 65536, size: { bytes: 4 * MiB }, iodepth: 8 })
    expect(whole.read.bytes).toBe(4 * MiB)
  })

  it('randrw holds rwmixread within 2%, and bytes match I/Os per direction', async () => {
    const f = scratch.file(`${engine}-mix.img`, 16 * MiB)
    // number_ios only ends a job early (fio): io_size lets it pass the 16 MiB region.
    const r = await run(f, {
      rw: 'randrw',
      rwmixread: 70,
      bs: 4096,
      io_size: 1024 * MiB,
      number_ios: 20000,
      iodepth: 16,
    })
    expect(r.read.ios + r.write.ios).toBe(20000)
    expect(Math.abs(r.read.ios / 20000 - 0.7)).toBeLessThan(0.02)
    expect(r.read.bytes).toBe(r.read.ios * 4096)
    expect(r.write.bytes).toBe(r.write.ios * 4096)
  })

  it('bssplit: sizes follow the split', async () => {
    const f = scratch.file(`${engine}-split.img`, 16 * MiB)
    const split: Array<[number, number]> = [
      [4096, 50],
      [16384, 50],
    ]
    const r = await run(f, {
      rw: 'randread',
      bssplit: split,
      io_size: 1024 * MiB,
      number_ios: 4000,
      iodepth: 8,
    })
    expect(r.read.ios).toBe(4000)
    const big = (r.read.bytes - 4096 * r.read.ios) / (16384 - 4096)
    expect(Number.isInteger(big)).toBe(true)
    expect(Math.abs(big / 4000 - 0.5)).toBeLessThan(0.05)
  })

  it('the random map writes every block exactly once; norandommap does not', async () => {
    const f = scratch.file(`${engine}-map.img`, 8 * MiB)
    await run(f, { rw: 'randwrite', bs: 4096, size: { bytes: 4 * MiB }, number_ios: 1024, iodepth: 8 })
    expect(zeroBlocks(f, 4 * MiB)).toBe(0)
    expect(zeroBlocks(f, 8 * MiB)).toBe(1024) // nothing past size
    const g = scratch.file(`${engine}-nomap.img`, 4 * MiB)
    await run(g, { rw: 'randwrite', bs: 4096, number_ios: 1024, norandommap: true, randseed: 7 })
    expect(zeroBlocks(g, 4 * MiB)).toBeGreaterThan(200) // ~1/e of the blocks stay untouched
  })

  it('fsync=N and fdatasync=N sync after every N writes; fua writes', async () => {
    const f = scratch.file(`${engine}-sync.img`, 4 * MiB)
    const a = await run(f, { rw: 'randwrite', bs: 4096, number_ios: 64, fsync: 8, iodepth: 4 })
    expect(a.write.ios).toBe(64)
    expect(a.sync.ios).toBe(8)
    expect(a.sync.lat.maxNs).toBeGreaterThan(0)
    const b = await run(f, { rw: 'write', bs: 4096, number_ios: 64, fdatasync: 16 })
    expect(b.sync.ios).toBe(4)
    const c = await run(f, { rw: 'randwrite', bs: 4096, number_ios: 50, fua: true, direct: true })
    expect(c.write).toMatchObject({ ios: 50, bytes: 50 * 4096 })
  })

  it('trim punches holes in the region', async () => {
    const f = scratch.file(`${engine}-trim.img`, 8 * MiB, 0x5a)
    const r = await run(f, { rw: 'randtrim', bs: 65536, size: { bytes: 4 * MiB }, iodepth: 4 })
    expect(r.trim).toMatchObject({ ios: 64, bytes: 4 * MiB })
    expect(r.read.ios + r.write.ios).toBe(0)
    expect(zeroBlocks(f, 4 * MiB)).toBe(1024)
    expect(
      readFileSync(f)
        .subarray(4 * MiB)
        .every((b) => b === 0x5a),
    ).toBe(true)
  })

  it('ramp_time is not measured; runtime bounds a time_based job; rate_iops caps it', async () => {
    const f = scratch.file(`${engine}-time.img`, 4 * MiB)
    const r = await run(f, { rw: 'randread', runtime: 400e6, ramp_time: 200e6, time_based: true })
    expect(r.jobs).toEqual([])
    expect(r.elapsedNs).toBeGreaterThanOrEqual(400e6)
    expect(r.elapsedNs).toBeLessThan(1500e6)
    expect(r.cpu.usrNs + r.cpu.sysNs).toBeGreaterThan(0) // getrusage(RUSAGE_THREAD) ticks: needs some runtime
    const rated = await run(f, { rw: 'randread', runtime: 1e9, time_based: true, rate_iops: 200, iodepth: 4 })
    expect(rated.read.ios).toBeGreaterThanOrEqual(180)
    expect(rated.read.ios).toBeLessThanOrEqual(220)
    expect(rated.timeSeries.read.iops[0]).toBeGreaterThan(150)
  })

  it('numjobs: one thread each, reported per job and aggregated', async () => {
    const f = scratch.file(`${engine}-jobs.img`, 8 * MiB)
    const r = await run(f, { rw: 'randread', number_ios: 500, numjobs: 3, iodepth: 2 })
    expect(r.jobs.map((j) => j.read.ios)).toEqual([500, 500, 500])
    expect(r.read.ios).toBe(1500)
  })

  it('progress events, progress() and stop(): results so far', async () => {
    const f = scratch.file(`${engine}-stop.img`, 8 * MiB)
    const b = await startBench(
      f,
      { engine, rw: 'randread', runtime: 60e9, time_based: true, iodepth: 4 },
      { progressIntervalMs: 50 },
    )
    const events: number[] = []
    // Looked at once three events came with I/O done between them (was: 400 ms after the start,
    // which a loaded machine may spend starting the job thread).
    await new Promise<void>((ok) =>
      b.on('progress', (p) => {
        events.push(p.read.ios)
        if (events.length > 2 && events[events.length - 1] > events[0]) ok()
      }),
    )
    const p = b.progress()
    expect(p.phase).toBe('running')
    expect(p.read.ios).toBeGreaterThan(0)
    expect(p.runtimeNs).toBe(60e9)
    b.stop()
    const r = await b.result
    expect(r.stopped).toBe(true)
    expect(r.elapsedNs).toBeLessThan(5e9)
    expect(r.read.ios).toBeGreaterThanOrEqual(p.read.ios)
    expect(events.length).toBeGreaterThan(2)
    expect(events[events.length - 1]).toBeGreaterThan(events[0])
  })

  it('a target that shrinks under the job fails clearly, with the results so far', async () => {
    const f = scratch.file(`${engine}-shrink.img`, 8 * MiB)
    const b = await startBench(f, { engine, rw: 'read', runtime: 30e9, time_based: true })
    await new Promise((r) => setTimeout(r, 150))
    truncateSync(f, 0)
    const e = await b.result.then(
      () => null,
      (err: unknown) => err,
    )
    expect(e).toBeInstanceOf(IoError)
    expect((e as IoError).code).toBe('EIO')
    expect((e as IoError).message).toContain('unexpected end of file')
    expect((e as { partial?: { read: { ios: number } } }).partial?.read.ios).toBeGreaterThan(0)
  })
})

describe('bench: errors and io_uring options', () => {
  it('a missing target is an IoError naming the path', async () => {
    await expect(bench('/var/tmp/no-such-rawio-target.img')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it.skipIf(uringUnavailable() !== null)(
    'fixedbufs, registerfiles and sqpoll run (or name the refused option)',
    async () => {
      const f = scratch.file('uring.img', 8 * MiB)
      const r = await bench(f, {
        rw: 'randread',
        number_ios: 2000,
        iodepth: 8,
        direct: true,
        fixedbufs: true,
        registerfiles: true,
      })
      expect(r.read).toMatchObject({ ios: 2000, bytes: 2000 * 4096 })
      const w = await bench(f, {
        rw: 'randwrite',
        number_ios: 500,
        iodepth: 8,
        direct: true,
        fixedbufs: true,
      })
      expect(w.write.bytes).toBe(500 * 4096)
      try {
        const s = await bench(f, { rw: 'randread', number_ios: 2000, iodepth: 4, sqpoll: true })
        expect(s.read.ios).toBe(2000)
      } catch (e) {
        expect((e as Error).message).toMatch(
          /^\w+: sqpoll: the kernel refused io_uring_setup\(IORING_SETUP_SQPOLL\)/,
        )
      }
    },
  )

  it.skipIf(uringUnavailable() !== null)('hipri on a target without polled queues names hipri', async () => {
    const f = scratch.file('hipri.img', 4 * MiB)
    try {
      const r = await bench(f, { rw: 'randread', number_ios: 100, direct: true, hipri: true })
      expect(r.read.ios).toBe(100) // a kernel and device that poll
    } catch (e) {
      expect((e as Error).message).toContain('hipri: the target does not support polled I/O')
    }
  })
})
