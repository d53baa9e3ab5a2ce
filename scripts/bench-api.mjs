#!/usr/bin/env node
// Device API vs fio: 4 KiB random O_DIRECT reads at depth 1 and 32, on the same
// target in the same run, alternating the two. Targets: a 1 GiB ext4 file filled
// with real data, a --direct-io=on loop device over it, and a loop device over a
// file in /dev/shm. Creates and always removes its own files and loop devices.
//   node scripts/bench-api.mjs [--seconds N] [--engine io_uring|threads] [--dir DIR]
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join } from 'node:path'
import { opt } from './lib/args.mjs'
import { attachLoop, cleanup, cleanupOnSignals, makeFile, scratchDir } from './lib/targets.mjs'

const require = createRequire(import.meta.url)
const seconds = Number(opt('seconds', '5'))
const engine = opt('engine', 'io_uring')
const rounds = Number(opt('rounds', '2'))
const sizeMiB = Number(opt('size-mib', '1024'))
const spinUs = opt('spin-us') === undefined ? undefined : Number(opt('spin-us'))

let Device
try {
  ;({ Device } = require('../dist/lib/index.js'))
} catch {
  console.error('bench-api: build first (npm run prepare)')
  process.exit(1)
}

cleanupOnSignals('bench-api')

function fio(target, depth) {
  const r = spawnSync(
    'fio',
    [
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
    ],
    { encoding: 'utf8' },
  )
  if (r.status !== 0) throw new Error(`fio failed: ${r.stderr}`)
  const job = JSON.parse(r.stdout).jobs[0].read
  return { iops: job.iops, p50us: job.clat_ns.percentile['50.000000'] / 1000 }
}

async function rawio(target, depth) {
  const dev = await Device.open(target, { cache: 'none', engine, spinUs })
  const blocks = Math.floor(dev.size / 4096)
  const bufs = Array.from({ length: depth }, () => dev.allocBuffer(4096))
  let ops = 0
  const lat = []
  const end = process.hrtime.bigint() + BigInt(seconds * 1e9)
  const worker = async (buf) => {
    while (process.hrtime.bigint() < end) {
      const off = Math.floor(Math.random() * blocks) * 4096
      const r = await dev.readv(off, [buf])
      if (lat.length < 200000) lat.push(r.ns)
      ops++
    }
  }
  const t0 = process.hrtime.bigint()
  await Promise.all(bufs.map(worker))
  const secs = Number(process.hrtime.bigint() - t0) / 1e9
  await dev.close()
  lat.sort((a, b) => a - b)
  return { iops: ops / secs, p50us: lat[Math.floor(lat.length / 2)] / 1000 }
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

async function main() {
  if (process.getuid?.() !== 0) console.error('bench-api: not root; loop-device targets are skipped')
  const dir = mkdtempSync(join(opt('dir', '/var/tmp'), 'rawio-bench-'))
  scratchDir(dir)
  const shmDir = mkdtempSync('/dev/shm/rawio-bench-')
  scratchDir(shmDir)
  const file = makeFile(dir, 'data.img', sizeMiB)
  const targets = [['ext4 file', file]]
  if (process.getuid?.() === 0) {
    targets.push(['loop --direct-io=on', attachLoop(file, true)])
    targets.push(['loop over /dev/shm', attachLoop(makeFile(shmDir, 'shm.img', sizeMiB), false)])
  }
  console.log(`4 KiB randread O_DIRECT, ${seconds}s per run, ${rounds} alternations, rawio engine ${engine}`)
  console.log('target                 QD   fio IOPS   rawio IOPS  ratio  fio p50us  rawio p50us  overhead us')
  for (const [name, target] of targets) {
    for (const depth of [1, 32]) {
      const f = []
      const r = []
      for (let i = 0; i < rounds; i++) {
        f.push(fio(target, depth))
        r.push(await rawio(target, depth))
      }
      const fi = median(f.map((x) => x.iops))
      const ri = median(r.map((x) => x.iops))
      const overhead = depth === 1 ? (1e6 / ri - 1e6 / fi).toFixed(2) : '-'
      console.log(
        `${name.padEnd(22)} ${String(depth).padStart(2)} ${fi.toFixed(0).padStart(10)} ${ri.toFixed(0).padStart(12)}  ${(ri / fi).toFixed(2)}  ${median(
          f.map((x) => x.p50us),
        )
          .toFixed(1)
          .padStart(9)}  ${median(r.map((x) => x.p50us))
          .toFixed(1)
          .padStart(11)}  ${overhead.padStart(11)}`,
      )
    }
  }
}

main()
  .catch((e) => {
    console.error(`bench-api: ${e.message}`)
    process.exitCode = 1
  })
  .finally(() => cleanup('bench-api'))
