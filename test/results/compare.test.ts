// `rawio compare`: pure judgement on made-up results, then the CLI on real rawio and fio results.
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { compareRuns } from '../../lib/results/compare'
import type { RunView } from '../../lib/results/model'
import { Scratch, skipReason } from '../helpers/targets'
import { fioResult, fioUnavailable, rawioResult } from './fixtures'

const cli = join(__dirname, '..', '..', 'bin', 'rawio.js')

function run(label: string, iopsSeries: number[], meanLat = 100_000): RunView {
  const iops = iopsSeries.reduce((a, b) => a + b, 0) / iopsSeries.length
  return {
    label,
    tool: 'test',
    jobs: [
      {
        name: 'job',
        options: {},
        dirs: {
          read: {
            ios: iops * iopsSeries.length,
            bytes: iops * iopsSeries.length * 4096,
            iops,
            bwBytes: iops * 4096,
            latKind: 'submit-to-completion',
            lat: {
              minNs: 1000,
              maxNs: 1e7,
              meanNs: meanLat,
              stddevNs: 10,
              percentiles: [{ p: 99, ns: meanLat * 3 }],
            },
          },
        },
        series: {
          intervalNs: 1e9,
          iops: { read: iopsSeries },
          bwBytes: { read: iopsSeries.map((v) => v * 4096) },
        },
      },
    ],
  }
}

const steady = [1000, 1010, 990, 1005, 995, 1002, 998, 1003, 997, 1001]

describe('compareRuns', () => {
  it('a 20% drop in steady IOPS is a regression, beyond the noise', () => {
    const c = compareRuns(
      run('A', steady),
      run(
        'B',
        steady.map((v) => v * 0.8),
      ),
    )
    const iops = c.rows.find((r) => r.metric === 'iops')
    expect(iops?.verdict).toBe('regression')
    expect(iops?.test?.test).toBe('mann-whitney')
    expect(iops?.test?.p).toBeLessThan(0.001)
    expect(iops?.changePct).toBeCloseTo(-20, 5)
  })
  it('the same change inside wide noise is noise, not a regression', () => {
    const noisy = [500, 1500, 700, 1300, 600, 1400, 800, 1200, 900, 1100]
    const shifted = noisy.map((v, i) => v * 0.92 + (i % 2 ? 0 : 0))
    const c = compareRuns(run('A', noisy), run('B', shifted))
    const iops = c.rows.find((r) => r.metric === 'iops')
    expect(iops?.verdict).toBe('noise')
    expect(c.regressions).toEqual([])
  })
  it('a change under the threshold is below it; latency up is worse', () => {
    const c = compareRuns(run('A', steady, 100_000), run('B', steady, 130_000), { thresholdPct: 10 })
    expect(c.rows.find((r) => r.metric === 'iops')?.verdict).toBe('same')
    const lat = c.rows.find((r) => r.metric === 'lat_mean')
    expect(lat?.verdict).toBe('regression')
    expect(lat?.test).toBeNull() // no per-interval latency: the threshold alone decides
    const tight = compareRuns(run('A', steady, 100_000), run('B', steady, 104_000), { thresholdPct: 5 })
    expect(tight.rows.find((r) => r.metric === 'lat_mean')?.verdict).toBe('below-threshold')
  })
})

const skip = skipReason(fioUnavailable(), 'rawio compare on real results')

describe.skipIf(skip)('rawio compare on real results', () => {
  let scratch: Scratch
  let rawio: string
  let fio: string
  beforeAll(async () => {
    scratch = new Scratch()
    const target = scratch.file('target.img', 64 << 20, 0x11)
    rawio = await rawioResult(target, scratch.dir, 'rawio.json', 5) // 5 samples a side for the U test
    fio = fioResult(target, scratch.dir, 'fio.json', 3)
  }, 60_000)
  afterAll(() => scratch?.cleanup())

  const compare = (...args: string[]) => spawnSync('node', [cli, 'compare', ...args], { encoding: 'utf8' })

  it('a result against itself: no change, status 0', () => {
    const r = compare(rawio, rawio)
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).toMatch(/^job +dir +metric +A: rawio\.json +B: rawio\.json/)
    expect(r.stdout.trim().split('\n').at(-1)).toBe('verdict: no change beyond 5% and the noise')
  })

  it('IOPS and bandwidth well down: a regression, status 1, and an HTML comparison', () => {
    const doc = JSON.parse(readFileSync(rawio, 'utf8'))
    for (const d of ['read', 'write'] as const) {
      // Every second of B below every second of A, whatever the machine's noise was: the U test
      // must call it (5 and 5 samples, complete separation: p = 2/252).
      const full = doc.timeSeries[d].iops.slice(0, 5) as number[]
      const f = (0.5 * Math.min(...full)) / Math.max(...full)
      doc[d].iops *= f
      doc[d].bytesPerSec *= f
      doc.timeSeries[d].iops = doc.timeSeries[d].iops.map((n: number) => n * f)
      doc.timeSeries[d].bytes = doc.timeSeries[d].bytes.map((n: number) => n * f)
    }
    const slower = join(scratch.dir, 'slower.json')
    writeFileSync(slower, JSON.stringify(doc))
    const html = join(scratch.dir, 'cmp.html')
    const r = compare('--threshold', '10%', '--html', html, rawio, slower)
    expect(r.status).toBe(1)
    expect(r.stdout).toMatch(/read +IOPS .* -[0-9.]+% +U p=0\.0079 +regression/)
    expect(r.stdout.trim().split('\n').at(-1)).toMatch(
      /^verdict: REGRESSION beyond 10%: bench read IOPS -[0-9.]+%/,
    )
    expect(readFileSync(html, 'utf8')).toContain('Comparison: rawio.json vs slower.json')
  })

  it("compares rawio's JSON with fio's, and fio's with fio's", () => {
    const r = compare('--threshold', '1000%', rawio, fio)
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/bench \/ randrw +read +IOPS/)
    const f = compare(fio, fio)
    expect(f.status).toBe(0)
    expect(f.stdout).toMatch(/randrw +read +IOPS .* \+0\.0% +t p=1\.0000 +same/)
  })

  it('bad input: one line, status 1', () => {
    for (const args of [
      [rawio],
      ['--threshold', 'lots', rawio, rawio],
      [rawio, join(scratch.dir, 'missing.json')],
    ]) {
      const r = compare(...args)
      expect(r.status).toBe(1)
      expect(r.stderr.split('\n')[0]).toMatch(/^rawio compare: /)
      expect(r.stderr).not.toMatch(/\n\s+at /)
    }
  })
})
