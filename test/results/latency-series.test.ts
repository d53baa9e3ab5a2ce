// The per-second mean latency: what the native job loop sums per interval reaches rawio's JSON and
// the report's "Mean latency over time" chart; it agrees with the run's overall mean.
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { reportHtml } from '../../lib/html/report-page'
import { toRunView } from '../../lib/results/load'
import { Scratch } from '../helpers/targets'
import { rawioResult } from './fixtures'

describe('mean latency per second', () => {
  const scratch = new Scratch()
  afterAll(() => scratch.cleanup())

  it('is recorded for every second with I/O and averages to the overall mean', async () => {
    const file = await rawioResult(scratch.file('t.img', 32 << 20, 0x66), scratch.dir, 'r.json', 3)
    const r = JSON.parse(readFileSync(file, 'utf8'))
    for (const d of ['read', 'write'] as const) {
      const s = r.timeSeries[d]
      expect(s.latMeanNs).toHaveLength(s.iops.length)
      // The mean of the per-second means, weighted by requests, is the run's mean latency.
      const total = s.iops.reduce((a: number, n: number) => a + n, 0)
      const weighted = s.latMeanNs.reduce((a: number, m: number, i: number) => a + m * s.iops[i], 0) / total
      expect(total).toBe(r[d].ios)
      expect(Math.abs(weighted - r[d].lat.meanNs) / r[d].lat.meanNs).toBeLessThan(1e-6)
      for (let i = 0; i < s.iops.length; i++) if (s.iops[i] > 0) expect(s.latMeanNs[i]).toBeGreaterThan(0)
    }
    const html = reportHtml([toRunView(r, 'r.json')])
    expect(html).toContain('id="j0-read-lat"')
    expect(html).toContain('Mean latency over time (read)')
  })
})

describe("rawio's JSON with a steady-state result", () => {
  it("reaches the report's steady-state table", () => {
    const view = toRunView(
      {
        schema: 'rawio-bench/1',
        name: 'ss',
        read: { ios: 10, bytes: 40960, iops: 10, bytesPerSec: 40960, lat: {} },
        steadyState: { attained: 1, pts: { window: [3, 4, 5, 6, 7] } },
      },
      'ss.json',
    )
    expect(view.jobs[0].steadystate).toEqual({ attained: 1, pts: { window: [3, 4, 5, 6, 7] } })
    expect(reportHtml([view])).toContain('<caption>Steady state</caption>')
  })
})
