// `rawio report` renders in a real headless Chromium: no console errors, no network requests,
// every chart has the points its data says it should, headings and tables for screen readers,
// and a screenshot (kept under test-artifacts/, not committed).
import { execFileSync, spawnSync } from 'node:child_process'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { histogramPoints } from '../../lib/html/report-page'
import { loadResult } from '../../lib/results/load'
import { resultDirections } from '../../lib/results/model'
import { Browser, browserUnavailable } from '../helpers/browser'
import { Scratch, skipReason } from '../helpers/targets'
import { fioResult, fioUnavailable, rawioResult } from './fixtures'

const root = join(__dirname, '..', '..')
const cli = join(root, 'bin', 'rawio.js')
const artifacts = join(root, 'test-artifacts')
const skip = skipReason(browserUnavailable() ?? fioUnavailable(), 'the HTML report in a browser')

describe.skipIf(skip)('rawio report in headless Chromium', () => {
  let scratch: Scratch
  let browser: Browser
  let files: string[]
  let html: string

  beforeAll(async () => {
    scratch = new Scratch()
    const target = scratch.file('target.img', 64 << 20, 0x5a)
    files = [await rawioResult(target, scratch.dir, 'rawio.json'), fioResult(target, scratch.dir, 'fio.json')]
    html = join(scratch.dir, 'report.html')
    const r = spawnSync('node', [cli, 'report', '--title', 'rawio vs fio', '-o', html, ...files], {
      encoding: 'utf8',
    })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    browser = Browser.launch()
  }, 60_000)

  afterAll(async () => {
    await browser?.close()
    scratch?.cleanup()
  })

  it('is one self-contained file: no scripts, no external references', () => {
    const text = readFileSync(html, 'utf8')
    expect(text).not.toMatch(/<script|<link|@import|url\(|src="http|href="http/i)
    expect(text).toContain('Content-Security-Policy')
  })

  it('renders without console errors or network requests, with the expected points per chart', async () => {
    const page = await browser.open(`file://${html}`)
    const shot = await page.screenshot()
    mkdirSync(artifacts, { recursive: true })
    writeFileSync(join(artifacts, 'report.png'), shot)
    expect(shot.subarray(1, 4).toString()).toBe('PNG')
    expect(page.report.consoleErrors).toEqual([])
    expect(page.report.requests).toEqual([])

    const runs = files.map((f) => loadResult(f))
    const charts = await page.evaluate<Record<string, Record<string, number>>>(`(() => {
      const out = {}
      for (const svg of document.querySelectorAll('svg.chart')) {
        out[svg.id] = {}
        for (const g of svg.querySelectorAll('g.series')) out[svg.id][g.dataset.series] = g.querySelectorAll('circle.pt').length
      }
      return out
    })()`)
    let checked = 0
    for (const dir of resultDirections) {
      const id = `j0-${dir}`
      if (!runs.some((r) => r.jobs[0].dirs[dir])) continue
      for (const run of runs) {
        const d = run.jobs[0].dirs[dir]
        if (!d) continue
        expect(charts[`${id}-pct`][run.label]).toBe(d.lat.percentiles.length)
        expect(charts[`${id}-hist`][run.label]).toBe(histogramPoints(d.lat.bins ?? []).length)
        const iops = run.jobs[0].series?.iops[dir]
        if (iops) expect(charts[`${id}-iops`][run.label]).toBe(iops.length)
        else expect(charts[`${id}-iops`]?.[run.label]).toBeUndefined()
        const lat = run.jobs[0].series?.latMeanNs?.[dir]
        if (lat) expect(charts[`${id}-lat`][run.label]).toBe(lat.length)
        else expect(charts[`${id}-lat`]?.[run.label]).toBeUndefined()
        checked++
      }
    }
    expect(checked).toBe(4) // read and write, from rawio and from fio

    // A structure a screen reader can walk: one h1, a heading per job and direction, titled
    // charts, and a table with the same figures beside every chart.
    const s = await page.evaluate<{
      h1: number
      h2: string[]
      h3: string[]
      untitled: number
      figures: number
      tables: number
    }>(`(() => ({
      h1: document.querySelectorAll('h1').length,
      h2: [...document.querySelectorAll('h2')].map((h) => h.textContent),
      h3: [...document.querySelectorAll('h3')].map((h) => h.textContent),
      untitled: [...document.querySelectorAll('svg.chart')].filter((s) => !s.querySelector('title') || s.getAttribute('role') !== 'img').length,
      figures: document.querySelectorAll('figure').length,
      tables: document.querySelectorAll('figure table').length,
    }))()`)
    expect(s.h1).toBe(1)
    expect(s.h2).toEqual(['Job: bench / randrw'])
    expect(s.h3).toEqual(['read', 'write', 'Run details'])
    expect(s.untitled).toBe(0)
    expect(s.tables).toBe(s.figures)
    expect(s.figures).toBe(10) // per direction: IOPS, bandwidth and mean latency over time (rawio), histogram, percentiles
  })

  it('a bad input is one line and status 1', () => {
    const bad = join(scratch.dir, 'bad.json')
    writeFileSync(bad, '{"hello": 1}')
    const r = spawnSync('node', [cli, 'report', '-o', join(scratch.dir, 'x.html'), bad], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim().split('\n')).toHaveLength(1)
    expect(r.stderr).toMatch(/^rawio report: .*bad\.json: not a benchmark result/)
    execFileSync('true')
  })
})
