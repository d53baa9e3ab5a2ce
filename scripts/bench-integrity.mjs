#!/usr/bin/env node
// stamp and check against dd on the same loop device over a /dev/shm file: `rawio --json -c 'stamp
// -b 4k 0 SIZE'`, `rawio --json -c 'check -b 4k 0 SIZE'` and `dd if=LOOP of=/dev/null iflag=direct
// bs=1M` (and, with --before DIR, another rawio checkout's stamp and check, e.g. main before a
// change), alternating, the order turned every round. Prints each tool's median rate and the
// median ratio to dd with its min-max, twice for rawio: over the command's own time (the ns of its
// JSON record: what the device and the codec allow) and over the whole process (with Node's start,
// a fixed ~0.1 s that weighs on small sizes). Makes and always takes down its own file and loop
// device.
//   node scripts/bench-integrity.mjs [--size-mib 512] [--rounds 3] [--before /path/to/rawio]
import { execFileSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { opt } from './lib/args.mjs'
import { attachLoop, cleanup, cleanupOnSignals, makeFile, scratchDir } from './lib/targets.mjs'

const sizeMiB = Number(opt('size-mib', '512'))
const rounds = Number(opt('rounds', '3'))
const before = opt('before', '')
const here = resolve(new URL('..', import.meta.url).pathname)

cleanupOnSignals('bench-integrity')
const dir = scratchDir(mkdtempSync('/dev/shm/rawio-bench-integrity-'))
const dev = attachLoop(makeFile(dir, 'target.img', sizeMiB), false)
const bytes = sizeMiB * 2 ** 20

/** Runs cmd; the rate over the whole process and, when it prints a JSON record with ns, over that. */
function timed(cmd, args) {
  const t0 = process.hrtime.bigint()
  const out = execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' })
  const wall = bytes / (Number(process.hrtime.bigint() - t0) / 1e9)
  const ns = out ? JSON.parse(out.trim().split('\n').pop()).ns : null
  if (out && JSON.parse(out.trim().split('\n').pop()).ok !== true)
    throw new Error(`${args.join(' ')}: ${out}`)
  return { wall, own: ns ? bytes / (ns / 1e9) : wall }
}
const rawio = (root, command) => () =>
  timed('node', [
    join(root, 'bin/rawio.js'),
    '--json',
    '-t',
    'none',
    '--force',
    '-c',
    `${command} -b 4k 0 ${sizeMiB}M`,
    dev,
  ])

const runs = {
  dd: () => timed('dd', [`if=${dev}`, 'of=/dev/null', 'iflag=direct', 'bs=1M', 'status=none']),
  stamp: rawio(here, 'stamp'),
  check: rawio(here, 'check'),
}
if (before) {
  runs['stamp (before)'] = rawio(before, 'stamp')
  runs['check (before)'] = rawio(before, 'check')
}

const load = () => execFileSync('cat', ['/proc/loadavg']).toString().split(' ').slice(0, 3).join(' ')
const loadBefore = load()
const rates = Object.fromEntries(Object.keys(runs).map((k) => [k, []]))
try {
  for (let r = 0; r < rounds; r++) {
    const order = Object.keys(runs)
    if (r % 2) order.reverse()
    // A check reads what the stamp before it in this round wrote: keep stamp before check.
    const sorted = order
      .filter((k) => !k.startsWith('check'))
      .concat(order.filter((k) => k.startsWith('check')))
    for (const k of sorted) rates[k].push(runs[k]())
  }
} finally {
  cleanup('bench-integrity')
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const gib = (v) => `${(v / 2 ** 30).toFixed(2)} GiB/s`
const range = (xs) =>
  `${median(xs).toFixed(2)} (min ${Math.min(...xs).toFixed(2)}, max ${Math.max(...xs).toFixed(2)})`
console.log(
  `loop over /dev/shm, ${sizeMiB} MiB, 4 KiB stamp blocks, ${rounds} rounds, ${execFileSync('nproc').toString().trim()} CPUs, ` +
    `load average ${loadBefore} before, ${load()} after`,
)
for (const [k, xs] of Object.entries(rates)) {
  if (k === 'dd') {
    console.log(`${k.padEnd(16)} median ${gib(median(xs.map((x) => x.wall)))}`)
    continue
  }
  const own = xs.map((x, i) => x.own / rates.dd[i].wall)
  const wall = xs.map((x, i) => x.wall / rates.dd[i].wall)
  console.log(
    `${k.padEnd(16)} median ${gib(median(xs.map((x) => x.own)))}  vs dd ${range(own)}; ` +
      `whole process ${gib(median(xs.map((x) => x.wall)))}, vs dd ${range(wall)}`,
  )
}
