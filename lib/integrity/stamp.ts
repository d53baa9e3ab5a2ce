// stamp and check: write self-describing blocks over a range, then classify what reads back.
// Both are batched (several blocks per request) with several requests in flight.
import { UsageError } from '../errors'
import { binding } from '../native'
import { chunksOf, runQueued } from './chunks'
import { type BlockKind, blockKinds, checkBlockSize, classification } from './stamp-format'

/** What stamp and check need of a Device (a Device satisfies it). */
export interface StampTarget {
  readonly size: number
  readonly geometry: { logicalBlockSize: number }
  allocBuffer(size: number, misalign?: number): Uint8Array
  readv(offset: number, buffers: Uint8Array[]): Promise<{ bytes: number; ns: number }>
  writev(
    offset: number,
    buffers: Uint8Array[],
    opts?: { fua?: boolean },
  ): Promise<{ bytes: number; ns: number }>
}

export const defaultSeed = 0
export const defaultGen = 1
export const defaultChunk = 1 << 20
export const defaultDepth = 8

interface RangeRequest {
  off: number
  len: number
  /** Stamp block size; default the device's logical block size. */
  bs?: number
  /** Default 0. */
  seed?: number
  /** Bytes per request (rounded down to whole blocks); default 1 MiB. */
  chunk?: number
  /** Requests in flight; default 8. */
  depth?: number
  /** Called with the bytes of every chunk done (a progress line). */
  onProgress?: (bytes: number) => void
}

export interface StampRequest extends RangeRequest {
  /** Default 1. */
  gen?: number
  /** Force unit access on every write. */
  fua?: boolean
}

export interface CheckRequest extends RangeRequest {
  /** The generation expected everywhere, or per block offset (for a model); default 1. */
  gen?: number | ((offset: number) => number)
}

/** The fields the common reporter prints (print_report), plus what the stamp run was. */
export interface IntegrityStats {
  op: 'stamped' | 'checked'
  offset: number
  count: number
  total: number
  ops: number
  ns: number
  bytes: number
  blocks: number
  bs: number
  seed: number
}

export interface StampResult extends IntegrityStats {
  op: 'stamped'
  gen: number
  fua: boolean
}

export interface BadRange {
  offset: number
  length: number
  kind: Exclude<BlockKind, 'ok'>
  /** misdirected: the offset whose stamp is here (of the range's first block); others: the header's. */
  foundOffset?: number
  foundGen?: number
  foundSeed?: number
}

export interface CheckResult extends IntegrityStats {
  op: 'checked'
  /** The generation checked against; null when it varied by block. */
  gen: number | null
  /** Merged runs of adjacent bad blocks of one kind. */
  bad: BadRange[]
  /** Blocks of each kind. */
  counts: Record<BlockKind, number>
  /** True when every block is ok. */
  ok: boolean
}

function resolve(dev: StampTarget, req: RangeRequest) {
  const { off, len } = req
  if (!Number.isSafeInteger(off) || off < 0) throw new RangeError(`offset ${off} is invalid`)
  if (!Number.isSafeInteger(len) || len < 0) throw new RangeError(`length ${len} is invalid`)
  const bs = req.bs ?? dev.geometry.logicalBlockSize
  checkBlockSize(bs)
  if (len % bs !== 0) throw new UsageError(`length ${len} is not a multiple of the block size ${bs}`)
  if (off + len > dev.size)
    throw new RangeError(`range ${off}+${len} is past the end of the device (${dev.size})`)
  const seed = req.seed ?? defaultSeed
  if (!Number.isSafeInteger(seed) || seed < 0) throw new RangeError(`seed ${seed} is invalid`)
  const chunk = req.chunk ?? defaultChunk
  const depth = req.depth ?? defaultDepth
  if (!Number.isSafeInteger(chunk) || chunk < 1) throw new RangeError(`chunk ${chunk} is invalid`)
  if (!Number.isSafeInteger(depth) || depth < 1) throw new RangeError(`depth ${depth} is invalid`)
  return { off, len, bs, seed, chunk, depth, chunks: chunksOf(off, len, bs, chunk) }
}

function checkGen(gen: number): number {
  if (!Number.isInteger(gen) || gen < 0 || gen >= 2 ** 32)
    throw new RangeError(`generation ${gen} is invalid`)
  return gen
}

/** Nanoseconds since the Unix epoch, from a monotonic clock anchored once. */
const epochAnchor = { wall: BigInt(Date.now()) * 1_000_000n, mono: process.hrtime.bigint() }
export function epochNs(): bigint {
  return epochAnchor.wall + (process.hrtime.bigint() - epochAnchor.mono)
}

/** Writes a stamp into every `bs` block of [off, off+len). */
export async function stamp(dev: StampTarget, req: StampRequest): Promise<StampResult> {
  const r = resolve(dev, req)
  const gen = checkGen(req.gen ?? defaultGen)
  const fua = !!req.fua
  const maxChunk = r.chunks[0]?.length ?? 0
  const progress = req.onProgress
  const t0 = process.hrtime.bigint()
  await runQueued(
    r.chunks,
    r.depth,
    () => dev.allocBuffer(maxChunk),
    async (c, buf) => {
      const data = buf.subarray(0, c.length)
      // The stamps are made on libuv's pool, so several chunks are encoded on every core while
      // others are in flight to the device.
      await binding().stamp.fillAsync(data, c.offset, r.seed, gen, r.bs, epochNs())
      await dev.writev(c.offset, [data], { fua })
      progress?.(c.length)
    },
  )
  const ns = Number(process.hrtime.bigint() - t0)
  return {
    op: 'stamped',
    offset: r.off,
    count: r.len,
    total: r.len,
    ops: r.chunks.length,
    ns,
    bytes: r.len,
    blocks: r.len / r.bs,
    bs: r.bs,
    seed: r.seed,
    gen,
    fua,
  }
}

export function emptyCounts(): Record<BlockKind, number> {
  return Object.fromEntries(blockKinds.map((k) => [k, 0])) as Record<BlockKind, number>
}

/** Joins adjacent bad ranges of one kind whose found stamps also follow on (offset order expected). */
export function mergeBadRanges(ranges: BadRange[]): BadRange[] {
  const out: BadRange[] = []
  for (const r of ranges) {
    const last = out[out.length - 1]
    if (
      last &&
      last.kind === r.kind &&
      last.offset + last.length === r.offset &&
      last.foundGen === r.foundGen &&
      last.foundSeed === r.foundSeed &&
      (last.foundOffset === undefined
        ? r.foundOffset === undefined
        : r.foundOffset === last.foundOffset + last.length)
    ) {
      last.length += r.length
    } else {
      out.push({ ...r })
    }
  }
  return out
}

/** Reads [off, off+len) back and classifies every `bs` block against the stamp expected there. */
export async function check(dev: StampTarget, req: CheckRequest): Promise<CheckResult> {
  const r = resolve(dev, req)
  const wanted = req.gen ?? defaultGen
  const genAt = typeof wanted === 'function' ? (o: number) => checkGen(wanted(o)) : () => checkGen(wanted)
  if (typeof wanted === 'number') checkGen(wanted)
  const maxChunk = r.chunks[0]?.length ?? 0
  const perChunk: BadRange[][] = new Array(r.chunks.length)
  const counts = emptyCounts()
  const progress = req.onProgress
  const t0 = process.hrtime.bigint()
  await runQueued(
    r.chunks,
    r.depth,
    () => dev.allocBuffer(maxChunk),
    async (c, buf) => {
      const data = buf.subarray(0, c.length)
      await dev.readv(c.offset, [data])
      const n = c.length / r.bs
      const gens =
        typeof wanted === 'number'
          ? wanted
          : Uint32Array.from({ length: n }, (_, i) => genAt(c.offset + i * r.bs))
      const kinds = await binding().stamp.classifyAsync(data, c.offset, r.seed, gens, r.bs)
      progress?.(c.length)
      const bad: BadRange[] = []
      for (let i = 0; i < n; i++) {
        const at = i * r.bs
        const offset = c.offset + at
        counts[blockKinds[kinds[i]]]++
        if (kinds[i] === 0) continue
        const k = classification(data.subarray(at, at + r.bs), blockKinds[kinds[i]])
        const entry: BadRange = { offset, length: r.bs, kind: k.kind as BadRange['kind'] }
        if (k.foundOffset !== undefined) entry.foundOffset = k.foundOffset
        if (k.foundGen !== undefined) entry.foundGen = k.foundGen
        if (k.foundSeed !== undefined) entry.foundSeed = k.foundSeed
        bad.push(entry)
      }
      perChunk[c.index] = bad
    },
  )
  const ns = Number(process.hrtime.bigint() - t0)
  const bad = mergeBadRanges(perChunk.flat())
  return {
    op: 'checked',
    offset: r.off,
    count: r.len,
    total: r.len,
    ops: r.chunks.length,
    ns,
    bytes: r.len,
    blocks: r.len / r.bs,
    bs: r.bs,
    seed: r.seed,
    gen: typeof wanted === 'number' ? wanted : null,
    bad,
    counts,
    ok: bad.length === 0,
  }
}
