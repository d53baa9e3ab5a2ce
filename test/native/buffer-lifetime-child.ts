// The child of buffer-lifetime.test.ts (bundled by esbuild, run as `node --expose-gc`): issue 11's
// repro and its variants. Requests are submitted on buffers that user code then detaches (a
// structuredClone transfer, ArrayBuffer.prototype.transfer, a worker postMessage) or drops, the
// heap is collected and refilled with new arrays while the kernel owns the requests. It prints one
// JSON line; any misbehaviour is a thrown error (exit 1) or, before the fix, a crash.
//
// argv: target engine op detach kind rounds [hot]
//   op: read | write | stamp (the stamp codec's fillAsync on libuv's pool; target unused); detach: clone | transfer | worker | drop; kind: native (allocBuffer) | user
//   hot: each buffer let go is first read HOT_USES times, so that it joins io_uring's fixed-buffer
//   table on its own (native/napi/fixed_buffers.h) before the request it is let go under
import { openSync, readSync } from 'node:fs'
import { Worker } from 'node:worker_threads'
import { allocAligned, isAligned } from '../../lib/buffers'
import { Device, type EngineChoice } from '../../lib/device'
import { binding } from '../../lib/native'

export const BLOCK = 4096
/** Requests per round that user code detaches or drops (the repro's 128). */
export const DETACHED = 128
/** Requests per round on buffers user code keeps: their data is checked. */
export const KEPT = 16
/** Reads that make a buffer hot: it joins the fixed-buffer table at its 8th request. */
export const HOT_USES = 8

/** The byte every block of the target holds before a read run (never 0x11, the filler's byte). */
export function readPattern(block: number): number {
  return 0x20 + ((block * 7 + 1) % 200)
}

/** The byte written to `block` in round `round` of a write run. */
export function writePattern(round: number, block: number): number {
  return (round * 131 + block * 7 + 3) & 0xff
}

type Detach = 'clone' | 'transfer' | 'worker' | 'drop'

interface Args {
  target: string
  engine: EngineChoice
  op: 'read' | 'write' | 'stamp'
  detach: Detach
  kind: 'native' | 'user'
  rounds: number
  hot: boolean
}

function parseArgs(): Args {
  const [target, engine, op, detach, kind, rounds, hot] = process.argv.slice(2)
  return {
    target,
    engine: engine as EngineChoice,
    op: op as Args['op'],
    detach: detach as Detach,
    kind: kind as Args['kind'],
    rounds: Number(rounds),
    hot: hot === 'hot',
  }
}

const gc = (globalThis as { gc?: () => void }).gc

/** A view of an ordinary (V8-owned) ArrayBuffer, placed on a 4096-byte boundary for O_DIRECT. */
function userBuffer(size: number): Uint8Array {
  const ab = new ArrayBuffer(size + BLOCK)
  const skip = (BLOCK - binding().alignOffset(new Uint8Array(ab, 0, 1), BLOCK)) % BLOCK
  const v = new Uint8Array(ab, skip, size)
  if (!isAligned(v, BLOCK)) throw new Error('no aligned view in an ordinary ArrayBuffer')
  return v
}

function workerSink(): Worker {
  // Receives the buffers, reads them, scribbles on them (read runs only: the kernel's data goes
  // nowhere the caller could see it) and lets them go.
  const code = `
    const { parentPort } = require('node:worker_threads')
    parentPort.on('message', ({ buf, scribble }) => {
      const a = new Uint8Array(buf)
      let sum = 0
      for (let i = 0; i < a.length; i += 512) sum += a[i]
      if (scribble) a.fill(0x33)
      if (globalThis.gc && Math.random() < 0.05) globalThis.gc()
      parentPort.postMessage(sum)
    })`
  return new Worker(code, { eval: true })
}

/** What a detach attempt did: allocBuffer's external ArrayBuffers are untransferable in Node. */
export interface LetGo {
  detached: number // the caller's view lost its memory
  copied: number // Node copied instead (Node 20: structuredClone/postMessage of an external buffer)
  refused: number // DataCloneError (Node >= 21 for external buffers)
}

function detacher(
  how: Detach,
  op: 'read' | 'write',
  worker: Worker | null,
  tally: LetGo,
): (b: Uint8Array) => void {
  const attempt = (b: Uint8Array, f: () => void) => {
    try {
      f()
    } catch (e) {
      if ((e as Error).name !== 'DataCloneError') throw e
      tally.refused++
      return
    }
    if (b.byteLength === 0) tally.detached++
    else tally.copied++
  }
  switch (how) {
    case 'clone':
      return (b) => attempt(b, () => structuredClone(b.buffer, { transfer: [b.buffer as ArrayBuffer] }))
    case 'transfer':
      return (b) => attempt(b, () => (b.buffer as ArrayBuffer & { transfer(): ArrayBuffer }).transfer())
    case 'worker':
      return (b) =>
        attempt(b, () =>
          worker?.postMessage({ buf: b.buffer, scribble: op === 'read' }, [b.buffer as ArrayBuffer]),
        )
    case 'drop':
      return () => {}
  }
}

/** Submitting a buffer user code has detached is a TypeError (the library's check). */
async function expectDetachedRefused(dev: Device, b: Uint8Array, op: 'read' | 'write'): Promise<void> {
  const p = op === 'read' ? dev.readv(0, [b]) : dev.writev(0, [b])
  const e = await p.then(
    () => null,
    (err: Error) => err,
  )
  if (!(e instanceof TypeError) || e.message !== 'buffer is detached')
    throw new Error(`a detached buffer was not refused with 'buffer is detached': ${e}`)
}

function readTarget(target: string, blocks: number): Uint8Array {
  const out = new Uint8Array(blocks * BLOCK)
  const fd = openSync(target, 'r')
  for (let at = 0; at < out.length; ) at += readSync(fd, out, at, out.length - at, at)
  return out
}

const filled = new Map<number, Buffer>()

function expectFill(arrays: Uint8Array[], byte: number, what: string): void {
  let want = filled.get(byte)
  if (!want) filled.set(byte, (want = Buffer.alloc(BLOCK, byte)))
  for (const a of arrays) {
    if (Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(want)) continue
    const i = a.findIndex((x) => x !== byte)
    throw new Error(`${what}: byte ${i} is ${a[i]}, expected ${byte} (memory reused under I/O)`)
  }
}

const STAMP_BUF = 1 << 20

/** fillAsync / classifyAsync run on libuv's pool while user code lets go of their buffers. */
async function stampRun(a: Args): Promise<{ settled: number } & LetGo> {
  const stamp = binding().stamp
  const alloc = (n: number) => (a.kind === 'native' ? allocAligned(n, BLOCK) : userBuffer(n))
  const worker = a.detach === 'worker' ? workerSink() : null
  const tally: LetGo = { detached: 0, copied: 0, refused: 0 }
  const detach = detacher(a.detach, 'read', worker, tally)
  let settled = 0
  for (let r = 0; r < a.rounds; r++) {
    const ps: Promise<unknown>[] = []
    let first: Uint8Array | null = null
    for (let i = 0; i < 32; i++) {
      const b = alloc(STAMP_BUF)
      ps.push(stamp.fillAsync(b, i * STAMP_BUF, 7, r, BLOCK, 1n).then(() => settled++))
      ps.push(stamp.classifyAsync(b, i * STAMP_BUF, 7, r, BLOCK).then(() => settled++))
      detach(b)
      first ??= b
    }
    if (first && first.byteLength === 0) {
      let threw: unknown = null
      try {
        await stamp.fillAsync(first, 0, 7, r, BLOCK, 1n)
      } catch (e) {
        threw = e
      }
      if (!(threw instanceof TypeError)) throw new Error(`fillAsync took a detached buffer: ${threw}`)
    }
    gc?.()
    const f = Array.from({ length: 2000 }, () => new Uint8Array(BLOCK).fill(0x11))
    await Promise.all(ps)
    expectFill(f, 0x11, `round ${r}: a new array`)
    // a kept buffer gets the stamps
    const kept = alloc(4 * BLOCK)
    await stamp.fillAsync(kept, 0, 7, r, BLOCK, 1n)
    const kinds = await stamp.classifyAsync(kept, 0, 7, r, BLOCK)
    if (kinds.some((k) => stamp.kinds[k] !== 'ok')) throw new Error(`round ${r}: kept buffer: ${kinds}`)
  }
  await worker?.terminate()
  return { settled, ...tally }
}

async function main(): Promise<void> {
  if (!gc) throw new Error('run with --expose-gc')
  const a = parseArgs()
  // RAWIO_NO_EXTERNAL_BUFFERS=1: allocBuffer's fallback (V8 memory, placed by hand, bounced)
  const probe = allocAligned(BLOCK, BLOCK, 1)
  const fallback = probe.buffer.byteLength !== BLOCK
  if (binding().alignOffset(probe, BLOCK) !== 1)
    throw new Error('allocAligned(4096, 4096, 1) is not 1 byte off')
  if (a.op === 'stamp') {
    const summary = await stampRun(a)
    gc?.()
    process.stdout.write(
      `${JSON.stringify({ ok: true, fallback, ...summary, rss: process.memoryUsage().rss })}\n`,
    )
    return
  }
  const dev = await Device.open(a.target, { cache: 'none', engine: a.engine })
  const alloc = (n: number) => (a.kind === 'native' ? dev.allocBuffer(n) : userBuffer(n))
  const worker = a.detach === 'worker' ? workerSink() : null
  const op = a.op === 'write' ? 'write' : 'read'
  const tally: LetGo = { detached: 0, copied: 0, refused: 0 }
  const detach = detacher(a.detach, op, worker, tally)
  let settled = 0
  let failed = 0
  let autoMax = 0 // the most buffers in the fixed-buffer table on their own, seen after a round's submissions
  for (let r = 0; r < a.rounds; r++) {
    const ps: Promise<unknown>[] = []
    const kept: { block: number; buf: Uint8Array }[] = []
    let first: Uint8Array | null = null
    for (let i = 0; i < DETACHED + KEPT; i++) {
      const off = i * BLOCK
      // 'drop' keeps no reference at all: the buffer lives only in the call
      const b = a.detach === 'drop' && i < DETACHED ? null : alloc(BLOCK)
      const arg = b ?? alloc(BLOCK).fill(0)
      if (a.hot && i < DETACHED) for (let k = 0; k < HOT_USES; k++) await dev.readv(off, [arg])
      if (a.op === 'write') arg.fill(writePattern(r, i))
      const p = a.op === 'read' ? dev.readv(off, [arg]) : dev.writev(off, [arg])
      ps.push(
        p.then(
          () => settled++,
          (e: NodeJS.ErrnoException) => {
            failed++
            return e.code
          },
        ),
      )
      if (i >= DETACHED) kept.push({ block: i, buf: arg })
      else if (b) {
        detach(b)
        first ??= b
      }
    }
    autoMax = Math.max(autoMax, dev.info().autoRegisteredBuffers)
    gc?.()
    const f = Array.from({ length: 2000 }, () => new Uint8Array(BLOCK).fill(0x11))
    await Promise.all(ps)
    expectFill(f, 0x11, `round ${r}: a new array`)
    if (first && first.byteLength === 0) await expectDetachedRefused(dev, first, op)
    if (a.op === 'read') {
      for (const k of kept) expectFill([k.buf], readPattern(k.block), `round ${r}: kept buffer ${k.block}`)
    } else {
      const disk = readTarget(a.target, DETACHED + KEPT)
      for (let i = 0; i < DETACHED + KEPT; i++)
        expectFill(
          [disk.subarray(i * BLOCK, (i + 1) * BLOCK)],
          writePattern(r, i),
          `round ${r}: block ${i} on disk`,
        )
    }
  }
  if (failed > 0) throw new Error(`${failed} requests failed`)
  await dev.close()
  await worker?.terminate()
  gc?.()
  process.stdout.write(
    `${JSON.stringify({ ok: true, fallback, settled, ...tally, autoMax, rss: process.memoryUsage().rss })}\n`,
  )
}

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`buffer-lifetime child: ${e instanceof Error ? e.message : e}\n`)
    process.exit(1)
  })
}
