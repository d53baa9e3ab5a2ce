#!/usr/bin/env node
// Soak test (not part of the test run): N seconds of 64 requests in flight, mixed reads, writes,
// discards and flushes with verified patterns, on a loop device this script attaches (and
// detaches) itself. Every read is checked against a model of what must be there, and at the end
// every byte of the device is. Reports the op count, the errors (must be 0), and the RSS at the
// start and the end (must not grow). Needs root (losetup).
//
//   node scripts/soak.mjs [--seconds 120] [--size-mib 256] [--inflight 64] [--engine auto]
//                         [--cache none] [--seed 1]
//
// Ctrl-C stops submitting, waits for what is in flight, verifies, reports, and cleans up (exit 130).
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import v8 from 'node:v8'
import vm from 'node:vm'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const require = createRequire(import.meta.url)

function parseArgs(argv) {
  const o = { seconds: 120, sizeMib: 256, inflight: 64, engine: 'auto', cache: 'none', seed: 1 }
  for (let i = 0; i < argv.length; i++) {
    const key = argv[i].replace(/^--/, '').replace(/-(\w)/g, (_, c) => c.toUpperCase())
    if (!(key in o)) throw new Error(`unknown option ${argv[i]}`)
    const v = argv[++i]
    o[key] = typeof o[key] === 'number' ? Number(v) : v
    if (typeof o[key] === 'number' && !(o[key] > 0)) throw new Error(`${argv[i - 1]} needs a positive number`)
  }
  return o
}

/** lib/ as one CommonJS file (esbuild, which vitest brings), or the compiled dist/ as a fallback. */
async function loadRawio(work) {
  process.env.RAWIO_ADDON ??= require('node-gyp-build').path(root)
  try {
    const { build } = await import('esbuild')
    const entry = join(work, 'entry.ts')
    writeFileSync(
      entry,
      `export * from ${JSON.stringify(join(root, 'lib/index.ts'))}\n` +
        `export * from ${JSON.stringify(join(root, 'lib/safety/index.ts'))}\n`,
    )
    const out = join(work, 'rawio.cjs')
    await build({
      entryPoints: [entry],
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile: out,
      logLevel: 'error',
    })
    return require(out)
  } catch (e) {
    console.error(`soak: esbuild unavailable (${e.message}); using dist/`)
    return { ...require(join(root, 'dist/lib/index.js')), ...require(join(root, 'dist/lib/safety/index.js')) }
  }
}

let gc = () => {}
try {
  v8.setFlagsFromString('--expose-gc')
  gc = vm.runInNewContext('gc')
} catch {}

function rssMiB() {
  gc()
  return process.memoryUsage().rss / 2 ** 20
}

// xorshift32: the script's only randomness, seeded, so a failing run can be repeated.
function rng(seed) {
  let x = seed >>> 0 || 1
  return () => {
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    return (x >>> 0) / 2 ** 32
  }
}

const BLOCK = 4096
const MAX_BLOCKS = 16 // 64 KiB per request at most

async function main() {
  const opts = parseArgs(process.argv.slice(2))
  if (process.getuid?.() !== 0) {
    console.error('soak: needs root (it attaches a loop device)')
    process.exit(2)
  }
  const work = mkdtempSync(join(tmpdir(), 'rawio-soak-'))
  const imgDir = mkdtempSync('/var/tmp/rawio-soak-')
  const img = join(imgDir, 'disk.img')
  let loop = null
  const cleanup = () => {
    if (loop) {
      for (let i = 0; i < 40; i++) {
        try {
          execFileSync('losetup', ['-d', loop], { stdio: 'ignore' })
          break
        } catch {
          Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
        }
      }
      loop = null
    }
    rmSync(imgDir, { recursive: true, force: true })
    rmSync(work, { recursive: true, force: true })
  }
  try {
    const rawio = await loadRawio(work)
    writeFileSync(img, '')
    truncateSync(img, opts.sizeMib * 2 ** 20)
    loop = execFileSync('losetup', ['-f', '--show', img]).toString().trim()
    const dev = await rawio.Device.open(loop, {
      cache: opts.cache,
      engine: opts.engine,
      depth: Math.max(opts.inflight, 1),
      hooks: rawio.interlockHooks(),
    })
    const blocks = Math.floor(dev.size / BLOCK)
    const canDiscard = dev.geometry.discardMax > 0
    const random = rng(opts.seed)

    // The model: generation per block (0: zeroes). Content of (block, gen): a slice of a random
    // table, stamped with both numbers.
    const gen = new Uint32Array(blocks)
    const busy = new Uint8Array(blocks)
    const table = Buffer.alloc(1 << 20)
    for (let i = 0; i < table.length; i += 4) table.writeUInt32LE((random() * 2 ** 32) >>> 0, i)
    const zero = Buffer.alloc(BLOCK)
    let nextGen = 1
    const expected = (b, g, into) => {
      if (g === 0) return zero.copy(into, 0, 0, BLOCK)
      const off = (((b * 2654435761) ^ (g * 40503)) >>> 0) % ((table.length - BLOCK) / 4)
      table.copy(into, 0, off * 4, off * 4 + BLOCK)
      into.writeUInt32LE(b, 0)
      into.writeUInt32LE(g, 4)
    }

    const slots = Array.from({ length: opts.inflight }, () => dev.allocBuffer(MAX_BLOCKS * BLOCK))
    const scratch = Buffer.alloc(BLOCK)
    const counts = { read: 0, write: 0, discard: 0, flush: 0, verifiedBlocks: 0 }
    const errors = []
    const fail = (msg) => {
      if (errors.length < 20) console.error(`soak: ERROR ${msg}`)
      errors.push(msg)
    }

    const pick = () => {
      for (let tries = 0; tries < 8; tries++) {
        const n = 1 + Math.floor(random() * MAX_BLOCKS)
        const start = Math.floor(random() * (blocks - n))
        let free = true
        for (let b = start; b < start + n && free; b++) free = busy[b] === 0
        if (free) return [start, n]
      }
      return null
    }

    const verify = (data, start, n, what) => {
      for (let i = 0; i < n; i++) {
        const b = start + i
        expected(b, gen[b], scratch)
        const got = Buffer.from(data.buffer, data.byteOffset + i * BLOCK, BLOCK)
        if (!got.equals(scratch)) {
          fail(
            `${what}: block ${b} (gen ${gen[b]}) differs (stamp ${got.readUInt32LE(0)}/${got.readUInt32LE(4)})`,
          )
        }
        counts.verifiedBlocks++
      }
    }

    async function one(slot) {
      const r = random()
      if (r < 0.03) {
        await dev.flush()
        counts.flush++
        return
      }
      const range = pick()
      if (!range) return
      const [start, n] = range
      busy.fill(1, start, start + n)
      const off = start * BLOCK
      const len = n * BLOCK
      try {
        if (r < 0.48) {
          const buf = slot.subarray(0, len)
          const g = nextGen++
          for (let i = 0; i < n; i++)
            expected(start + i, g, Buffer.from(buf.buffer, buf.byteOffset + i * BLOCK, BLOCK))
          await dev.write(off, buf)
          gen.fill(g, start, start + n)
          counts.write++
        } else if (r < 0.9 || !canDiscard) {
          const buf = slot.subarray(0, len)
          await dev.readv(off, [buf])
          verify(buf, start, n, `read ${off}+${len}`)
          counts.read++
        } else {
          await dev.discard(off, len)
          gen.fill(0, start, start + n) // a loop device punches the backing file: zeroes
          counts.discard++
        }
      } finally {
        busy.fill(0, start, start + n)
      }
    }

    const intr = rawio.installInterrupt({
      exitAfterStop: false,
      notice: 'soak: interrupted; finishing the requests in flight (Ctrl-C again to force)',
    })
    const rssStart = rssMiB()
    const t0 = performance.now()
    const deadline = t0 + opts.seconds * 1000
    let rssWarm = null
    let lastPrint = t0
    const worker = async (slot) => {
      while (!intr.stopped && performance.now() < deadline) {
        try {
          await one(slot)
        } catch (e) {
          fail(`${e.code ?? e.name}: ${e.message}`)
        }
        const now = performance.now()
        if (rssWarm === null && now - t0 > Math.min(30_000, opts.seconds * 250)) rssWarm = rssMiB()
        if (now - lastPrint > 10_000) {
          lastPrint = now
          const ops = counts.read + counts.write + counts.discard + counts.flush
          console.log(
            `soak: ${Math.round((now - t0) / 1000)}s ${ops} ops (${Math.round(ops / ((now - t0) / 1000))}/s), ` +
              `errors ${errors.length}, rss ${process.memoryUsage().rss >> 20} MiB, ` +
              `heap ${process.memoryUsage().heapUsed >> 20} MiB, external ${process.memoryUsage().external >> 20} MiB`,
          )
        }
      }
    }
    await Promise.all(slots.map(worker))
    await dev.drain()
    await dev.flush()
    const elapsed = (performance.now() - t0) / 1000
    const rssEnd = rssMiB()
    const engine = dev.engine

    // Every byte of the device against the model.
    const chunk = dev.allocBuffer(1 << 20)
    for (let off = 0; off < blocks * BLOCK; off += chunk.length) {
      const len = Math.min(chunk.length, blocks * BLOCK - off)
      const view = chunk.subarray(0, len)
      await dev.readv(off, [view])
      verify(view, off / BLOCK, len / BLOCK, 'final check')
    }
    await dev.close()
    intr.dispose()

    const ops = counts.read + counts.write + counts.discard + counts.flush
    const warm = rssWarm ?? rssStart
    const growth = rssEnd - warm
    const flat = growth < Math.max(8, warm * 0.05)
    const report = {
      target: `${loop} (${opts.sizeMib} MiB loop device, engine ${engine}, cache ${opts.cache})`,
      seconds: Number(elapsed.toFixed(1)),
      inflight: opts.inflight,
      ops,
      opsPerSec: Math.round(ops / elapsed),
      ...counts,
      errors: errors.length,
      rssMiB: {
        start: Number(rssStart.toFixed(1)),
        warm: Number(warm.toFixed(1)),
        end: Number(rssEnd.toFixed(1)),
      },
      rssFlat: flat,
      interrupted: intr.signal,
    }
    console.log(JSON.stringify(report, null, 2))
    const ok = errors.length === 0 && flat
    console.log(
      `soak: ${ok ? 'PASS' : 'FAIL'}: ${ops} ops in ${elapsed.toFixed(1)} s, ${errors.length} errors, ` +
        `RSS ${rssStart.toFixed(1)} -> ${warm.toFixed(1)} (warm) -> ${rssEnd.toFixed(1)} MiB`,
    )
    if (intr.stopped) process.exitCode = intr.exitCode
    else process.exitCode = ok ? 0 : 1
  } finally {
    cleanup()
  }
}

main().catch((e) => {
  console.error(`soak: ${e.stack ?? e}`)
  process.exitCode = 1
})
