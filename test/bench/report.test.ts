// The three report formats and the progress line, on made-up results: pure.
import { describe, expect, it } from 'vitest'
import { resolveJob } from '../../lib/bench/job'
import { parseBenchArgs } from '../../lib/bench/options'
import { formatProgress, ProgressLine, ProgressTracker } from '../../lib/bench/progress'
import { CsvReport, csvFields, HumanReport, JsonReport } from '../../lib/bench/report'
import { benchSchema, buildResult } from '../../lib/bench/result'
import type { NativeGeometry } from '../../lib/native'
import { jobOf, nativeResult, spread } from './fixtures'

const geometry: NativeGeometry = {
  kind: 'block',
  size: 2 ** 30,
  logicalBlockSize: 512,
  physicalBlockSize: 4096,
  dioMemAlign: 512,
  dioOffsetAlign: 512,
  dioAlignSource: 'block-size',
  minIo: 512,
  optIo: 0,
  maxTransfer: 0,
  discardGranularity: 0,
  discardMax: 0,
  writeZeroesMax: 0,
  rotational: false,
  zoned: 'none',
  readOnly: false,
  dmaAlignment: 512,
  fsBlockSize: 0,
}

function result(
  args: string,
  jobs = [jobOf(0, { read: spread(700, 20_000, 80_000), write: spread(300, 30_000, 90_000) })],
) {
  const job = resolveJob(
    parseBenchArgs(args.split(' ')).job,
    { path: '/dev/loop7', geometry },
    { io_uring: true },
  )
  return buildResult(nativeResult(jobs), job, geometry, '0.1.0')
}

describe('reports', () => {
  it('human: summary, percentile table, histogram, cpu, IOPS per second', () => {
    const text = new HumanReport().format(result('--rw=randrw --rwmixread=70 --iodepth=4 --direct=1'))
    expect(text).toContain('bench: rw=randrw rwmixread=70 bs=4k iodepth=4 numjobs=1 engine=io_uring direct=1')
    expect(text).toContain(
      'target: /dev/loop7 (block device, 1.00GiB, logical block 512, physical block 4096)',
    )
    expect(text).toMatch(/read: IOPS=350, BW=1\.37MiB\/s/)
    expect(text).toMatch(/write: IOPS=150, /)
    expect(text).toContain('lat (usec): min=20, max=80, avg=50')
    expect(text).toMatch(/\| {2}1\.00th=\[ +\d+\], {2}5\.00th=/)
    expect(text).toContain('99.99th=[')
    expect(text).toMatch(/20us - 50us \|#+ *\| +\d+\.\d\d%/)
    expect(text).toContain('cpu: usr=5.00%, sys=25.00%, ctx=12')
    expect(text).toContain('read IOPS per second: 350 350')
  })

  it('per-job lines with numjobs > 1', () => {
    const r = result('--numjobs=2', [
      jobOf(0, { read: spread(100, 1000, 2000) }),
      jobOf(1, { read: spread(50, 1000, 2000) }),
    ])
    expect(r.read.ios).toBe(150)
    expect(r.jobs.map((j) => j.read.ios)).toEqual([100, 50])
    expect(new HumanReport().format(r)).toContain('job 1: read IOPS=25')
  })

  it('JSON: the documented schema', () => {
    const j = JSON.parse(new JsonReport().format(result('--rw=randread')))
    expect(j.schema).toBe(benchSchema)
    expect(Object.keys(j)).toEqual(
      expect.arrayContaining([
        'rawioVersion',
        'job',
        'target',
        'read',
        'write',
        'trim',
        'sync',
        'cpu',
        'timeSeries',
      ]),
    )
    expect(j.target.geometry.logicalBlockSize).toBe(512)
    expect(j.read.lat.percentiles).toHaveLength(17)
    expect(j.read.histogram[0]).toHaveLength(3)
    expect(j.timeSeries.read.iops).toEqual([350, 350])
  })

  it('CSV: one line, one cell per documented field', () => {
    const line = new CsvReport().format(result('--rw=randread'))
    expect(line.endsWith('\n')).toBe(true)
    expect(line.trim().split('\n')).toHaveLength(1)
    expect(line.trim().split(',')).toHaveLength(csvFields.length)
    expect(
      line.startsWith(`${benchSchema},0.1.0,/dev/loop7,randread,4096,1,1,io_uring,0,2000000000,700,`),
    ).toBe(true)
  })
})

describe('progress', () => {
  const snap = (nowNs: number, ios: number) => ({
    phase: 'running' as const,
    nowNs,
    elapsedNs: nowNs,
    measuredNs: nowNs,
    jobs: 1,
    read: { ios, bytes: ios * 4096 },
    write: { ios: 0, bytes: 0 },
    trim: { ios: 0, bytes: 0 },
  })

  it('rates come from successive samples; peek does not move the baseline', () => {
    const t = new ProgressTracker({ runtimeNs: 10e9, rampNs: 0, totalBytes: 0, totalIos: 0 })
    t.sample(snap(1e9, 1000))
    expect(t.peek(snap(2e9, 3000)).read.iops).toBe(2000)
    expect(t.sample(snap(1.5e9, 2000)).read.iops).toBe(2000)
    expect(formatProgress(t.peek(snap(3e9, 5000)))).toBe(
      'bench: 0:03 / 0:10 [r=2.0k IOPS 7.81MiB/s] eta 0:07',
    )
  })

  it('while the buffers are prepared the line says so, with the time it takes (issue 12 item 9)', () => {
    const t = new ProgressTracker({ runtimeNs: 10e9, rampNs: 0, totalBytes: 0, totalIos: 0 })
    expect(formatProgress(t.sample({ ...snap(2e9, 0), phase: 'preparing', measuredNs: 0 }))).toBe(
      'bench: preparing buffers 0:02',
    )
  })

  it('size-bound jobs show a percentage', () => {
    const t = new ProgressTracker({ runtimeNs: 0, rampNs: 0, totalBytes: 8192 * 1000, totalIos: 0 })
    expect(formatProgress(t.sample(snap(1e9, 500)))).toBe('bench: 0:01 25.0% [r=500 IOPS 1.95MiB/s] eta 0:03')
  })

  it('the line is silent unless the stream is a TTY and not quiet', () => {
    const writes: string[] = []
    const stream = (isTTY: boolean) => ({ isTTY, columns: 60, write: (s: string) => writes.push(s) > 0 })
    const p = new ProgressTracker({ runtimeNs: 0, rampNs: 0, totalBytes: 0, totalIos: 0 }).sample(
      snap(1e9, 5),
    )
    new ProgressLine(stream(false), false).update(p)
    new ProgressLine(stream(true), true).update(p)
    expect(writes).toEqual([])
    const line = new ProgressLine(stream(true), false)
    line.update(p)
    line.clear()
    expect(writes.join('')).toContain('bench: 0:01 [r=5 IOPS')
    expect(writes.join('')).toContain('\x1b[') // readline's cursorTo/clearLine
  })
})
