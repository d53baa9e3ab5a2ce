// The same job file through fio 3.33 and rawio, on the same loop device: the requests issued
// (fio's write_iolog against rawio's) are the same, one for one, for sequential jobs (holes,
// backwards, offsets, loops, io_size wraps, odd sizes), fio's mixed read/write runs and fio's
// zipf/pareto/normal generators; uniform and zoned random jobs have the same distribution.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { loopUnavailable, Scratch, skipReason } from '../helpers/targets'
import { countAround, quietLoop } from './diskstat'

const MiB = 2 ** 20
let noFio: string | null = null
try {
  execFileSync('fio', ['--version'], { stdio: 'ignore' })
} catch {
  noFio = 'fio is not installed (scripts/setup.sh installs it)'
}
const noLoop = loopUnavailable()
const skip = skipReason(noFio ?? noLoop, 'job files against fio 3.33')
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

type Request = [string, number, number]

/** The read/write/trim lines of an iolog (fio writes version 3 with a time column, rawio version 2). */
function requests(path: string): Request[] {
  const out: Request[] = []
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const f = line.trim().split(/\s+/)
    const at = f.length === 5 ? 2 : f.length === 4 ? 1 : -1
    if (at < 0 || !['read', 'write', 'trim'].includes(f[at])) continue
    out.push([f[at], Number(f[at + 1]), Number(f[at + 2])])
  }
  return out
}

let seq = 0
async function both(dev: string, body: string): Promise<{ fio: Request[]; rawio: Request[] }> {
  const n = seq++
  const logs = { fio: join(scratch.dir, `fio-${n}.log`), rawio: join(scratch.dir, `rawio-${n}.log`) }
  const text = (who: 'fio' | 'rawio') =>
    `[global]\nfilename=${dev}\ndirect=1\nwrite_iolog=${logs[who]}\n[job]\n${body}\n`
  const fioFile = join(scratch.dir, `j${n}-fio.fio`)
  const rawioFile = join(scratch.dir, `j${n}-rawio.fio`)
  writeFileSync(fioFile, text('fio'))
  writeFileSync(rawioFile, text('rawio'))
  execFileSync('fio', ['--output-format=json', fioFile], { stdio: ['ignore', 'pipe', 'pipe'] })
  const io = { out: () => {}, err: (t: string) => void (errors += t) }
  let errors = ''
  const status = await runBenchCli(['-q', rawioFile], io)
  expect(errors).toBe('')
  expect(status).toBe(0)
  return { fio: requests(logs.fio), rawio: requests(logs.rawio) }
}

describe.skipIf(skip)('job files: rawio issues what fio 3.33 issues', () => {
  let dev = ''
  beforeAll(() => {
    dev = scratch.loop(scratch.file('vs-fio.img', 64 * MiB), { directIo: true })
    quietLoop(dev)
  })

  const exact: Array<[string, string]> = [
    ['sequential read', 'rw=read\nbs=64k\nsize=4m'],
    ['sequential write with an offset', 'rw=write\nbs=16k\noffset=8m\nsize=2m'],
    ['holes: rw=read:4k ends at the end of the region', 'rw=read:4k\nbs=4k\nsize=1m'],
    ['holes with io_size wrap', 'rw=write:12k\nbs=4k\noffset=4m\nsize=1m\nio_size=3m'],
    ['backwards: rw=read:-8k', 'rw=read:-8k\nbs=4k\nsize=1m'],
    ['backwards from an offset', 'rw=read:-8k\nbs=4k\noffset=1m\nsize=1m'],
    ['loops=3', 'rw=read\nbs=8k\nsize=512k\nloops=3'],
    ['a size that is not a multiple of bs', 'rw=read\nbs=4k\nsize=10k'],
    ['rw=rw: fio read/write runs, bs=R,W', 'rw=rw\nrwmixread=50\nbs=4k,16k\nsize=1m\nnumber_ios=500'],
    ['readwrite with rwmixwrite', 'rw=readwrite\nrwmixwrite=30\nbs=4k\nsize=8m'],
    ['zipf:1.2', 'rw=randread\nbs=4k\nsize=16m\nrandom_distribution=zipf:1.2\nnumber_ios=2000'],
    ['pareto:0.3', 'rw=randread\nbs=4k\nsize=16m\nrandom_distribution=pareto:0.3\nnumber_ios=2000'],
    [
      'normal:5 with a center',
      'rw=randread\nbs=4k\nsize=16m\nrandom_distribution=normal:5:0.3\nnumber_ios=2000',
    ],
    [
      'randread:4 runs over zipf',
      'rw=randread:4\nbs=4k\nsize=1m\nrandom_distribution=zipf:0.8\nnumber_ios=300',
    ],
    [
      'randrw over pareto',
      'rw=randrw\nrwmixread=70\nbs=4k\nsize=16m\nrandom_distribution=pareto:0.1\nnumber_ios=1000',
    ],
  ]
  it.each(exact)('%s: the same requests, in the same order', async (_name, body) => {
    const r = await both(dev, body)
    expect(r.rawio.length).toBeGreaterThan(0)
    expect(r.rawio).toEqual(r.fio)
  })

  it('uniform randread with the random map: every block once, as fio', async () => {
    const r = await both(dev, 'rw=randread\nbs=4k\nsize=4m')
    const sorted = (x: Request[]) => x.map((q) => q[1]).sort((a, b) => a - b)
    expect(r.rawio.length).toBe(1024)
    expect(sorted(r.rawio)).toEqual(sorted(r.fio))
  })

  it('zoned:50/5:30/15:20/: the share of requests in each zone matches fio within 2.5%', async () => {
    const r = await both(
      dev,
      'rw=randread\nbs=4k\nsize=32m\nnorandommap\nrandom_distribution=zoned:50/5:30/15:20/\nnumber_ios=8000',
    )
    const shares = (x: Request[]) => {
      const edges = [0.05, 0.2, 1].map((f) => f * 32 * MiB)
      const n = [0, 0, 0]
      for (const [, off] of x) n[edges.findIndex((e) => off < e)]++
      return n.map((c) => c / x.length)
    }
    const ours = shares(r.rawio)
    const theirs = shares(r.fio)
    for (let i = 0; i < 3; i++) expect(Math.abs(ours[i] - theirs[i])).toBeLessThan(0.025)
    expect(ours[0]).toBeGreaterThan(0.45)
  })

  it("ioengine=libaio runs on the libaio engine: the requests of fio's libaio, as many on the device", async () => {
    const body = 'rw=read:4k\nbs=16k\nsize=4m\nioengine=libaio\niodepth=16'
    const r = await both(dev, body)
    expect(r.rawio.length).toBe(205) // 16k read, 4k skipped, to the end of 4 MiB
    expect(r.rawio).toEqual(r.fio)
    const file = join(scratch.dir, 'libaio.fio')
    writeFileSync(file, `[global]\nfilename=${dev}\ndirect=1\n[job]\n${body}\n`)
    let out = ''
    const ours = await countAround(dev, () =>
      runBenchCli(['-q', '--output-format=rawio-json', file], { out: (t) => void (out += t), err: () => {} }),
    )
    expect(ours.value).toBe(0)
    expect(JSON.parse(out).engine).toBe('libaio')
    expect([ours.delta.reads, ours.delta.readBytes]).toEqual([205, 205 * 16384])
  })

  it('the device counts the requests of both alike (thinktime and rate change timing only)', async () => {
    const body =
      'rw=randwrite\nbs=8k\nsize=8m\nnumber_ios=200\nthinktime=200\nthinktime_blocks=20\nrate_iops=2000\nioengine=io_uring\niodepth=8'
    const file = join(scratch.dir, 'timing.fio')
    writeFileSync(file, `[global]\nfilename=${dev}\ndirect=1\n[job]\n${body}\n`)
    const ours = await countAround(dev, () => runBenchCli(['-q', file], { out: () => {}, err: () => {} }))
    expect(ours.value).toBe(0)
    const theirs = await countAround(dev, async () =>
      execFileSync('fio', ['--output-format=json', file], { stdio: ['ignore', 'pipe', 'pipe'] }),
    )
    expect(ours.delta.writes).toBe(200)
    expect(ours.delta.writeBytes).toBe(theirs.delta.writeBytes)
    expect(ours.delta.writes).toBe(theirs.delta.writes)
  })
})
