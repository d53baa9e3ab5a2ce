// Steady state end to end: fio's rule against fio 3.33 on the same file (the job stops when it is
// attained; the steadystate object has fio's keys), the PTS rule with --precondition on a loop
// device (the precondition's writes counted by the device itself).
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { fioUnavailable, keyPaths, runFio } from '../helpers/fio'
import { loopUnavailable, Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const MiB = 2 ** 20
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

async function rawio(args: string[]) {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  }
  const status = await runBenchCli([...args, '-q'], io)
  return { status, ...io }
}

const noFio = skipReason(fioUnavailable(), 'steady state vs fio')
const noUring = skipReason(uringUnavailable(), 'steady state vs fio (io_uring job)')

describe.skipIf(noFio || noUring)("fio's steady-state rule, same job as fio 3.33", () => {
  const file = scratch.file('ss.img', 16 * MiB, 0x22)
  // a limit every window meets: both tools stop at their first full window (2 one-second samples)
  const job = [
    '--name=ss',
    `--filename=${file}`,
    '--rw=randread',
    '--bs=4k',
    '--ioengine=io_uring',
    '--direct=1',
    '--runtime=20',
    '--time_based',
    '--ss=iops:300%',
    '--ss_dur=2',
  ]

  it('stops the job when attained, and reports the steadystate object with fio keys', async () => {
    const fio = JSON.parse(runFio([...job, '--output-format=json'])).jobs[0]
    const r = await rawio([...job, '--output-format=json'])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const mine = JSON.parse(r.stdout).jobs[0]
    expect(keyPaths(mine.steadystate, []).sort()).toEqual(keyPaths(fio.steadystate, []).sort())
    for (const j of [mine, fio]) {
      expect(j.steadystate).toMatchObject({ ss: 'iops:300.000000%', duration: 2, attained: 1 })
      expect(j.steadystate.data.iops).toHaveLength(2)
      expect(j.job_runtime).toBeLessThan(10_000) // stopped long before runtime=20
    }
    expect(mine.steadystate.data.iops_mean).toBeGreaterThan(0)
  })
})

const noLoop = skipReason(loopUnavailable(), 'PTS steady state on a loop device')

function writeSectors(dev: string): number {
  return Number(
    readFileSync(`/sys/block/${basename(dev)}/stat`, 'utf8')
      .trim()
      .split(/\s+/)[6],
  )
}

describe.skipIf(noLoop)('SNIA PTS rule with --precondition on a loop device', () => {
  it('preconditions (one pass over the device), then rounds until the window passes or 25 rounds', async () => {
    const dev = scratch.loop(scratch.file('pts.img', 16 * MiB), { directIo: true })
    const before = writeSectors(dev)
    const r = await rawio([
      '--rw=randread',
      '--bs=4k',
      '--iodepth=4',
      '--direct=1',
      '--time_based',
      '--runtime=60s',
      '--ss=pts',
      '--ss_interval=200ms',
      '--precondition=1',
      '--output-format=rawio-json',
      dev,
    ])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const res = JSON.parse(r.stdout)
    // the precondition wrote the whole device once, sequentially, in 128 KiB blocks
    expect(res.precondition).toMatchObject({ passes: 1, bs: 128 * 1024, bytes: 16 * MiB })
    expect(writeSectors(dev) - before).toBeGreaterThanOrEqual((16 * MiB) / 512)
    const ss = res.steadyState
    const pts = ss.pts
    expect(ss.ss).toBe('pts:iops')
    expect(pts.rounds).toBeGreaterThanOrEqual(5)
    expect(pts.rounds).toBeLessThanOrEqual(25)
    expect(pts.values).toHaveLength(pts.rounds)
    expect(pts.window).toEqual({ first: pts.rounds - 4, last: pts.rounds })
    const both =
      pts.data_excursion <= pts.data_excursion_limit && pts.slope_excursion <= pts.slope_excursion_limit
    expect(pts.attained).toBe(both)
    expect(ss.attained).toBe(both ? 1 : 0)
    if (!both) expect(pts.rounds).toBe(25)
    // the run ended with the rounds, long before runtime=60s: 25 rounds of 200 ms at most
    expect(res.elapsedNs).toBeLessThan(15e9)
    expect(res.stopped).toBe(true)
  })
})
