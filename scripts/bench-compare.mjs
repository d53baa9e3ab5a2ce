#!/usr/bin/env node
// rawio bench vs fio: the jobs of issue 4, the same job through both tools on the same target in
// one run, alternating, then the median ratio rawio/fio of IOPS (or bandwidth) and the p50/p99 of
// the submit-to-completion latency (fio's lat_ns, with lat_percentiles=1). Each row runs the same
// I/O in both tools: rawio with the engine of the fio run it is compared with (psync: rawio's
// threads engine, which at iodepth 1 calls preadv2/pwritev2 on the job thread as fio's psync calls
// pread/pwrite), and the FUA rows write with RWF_DSYNC per request (rawio --fua) against fio's
// O_DSYNC descriptor (--sync=dsync): both set IOCB_DSYNC on every write. Within a round the pairs
// run rawio first in odd rounds and fio first in even ones, so neither tool always inherits what
// the other left behind (write-back, a device cache). Targets: a 1 GiB ext4 file of real data under /var/tmp (O_DIRECT), a loop
// device with --direct-io=on over that file, and a loop device over a 1 GiB file in /dev/shm.
// It creates, and always removes, its own files and loop devices; it touches no other disk.
// Finally: the peak RSS of a bench at iodepth 128, bs 1M against `node -e 0`.
//
//   node scripts/bench-compare.mjs [--quick] [--seconds N] [--rounds N] [--targets file,loop-dio,loop-shm]
//                                  [--jobs SUBSTRING] [--size-mib N] [--dir DIR] [--no-pin]
//                                  [--baseline TREE]
// --baseline TREE: a second rawio, built in another checkout (TREE/dist/lib/bench/cli.js), e.g. the
// commit before a change, runs every row in the same alternation (the order of the three rotates
// from round to round), and each row also gets its ratio to fio and new/baseline: a before and after
// on the same machine in the same minutes.
// Needs dist/ (npx tsc -p tsconfig.build.json) and fio; loop targets need root.
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync } from 'node:fs'
import { availableParallelism } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { args, opt } from './lib/args.mjs'
import { attachLoop, cleanup, cleanupOnSignals, makeFile, scratchDir } from './lib/targets.mjs'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const cli = join(root, 'dist/lib/bench/cli.js')
const quick = args.includes('--quick')
const seconds = Number(opt('seconds', quick ? '2' : '3'))
const rounds = Number(opt('rounds', '3')) // alternating rounds: medians need at least 3
const sizeMiB = Number(opt('size-mib', '1024'))
const wantTargets = opt('targets', 'file,loop-dio,loop-shm').split(',')
const jobFilter = opt('jobs', '')
const baselineTree = opt('baseline', '')
const baselineCli = baselineTree ? join(baselineTree, 'dist/lib/bench/cli.js') : null
// At depth 1 the rate is one round trip, and on a VM whose disk interrupts one vCPU (virtio-blk
// with one queue) a job thread asleep on the other vCPU is woken by an IPI: ~20% fewer IOPS,
// whichever tool it is. The scheduler keeps a thread where it first slept, so unpinned pairs
// compare a coin toss. Depth-1 single-job pairs therefore run both tools on the same CPU
// (taskset), the CPU changing from round to round; --no-pin runs everything unpinned.
const pin = !args.includes('--no-pin') && spawnSync('taskset', ['-c', '0', 'true']).status === 0
const cpuCount = availableParallelism()
const cpuFor = (j, round) => (pin && j.iodepth === 1 && (j.numjobs ?? 1) === 1 ? round % cpuCount : null)
const pinned = (cpu, cmd, a) => (cpu === null ? [cmd, a] : ['taskset', ['-c', String(cpu), cmd, ...a]])

// The issue's table. `fio` lists the engines of each row: rawio and fio both run the job with each.
const jobs = [
  {
    name: '4k randread qd1',
    rw: 'randread',
    bs: '4k',
    iodepth: 1,
    fio: ['io_uring', 'psync'],
    metric: 'iops',
  },
  { name: '4k randread qd32', rw: 'randread', bs: '4k', iodepth: 32, fio: ['io_uring'], metric: 'iops' },
  {
    name: '4k randwrite qd1 fua',
    rw: 'randwrite',
    bs: '4k',
    iodepth: 1,
    fua: true,
    fio: ['io_uring', 'psync'],
    metric: 'iops',
  },
  { name: '1m read qd8', rw: 'read', bs: '1m', iodepth: 8, fio: ['io_uring'], metric: 'bw' },
  { name: '1m write qd8', rw: 'write', bs: '1m', iodepth: 8, fio: ['io_uring'], metric: 'bw' },
  {
    name: '4k randread qd32 x2 jobs',
    rw: 'randread',
    bs: '4k',
    iodepth: 32,
    numjobs: 2,
    fio: ['io_uring'],
    metric: 'iops',
  },
].filter((j) => j.name.includes(jobFilter))

cleanupOnSignals('bench-compare')

const dirOf = (j) => (j.rw.includes('write') ? 'write' : 'read')

function rawio(target, j, engine, cpu, program = cli) {
  const a = [
    program,
    `--rw=${j.rw}`,
    `--bs=${j.bs}`,
    `--iodepth=${j.iodepth}`,
    `--numjobs=${j.numjobs ?? 1}`,
    '--direct=1',
    `--ioengine=${engine}`,
  ]
  a.push(`--runtime=${seconds}s`, '--time_based', '--output-format=rawio-json', '-q', target)
  if (j.fua) a.push('--fua')
  const r = spawnSync(...pinned(cpu, process.execPath, a), { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`rawio bench failed (${r.status}): ${r.stderr}`)
  const res = JSON.parse(r.stdout)
  const d = res[dirOf(j)]
  const p = (x) => d.lat.percentiles.find((q) => q.p === x).ns
  return {
    iops: d.iops,
    bw: d.bytesPerSec,
    p50: p(50),
    p99: p(99),
    cpu: res.cpu.usrPercent + res.cpu.sysPercent,
  }
}

function fio(target, j, engine, cpu) {
  const a = ['--name=cmp', `--filename=${target}`, `--rw=${j.rw}`, `--bs=${j.bs}`, `--iodepth=${j.iodepth}`]
  a.push(`--numjobs=${j.numjobs ?? 1}`, '--group_reporting', '--direct=1', `--ioengine=${engine}`)
  a.push(`--runtime=${seconds}`, '--time_based', '--lat_percentiles=1', '--output-format=json')
  if (j.fua) a.push('--sync=dsync')
  const r = spawnSync(...pinned(cpu, 'fio', a), { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`fio failed (${r.status}): ${r.stderr}`)
  const out = JSON.parse(r.stdout.slice(r.stdout.indexOf('{')))
  const job = out.jobs[0]
  const d = job[dirOf(j)]
  const p = (x) => d.lat_ns.percentile[x.toFixed(6)]
  return { iops: d.iops, bw: d.bw_bytes, p50: p(50), p99: p(99), cpu: job.usr_cpu + job.sys_cpu }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const fmtRate = (v, metric) =>
  metric === 'bw' ? `${(v / 2 ** 20).toFixed(0)}MiB/s` : `${(v / 1000).toFixed(1)}k`
const us = (ns) => (ns / 1000).toFixed(1)

function compare(targetName, target, j) {
  const tools = {
    rawio: (e, cpu) => rawio(target, j, e, cpu),
    fio: (e, cpu) => fio(target, j, e, cpu),
    ...(baselineCli ? { base: (e, cpu) => rawio(target, j, e, cpu, baselineCli) } : {}),
  }
  const names = Object.keys(tools)
  const runs = Object.fromEntries(j.fio.map((e) => [e, Object.fromEntries(names.map((n) => [n, []]))]))
  for (let i = 0; i < rounds; i++) {
    for (const e of j.fio) {
      const cpu = cpuFor(j, i)
      // rotate who goes first: with two tools, rawio first in odd rounds and fio in even ones
      for (let k = 0; k < names.length; k++) {
        const n = names[(i + k) % names.length]
        runs[e][n].push(tools[n](e, cpu))
      }
    }
  }
  const m = (list, k) => median(list.map((x) => x[k]))
  const ratioOf = (a, b) => {
    // each round's run against the other tool's run of the same round
    const ratios = a.map((r, i) => r[j.metric] / b[i][j.metric])
    return {
      ratio: median(ratios),
      range: `${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`,
    }
  }
  const rows = []
  for (const e of j.fio) {
    const { rawio: mine, fio: theirs, base } = runs[e]
    rows.push({
      target: targetName,
      job: j.name,
      fio: e,
      rawio: fmtRate(m(mine, j.metric), j.metric),
      fioValue: fmtRate(m(theirs, j.metric), j.metric),
      ...ratioOf(mine, theirs),
      p50: `${us(m(mine, 'p50'))}/${us(m(theirs, 'p50'))}`,
      p99: `${us(m(mine, 'p99'))}/${us(m(theirs, 'p99'))}`,
      cpu: `${m(mine, 'cpu').toFixed(0)}/${m(theirs, 'cpu').toFixed(0)}`,
      base: base && { vsFio: ratioOf(base, theirs), newVsBase: ratioOf(mine, base) },
    })
  }
  return rows
}

function printRow(r) {
  console.log(
    `${r.target.padEnd(9)} ${r.job.padEnd(25)} ${r.fio.padEnd(8)} ${r.rawio.padStart(10)} ${r.fioValue.padStart(10)} ${r.ratio
      .toFixed(2)
      .padStart(
        6,
      )} ${r.range.padStart(9)}  ${r.p50.padStart(15)}  ${r.p99.padStart(15)}  ${r.cpu.padStart(8)}${baseCells(r.base)}`,
  )
}

const pair = (x) => `${x.ratio.toFixed(2)} ${x.range}`.padStart(15)
const baseCells = (b) => (b ? `  ${pair(b.vsFio)}  ${pair(b.newVsBase)}` : '')

function peakRss(target) {
  const script = `require(${JSON.stringify(cli)}).runBenchCli(process.argv.slice(1)).then((s) => {
    process.stderr.write('RSS ' + process.resourceUsage().maxRSS + '\\n'); process.exitCode = s })`
  const bench = spawnSync(
    process.execPath,
    [
      '-e',
      script,
      '--',
      '--rw=read',
      '--bs=1m',
      '--iodepth=128',
      '--direct=1',
      '--runtime=2s',
      '--time_based',
      '-q',
      target,
    ],
    { encoding: 'utf8' },
  )
  const base = spawnSync(
    process.execPath,
    ['-e', "process.stderr.write('RSS ' + process.resourceUsage().maxRSS + '\\n')"],
    {
      encoding: 'utf8',
    },
  )
  const kb = (r) => Number(/RSS (\d+)/.exec(r.stderr)?.[1] ?? Number.NaN)
  if (bench.status !== 0) throw new Error(`rss bench failed: ${bench.stderr}`)
  return { bench: kb(bench) / 1024, base: kb(base) / 1024 }
}

function main() {
  if (baselineCli && !existsSync(baselineCli))
    throw new Error(`--baseline: no ${baselineCli} (build that tree first)`)
  if (!existsSync(cli))
    throw new Error('build first: npx tsc -p tsconfig.build.json (needs dist/lib/bench/cli.js)')
  if (spawnSync('fio', ['--version']).status !== 0) throw new Error('fio is not installed')
  const root = process.getuid?.() === 0
  const dir = mkdtempSync(join(opt('dir', '/var/tmp'), 'rawio-bench-'))
  scratchDir(dir)
  const t0 = Date.now()
  const file = makeFile(dir, 'data.img', sizeMiB)
  const targets = []
  if (wantTargets.includes('file')) targets.push(['file', file])
  if (!root && wantTargets.some((t) => t.startsWith('loop')))
    console.error('bench-compare: not root: loop targets skipped')
  if (root && wantTargets.includes('loop-dio')) targets.push(['loop-dio', attachLoop(file, true)])
  if (root && wantTargets.includes('loop-shm')) {
    const shm = mkdtempSync('/dev/shm/rawio-bench-')
    scratchDir(shm)
    targets.push(['loop-shm', attachLoop(makeFile(shm, 'shm.img', sizeMiB), false)])
  }
  console.log(
    `rawio bench vs fio ${spawnSync('fio', ['--version'], { encoding: 'utf8' }).stdout.trim()}: ${seconds}s per run, ` +
      `${rounds} alternation(s), O_DIRECT; ratio: the median of each round's rawio/fio (min-max); ` +
      'rates, p50/p99 and cpu%: medians of runs, rawio/fio' +
      (baselineCli ? `; base: the rawio of ${baselineTree}, in the same alternation` : '') +
      (pin ? `; depth-1 pairs pinned to one CPU (round r: CPU r mod ${cpuCount})` : '; unpinned'),
  )
  console.log(
    `${'target'.padEnd(9)} ${'job'.padEnd(25)} ${'fio eng'.padEnd(8)} ${'rawio'.padStart(10)} ${'fio'.padStart(10)} ${'ratio'.padStart(
      6,
    )} ${'min-max'.padStart(9)}  ${'p50 us'.padStart(15)}  ${'p99 us'.padStart(15)}  ${'cpu%'.padStart(8)}${
      baselineCli ? `  ${'base/fio'.padStart(15)}  ${'rawio/base'.padStart(15)}` : ''
    }`,
  )
  for (const [name, target] of targets)
    for (const j of jobs) for (const row of compare(name, target, j)) printRow(row)
  const rss = peakRss(targets[targets.length - 1][1])
  console.log(
    `peak RSS, bench --bs=1m --iodepth=128: ${rss.bench.toFixed(0)} MiB; node -e 0: ${rss.base.toFixed(0)} MiB; ` +
      `difference ${(rss.bench - rss.base).toFixed(0)} MiB (budget 160 MiB)`,
  )
  console.log(`total ${((Date.now() - t0) / 1000).toFixed(0)}s`)
}

try {
  main()
} catch (e) {
  console.error(`bench-compare: ${e.message}`)
  process.exitCode = 1
} finally {
  cleanup('bench-compare')
}
