#!/usr/bin/env node
// What qemu-io 8.0's -r costs or saves: one process runs N reads (or writes) of BS each on an
// O_DIRECT loop device: `rawio -t none` with `read -r` (registered: the ring's fixed buffers), the
// same rawio without -r, and qemu-io 7.2 without -r (it has no -r) as the baseline. The three run
// alternating, the order rotated every round; each run's wall time is taken, less the same
// program's start-up (a run of one `length` command, taken in the same round). Prints, per variant,
// the median time per command and the median of the per-round ratios against qemu-io (and of -r
// against no -r), with min-max. Makes and always takes down its own file and loop device.
//   node scripts/bench-register.mjs [--rounds N] [--commands N] [--bs SIZE] [--op read|write] [--size-mib N]
import { spawnSync } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { resolve } from 'node:path'
import { opt } from './lib/args.mjs'
import { attachLoop, cleanup, cleanupOnSignals, makeFile, scratchDir } from './lib/targets.mjs'

const rounds = Number(opt('rounds', '5'))
const commands = Number(opt('commands', '200'))
const bs = opt('bs', '1M')
const op = opt('op', 'read')
const sizeMiB = Number(opt('size-mib', '256'))
const bin = resolve(new URL('../bin/rawio.js', import.meta.url).pathname)

if (spawnSync('qemu-io', ['--version']).status !== 0) {
  console.error('bench-register: qemu-io not found (apt-get install qemu-utils)')
  process.exit(1)
}
cleanupOnSignals('bench-register')

const dir = scratchDir(mkdtempSync('/var/tmp/rawio-bench-register-'))
const loop = attachLoop(makeFile(dir, 'data.raw', sizeMiB), false)
const bsBytes = Number.parseInt(bs, 10) * { k: 1024, K: 1024, m: 1 << 20, M: 1 << 20 }[bs.slice(-1)] || 1
const span = Math.floor((sizeMiB << 20) / bsBytes)

/** N commands over the device, each at the next offset (wrapping). */
function script(register) {
  const args = []
  for (let i = 0; i < commands; i++) {
    const off = (i % span) * bsBytes
    args.push('-c', `${op}${register ? ' -r' : ''} -q ${op === 'write' ? '-P 0x5a ' : ''}${off} ${bs}`)
  }
  return args
}

const rawioCmd = (cmds) => [process.execPath, [bin, '-f', 'raw', '-t', 'none', ...cmds, loop]]
const qemuCmd = (cmds) => ['qemu-io', ['-f', 'raw', '-t', 'none', ...cmds, loop]]
const variants = {
  'rawio -r': [rawioCmd(script(true)), rawioCmd(['-c', 'length'])],
  rawio: [rawioCmd(script(false)), rawioCmd(['-c', 'length'])],
  'qemu-io': [qemuCmd(script(false)), qemuCmd(['-c', 'length'])],
}
const names = Object.keys(variants)

function timed([cmd, args], name) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(cmd, args, { encoding: 'utf8' })
  const ns = Number(process.hrtime.bigint() - t0)
  if (r.status !== 0 || !/^(\d+(\.\d+)? [KMG]iB\n)?$/.test(r.stdout)) {
    throw new Error(`${name} failed (${r.status}): ${(r.stdout + r.stderr).slice(0, 400)}`)
  }
  return ns
}

/** The run's time less the program's start-up (measured right before it). */
function run(name) {
  const [work, startup] = variants[name]
  const base = timed(startup, name)
  return Math.max(1, timed(work, name) - base)
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}
const range = (xs) => `${Math.min(...xs).toFixed(3)}-${Math.max(...xs).toFixed(3)}`

try {
  for (const n of names) run(n) // warm the page cache of the binaries and the addon
  const times = Object.fromEntries(names.map((n) => [n, []]))
  for (let r = 0; r < rounds; r++) {
    const order = names.map((_, i) => names[(i + r) % names.length])
    for (const n of order) times[n].push(run(n))
  }
  console.log(
    `${op} ${bs} x ${commands} per run, O_DIRECT loop device (${loop}), ${rounds} rounds, order rotated`,
  )
  for (const n of names) {
    const perCmd = times[n].map((t) => t / commands / 1000)
    console.log(`  ${n.padEnd(9)} ${median(perCmd).toFixed(1)} µs per command (start-up taken out)`)
  }
  const ratio = (a, b) => times[a].map((t, i) => t / times[b][i])
  for (const [a, b] of [
    ['rawio -r', 'qemu-io'],
    ['rawio', 'qemu-io'],
    ['rawio -r', 'rawio'],
  ]) {
    const xs = ratio(a, b)
    console.log(`  time ${a} / ${b}: median ${median(xs).toFixed(3)} (min-max ${range(xs)})`)
  }
} finally {
  cleanup('bench-register')
}
