#!/usr/bin/env node
// The CLI's one-shot start-up against Node's own: `rawio -c 'read 0 4k' IMG` (open, one read, the
// report line, exit) vs `node -e 0`, alternating run by run, in rounds; prints per round the median
// wall time of each and their ratio, then the median ratio with its min-max. The target is at most
// 1.35x. Makes and removes its own 1 MiB image.
//   node scripts/bench-startup.mjs [--rounds N] [--runs N] [--command 'read 0 4k']
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
const rawio = join(dirname(fileURLToPath(import.meta.url)), '..', 'bin', 'rawio.js')

cleanupOnSignals('bench-startup')

function wall(argv) {
  const t0 = process.hrtime.bigint()
  const r = spawnSync(process.execPath, argv, { encoding: 'utf8' })
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
  wall(cli) // the page cache holds both programs before anything is timed
  wall(['-e', '0'])
  console.log(`one-shot start-up: rawio -c '${command}' vs node -e 0, ${rounds} rounds of ${runs} runs each`)
  console.log(`load at start: ${spawnSync('uptime', { encoding: 'utf8' }).stdout.trim()}`)
  const ratios = []
  for (let i = 0; i < rounds; i++) {
    const a = []
    const b = []
    for (let j = 0; j < runs; j++) {
      a.push(wall(cli))
      b.push(wall(['-e', '0']))
    }
    const ratio = median(a) / median(b)
    ratios.push(ratio)
    console.log(
      `round ${i + 1}: rawio ${median(a).toFixed(1)} ms, node -e 0 ${median(b).toFixed(1)} ms, ${ratio.toFixed(2)}x`,
    )
  }
  console.log(
    `median ${median(ratios).toFixed(2)}x (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}); target <= 1.35x`,
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
