#!/usr/bin/env node
// What a user buffer's bounce costs (docs/architecture.md, "Buffer lifetime"): the same Device
// requests from allocBuffer memory (native, used in place) and from a Buffer over V8 memory (copied
// through a native bounce buffer: in at submit for writes, back at settle for reads), alternating
// the two on the same target in one run. 4 KiB and 1 MiB random reads and writes on an ext4 file,
// through the page cache (cache=writeback: the copy is most visible) and with O_DIRECT (cache=none).
// Prints per round and the median ratio bounce/native with min-max, for throughput and CPU per I/O.
//   node scripts/bench-bounce.mjs [--seconds 1] [--rounds 3] [--depth 1] [--engine io_uring|threads]
//                                 [--dir /var/tmp] [--size-mib 256]
import { opt } from './lib/args.mjs'
import { cleanup, cleanupOnSignals, loadLibrary, makeFile, tempDir } from './lib/targets.mjs'

const seconds = Number(opt('seconds', '1'))
const rounds = Number(opt('rounds', '3'))
const depth = Number(opt('depth', '1'))
const engine = opt('engine', 'io_uring')
const sizeMiB = Number(opt('size-mib', '256'))

const [{ Device }, { binding }] = loadLibrary('bench-bounce', ['index.js', 'native.js'])

cleanupOnSignals('bench-bounce')

/** A Buffer over V8 memory, on a page boundary (O_DIRECT takes it as it is; the addon bounces it). */
function userBuffer(size) {
  const ab = new ArrayBuffer(size + 4096)
  const skip = (4096 - binding().alignOffset(new Uint8Array(ab, 0, 1), 4096)) % 4096
  return Buffer.from(ab, skip, size).fill(0x5a)
}

async function run(target, cache, op, size, kind) {
  const dev = await Device.open(target, { cache, engine })
  const slots = Math.floor(dev.size / size)
  const bufs = Array.from({ length: depth }, () =>
    kind === 'native' ? dev.allocBuffer(size).fill(0x5a) : userBuffer(size),
  )
  let ops = 0
  let rng = 12345
  const next = () => {
    rng = (rng * 1103515245 + 12345) >>> 0
    return (rng % slots) * size
  }
  const cpu0 = process.cpuUsage()
  const t0 = process.hrtime.bigint()
  const end = t0 + BigInt(Math.round(seconds * 1e9))
  await Promise.all(
    bufs.map(async (b) => {
      while (process.hrtime.bigint() < end) {
        if (op === 'read') await dev.readv(next(), [b])
        else await dev.writev(next(), [b])
        ops++
      }
    }),
  )
  const ns = Number(process.hrtime.bigint() - t0)
  const cpu = process.cpuUsage(cpu0)
  await dev.close()
  return { iops: (ops * 1e9) / ns, cpuUsPerIo: (cpu.user + cpu.system) / ops }
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}
const fmt = (x) => x.toFixed(2)

async function main() {
  const target = makeFile(tempDir('rawio-bench-bounce-', opt('dir', '/var/tmp')), 'bounce.img', sizeMiB)
  console.log(
    `bench-bounce: ${sizeMiB} MiB ext4 file, engine ${engine}, depth ${depth}, ${seconds} s per run, ` +
      `${rounds} rounds alternating allocBuffer (native) and a Buffer over V8 memory (bounced)`,
  )
  console.log('cache      op     size   round  native IOPS  bounce IOPS  ratio  native us/IO  bounce us/IO')
  const summary = []
  for (const cache of ['writeback', 'none']) {
    for (const size of [4096, 1 << 20]) {
      for (const op of ['read', 'write']) {
        const ratios = []
        const cpuRatios = []
        for (let r = 0; r < rounds; r++) {
          // alternate which goes first, so neither always gets the warmer cache
          const order = r % 2 === 0 ? ['native', 'user'] : ['user', 'native']
          const res = {}
          for (const kind of order) res[kind] = await run(target, cache, op, size, kind)
          ratios.push(res.user.iops / res.native.iops)
          cpuRatios.push(res.user.cpuUsPerIo / res.native.cpuUsPerIo)
          const label = `${cache.padEnd(10)} ${op.padEnd(6)} ${(size === 4096 ? '4KiB' : '1MiB').padEnd(6)}`
          console.log(
            `${label} ${String(r + 1).padStart(5)}  ${res.native.iops.toFixed(0).padStart(11)}  ` +
              `${res.user.iops.toFixed(0).padStart(11)}  ${fmt(ratios[r]).padStart(5)}  ` +
              `${res.native.cpuUsPerIo.toFixed(1).padStart(12)}  ${res.user.cpuUsPerIo.toFixed(1).padStart(12)}`,
          )
        }
        summary.push({ cache, op, size, ratios, cpuRatios })
      }
    }
  }
  console.log('\nbounce / native, median (min-max) over the rounds:')
  console.log('cache      op     size   throughput          CPU per I/O')
  for (const s of summary) {
    const t = `${fmt(median(s.ratios))} (${fmt(Math.min(...s.ratios))}-${fmt(Math.max(...s.ratios))})`
    const c = `${fmt(median(s.cpuRatios))} (${fmt(Math.min(...s.cpuRatios))}-${fmt(Math.max(...s.cpuRatios))})`
    console.log(
      `${s.cache.padEnd(10)} ${s.op.padEnd(6)} ${(s.size === 4096 ? '4KiB' : '1MiB').padEnd(6)} ${t.padEnd(19)} ${c}`,
    )
  }
}

main()
  .catch((e) => {
    console.error(`bench-bounce: ${e.message}`)
    process.exitCode = 1
  })
  .finally(() => cleanup('bench-bounce'))
