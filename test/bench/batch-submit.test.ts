// --iodepth_batch_submit defaults to 1, fio's default: each new request is submitted as soon as a
// slot is free. Checked against fio 3.33 on the same job: fio's iodepth_submit distribution and
// rawio's, both all in the 1-4 bucket; 8 given explicitly still batches 5-8 at a time. And, as
// fio, the loop fills the queue before it reaps: on a target that completes requests as fast as
// they come (cached buffered reads) the depth still reaches iodepth, in both tools.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { bench } from '../../lib/bench/run'
import { Scratch, skipReason } from '../helpers/targets'
import { depthLevelsByConstruction } from './depth-levels'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())
const noFio = skipReason(
  spawnSync('fio', ['--version']).status === 0 ? null : 'fio is not installed',
  'the fio comparison',
)

describe('iodepth_batch_submit', () => {
  const file = scratch.file('batch.img', 16 << 20, 0x5a)
  const job = { rw: 'randread', bs: 4096, iodepth: 32, direct: true, number_ios: 2000 } as const

  it('defaults to 1: no submit call carries more than 4 new requests', async () => {
    const r = await bench(file, { ...job })
    const [zero, upTo4, ...more] = r.depth.submit
    expect(zero).toBe(0)
    expect(upTo4).toBeGreaterThan(0)
    expect(
      more.every((n) => n === 0),
      `submit buckets ${r.depth.submit}`,
    ).toBe(true)
  })

  it('8, given: the first 32 requests go 8 at a time', async () => {
    const r = await bench(file, { ...job, iodepth_batch_submit: 8 })
    expect(r.depth.submit[2]).toBeGreaterThanOrEqual(4)
  })

  it.skipIf(noFio)("fio 3.33's default on the same job: iodepth_submit all in the 1-4 bucket", () => {
    const j = spawnSync(
      'fio',
      [
        '--name=b',
        `--filename=${file}`,
        '--rw=randread',
        '--bs=4k',
        '--iodepth=32',
        '--direct=1',
        '--ioengine=io_uring',
        '--number_ios=2000',
        '--output-format=json',
      ],
      { encoding: 'utf8' },
    )
    expect(j.status).toBe(0)
    const submit = JSON.parse(j.stdout.slice(j.stdout.indexOf('{'))).jobs[0].iodepth_submit
    expect(submit['4']).toBe(100)
  })

  // Cached buffered reads complete inside the submit call. A loop that reaps between single
  // submissions never has more than one request in flight there (iodepth_level all at 1: the
  // bug); filling first reaches iodepth once per fill, as fio does.
  const cachedJob = [
    '--name=fill',
    `--filename=${file}`,
    '--rw=randread',
    '--bs=4k',
    '--iodepth=32',
    '--ioengine=io_uring',
    '--direct=0',
    '--invalidate=0',
    '--number_ios=2000',
    '--output-format=json',
  ]
  const warm = () => readFileSync(file) // the page cache holds the whole file

  it('fills the queue before reaping: the depth reaches iodepth on a target that never waits', async () => {
    warm()
    let out = ''
    const status = await runBenchCli([...cachedJob, '-q'], { out: (t) => void (out += t), err: () => {} })
    expect(status).toBe(0)
    const j = JSON.parse(out).jobs[0]
    expect(j.read.total_ios).toBe(2000)
    depthLevelsByConstruction(j.iodepth_level, 2000, 32)
  })

  it.skipIf(noFio)('fio 3.33 on the same job: the same by-construction depth levels', () => {
    warm()
    const r = spawnSync('fio', cachedJob, { encoding: 'utf8' })
    expect(r.status).toBe(0)
    const j = JSON.parse(r.stdout.slice(r.stdout.indexOf('{'))).jobs[0]
    expect(j.read.total_ios).toBe(2000)
    depthLevelsByConstruction(j.iodepth_level, 2000, 32)
  })
})
