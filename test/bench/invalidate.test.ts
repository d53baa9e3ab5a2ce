// fio's invalidate (default 1): before a job, the target's page cache is dropped, so a buffered
// job reads from the device as fio's does; invalidate=0 keeps what the cache holds. And fio's
// fadvise_hint (default 1): a random job's descriptor gets POSIX_FADV_RANDOM, so buffered random
// reads send no readahead to the device. Counted in /sys/block/loopN/stat around each run.
import { closeSync, openSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { isRoot, loopUnavailable, Scratch, skipReason } from '../helpers/targets'
import { countAround, quietLoop } from './diskstat'

const MiB = 2 ** 20
const skip = skipReason(
  loopUnavailable() ?? (isRoot ? null : 'BLKFLSBUF needs root'),
  'invalidate on a loop device',
)
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

async function bench(args: string[]) {
  let err = ''
  const status = await runBenchCli(['-q', '--output-format=json', ...args], {
    out: () => {},
    err: (t: string) => void (err += t),
  })
  return { status, err }
}

describe.skipIf(skip)('invalidate', () => {
  let dev = ''
  const job = () => ['--rw=randread', '--bs=4k', '--direct=0', '--number_ios=256', '--size=4m', dev]
  beforeAll(() => {
    dev = scratch.loop(scratch.file('inval.img', 4 * MiB, 0x33))
    quietLoop(dev)
  })
  // A block device's page cache goes at its last close: the test holds it open, so what one run
  // reads stays cached for the next (as when anything else has the device open).
  let held: number | undefined
  beforeAll(() => {
    held = openSync(dev, 'r')
  })
  afterAll(() => {
    if (held !== undefined) closeSync(held)
  })
  const warm = async () => {
    const r = await bench(['--rw=read', '--bs=64k', '--direct=0', '--invalidate=0', '--size=4m', dev])
    expect(r.status, r.err).toBe(0)
  }

  it("by default (fio's invalidate=1) a buffered job reads from the device, not from a warm cache", async () => {
    await warm()
    const { value, delta } = await countAround(dev, () => bench(job()))
    expect(value.status, value.err).toBe(0)
    expect(value.err).toBe('')
    expect(delta.reads).toBeGreaterThan(0)
  })

  it('invalidate=0 keeps the cache: a warm buffered job reads nothing from the device', async () => {
    await warm()
    const { value, delta } = await countAround(dev, () => bench([...job(), '--invalidate=0']))
    expect(value.status, value.err).toBe(0)
    expect(delta.reads).toBe(0)
  })

  it("fadvise_hint (fio's default 1): buffered random reads without readahead; fadvise_hint=0 reads ahead", async () => {
    const fadvised = await countAround(dev, () => bench(job()))
    expect(fadvised.value.status, fadvised.value.err).toBe(0)
    expect(fadvised.delta.reads).toBeGreaterThan(0)
    expect(fadvised.delta.readBytes).toBeLessThanOrEqual(256 * 4096)
    expect(fadvised.delta.readBytes / fadvised.delta.reads).toBe(4096)
    const plain = await countAround(dev, () => bench([...job(), '--fadvise_hint=0']))
    expect(plain.value.status, plain.value.err).toBe(0)
    expect(plain.delta.readBytes / plain.delta.reads).toBeGreaterThan(4096)
  })

  it('on a file: posix_fadvise(DONTNEED) over the region, the same way', async () => {
    const file = scratch.file('inval-file.img', 4 * MiB, 0x44)
    const fileJob = ['--rw=randread', '--bs=4k', '--direct=0', '--number_ios=64', file]
    expect((await bench([...fileJob, '--invalidate=0'])).status).toBe(0)
    expect((await bench(fileJob)).err).toBe('')
  })
})
