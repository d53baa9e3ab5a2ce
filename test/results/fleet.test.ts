// A fleet on one machine: processes standing for hosts (each in a UTS namespace of its own, so
// each has its own host name, and each on a loop device of its own), started by a shell loop
// with one --start-at. They start within milliseconds of each other; `rawio merge` sums what
// they did and takes percentiles from the merged histograms.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { BenchResult } from '../../lib/bench/result'
import { bucketIndex, fioPercentiles, mergeHistograms, percentiles } from '../../lib/bench/stats'
import { isRoot, loopUnavailable, Scratch, skipReason } from '../helpers/targets'

const root = join(__dirname, '..', '..')
const cli = join(root, 'bin', 'rawio.js')
const hosts = ['host-a', 'host-b', 'host-c']

function unshareUnavailable(): string | null {
  if (!isRoot) return 'not root: UTS namespaces need root'
  const r = spawnSync('unshare', ['--uts', 'true'])
  return r.status === 0 ? null : `unshare --uts fails: ${r.stderr}`
}

const skip = skipReason(loopUnavailable() ?? unshareUnavailable(), 'the fleet run (--start-at, merge)')

describe.skipIf(skip)('a fleet of processes with --start-at, then rawio merge', () => {
  let scratch: Scratch
  const results: BenchResult[] = []
  let startAtMs = 0

  beforeAll(() => {
    scratch = new Scratch()
    const loops = hosts.map((h) => scratch.loop(scratch.file(`${h}.img`, 32 << 20, 0x33), { directIo: true }))
    startAtMs = Date.now() + 4000
    // One shell loop starts every "host", as pdsh or srun would.
    const script = hosts
      .map(
        (h, i) =>
          `unshare --uts sh -c 'hostname ${h} && exec node ${cli} bench -q --start-at=${startAtMs / 1000} ` +
          `--rw=randread --bs=4k --iodepth=${i + 1} --number_ios=${1500 + 500 * i} --direct=1 ` +
          `--output-format=rawio-json --output=${join(scratch.dir, `${h}.json`)} ${loops[i]}' &`,
      )
      .join('\n')
    const r = spawnSync('bash', ['-c', `${script}\nwait`], { encoding: 'utf8', timeout: 60_000 })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    for (const h of hosts) results.push(JSON.parse(readFileSync(join(scratch.dir, `${h}.json`), 'utf8')))
  }, 90_000)
  afterAll(() => scratch?.cleanup())

  it('each host records its name, the planned start and when it started; all start together', () => {
    expect(results.map((r) => r.hostname)).toEqual(hosts)
    for (const r of results) {
      expect(r.start_at_ms).toBe(startAtMs)
      expect(r.started_at_ms).toBeGreaterThanOrEqual(startAtMs)
    }
    const starts = results.map((r) => r.started_at_ms as number)
    const spread = Math.max(...starts) - Math.min(...starts)
    console.log(
      `fleet start: ${starts.map((s) => (s - startAtMs).toFixed(3)).join(', ')} ms after the instant; spread ${spread.toFixed(3)} ms`,
    )
    // A few milliseconds on a loaded 2-vCPU VM; the clock is one, so this is wake-up jitter alone.
    expect(spread).toBeLessThan(20)
  })

  it('merge: per-host entries, sums equal to the per-host sums, percentiles of all requests together', () => {
    const out = join(scratch.dir, 'fleet.json')
    const r = spawnSync(
      'node',
      [cli, 'merge', '-o', out, ...hosts.map((h) => join(scratch.dir, `${h}.json`))],
      {
        encoding: 'utf8',
      },
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const fleet = JSON.parse(readFileSync(out, 'utf8'))
    const stats = fleet.client_stats as Array<{
      hostname: string
      started_at_ms?: number
      read: Record<string, unknown>
    }>
    expect(stats.map((s) => s.hostname)).toEqual([...hosts, 'All clients'])
    expect(stats.slice(0, 3).map((s) => s.started_at_ms)).toEqual(results.map((x) => x.started_at_ms))
    const all = stats[3].read as {
      total_ios: number
      io_bytes: number
      iops: number
      lat_ns: Record<string, unknown>
    }
    expect(all.total_ios).toBe(results.reduce((a, x) => a + x.read.ios, 0))
    expect(all.total_ios).toBe(1500 + 2000 + 2500)
    expect(all.io_bytes).toBe(results.reduce((a, x) => a + x.read.bytes, 0))
    expect(all.iops).toBeCloseTo(
      stats.slice(0, 3).reduce((a, s) => a + (s.read.iops as number), 0),
      6,
    )
    // The reference: every request of every host in rawio's fine histogram (buckets at most 0.8%
    // wide), percentiles by lib/bench/stats; the merge went through fio's json+ bins instead.
    const union = mergeHistograms(
      results.map((x) => {
        const idx = x.read.histogram.map(([low, high]) => bucketIndex((low + high - 1) / 2))
        return { index: idx, count: x.read.histogram.map(([, , n]) => n) }
      }),
    )
    const exact = percentiles(union, fioPercentiles)
    const merged = all.lat_ns.percentile as Record<string, number>
    for (const { p, ns } of exact) {
      const got = merged[p.toFixed(6)]
      expect(Math.abs(got - ns) / ns, `p${p}: merged ${got}, all requests ${ns}`).toBeLessThan(0.02)
    }
  })
})
