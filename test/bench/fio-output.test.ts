// rawio bench's fio formats against fio 3.33 itself: the same job on the same file through both,
// compared key for key (structure identical) and figure by figure (exact counts, timings within
// noise), and rawio's json+ fed to fio's own fio_jsonplus_clat2csv. Skips, saying why, without fio.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { hostname } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { fioUnavailable, keyPaths, runFio, runTool, toolUnavailable } from '../helpers/fio'
import { Scratch, skipReason, uringUnavailable } from '../helpers/targets'
import { depthLevelsByConstruction } from './depth-levels'

const noFio = skipReason(fioUnavailable(), 'fio output comparisons')
const noUring = skipReason(uringUnavailable(), 'fio output comparisons (the job uses io_uring)')
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

function capture() {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  }
  return io
}

async function rawio(args: string[]) {
  const io = capture()
  const status = await runBenchCli([...args, '-q'], io)
  if (status !== 0) throw new Error(`rawio bench ${args.join(' ')}: status ${status}: ${io.stderr}`)
  return io
}

// A size-bound job: both tools do exactly 1024 requests of 4 KiB.
const job = (file: string) => [
  '--name=cmp',
  `--filename=${file}`,
  '--rw=randrw',
  '--bs=4k',
  '--iodepth=4',
  '--ioengine=io_uring',
  '--direct=1',
  '--size=4m',
  '--lat_percentiles=1',
  '--clat_percentiles=0',
]

const DATA_KEYS = ['bins', 'percentile', 'job options', 'disk_util']

describe.skipIf(noFio || noUring)("fio's formats vs fio 3.33, same job, same file", () => {
  const file = scratch.file('fio-cmp.img', 16 * 2 ** 20, 0x5a)

  it('json+: the same keys at every level, the same counts, self-consistent latencies', async () => {
    const fio = JSON.parse(runFio([...job(file), '--output-format=json+']))
    const mine = JSON.parse((await rawio([...job(file), '--output-format=json+'])).stdout)
    // rawio adds hostname and started_at_ms at the top (docs/fleet.md); the rest is fio's shape.
    expect(mine.hostname).toBe(hostname())
    expect(mine.started_at_ms).toBeGreaterThan(Date.now() - 600_000)
    const { hostname: _h, started_at_ms: _s, ...fioShape } = mine
    expect(keyPaths(fioShape, DATA_KEYS).sort()).toEqual(keyPaths(fio, DATA_KEYS).sort())
    expect(mine['fio version']).toMatch(/^rawio-\d+\.\d+\.\d+ \(fio-3\.33 compatible\)$/)
    expect(Math.abs(mine.timestamp - fio.timestamp)).toBeLessThan(120)
    expect(mine.disk_util.map((d: { name: string }) => d.name)).toEqual(
      fio.disk_util.map((d: { name: string }) => d.name),
    )
    const [a, b] = [mine.jobs[0], fio.jobs[0]]
    expect(a['job options']).toEqual(b['job options'])
    expect(a.jobname).toBe('cmp')
    for (const j of [a, b]) {
      expect(j.read.total_ios + j.write.total_ios).toBe(1024)
      expect(j.read.io_bytes + j.write.io_bytes).toBe(4 * 2 ** 20)
      expect(j.read.io_kbytes + j.write.io_kbytes).toBe(4096)
    }
    for (const d of ['read', 'write'] as const) {
      const [x, y] = [a[d], b[d]]
      expect(x.lat_ns.N).toBe(x.total_ios)
      expect(Object.keys(x.lat_ns.percentile)).toEqual(Object.keys(y.lat_ns.percentile))
      const binTotal = (o: Record<string, number>) => Object.values(o).reduce((s, n) => s + n, 0)
      expect(binTotal(x.lat_ns.bins)).toBe(x.total_ios)
      // the read/write split is random in both tools: within 15% of half
      expect(Math.abs(x.total_ios - 512)).toBeLessThan(80)
      // timings are not compared (a test is no benchmark: one stall of either tool on a
      // loaded machine moves a mean 30-fold); each tool's figures must be self-consistent
      for (const t of [x, y]) {
        const l = t.lat_ns
        expect(l.min).toBeGreaterThan(0)
        expect(l.min).toBeLessThanOrEqual(l.mean)
        expect(l.mean).toBeLessThanOrEqual(l.max)
        const pct = Object.values(l.percentile as Record<string, number>)
        expect(pct).toEqual([...pct].sort((m, n) => m - n))
      }
      expect(x.bw).toBe(Math.floor(x.bw_bytes / 1024))
    }
    expect(a.trim.total_ios).toBe(0)
    expect(a.sync.total_ios).toBe(0)
    expect(a.latency_depth).toBe(b.latency_depth)
    // fio's own figures are the reference: both tools' depth distributions hold what fio's
    // accounting makes true whatever the timing (depth-levels.ts), and use the same buckets.
    for (const t of [a, b]) depthLevelsByConstruction(t.iodepth_level, 1024, 4)
    const used = (o: Record<string, number>) => Object.keys(o).filter((k) => o[k] > 0)
    expect(used(a.iodepth_level)).toEqual(used(b.iodepth_level))
    const sum = (o: Record<string, number>) => Object.values(o).reduce((s, n) => s + n, 0)
    expect(sum(a.latency_ns) + sum(a.latency_us) + sum(a.latency_ms)).toBeCloseTo(100, 0)
  })

  it('terse v3: the same fields in the same places', async () => {
    const fio = runFio([...job(file), '--output-format=terse'])
      .trim()
      .split(';')
    const mine = (await rawio([...job(file), '--output-format=terse'])).stdout.trim().split(';')
    expect(mine).toHaveLength(fio.length)
    expect(mine[0]).toBe('3')
    expect(mine.slice(2, 5)).toEqual(fio.slice(2, 5)) // jobname, groupid, error
    const kib = (f: string[]) => Number(f[5]) + Number(f[46])
    expect(kib(mine)).toBe(4096)
    expect(kib(fio)).toBe(4096)
    for (let i = 17; i < 37; i++) expect(mine[i].replace(/=\d+$/, '')).toBe(fio[i].replace(/=\d+$/, ''))
    // the disk fields: same disk name at the same place
    expect(mine[121]).toBe(fio[121])
  })

  it.skipIf(skipReason(toolUnavailable('fio_jsonplus_clat2csv'), 'fio_jsonplus_clat2csv'))(
    "fio_jsonplus_clat2csv reads rawio's json+ and validates its own CSV against it",
    async () => {
      const dir = scratch.dir
      const json = join(dir, 'rawio-plus.json')
      await rawio([...job(file), '--output-format=json+', `--output=${json}`])
      const csv = join(dir, 'clat.csv')
      const r = runTool('fio_jsonplus_clat2csv', [json, csv])
      expect(r.stderr).toBe('')
      expect(r.status).toBe(0)
      const made = readdirSync(dir).filter((f) => f.startsWith('clat_job0'))
      expect(made).toEqual(['clat_job0.csv'])
      const lines = readFileSync(join(dir, made[0]), 'utf8').trim().split('\n')
      expect(lines[0]).toMatch(/^nsec, read_slat_ns_count/)
      const doc = JSON.parse(readFileSync(json, 'utf8'))
      const keys = new Set([
        ...Object.keys(doc.jobs[0].read.lat_ns.bins),
        ...Object.keys(doc.jobs[0].write.lat_ns.bins),
      ])
      expect(lines).toHaveLength(1 + keys.size)
      const v = runTool('fio_jsonplus_clat2csv', ['--validate', json, csv])
      expect(v.status).toBe(0)
      expect(v.stdout).toContain('validated')
    },
  )
})

describe('--output FILE and several formats at once', () => {
  const file = scratch.file('fmt.img', 4 * 2 ** 20, 0x11)

  it('stdout holds the JSON alone (notes go to stderr)', async () => {
    const io = await rawio(['--bs=3', '--direct=1', '--number_ios=20', '--output-format=json', file])
    const doc = JSON.parse(io.stdout)
    expect(doc.jobs[0].read.total_ios).toBe(20)
    expect(io.stderr).toContain('bench: note: bs 3 is not a multiple of')
  })

  it('--output writes every format to FILE, nothing to stdout', async () => {
    const out = join(scratch.dir, 'report.txt')
    writeFileSync(out, 'old')
    const io = await rawio(['--number_ios=20', '--output-format=terse,json', `--output=${out}`, file])
    expect(io.stdout).toBe('')
    const text = readFileSync(out, 'utf8')
    const [terse, ...json] = text.split('\n')
    expect(terse.split(';')[0]).toBe('3')
    expect(JSON.parse(json.join('\n')).jobs[0].read.total_ios).toBe(20)
  })

  it("normal,json prints fio's order: the JSON document, then the human report", async () => {
    const io = await rawio(['--number_ios=20', '--output-format=normal,json', file])
    const end = io.stdout.indexOf('\n}\n') + 3
    expect(JSON.parse(io.stdout.slice(0, end)).jobs).toHaveLength(1)
    expect(io.stdout.slice(end)).toMatch(/^bench: rw=read/)
  })

  it('rawio-json keeps the rawio-bench/1 schema; numjobs gives one fio entry per job unless group_reporting', async () => {
    const own = JSON.parse((await rawio(['--number_ios=20', '--output-format=rawio-json', file])).stdout)
    expect(own.schema).toBe('rawio-bench/1')
    const two = JSON.parse(
      (await rawio(['--number_ios=20', '--numjobs=2', '--output-format=json', file])).stdout,
    )
    expect(two.jobs.map((j: { read: { total_ios: number } }) => j.read.total_ios)).toEqual([20, 20])
    const grouped = JSON.parse(
      (await rawio(['--number_ios=20', '--numjobs=2', '--group_reporting', '--output-format=json', file]))
        .stdout,
    )
    expect(grouped.jobs.map((j: { read: { total_ios: number } }) => j.read.total_ios)).toEqual([40])
  })

  it('percentile_list sets the percentiles reported', async () => {
    const doc = JSON.parse(
      (await rawio(['--number_ios=50', '--percentile_list=99.9:50', '--output-format=json', file])).stdout,
    )
    expect(Object.keys(doc.jobs[0].read.lat_ns.percentile)).toEqual(['50.000000', '99.900000'])
  })
})
