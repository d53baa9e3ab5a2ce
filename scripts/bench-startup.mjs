#!/usr/bin/env node
// The CLI's one-shot start-up against Node's own: `rawio -c 'read 0 4k' IMG` (open, one read, the
// report line, exit) vs `node -e 0`, alternating run by run, in rounds; prints per round the median
// wall time of each and their ratio, then the median ratio with its min-max and each side's median
// time over all runs. The target is at most 1.35x. Makes and removes its own 1 MiB image. The first
// (untimed) run makes the CLI's start-up cache (lib/cli/code-cache.ts) if it is not there;
// `--cache off` measures without it (RAWIO_CLI_CACHE=0: every module found, read and compiled).
//   node scripts/bench-startup.mjs [--rounds N] [--runs N] [--command 'read 0 4k'] [--cache on|off]
import { spawnSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { opt } from './lib/args.mjs'
import { cleanup, cleanupOnSignals, scratchDir } from './lib/targets.mjs'

const rounds = Number(opt('rounds', '5'))
const runs = Number(opt('runs', '15'))
const command = opt('command', 'read 0 4k')
const cache = opt('cache', 'on')
if (!(rounds >= 1 && runs >= 1 && (cache === 'on' || cache === 'off'))) {
  console.error('usage: bench-startup.mjs [--rounds N] [--runs N] [--command CMD] [--cache on|off]')
  process.exit(2)
}
const rawio = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'rawio.js')

cleanupOnSignals('bench-startup')

const env = { ...process.env, RAWIO_CLI_CACHE: cache === 'off' ? '0' : '' }

function wall(argv) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8', env })
  const ms = Number(process.hrtime.bigint() - t0) / 1e6
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${r.stderr || r.stdout}`)
  return ms
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]

function main() {
  const dir = scratchDir(mkdtempSync(join(tmpdir(), 'rawio-startup-')))
  const img = join(dir, 'img')
  writeFileSync(img, Buffer.alloc(1 << 20))
  const cli = [rawio, '-f', 'raw', '-c', command, img]
  wall(cli) // the page cache holds both programs (and the start-up cache is made) before any timing
  wall(['-e', '0'])
  const load = () => spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()
  console.log(
    `one-shot start-up: rawio -c '${command}' vs node -e 0 (${process.version}), ` +
      `${rounds} rounds of ${runs} runs each, alternating; start-up cache ${cache}`,
  )
  console.log(`load at start: ${load()}`)
  const ratios = []
  const all = { rawio: [], node: [] }
  for (let i = 0; i < rounds; i++) {
    const a = []
    const b = []
    for (let j = 0; j < runs; j++) {
      a.push(wall(cli))
      b.push(wall(['-e', '0']))
    }
    all.rawio.push(...a)
    all.node.push(...b)
    const ratio = median(a) / median(b)
    ratios.push(ratio)
    console.log(
      `round ${i + 1}: rawio ${median(a).toFixed(1)} ms, node -e 0 ${median(b).toFixed(1)} ms, ${ratio.toFixed(2)}x`,
    )
  }
  console.log(`load at end: ${load()}`)
  console.log(
    `rawio ${median(all.rawio).toFixed(1)} ms, node -e 0 ${median(all.node).toFixed(1)} ms (medians of all runs); ` +
      `ratio median ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}) ` +
      'over the rounds; target <= 1.35x',
  )
}

try {
  main()
} catch (e) {
  console.error(`bench-startup: ${e.message}`)
  process.exitCode = 1
} finally {
  cleanup('bench-startup')
}
