// --verify=stamp (the stamp codec is native/integrity's, the one lib/integrity calls): write jobs
// read back and check what they wrote, `check` accepts what the bench stamped, and a block corrupted behind
// rawio's back is reported (exit 1) by a read job; on a temp file and on a loop device.
import { spawnSync } from 'node:child_process'
import { closeSync, openSync, readSync, writeSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import type { JobOptions } from '../../lib/bench/options'
import { bench } from '../../lib/bench/run'
import { canUseLoop } from '../helpers/loop'
import { Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const MiB = 2 ** 20
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

const engines = (['io_uring', 'threads'] as const).filter(
  (e) => e === 'threads' || !skipReason(uringUnavailable(), 'io_uring verify runs'),
)

function capture() {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  }
  return io
}

function rawio(args: string[]) {
  return spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
}

/** Overwrites bytes of path through a separate fd: damage rawio never saw. */
function scribble(path: string, offset: number, data: Uint8Array): void {
  const fd = openSync(path, 'r+')
  try {
    writeSync(fd, data, 0, data.length, offset)
  } finally {
    closeSync(fd)
  }
}

function readAt(path: string, offset: number, length: number): Buffer {
  const fd = openSync(path, 'r')
  try {
    const b = Buffer.alloc(length)
    readSync(fd, b, 0, length, offset)
    return b
  } finally {
    closeSync(fd)
  }
}

describe.each(engines)('bench --verify=stamp on a file, engine %s', (engine) => {
  const run = (path: string, o: JobOptions) => bench(path, { engine, verify: 'stamp', ...o })

  it('randwrite reads back every block it wrote: 0 bad', async () => {
    const f = scratch.file(`${engine}-vw.img`, 8 * MiB, 0x33)
    const r = await run(f, { rw: 'randwrite', bs: 16384, iodepth: 8, verify_bs: 4096 })
    expect(r.write.bytes).toBe(8 * MiB)
    expect(r.verify).toEqual({
      blocks: (8 * MiB) / 4096,
      bad: 0,
      skipped: 0,
      byKind: { misdirected: 0, stale: 0, torn: 0, zeroed: 0, foreign: 0 },
      firstBad: null,
    })
    expect(r.read.ios).toBe(0) // the read-back is not measured
  })

  it('randrw verifies reads of blocks it wrote, skips the rest', async () => {
    const f = scratch.file(`${engine}-vrw.img`, 4 * MiB)
    const r = await run(f, { rw: 'randrw', bs: 4096, iodepth: 16, norandommap: true, io_size: 16 * MiB })
    expect(r.verify?.bad).toBe(0)
    expect(r.verify?.blocks).toBeGreaterThan(0)
    expect(r.verify?.skipped).toBeGreaterThan(0) // reads of blocks not yet written
    expect((r.verify?.blocks ?? 0) + (r.verify?.skipped ?? 0)).toBe(r.read.ios)
  })

  it('check accepts what the bench stamped; a scribbled block fails a randread verify (exit 1)', async () => {
    const f = scratch.file(`${engine}-vc.img`, 4 * MiB)
    const w = await run(f, {
      rw: 'write',
      bs: 65536,
      iodepth: 4,
      randseed: 77,
      verify_gen: 5,
      verify_bs: 4096,
    })
    expect(w.verify).toMatchObject({ blocks: 1024, bad: 0 })
    const c = rawio(['-c', 'check -q -S 77 -g 5 -b 4k 0 4M', f])
    expect(c.stderr).toBe('')
    expect(c.status).toBe(0)

    scribble(f, 40 * 4096 + 100, new Uint8Array([0xff, 0xfe]))
    scribble(f, 100 * 4096, readAt(f, 3 * 4096, 4096)) // block 3's stamp at block 100
    const io = capture()
    const args = ['--rw=randread', '--bs=4k', '--verify=stamp', '--verify_seed=77', '--verify_gen=5']
    const status = await runBenchCli([...args, `--engine=${engine}`, '--output-format=rawio-json', f], io)
    expect(status).toBe(1)
    const r = JSON.parse(io.stdout)
    expect(r.verify).toMatchObject({
      blocks: 1024,
      bad: 2,
      skipped: 0,
      byKind: { torn: 1, misdirected: 1 },
      firstBad: { offset: 40 * 4096, kind: 'torn' },
    })
    expect(io.stderr).toContain('bench: verify failed: 2 bad block(s), the first at offset 163840 (torn)')
    // The wrong generation is stale everywhere.
    const stale = await run(f, { rw: 'read', bs: 4096, verify_seed: 77, verify_gen: 4, size: { bytes: MiB } })
    expect(stale.verify).toMatchObject({ blocks: 256, bad: 256, firstBad: { offset: 0, kind: 'stale' } })
  })
})

describe('bench --verify=stamp on a loop device', () => {
  it('randwrite then randread verify, direct I/O', async () => {
    if (!canUseLoop('the loop device verify run')) return
    const f = scratch.file('vloop.img', 8 * MiB)
    const dev = scratch.loop(f)
    try {
      const w = await bench(dev, { rw: 'randwrite', bs: 8192, iodepth: 8, direct: true, verify: 'stamp' })
      expect(w.target.kind).toBe('block')
      expect(w.verify).toMatchObject({ blocks: (8 * MiB) / 8192, bad: 0 })
      const r = await bench(dev, { rw: 'randread', bs: 8192, iodepth: 8, direct: true, verify: 'stamp' })
      expect(r.verify).toMatchObject({ blocks: (8 * MiB) / 8192, bad: 0, skipped: 0 })
    } finally {
      scratch.detach(dev)
    }
  })
})
