// `rawio merge`: per-host results into fio's client_stats shape. Hosts are stood for by
// separate fio runs (each with every request's latency logged), so the merged percentiles can
// be checked against the percentiles of the concatenated samples.
import { execFileSync, spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Scratch, skipReason } from '../helpers/targets'
import { fioUnavailable } from './fixtures'

const cli = join(__dirname, '..', '..', 'bin', 'rawio.js')
const skip = skipReason(fioUnavailable(), 'rawio merge')

/** fio's percentile of raw samples: the smallest sample with at least p% at or below it. */
function exactPercentile(sorted: number[], p: number): number {
  const need = Math.max(1, Math.ceil((p / 100) * sorted.length - 1e-9))
  return sorted[need - 1]
}

describe.skipIf(skip)('rawio merge', () => {
  let scratch: Scratch
  const hosts = ['alpha', 'beta', 'gamma']
  const files: string[] = []
  const samples: number[] = []
  beforeAll(() => {
    scratch = new Scratch()
    hosts.forEach((host, i) => {
      const target = scratch.file(`${host}.img`, 32 << 20, 0x22)
      const log = join(scratch.dir, host)
      const text = execFileSync(
        'fio',
        [
          `--name=job`,
          `--filename=${target}`,
          '--rw=randread',
          '--bs=4k',
          `--iodepth=${i + 1}`,
          '--ioengine=io_uring',
          '--direct=1',
          `--number_ios=${400 + 200 * i}`,
          `--write_lat_log=${log}`,
          '--log_avg_msec=0',
          '--output-format=json+',
        ],
        { stdio: ['ignore', 'pipe', 'pipe'] },
      ).toString()
      const doc = JSON.parse(text.slice(text.indexOf('{')))
      doc.hostname = host // what `rawio bench` records at the top level
      const f = join(scratch.dir, `${host}.json`)
      writeFileSync(f, JSON.stringify(doc))
      files.push(f)
      for (const line of readFileSync(`${log}_clat.1.log`, 'utf8').trim().split('\n'))
        samples.push(Number(line.split(',')[1]))
    })
    samples.sort((a, b) => a - b)
  }, 60_000)
  afterAll(() => scratch?.cleanup())

  it("writes fio's client_stats: one entry per host, then All clients with summed counts", () => {
    const out = join(scratch.dir, 'fleet.json')
    const r = spawnSync('node', [cli, 'merge', '-o', out, ...files], { encoding: 'utf8' })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const fleet = JSON.parse(readFileSync(out, 'utf8'))
    expect(Object.keys(fleet)).toEqual([
      'fio version',
      'timestamp',
      'timestamp_ms',
      'time',
      'global options',
      'client_stats',
      'disk_util',
    ])
    // biome-ignore lint/suspicious/noExplicitAny: fio's JSON, checked field by field below
    const stats = fleet.client_stats as Array<Record<string, any>>
    expect(stats.map((s) => s.hostname)).toEqual([...hosts, 'All clients'])
    expect(stats.at(-1)?.jobname).toBe('All clients')
    const per = files.map((f) => JSON.parse(readFileSync(f, 'utf8')).jobs[0].read)
    const all = stats.at(-1)?.read
    for (const k of ['io_bytes', 'total_ios', 'iops', 'bw_bytes', 'bw'])
      expect(all[k]).toBeCloseTo(
        per.reduce((a, d) => a + d[k], 0),
        6,
      )
    expect(all.clat_ns.N).toBe(samples.length)
    expect(all.clat_ns.min).toBe(Math.min(...per.map((d) => d.clat_ns.min)))
    expect(all.clat_ns.max).toBe(Math.max(...per.map((d) => d.clat_ns.max)))
    const mean = samples.reduce((a, b) => a + b, 0) / samples.length
    expect(all.clat_ns.mean).toBeCloseTo(mean, -1)
    // Percentiles from the merged histograms, within fio's bin error (64 bins per power of 2),
    // of the percentiles of all the hosts' samples together.
    for (const [key, ns] of Object.entries(all.clat_ns.percentile as Record<string, number>)) {
      const exact = exactPercentile(samples, Number(key))
      expect(Math.abs(ns - exact) / exact, `p${key}: merged ${ns}, exact ${exact}`).toBeLessThan(0.02)
    }
  })

  it('merged results load in rawio report and compare (fio-plot reads the same shape)', () => {
    const out = join(scratch.dir, 'fleet2.json')
    expect(spawnSync('node', [cli, 'merge', '-o', out, ...files]).status).toBe(0)
    const html = join(scratch.dir, 'fleet.html')
    const r = spawnSync('node', [cli, 'report', '-o', html, out], { encoding: 'utf8' })
    expect(r.status).toBe(0)
    const text = readFileSync(html, 'utf8')
    for (const h of [...hosts, 'All clients']) expect(text).toContain(`@ ${h}`)
  })

  it('json without bins: percentiles cannot be merged, and it says so', () => {
    const plain = join(scratch.dir, 'plain.json')
    const doc = JSON.parse(readFileSync(files[0], 'utf8'))
    delete doc.jobs[0].read.clat_ns.bins
    writeFileSync(plain, JSON.stringify(doc))
    const r = spawnSync('node', [cli, 'merge', plain, files[1]], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      /^rawio merge: All clients read clat_ns: latency percentiles can only be merged from histograms: give json\+ results/,
    )
  })
})
