#!/usr/bin/env node
// Device API vs fio: 4 KiB random O_DIRECT reads at depth 1 and 32, on the same target in the same
// run, alternating the tools round by round. Targets: a 256 MiB ext4 file of real data, a
// --direct-io=on loop device over it, and a --direct-io=on loop device over a file in /dev/shm.
// Creates and always removes its own files and loop devices.
//
// rawio's side is `await dev.readv(off, [buf])` in a loop (depth N: N such loops). Prints per cell
// the median ratio (rawio IOPS / fio IOPS of the same round) with its min-max over the rounds, both
// tools' IOPS and p50 completion latency, and the CPU time per I/O of each, for the whole process
// (every thread, user + system; io_uring's io-wq workers too): rawio's from getrusage, fio's from
// the shell's `times` after fio exits. For rawio it also prints how the pump batched: requests
// per commit (one io_uring_enter each) and per reap (one wake-up of the loop), medians.
//
//   node scripts/bench-api.mjs [--seconds N] [--rounds N] [--engine io_uring|threads]
//        [--modes adaptive,epoll,spin50] [--targets ext4,dio,shm] [--depths 1,32] [--dir DIR]
//        [--size-mib N] [--fio-fixedbufs]
// --modes with several values runs each as its own rawio variant, alternating with fio and with
// each other: 'adaptive' (the default completion), 'epoll', spinN (spinUs N); a '+noreg' suffix
// (e.g. adaptive+noreg) turns autoRegister off, as fio runs without --fixedbufs; --fio-fixedbufs
// gives fio registered buffers as well. 'bench' runs rawio's native bench on the same job instead
// (`rawio bench`: the same I/O core and ring, driven by a C++ job thread, no JavaScript per request):
// what the core does without the Device API above it, in the same alternation. --baseline TREE
// adds the mode 'base': the Device API of another checkout, built (TREE/dist), with its own
// defaults: a before and after on the same machine in the same minutes.
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { args as argv, opt } from './lib/args.mjs'
import { attachLoop, cleanup, cleanupOnSignals, makeFile, scratchDir } from './lib/targets.mjs'

const require = createRequire(import.meta.url)
const seconds = Number(opt('seconds', '3'))
const engine = opt('engine', 'io_uring')
const rounds = Number(opt('rounds', '3'))
const sizeMiB = Number(opt('size-mib', '256'))
// rawio variants: 'adaptive' (the default), 'epoll', or spinN (poll N µs); '+noreg' after one turns
// the automatic buffer registration off (autoRegister: false)
const baselineTree = opt('baseline', '')
const variants = opt('modes', 'adaptive').split(',')
if (baselineTree && !variants.includes('base')) variants.push('base')
const benchCli = join(dirname(fileURLToPath(import.meta.url)), '../dist/lib/bench/cli.js')
const modeOptions = (v) => {
  if (v === 'base') return {} // the baseline's own defaults
  const [m, ...flags] = v.split('+')
  const o = m.startsWith('spin') ? { spinUs: Number(m.slice(4)) } : { completion: m }
  for (const f of flags) {
    if (f !== 'noreg') throw new Error(`bench-api: unknown mode flag '+${f}'`)
    o.autoRegister = false
  }
  return o
}
const wanted = opt('targets', 'ext4,dio,shm').split(',')
const depths = opt('depths', '1,32').split(',').map(Number)
// fio with registered buffers too (--fixedbufs), as rawio registers the buffers its loops reuse
const fioFixed = argv.includes('--fio-fixedbufs')

let Device
let BaseDevice
if (baselineTree) {
  try {
    ;({ Device: BaseDevice } = require(join(baselineTree, 'dist/lib/index.js')))
  } catch (e) {
    console.error(
      `bench-api: --baseline: cannot load ${baselineTree}/dist (build that tree first): ${e.message}`,
    )
    process.exit(1)
  }
}
try {
  ;({ Device } = require('../dist/lib/index.js'))
} catch {
  console.error('bench-api: build first (npm run prepare)')
  process.exit(1)
}

cleanupOnSignals('bench-api')

// CPU for the whole child process, as `times` reports it in the shell that ran it
function shellCpuSeconds(stderr) {
  const [user, sys] = stderr
    .trim()
    .split('\n')
    .pop()
    .split(/\s+/)
    .map((t) => {
      const m = /^(\d+)m([\d.]+)s$/.exec(t)
      return m ? Number(m[1]) * 60 + Number(m[2]) : Number.NaN
    })
  return user + sys
}

// fio's CPU is counted as rawio's is, for the whole process (every thread: io_uring's io-wq
// workers too), from the shell's `times` after fio exits; fio's own usr_cpu/sys_cpu count only the
// job's thread (RUSAGE_THREAD).
function fio(target, depth) {
  const args = [
    '--name=api',
    `--filename=${target}`,
    '--rw=randread',
    '--bs=4k',
    '--direct=1',
    '--ioengine=io_uring',
    `--iodepth=${depth}`,
    `--runtime=${seconds}`,
    '--time_based',
    '--norandommap',
    '--randrepeat=0',
    '--output-format=json',
  ]
  if (fioFixed) args.push('--fixedbufs')
  const r = spawnSync('bash', ['-c', 'fio "$@" && times >&2', 'fio', ...args], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`fio failed: ${r.stderr}`)
  const rd = JSON.parse(r.stdout).jobs[0].read
  return {
    iops: rd.iops,
    p50us: rd.clat_ns.percentile['50.000000'] / 1000,
    cpuUs: (shellCpuSeconds(r.stderr) * 1e6) / rd.total_ios,
  }
}

// rawio's native bench on the job fio runs (its own engine: rawio's io_uring), CPU counted as fio's
function nativeBench(target, depth) {
  const args = [benchCli, '--rw=randread', '--bs=4k', '--direct=1', `--ioengine=${engine}`]
  args.push(`--iodepth=${depth}`, `--runtime=${seconds}s`, '--time_based', '--norandommap', '--randrepeat=0')
  args.push('--output-format=rawio-json', '-q', target)
  const r = spawnSync('bash', ['-c', '"$@" && times >&2', 'bench', process.execPath, ...args], {
    encoding: 'utf8',
  })
  if (r.status !== 0) throw new Error(`rawio bench failed: ${r.stderr}`)
  const rd = JSON.parse(r.stdout).read
  return {
    iops: rd.iops,
    p50us: rd.lat.percentiles.find((q) => q.p === 50).ns / 1000,
    cpuUs: (shellCpuSeconds(r.stderr) * 1e6) / rd.ios,
    perCommit: Number.NaN,
    perReap: Number.NaN,
  }
}

async function rawio(target, depth, mode) {
  if (mode === 'bench') return nativeBench(target, depth)
  const Dev = mode === 'base' ? BaseDevice : Device
  const dev = await Dev.open(target, { cache: 'none', engine, ...modeOptions(mode) })
  const blocks = Math.floor(dev.size / 4096)
  const bufs = Array.from({ length: depth }, () => dev.allocBuffer(4096))
  // a short warm-up: the JIT, and the device's round-trip estimate
  const warm = process.hrtime.bigint() + 200_000_000n
  while (process.hrtime.bigint() < warm) await dev.readv(Math.floor(Math.random() * blocks) * 4096, [bufs[0]])
  let ops = 0
  const lat = []
  const end = process.hrtime.bigint() + BigInt(seconds * 1e9)
  const worker = async (buf) => {
    while (process.hrtime.bigint() < end) {
      const off = Math.floor(Math.random() * blocks) * 4096
      const r = await dev.readv(off, [buf])
      if (lat.length < 500000) lat.push(r.ns)
      ops++
    }
  }
  const i0 = dev.info()
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  await Promise.all(bufs.map(worker))
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  const cpu = process.cpuUsage(cpu0)
  const i1 = dev.info()
  await dev.close()
  lat.sort((a, b) => a - b)
  return {
    iops: ops / secs,
    p50us: lat[Math.floor(lat.length / 2)] / 1000,
    cpuUs: (cpu.user + cpu.system) / ops,
    // how the pump batched: requests per commit (one io_uring_enter each) and per reap
    perCommit: (i1.reaped - i0.reaped) / Math.max(1, i1.commits - i0.commits),
    perReap: (i1.reaped - i0.reaped) / Math.max(1, i1.reaps - i0.reaps),
  }
}

// the pump's batching (the native bench has no pump: '-')
const batching = (runs) =>
  Number.isNaN(runs[0].perCommit)
    ? '-'
    : `${median(runs.map((x) => x.perCommit)).toFixed(1)}, ${median(runs.map((x) => x.perReap)).toFixed(1)}`
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const range = (xs, d) => `${Math.min(...xs).toFixed(d)}-${Math.max(...xs).toFixed(d)}`
const k = (x) => `${(x / 1000).toFixed(1)}k`
const kRange = (xs) => `${k(median(xs))} (${k(Math.min(...xs))}-${k(Math.max(...xs))})`

async function main() {
  if (process.getuid?.() !== 0) console.error('bench-api: not root; loop-device targets are skipped')
  const dir = mkdtempSync(join(opt('dir', '/var/tmp'), 'rawio-bench-'))
  scratchDir(dir)
  const shmDir = mkdtempSync('/dev/shm/rawio-bench-')
  scratchDir(shmDir)
  const file = makeFile(dir, 'data.img', sizeMiB)
  const targets = []
  if (wanted.includes('ext4')) targets.push([`${sizeMiB} MiB ext4 file`, file])
  if (process.getuid?.() === 0) {
    if (wanted.includes('dio')) targets.push(['loop --direct-io=on over it', attachLoop(file, true)])
    if (wanted.includes('shm'))
      targets.push([
        'loop --direct-io=on over /dev/shm',
        attachLoop(makeFile(shmDir, 'shm.img', sizeMiB), true),
      ])
  }
  const load = spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()
  console.log(
    `4 KiB randread O_DIRECT, ${seconds}s per run, ${rounds} alternations, rawio engine ${engine}, fio ${fioFixed ? '--fixedbufs' : 'without --fixedbufs'}`,
  )
  console.log(`load at start: ${load}`)
  console.log(
    '| target | QD | rawio | ratio median (min-max) | fio IOPS | rawio IOPS | p50 us fio / rawio | CPU us/IO fio / rawio | rawio req/commit, req/reap |',
  )
  console.log('|---|---|---|---|---|---|---|---|---|')
  for (const [name, target] of targets) {
    for (const depth of depths) {
      const f = []
      const r = variants.map(() => [])
      for (let i = 0; i < rounds; i++) {
        f.push(fio(target, depth))
        for (let v = 0; v < variants.length; v++) r[v].push(await rawio(target, depth, variants[v]))
      }
      const fi = f.map((x) => x.iops)
      for (let v = 0; v < variants.length; v++) {
        const ratios = r[v].map((x, i) => x.iops / f[i].iops)
        console.log(
          `| ${name} | ${depth} | ${variants[v]} | ${median(ratios).toFixed(2)} (${range(ratios, 2)}) | ${kRange(fi)} | ${kRange(r[v].map((x) => x.iops))} | ${median(f.map((x) => x.p50us)).toFixed(1)} / ${median(r[v].map((x) => x.p50us)).toFixed(1)} | ${median(f.map((x) => x.cpuUs)).toFixed(1)} / ${median(r[v].map((x) => x.cpuUs)).toFixed(1)} | ${batching(r[v])} |`,
        )
      }
    }
  }
  console.log(`load at end: ${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()}`)
}

main()
  .catch((e) => {
    console.error(`bench-api: ${e.message}`)
    process.exitCode = 1
  })
  .finally(() => cleanup('bench-api'))
