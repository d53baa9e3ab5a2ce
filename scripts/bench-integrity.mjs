#!/usr/bin/env node
// stamp and check against dd on the same loop device over a /dev/shm file: `rawio -c 'stamp -q
// -b 4k 0 SIZE'`, `rawio -c 'check -q -b 4k 0 SIZE'` and `dd if=LOOP of=/dev/null iflag=direct
// bs=1M` (and, with --before DIR, another rawio checkout's stamp and check, e.g. main before a
// change), alternating, the order turned every round. Prints each tool's median rate and the
// median ratio to dd with its min-max. Makes and always takes down its own file and loop device.
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

function timed(cmd, args) {
  const t0 = process.hrtime.bigint()
  execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] })
  return bytes / (Number(process.hrtime.bigint() - t0) / 1e9)
}
const rawio = (root, command) => () =>
  timed('node', [
    join(root, 'bin/rawio.js'),
    '-t',
    'none',
    '--force',
    '-c',
    `${command} -q -b 4k 0 ${sizeMiB}M`,
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
console.log(
  `loop over /dev/shm, ${sizeMiB} MiB, 4 KiB stamp blocks, ${rounds} rounds, ${execFileSync('nproc').toString().trim()} CPUs`,
)
for (const [k, xs] of Object.entries(rates)) {
  const line = `${k.padEnd(16)} median ${gib(median(xs))}`
  if (k === 'dd') {
    console.log(line)
    continue
  }
  const ratios = xs.map((v, i) => v / rates.dd[i])
  console.log(
    `${line}  vs dd ${median(ratios).toFixed(2)} (min ${Math.min(...ratios).toFixed(2)}, max ${Math.max(...ratios).toFixed(2)})`,
  )
}
