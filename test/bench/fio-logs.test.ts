// fio's log files (write_lat_log, write_bw_log, write_iops_log, write_hist_log, log_avg_msec,
// log_hist_msec, log_offset, log_max_value, per_job_logs) from rawio and from fio 3.33 for the
// same job on the same loop device: the same file names, the same columns, a line per request
// (whose count, offsets and directions are what reached the device) or per window; and fio's own
// tools read rawio's: fio_generate_plots and fio2gnuplot plot them, fiologparser_hist.py (from
// Debian's fio package docs) turns the histogram log into percentiles.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { logFileName } from '../../lib/bench/fio-logs'
import { fioUnavailable, runTool, toolUnavailable } from '../helpers/fio'
import { loopUnavailable, Scratch, skipReason } from '../helpers/targets'
import { countAround, quietLoop } from './diskstat'

const MiB = 2 ** 20
const skip = skipReason(fioUnavailable() ?? loopUnavailable(), "fio's log files against fio 3.33")
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3'
const HIST_PARSER_GZ = '/usr/share/doc/fio/fiologparser_hist.py.gz'
function histParserUnavailable(): string | null {
  if (!existsSync(HIST_PARSER_GZ)) return `${HIST_PARSER_GZ} is missing (Debian's fio package ships it)`
  const r = spawnSync(PYTHON, ['-c', 'import pandas, numpy'], { encoding: 'utf8' })
  return r.status === 0 ? null : 'python3 has no pandas/numpy (scripts/setup.sh installs python3-pandas)'
}

async function rawio(file: string): Promise<{ status: number; out: string; err: string }> {
  let out = ''
  let err = ''
  const status = await runBenchCli(['-q', '--output-format=json', file], {
    out: (t: string) => void (out += t),
    err: (t: string) => void (err += t),
  })
  return { status, out, err }
}

const lines = (path: string) =>
  readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => l.split(', '))
const logsIn = (dir: string) =>
  readdirSync(dir)
    .filter((f) => f.endsWith('.log'))
    .sort()

/** Writes `body` as a job file for each tool, its logs under DIR/TOOL/, and runs both. */
async function both(name: string, dev: string, body: string) {
  const dirs = { fio: join(scratch.dir, name, 'fio'), rawio: join(scratch.dir, name, 'rawio') }
  for (const d of Object.values(dirs)) mkdirSync(d, { recursive: true })
  const text = (d: string) => `[global]\nfilename=${dev}\ndirect=1\n${body.replaceAll('DIR', d)}\n`
  writeFileSync(join(dirs.fio, 'job.fio'), text(dirs.fio))
  writeFileSync(join(dirs.rawio, 'job.fio'), text(dirs.rawio))
  const fio = runTool('fio', ['--output-format=json', join(dirs.fio, 'job.fio')])
  expect(fio.status, fio.stderr).toBe(0)
  const { value: r, delta } = await countAround(dev, () => rawio(join(dirs.rawio, 'job.fio')))
  expect(r.status, r.err).toBe(0)
  return { dirs, json: JSON.parse(r.out), delta }
}

describe('log file names (fio 3.33 gen_log_name)', () => {
  it('PREFIX_TYPE.N.log per job, PREFIX_TYPE.log with per_job_logs=0', () => {
    expect(logFileName('jobA', 'clat_hist', 3, true)).toBe('jobA_clat_hist.3.log')
    expect(logFileName('x', 'bw', 1, false)).toBe('x_bw.log')
  })
})

describe.skipIf(skip)("fio's logs: rawio writes what fio 3.33 writes", () => {
  let dev = ''
  beforeAll(() => {
    dev = scratch.loop(scratch.file('logs.img', 32 * MiB, 0x5a), { directIo: true })
    quietLoop(dev)
  })

  it('per request: a line per request, `time, value, ddir, bs, offset, prio`, as many as reached the device', async () => {
    const body =
      '[j]\nrw=randrw\nbs=4k\nsize=2m\niodepth=4\nlog_offset=1\nwrite_lat_log=DIR/r\nwrite_bw_log=DIR/r\nwrite_iops_log=DIR/r\n'
    const { dirs, json, delta } = await both('per-request', dev, body)
    expect(logsIn(dirs.rawio)).toEqual(logsIn(dirs.fio))
    expect(logsIn(dirs.rawio)).toEqual([
      'r_bw.1.log',
      'r_clat.1.log',
      'r_iops.1.log',
      'r_lat.1.log',
      'r_slat.1.log',
    ])
    // rawio does not split latency: its clat and slat logs hold no sample.
    expect(statSync(join(dirs.rawio, 'r_clat.1.log')).size).toBe(0)
    expect(statSync(join(dirs.rawio, 'r_slat.1.log')).size).toBe(0)
    const job = json.jobs[0]
    const lat = lines(join(dirs.rawio, 'r_lat.1.log'))
    const fioLat = lines(join(dirs.fio, 'r_lat.1.log'))
    expect(lat.length).toBe(512)
    expect(fioLat.length).toBe(512)
    expect(lat.filter((l) => l[2] === '0').length).toBe(job.read.total_ios)
    expect(lat.filter((l) => l[2] === '1').length).toBe(job.write.total_ios)
    // The device's counters (reads include the write interlock's signature probe: writes only).
    expect(lat.filter((l) => l[2] === '1').length).toBe(delta.writes)
    for (const l of lat) {
      expect(l).toHaveLength(fioLat[0].length)
      expect(l[3]).toBe('4096')
      expect(l[5]).toBe('0')
      expect(Number(l[1])).toBeGreaterThan(0)
    }
    // fio's random map: every block of the region once, in both tools' logs.
    const offsets = (ls: string[][]) => ls.map((l) => Number(l[4])).sort((a, b) => a - b)
    const all = Array.from({ length: 512 }, (_, i) => i * 4096)
    expect(offsets(lat)).toEqual(all)
    expect(offsets(fioLat)).toEqual(all)
    // The same requests in the bandwidth log (bytes * 10^6 / latency ns, fio's per-request rate)
    // and in the IOPS log (1 each).
    const bw = lines(join(dirs.rawio, 'r_bw.1.log'))
    const iops = lines(join(dirs.rawio, 'r_iops.1.log'))
    expect(bw.map((l) => l[4])).toEqual(lat.map((l) => l[4]))
    for (let i = 0; i < lat.length; i++) {
      expect(Number(bw[i][1])).toBe(Math.floor((4096 * 1e6) / Number(lat[i][1])))
      expect(iops[i][1]).toBe('1')
    }
    // Times: ms since the job began, ascending.
    const times = lat.map((l) => Number(l[0]))
    expect(times).toEqual([...times].sort((a, b) => a - b))
  })

  it('windows: log_avg_msec and log_hist_msec lines, per job, as fio writes them', async () => {
    const body =
      '[w]\nrw=randrw\nbs=4k\niodepth=4\ntime_based\nruntime=2\nnumjobs=2\nlog_avg_msec=500\nlog_hist_msec=500\nwrite_lat_log=DIR/w\nwrite_bw_log=DIR/w\nwrite_iops_log=DIR/w\nwrite_hist_log=DIR/w\n'
    const { dirs, json } = await both('windows', dev, body)
    const names = logsIn(dirs.rawio)
    expect(names).toEqual(logsIn(dirs.fio))
    expect(names).toContain('w_clat_hist.2.log')
    for (const f of ['w_lat.1.log', 'w_bw.1.log', 'w_iops.2.log', 'w_clat_hist.1.log']) {
      const mine = lines(join(dirs.rawio, f))
      const theirs = lines(join(dirs.fio, f))
      expect(mine.length, f).toBeGreaterThanOrEqual(2)
      expect(new Set(mine.map((l) => l.length)), f).toEqual(new Set(theirs.map((l) => l.length)))
      expect(new Set(mine.map((l) => l[f.includes('hist') ? 1 : 2])), f).toEqual(new Set(['0', '1']))
    }
    // Averaged lines: bs and offset 0; bandwidth and IOPS at each window's end, both directions.
    const iops = lines(join(dirs.rawio, 'w_iops.1.log'))
    // (A window in which a direction completed nothing has no line, as in fio: a loaded machine
    // can stall the loop device that long.)
    const times = iops.map((l) => Number(l[0]))
    expect(times.length).toBeGreaterThanOrEqual(4)
    expect(times).toEqual([...times].sort((a, b) => a - b))
    for (const t of times) expect([500, 1000, 1500, 2000]).toContain(t)
    expect(new Set(iops.map((l) => `${l[0]}/${l[2]}`)).size).toBe(iops.length)
    expect(iops.every((l) => l[3] === '0' && l[4] === '0')).toBe(true)
    const bw = lines(join(dirs.rawio, 'w_bw.1.log'))
    for (let i = 0; i < iops.length; i++)
      expect(Number(bw[i][1])).toBe(Math.floor((Number(iops[i][1]) * 4096) / 1024))
    // The windows hold the job's requests but those completed after 2 s (the last, partial
    // window is not written, as in fio).
    const job = json.jobs[0]
    const counted = iops.reduce((a, l) => a + Number(l[1]) / 2, 0)
    const total = job.read.total_ios + job.write.total_ios
    expect(counted).toBeLessThanOrEqual(total)
    expect(counted).toBeGreaterThan(0.9 * total)
    // Histogram lines: `time, ddir, bs, ` and fio's 1856 buckets; each window's counts are the
    // requests of that direction in it, so they never add up to more than the job did.
    const hist = lines(join(dirs.rawio, 'w_clat_hist.1.log'))
    expect(hist[0]).toHaveLength(3 + 1856)
    const inHist = hist.reduce((a, l) => a + l.slice(3).reduce((s, v) => s + Number(v), 0), 0)
    expect(inHist).toBeGreaterThan(0.5 * total)
    expect(inHist).toBeLessThanOrEqual(total)
  })

  it('log_max_value, log_hist_coarseness and per_job_logs=0 (appends, as fio)', async () => {
    const body =
      '[m]\nrw=randread\nbs=4k\niodepth=2\ntime_based\nruntime=1\nnumjobs=2\nper_job_logs=0\nlog_avg_msec=250\nlog_max_value=1\nlog_hist_msec=250\nlog_hist_coarseness=3\nwrite_lat_log=DIR/m\nwrite_hist_log=DIR/m\n'
    const { dirs } = await both('max-coarse', dev, body)
    expect(logsIn(dirs.rawio)).toEqual(logsIn(dirs.fio))
    expect(logsIn(dirs.rawio)).toEqual(['m_clat.log', 'm_clat_hist.log', 'm_lat.log', 'm_slat.log'])
    const hist = lines(join(dirs.rawio, 'm_clat_hist.log'))
    expect(hist[0]).toHaveLength(3 + 1856 / 8)
    expect(hist[0]).toHaveLength(lines(join(dirs.fio, 'm_clat_hist.log'))[0].length)
    // Both jobs in the one file: about 4 windows each.
    const lat = lines(join(dirs.rawio, 'm_lat.log'))
    expect(lat.length).toBeGreaterThanOrEqual(6)
    // per_job_logs=0 appends: a second run adds its lines.
    const r = await rawio(join(dirs.rawio, 'job.fio'))
    expect(r.status, r.err).toBe(0)
    expect(lines(join(dirs.rawio, 'm_lat.log')).length).toBeGreaterThanOrEqual(lat.length + 6)
  })

  it('log_unix_epoch: times are Unix epoch milliseconds', async () => {
    const dir = join(scratch.dir, 'epoch')
    mkdirSync(dir, { recursive: true })
    const file = join(dir, 'job.fio')
    writeFileSync(
      file,
      `[global]\nfilename=${dev}\ndirect=1\n[e]\nrw=read\nbs=64k\nsize=1m\nlog_unix_epoch=1\nwrite_iops_log=${dir}/e\n`,
    )
    const before = Date.now()
    const r = await rawio(file)
    expect(r.status, r.err).toBe(0)
    const times = lines(join(dir, 'e_iops.1.log')).map((l) => Number(l[0]))
    expect(times).toHaveLength(16)
    for (const t of times) {
      expect(t).toBeGreaterThanOrEqual(before - 5)
      expect(t).toBeLessThanOrEqual(Date.now())
    }
  })

  describe("fio's tools read rawio's logs", () => {
    let dir = ''
    beforeAll(async () => {
      dir = join(scratch.dir, 'tools')
      mkdirSync(dir, { recursive: true })
      const file = join(dir, 'job.fio')
      writeFileSync(
        file,
        `[global]\nfilename=${dev}\ndirect=1\n[t]\nrw=randrw\nbs=4k\niodepth=4\ntime_based\nruntime=2\nlog_avg_msec=250\nlog_hist_msec=250\nwrite_lat_log=${dir}/t\nwrite_bw_log=${dir}/t\nwrite_iops_log=${dir}/t\nwrite_hist_log=${dir}/t\n`,
      )
      const r = await rawio(file)
      expect(r.status, r.err).toBe(0)
    })

    it.skipIf(skipReason(toolUnavailable('gnuplot', ['--version']), 'fio_generate_plots (needs gnuplot)'))(
      'fio_generate_plots plots latency, IOPS and bandwidth',
      () => {
        const r = runTool('fio_generate_plots', ['rawio'], dir)
        expect(r.status, r.stderr).toBe(0)
        for (const t of ['lat', 'iops', 'bw']) {
          const svg = readFileSync(join(dir, `rawio-${t}.svg`), 'utf8')
          expect(svg, t).toContain('<svg')
          expect(svg, t).toMatch(/<path/)
        }
      },
    )

    it.skipIf(skipReason(toolUnavailable('gnuplot', ['--version']), 'fio2gnuplot (needs gnuplot)'))(
      'fio2gnuplot renders the bandwidth and IOPS logs',
      () => {
        for (const [flag, kind] of [
          ['-b', 'bw'],
          ['-i', 'iops'],
        ]) {
          const out = join(dir, `f2g-${kind}`)
          mkdirSync(out, { recursive: true })
          const r = runTool('fio2gnuplot', [flag, '-g', '-d', out], dir)
          expect(r.status, r.stderr).toBe(0)
          expect(r.stdout).toContain(`t_${kind}.1.log`)
          const pngs = readdirSync(out).filter((f) => f.endsWith('.png'))
          expect(pngs.length, kind).toBeGreaterThan(0)
          for (const p of pngs) expect(statSync(join(out, p)).size).toBeGreaterThan(1000)
        }
      },
    )

    it.skipIf(skipReason(histParserUnavailable(), 'fiologparser_hist.py'))(
      'fiologparser_hist.py turns the histogram log into percentiles per window',
      () => {
        const script = join(dir, 'fiologparser_hist.py')
        writeFileSync(script, gunzipSync(readFileSync(HIST_PARSER_GZ)))
        const r = runTool(PYTHON, [script, '-i', '250', join(dir, 't_clat_hist.1.log')], dir)
        expect(r.status, r.stderr).toBe(0)
        const rows = r.stdout.trim().split('\n')
        expect(rows[0]).toBe('end-time, samples, min, avg, median, 90%, 95%, 99%, max')
        expect(rows.length).toBeGreaterThanOrEqual(5)
        for (const row of rows.slice(1)) {
          const [, samples, min, avg, , , , p99, max] = row.split(', ').map(Number)
          expect(samples).toBeGreaterThan(0)
          expect(min).toBeGreaterThan(0)
          expect(avg).toBeGreaterThanOrEqual(min)
          expect(p99).toBeLessThanOrEqual(max * 1.02)
        }
      },
    )
  })
})
