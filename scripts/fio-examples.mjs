#!/usr/bin/env node
// fio vs rawio on five of fio's own example job files, on the same target: a loop device over
// a file of random data that this script makes and takes down. Each job file is pointed at the
// loop device (its filename/directory/size/runtime/timeout lines are replaced by a [global] at
// the top), then run by fio 3.33 and by `rawio bench JOBFILE`, alternating, --rounds times.
// Prints per example the IOPS and bandwidth ratio rawio/fio: median and min-max.
//
//   sudo node scripts/fio-examples.mjs [--examples DIR] [--rounds 3] [--runtime 3] [--size-mib 512]
//
// DIR holds fio's examples (a fio source checkout's examples/, or Debian's
// /usr/share/doc/fio/examples where packaged). ioengine=libaio runs rawio's libaio engine; a
// rawio built without it has ioengine=libaio replaced by io_uring for both tools (the table says so).
// The IOPS are summed over read and write and over the jobs alike for both tools. Buffered jobs
// (fio-rand-read.fio, fio-rand-RW.fio: direct=0) go through the page cache: both tools drop it
// at the start (fio's invalidate=1) and turn readahead off for random jobs (fadvise_hint=1).
import { execFileSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { opt } from './lib/args.mjs'
import { attachLoop, cleanup, cleanupOnSignals, makeFile, scratchDir } from './lib/targets.mjs'

const EXAMPLES = ['fio-seq-read', 'fio-rand-read', 'fio-rand-RW', 'tiobench-example', 'rand-zones']
const rounds = Number(opt('rounds', '3'))
const runtime = Number(opt('runtime', '3'))
const sizeMiB = Number(opt('size-mib', '512'))
const dirs = [opt('examples'), '/usr/share/doc/fio/examples', '/usr/share/fio/examples'].filter(Boolean)
const examplesDir = dirs.find((d) => existsSync(join(d, 'fio-seq-read.fio')))
if (!examplesDir) {
  console.error(`fio-examples: fio's example job files not found in ${dirs.join(', ')} (give --examples DIR)`)
  process.exit(1)
}
const root = join(import.meta.dirname, '..')
const rawio = join(root, 'bin', 'rawio.js')

/** rawio's engines (rawio -V would also say): does it run libaio? */
function rawioHasLibaio() {
  const out = execFileSync(
    'node',
    ['-e', "console.log(JSON.stringify(require('./dist/lib/index').engines()))"],
    {
      cwd: root,
    },
  ).toString()
  return 'libaio' in JSON.parse(out) && JSON.parse(out).libaio === true
}

const DROP = /^\s*(filename|directory|size|runtime|timeout)\s*=/

function pointAt(text, dev, libaio) {
  const notes = []
  const lines = text.split('\n').filter((l) => !DROP.test(l))
  const out = lines.map((l) => {
    if (/^\s*ioengine\s*=\s*libaio\s*$/.test(l) && !libaio) {
      notes.push('libaio->io_uring')
      return 'ioengine=io_uring'
    }
    return l
  })
  const head = `[global]\nfilename=${dev}\nsize=${sizeMiB}m\nruntime=${runtime}\n`
  return { text: `${head}${out.join('\n')}\n`, notes: [...new Set(notes)] }
}

/** IOPS and bandwidth (KiB/s) summed over the jobs of fio's JSON (rawio prints the same shape). */
function totals(json) {
  const doc = JSON.parse(json.slice(json.indexOf('{')))
  let iops = 0
  let bw = 0
  for (const j of doc.jobs) {
    for (const d of ['read', 'write']) {
      iops += j[d]?.iops ?? 0
      bw += j[d]?.bw ?? 0
    }
  }
  return { iops, bw }
}

function run(tool, file) {
  const cmd =
    tool === 'fio'
      ? ['fio', ['--output-format=json', file]]
      : ['node', [rawio, 'bench', '-q', '--output-format=json', file]]
  return totals(
    execFileSync(cmd[0], cmd[1], { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 }).toString(),
  )
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

cleanupOnSignals('fio-examples')
try {
  const dir = scratchDir(mkdtempSync('/var/tmp/rawio-fio-examples-'))
  const dev = attachLoop(makeFile(dir, 'target.img', sizeMiB), true)
  const libaio = rawioHasLibaio()
  const rows = []
  for (const name of EXAMPLES) {
    const { text, notes } = pointAt(readFileSync(join(examplesDir, `${name}.fio`), 'utf8'), dev, libaio)
    const file = join(dir, `${name}.fio`)
    writeFileSync(file, text)
    const iops = []
    const bw = []
    for (let r = 0; r < rounds; r++) {
      // Alternate which tool goes first, so neither always gets the warmer cache.
      const order = r % 2 ? ['rawio', 'fio'] : ['fio', 'rawio']
      const res = {}
      for (const tool of order) res[tool] = run(tool, file)
      iops.push(res.rawio.iops / res.fio.iops)
      bw.push(res.rawio.bw / res.fio.bw)
      console.error(
        `${name} round ${r + 1}: fio ${res.fio.iops.toFixed(0)} IOPS, rawio ${res.rawio.iops.toFixed(0)} IOPS`,
      )
    }
    rows.push({ name, notes, iops, bw })
  }
  const f = (x) => x.toFixed(2)
  console.log(
    `fio vs rawio on fio's example job files: ${dev} (loop, direct-io, ${sizeMiB} MiB), runtime ${runtime}s, ${rounds} rounds`,
  )
  console.log(
    '| job file | changed for both | IOPS rawio/fio median (min-max) | bandwidth rawio/fio median (min-max) |',
  )
  console.log('|---|---|---|---|')
  for (const r of rows)
    console.log(
      `| ${r.name}.fio | target, size, runtime${r.notes.length ? `, ${r.notes.join(', ')}` : ''} | ${f(median(r.iops))} (${f(Math.min(...r.iops))}-${f(Math.max(...r.iops))}) | ${f(median(r.bw))} (${f(Math.min(...r.bw))}-${f(Math.max(...r.bw))}) |`,
    )
} finally {
  cleanup('fio-examples')
}
