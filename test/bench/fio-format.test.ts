// fio's output formats built from made-up results (pure): fio's bucket scheme and percentile
// rule, the JSON document's keys in fio 3.33's order, terse version 3's field layout.
import { describe, expect, it } from 'vitest'
import {
  latencyDistribution,
  PLAT_NR,
  platIndex,
  platPercentiles,
  platValue,
  toPlat,
} from '../../lib/bench/fio-hist'
import { ctime, fioDocument, fioEntries, percentileKey } from '../../lib/bench/fio-json'
import { terseLine } from '../../lib/bench/fio-terse'
import { resolveJob } from '../../lib/bench/job'
import { parseBenchArgs } from '../../lib/bench/options'
import { buildResult } from '../../lib/bench/result'
import { bucketIndex, bucketRange, defaultLayout, fioPercentiles } from '../../lib/bench/stats'
import type { NativeGeometry } from '../../lib/native'
import { jobOf, nativeResult, spread } from './fixtures'

const geometry: NativeGeometry = {
  kind: 'file',
  size: 2 ** 30,
  logicalBlockSize: 512,
  physicalBlockSize: 4096,
  dioMemAlign: 512,
  dioOffsetAlign: 512,
  dioAlignSource: 'statx',
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
  fsBlockSize: 4096,
}

function result(
  args: string,
  jobs = [jobOf(0, { read: spread(700, 20_000, 80_000), write: spread(300, 30_000, 90_000) })],
) {
  const job = resolveJob(
    parseBenchArgs(args.split(' ')).job,
    { path: '/var/tmp/x.img', geometry },
    { io_uring: true },
  )
  return buildResult(nativeResult(jobs), job, geometry, '0.1.0')
}

// Key order of fio 3.33's JSON (stat.c), recorded from `fio --output-format=json`.
const FIO_TOP = ['fio version', 'timestamp', 'timestamp_ms', 'time', 'jobs', 'disk_util']
const FIO_JOB = [
  'jobname',
  'groupid',
  'error',
  'eta',
  'elapsed',
  'job options',
  'read',
  'write',
  'trim',
  'sync',
  'job_runtime',
  'usr_cpu',
  'sys_cpu',
  'ctx',
  'majf',
  'minf',
  'iodepth_level',
  'iodepth_submit',
  'iodepth_complete',
  'latency_ns',
  'latency_us',
  'latency_ms',
  'latency_depth',
  'latency_target',
  'latency_percentile',
  'latency_window',
]
const FIO_DIR = [
  'io_bytes',
  'io_kbytes',
  'bw_bytes',
  'bw',
  'iops',
  'runtime',
  'total_ios',
  'short_ios',
  'drop_ios',
  'slat_ns',
  'clat_ns',
  'lat_ns',
  'bw_min',
  'bw_max',
  'bw_agg',
  'bw_mean',
  'bw_dev',
  'bw_samples',
  'iops_min',
  'iops_max',
  'iops_mean',
  'iops_stddev',
  'iops_samples',
]

describe("fio's latency buckets", () => {
  it('index and value as fio 3.33 (values seen in its json+ bins)', () => {
    for (const v of [450, 2192, 3920, 5088, 5152, 5216, 9536, 12352, 57600, 58112])
      expect(platValue(platIndex(v))).toBe(v)
    expect(platIndex(0)).toBe(0)
    expect(platIndex(127)).toBe(127)
    expect(platValue(platIndex(128))).toBe(129) // [128, 130): its middle, as fio prints it
    expect(platIndex(2 ** 62)).toBe(PLAT_NR - 1)
  })

  it('every rawio bucket lies in exactly one fio bucket (the bins are exact sums)', () => {
    for (let i = 0; i < defaultLayout.buckets - 1; i++) {
      const [low, high] = bucketRange(i)
      expect(platIndex(high - 1)).toBe(platIndex(low))
    }
  })

  it("percentiles: fio's rule (first bucket whose running sum reaches p% of N), reported as the bucket's value", () => {
    const ns = spread(1000, 1_000, 100_000)
    const counts = new Map<number, number>()
    for (const v of ns) counts.set(bucketIndex(v), (counts.get(bucketIndex(v)) ?? 0) + 1)
    const buckets = [...counts.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([i, n]) => [...bucketRange(i), n] as [number, number, number])
    const bins = toPlat(buckets)
    expect(bins.reduce((a, [, n]) => a + n, 0)).toBe(1000)
    const p = platPercentiles(bins, [50, 99])
    // fio's answer, computed as fio does on the raw values
    const fio = (q: number) => {
      const m = new Map<number, number>()
      for (const v of ns) m.set(platIndex(v), (m.get(platIndex(v)) ?? 0) + 1)
      let sum = 0
      for (const [i, n] of [...m.entries()].sort((a, b) => a[0] - b[0])) {
        sum += n
        if (sum >= (q / 100) * ns.length) return platValue(i)
      }
    }
    expect(p).toEqual([fio(50), fio(99)])
  })

  it("latency_ns/us/ms: io_u.c's ranges, percent of all requests, 0.01 at least when hit", () => {
    const d = latencyDistribution(
      [
        [500, 501, 1],
        [3000, 3008, 1000],
        [760_000, 764_000, 1],
        [2_500_000_000, 2_510_000_000, 98_998],
      ],
      100_000,
    )
    expect(d.ns[8]).toBe(0.01) // 500..749 ns
    expect(d.us[1]).toBe(1) // 2..3 us
    expect(d.us[9]).toBe(0.01) // 750..999 us
    expect(d.ms[11]).toBeCloseTo(98.998) // >= 2000 ms
  })

  it('ctime as fio prints it', () => {
    expect(ctime(new Date(2026, 10, 9, 8, 5, 3))).toBe('Mon Nov  9 08:05:03 2026')
  })
})

describe("fio's JSON from a rawio result", () => {
  const r = result('--name=j1 --rw=randrw --iodepth=4 --direct=1')
  // through JSON, as a reader sees it
  const doc = JSON.parse(
    JSON.stringify(
      fioDocument(
        fioEntries(r, {
          jobname: 'j1',
          options: [
            ['name', 'j1'],
            ['rw', 'randrw'],
          ],
        }),
        {
          version: 'rawio-0.1.0 (fio-3.33 compatible)',
          now: new Date(1_795_946_383_982),
          elapsedSec: 2,
          globalOptions: [],
          plus: true,
          diskUtil: [],
        },
      ),
    ),
  )

  it("keys in fio 3.33's order, at every level", () => {
    expect(Object.keys(doc)).toEqual(FIO_TOP)
    expect(doc.timestamp).toBe(1_795_946_383)
    expect(doc.timestamp_ms).toBe(1_795_946_383_982)
    const job = doc.jobs[0]
    expect(Object.keys(job)).toEqual(FIO_JOB)
    for (const d of ['read', 'write', 'trim']) expect(Object.keys(job[d])).toEqual(FIO_DIR)
    expect(Object.keys(job.sync)).toEqual(['total_ios', 'lat_ns'])
    expect(Object.keys(job.read.lat_ns)).toEqual(['min', 'max', 'mean', 'stddev', 'N', 'percentile', 'bins'])
    expect(Object.keys(job.read.lat_ns.percentile)).toEqual(fioPercentiles.map(percentileKey))
    expect(Object.keys(job.read.lat_ns.percentile)).toContain('99.000000')
    expect(Object.keys(job.iodepth_level)).toEqual(['1', '2', '4', '8', '16', '32', '>=64'])
    expect(Object.keys(job.iodepth_submit)).toEqual(['0', '4', '8', '16', '32', '64', '>=64'])
    expect(Object.keys(job.latency_ms)).toHaveLength(12)
    expect(job['job options']).toEqual({ name: 'j1', rw: 'randrw' })
  })

  it('figures: KiB/s, ms, totals; unmeasured slat/clat as fio leaves them (zero, N 0, no percentiles)', () => {
    const read = doc.jobs[0].read
    expect(read.total_ios).toBe(700)
    expect(read.io_bytes).toBe(700 * 4096)
    expect(read.io_kbytes).toBe(2800)
    expect(read.runtime).toBe(2000)
    expect(read.bw_bytes).toBe(1_433_600)
    expect(read.bw).toBe(1400)
    expect(read.iops).toBe(350)
    expect(read.slat_ns).toEqual({ min: 0, max: 0, mean: 0, stddev: 0, N: 0 })
    expect(read.clat_ns).toEqual({ min: 0, max: 0, mean: 0, stddev: 0, N: 0 })
    expect(read.lat_ns).toMatchObject({ min: 20_000, max: 80_000, N: 700 })
    expect(Object.values(read.lat_ns.bins as Record<string, number>).reduce((a, b) => a + b, 0)).toBe(700)
    // two one-second samples of 350 IOPS each (fixtures split the I/Os over two seconds)
    expect(read).toMatchObject({
      iops_min: 350,
      iops_max: 350,
      iops_mean: 350,
      iops_samples: 2,
      bw_samples: 2,
    })
    expect(read.bw_agg).toBe(100)
    expect(doc.jobs[0].trim.lat_ns).toEqual({ min: 0, max: 0, mean: 0, stddev: 0, N: 0 })
    expect(doc.jobs[0].usr_cpu).toBeCloseTo(5)
    expect(doc.jobs[0].sys_cpu).toBeCloseTo(25)
    expect(doc.jobs[0].ctx).toBe(12)
    const us = doc.jobs[0].latency_us
    expect(us['50'] + us['100']).toBeCloseTo(100) // every request took 20..90 us (fio's keys are upper edges)
  })

  it('numjobs: one entry per job, or one for the group with group_reporting', () => {
    const two = result('--numjobs=2', [
      jobOf(0, { read: spread(100, 1000, 2000) }),
      jobOf(1, { read: spread(50, 1000, 2000) }),
    ])
    expect(fioEntries(two, { jobname: 'j', options: [] }).map((e) => e.view.read.ios)).toEqual([100, 50])
    expect(
      fioEntries(two, { jobname: 'j', options: [], groupReporting: true }).map((e) => e.view.read.ios),
    ).toEqual([150])
  })
})

describe("fio's terse version 3", () => {
  it('121 fields without disks, 9 more per disk; latencies in usec', () => {
    const r = result('--rw=randrw')
    const [entry] = fioEntries(r, { jobname: 'j1', options: [] })
    const fields = terseLine(entry, 'rawio-0.1.0 (fio-3.33 compatible)', []).trimEnd().split(';')
    expect(fields).toHaveLength(121)
    expect(fields.slice(0, 5)).toEqual(['3', 'rawio-0.1.0 (fio-3.33 compatible)', 'j1', '0', '0'])
    expect(fields.slice(5, 9)).toEqual(['2800', '1400', '350', '2000']) // read KiB, KiB/s, IOPS, ms
    expect(fields[17]).toMatch(/^1\.000000%=\d+$/)
    expect(fields.slice(34, 37)).toEqual(['0%=0', '0%=0', '0%=0']) // 17 percentiles, then empty slots up to 20
    expect(fields[37]).toBe('20') // read lat min, usec
    const disk = {
      name: 'vda',
      read_ios: 1,
      write_ios: 2,
      read_merges: 3,
      write_merges: 4,
      read_ticks: 5,
      write_ticks: 6,
      in_queue: 7,
      util: 8,
    }
    const withDisk = terseLine(entry, 'v', [disk]).trimEnd().split(';')
    expect(withDisk).toHaveLength(130)
    expect(withDisk.slice(121)).toEqual(['vda', '1', '2', '3', '4', '5', '6', '7', '8.00%'])
  })
})
