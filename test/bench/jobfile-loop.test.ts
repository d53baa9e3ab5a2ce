// Job files on a loop device we attach: rawio sends the requests fio sends for the same job file
// (counted in /sys/block/loopN/stat, merging off), and its report counts what reached the device.
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { loopUnavailable, Scratch, skipReason, uringUnavailable } from '../helpers/targets'
import { countAround, quietLoop } from './diskstat'

const MiB = 2 ** 20
const noLoop = skipReason(loopUnavailable(), 'job-file loop-device runs')
const noUring = skipReason(uringUnavailable(), 'job files with ioengine=io_uring')
let noFio: string | null = null
try {
  execFileSync('fio', ['--version'], { stdio: 'ignore' })
} catch {
  noFio = 'fio is not installed (scripts/setup.sh installs it)'
}
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

function capture() {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  }
  return io
}

describe.skipIf(noLoop || noUring)('job files on a loop device', () => {
  let dev = ''
  beforeAll(() => {
    dev = scratch.loop(scratch.file('jobfile.img', 64 * MiB, 0x5a), { directIo: true })
    quietLoop(dev)
  })

  const readJob = () =>
    [
      '; two groups: a sequential psync pass, then random reads at depth 16',
      '[global]',
      `filename=${dev}`,
      'direct=1',
      '[seq]',
      'rw=read',
      'bs=64k',
      'size=4m',
      '[rand]',
      'stonewall',
      'rw=randread',
      'ioengine=io_uring',
      'iodepth=16',
      'number_ios=500',
      'size=32m',
    ].join('\n')

  const writeJob = () =>
    [
      '[global]',
      `filename=${dev}`,
      'ioengine=io_uring',
      'iodepth=32',
      'buffered=0',
      '[w]',
      'rw=write',
      'bs=128k',
      'size=8m',
      'offset=16m',
      '[rw]',
      'stonewall',
      'rw=randwrite',
      'bs=4k,8k',
      'size=8m',
      'io_size=1m',
    ].join('\n')

  async function rawio(file: string) {
    const io = capture()
    const { value, delta } = await countAround(dev, () => runBenchCli(['--output-format=json', file], io))
    expect(io.stderr).toBe('')
    expect(value).toBe(0)
    return { doc: JSON.parse(io.stdout), delta }
  }

  it('a read job file: the device sees exactly the requests rawio reports', async () => {
    const file = join(scratch.dir, 'read.fio')
    writeFileSync(file, readJob())
    const { doc, delta } = await rawio(file)
    expect(doc.jobs.map((j: { jobname: string; groupid: number }) => [j.jobname, j.groupid])).toEqual([
      ['seq', 0],
      ['rand', 1],
    ])
    // fio's JSON: one entry per job, its counts in total_ios / io_bytes
    const [seq, rand] = doc.jobs.map((j: { read: { total_ios: number; io_bytes: number } }) => ({
      ios: j.read.total_ios,
      bytes: j.read.io_bytes,
    }))
    expect(seq).toMatchObject({ ios: 64, bytes: 4 * MiB })
    expect(rand).toMatchObject({ ios: 500, bytes: 500 * 4096 })
    expect(delta).toEqual({ reads: 564, readBytes: 4 * MiB + 500 * 4096, writes: 0, writeBytes: 0 })
  })

  it('a write job file: requests and bytes as reported (bs=R,W takes W for writes)', async () => {
    const file = join(scratch.dir, 'write.fio')
    writeFileSync(file, writeJob())
    const { doc, delta } = await rawio(file)
    const [w, rw] = doc.jobs.map((j: { write: { total_ios: number; io_bytes: number } }) => ({
      ios: j.write.total_ios,
      bytes: j.write.io_bytes,
    }))
    expect(w).toMatchObject({ ios: 64, bytes: 8 * MiB })
    expect(rw).toMatchObject({ ios: 128, bytes: MiB })
    expect(delta).toMatchObject({ writes: 64 + 128, writeBytes: 9 * MiB })
  })

  it.skipIf(noFio)('fio 3.33 sends the same requests for the same job files', async () => {
    for (const [name, text] of [
      ['read-fio.fio', readJob()],
      ['write-fio.fio', writeJob()],
    ]) {
      const file = join(scratch.dir, name)
      writeFileSync(file, text)
      const ours = await rawio(file)
      const theirs = await countAround(dev, async () =>
        execFileSync('fio', ['--output-format=json', file], { stdio: ['ignore', 'pipe', 'pipe'] }),
      )
      if (name.startsWith('write')) {
        // rawio's interlock reads the device's signatures before writing: compare the writes.
        expect({ writes: ours.delta.writes, bytes: ours.delta.writeBytes }).toEqual({
          writes: theirs.delta.writes,
          bytes: theirs.delta.writeBytes,
        })
      } else {
        expect(ours.delta).toEqual(theirs.delta)
      }
    }
  })
})
