// The stamp: a self-describing block. A header names the block's own offset, the seed and generation
// that wrote it, and a CRC32C over the whole block; the payload is a PRNG stream keyed by (offset, seed,
// generation), so a check regenerates what should be there and needs no stored copy.
// docs/integrity.md documents the layout byte for byte.
import { crc32c } from '@node-rs/crc32'

/** 'RAWIOSTP' read as the ASCII bytes at 0..7. */
export const STAMP_MAGIC = Uint8Array.from([0x52, 0x41, 0x57, 0x49, 0x4f, 0x53, 0x54, 0x50])
export const STAMP_VERSION = 1
export const HEADER_SIZE = 48
/** The smallest block a stamp fits in: the header and at least four payload words. */
export const MIN_STAMP_BLOCK = 64
export const MAX_STAMP_BLOCK = 64 << 20
/** Granularity at which a block without a header is searched for pieces of its expected payload. */
export const MIX_SECTOR = 512

export const field = {
  magic: 0,
  offset: 8,
  seed: 16,
  generation: 24,
  blockSize: 28,
  timestamp: 32,
  version: 40,
  headerSize: 42,
  crc: 44,
} as const

export type BlockKind = 'ok' | 'misdirected' | 'stale' | 'torn' | 'zeroed' | 'foreign'
export const blockKinds: readonly BlockKind[] = ['ok', 'misdirected', 'stale', 'torn', 'zeroed', 'foreign']

export interface StampId {
  /** The block's byte offset on the device. */
  offset: number
  /** 0 .. 2^53-1 (stored as a u64). */
  seed: number
  /** 0 .. 2^32-1. */
  gen: number
}

export interface Classification {
  kind: BlockKind
  /** From the header found in the block, when it has one. */
  foundOffset?: number
  foundSeed?: number
  foundGen?: number
}

export interface StampHeader {
  offset: number
  seed: number
  gen: number
  blockSize: number
  timestamp: bigint
  version: number
  headerSize: number
  crc: number
}

const TWO32 = 2 ** 32
const littleEndianHost = new Uint8Array(Uint32Array.of(1).buffer)[0] === 1

/** Throws a RangeError unless bs can hold a stamp. */
export function checkBlockSize(bs: number): void {
  if (!Number.isSafeInteger(bs) || bs < MIN_STAMP_BLOCK || bs > MAX_STAMP_BLOCK || bs % 4 !== 0) {
    throw new RangeError(
      `stamp block size ${bs} is invalid: it must be a multiple of 4 from ${MIN_STAMP_BLOCK} to ${MAX_STAMP_BLOCK}`,
    )
  }
}

function checkId(id: StampId): void {
  if (!Number.isSafeInteger(id.offset) || id.offset < 0)
    throw new RangeError(`offset ${id.offset} is invalid`)
  if (!Number.isSafeInteger(id.seed) || id.seed < 0) throw new RangeError(`seed ${id.seed} is invalid`)
  if (!Number.isInteger(id.gen) || id.gen < 0 || id.gen >= TWO32)
    throw new RangeError(`generation ${id.gen} is invalid: it must be 0 .. 4294967295`)
}

/** murmur3's fmix32 finaliser. */
function fmix32(h: number): number {
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}

/** xorshift128's initial state for (offset, seed, gen); never all zero. */
export function payloadState(offset: number, seed: number, gen: number): Uint32Array {
  const offLo = offset >>> 0
  const offHi = Math.floor(offset / TWO32) >>> 0
  const seedLo = seed >>> 0
  const seedHi = Math.floor(seed / TWO32) >>> 0
  const x = fmix32(offLo ^ 0x9e3779b9)
  const y = fmix32(offHi ^ 0x85ebca6b ^ x)
  const z = fmix32(seedLo ^ 0xc2b2ae35 ^ y)
  const w = fmix32(seedHi ^ 0x27d4eb2f ^ z) ^ fmix32(gen ^ 0x165667b1)
  const s = Uint32Array.of(x, y, z, w >>> 0)
  if ((s[0] | s[1] | s[2] | s[3]) === 0) s[3] = 1
  return s
}

/** Marsaglia's xorshift128 from `state`, written into `words` (one output per word). */
function xorshiftFill(state: Uint32Array, words: Uint32Array): void {
  let x = state[0]
  let y = state[1]
  let z = state[2]
  let w = state[3]
  const n = words.length
  for (let i = 0; i < n; i++) {
    const t = x ^ (x << 11)
    x = y
    y = z
    z = w
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0
    words[i] = w
  }
}

/** Index of the first word of `words` that differs from the stream; -1 when all match. */
function xorshiftMismatch(state: Uint32Array, words: Uint32Array): number {
  let x = state[0]
  let y = state[1]
  let z = state[2]
  let w = state[3]
  const n = words.length
  for (let i = 0; i < n; i++) {
    const t = x ^ (x << 11)
    x = y
    y = z
    z = w
    w = (w ^ (w >>> 19) ^ (t ^ (t >>> 8))) >>> 0
    if (words[i] !== w) return i
  }
  return -1
}

/** A Uint32Array over buf when the host is little-endian and buf is 4-byte aligned, else null. */
function wordView(buf: Uint8Array): Uint32Array | null {
  return littleEndianHost && buf.byteOffset % 4 === 0
    ? new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2)
    : null
}

/** The payload words as little-endian bytes, in a fresh aligned buffer (the slow path). */
function payloadBytes(state: Uint32Array, length: number): Uint8Array {
  const words = new Uint32Array(length >>> 2)
  xorshiftFill(state, words)
  const bytes = new Uint8Array(words.buffer)
  if (!littleEndianHost) {
    const dv = new DataView(words.buffer)
    for (let i = 0; i < words.length; i++) dv.setUint32(i * 4, words[i], true)
  }
  return bytes
}

/** Fills `payload` (a block's bytes from HEADER_SIZE on) with the stream for (offset, seed, gen). */
export function fillPayload(payload: Uint8Array, offset: number, seed: number, gen: number): void {
  const state = payloadState(offset, seed, gen)
  const words = wordView(payload)
  if (words) xorshiftFill(state, words)
  else payload.set(payloadBytes(state, payload.length))
}

/** Byte index in `payload` of the first word that differs from the expected stream; -1 if none. */
export function payloadMismatch(payload: Uint8Array, offset: number, seed: number, gen: number): number {
  const state = payloadState(offset, seed, gen)
  const words = wordView(payload)
  if (words) {
    const at = xorshiftMismatch(state, words)
    return at < 0 ? -1 : at * 4
  }
  const expected = payloadBytes(state, payload.length)
  for (let i = 0; i < expected.length; i += 4) {
    if (Buffer.compare(payload.subarray(i, i + 4), expected.subarray(i, i + 4)) !== 0) return i
  }
  return -1
}

/** CRC32C of the block with its crc field read as zero. The block is restored before returning. */
export function blockCrc(block: Uint8Array): number {
  const saved = block.slice(field.crc, field.crc + 4)
  block.fill(0, field.crc, field.crc + 4)
  const crc = crc32c(block) >>> 0
  block.set(saved, field.crc)
  return crc
}

function u64(dv: DataView, at: number): number {
  return dv.getUint32(at + 4, true) * TWO32 + dv.getUint32(at, true)
}

function setU64(dv: DataView, at: number, v: number): void {
  dv.setUint32(at, v >>> 0, true)
  dv.setUint32(at + 4, Math.floor(v / TWO32) >>> 0, true)
}

/** Encodes the stamp of the block at `offset` into `buf` (the whole block: buf.length is the block size). */
export function encodeBlock(buf: Uint8Array, offset: number, seed: number, gen: number, ts: bigint): void {
  checkBlockSize(buf.length)
  checkId({ offset, seed, gen })
  const dv = new DataView(buf.buffer, buf.byteOffset, HEADER_SIZE)
  buf.set(STAMP_MAGIC, field.magic)
  setU64(dv, field.offset, offset)
  setU64(dv, field.seed, seed)
  dv.setUint32(field.generation, gen, true)
  dv.setUint32(field.blockSize, buf.length, true)
  dv.setBigUint64(field.timestamp, BigInt.asUintN(64, ts), true)
  dv.setUint16(field.version, STAMP_VERSION, true)
  dv.setUint16(field.headerSize, HEADER_SIZE, true)
  dv.setUint32(field.crc, 0, true)
  fillPayload(buf.subarray(HEADER_SIZE), offset, seed, gen)
  dv.setUint32(field.crc, crc32c(buf) >>> 0, true)
}

function hasMagic(buf: Uint8Array): boolean {
  for (let i = 0; i < STAMP_MAGIC.length; i++) if (buf[i] !== STAMP_MAGIC[i]) return false
  return true
}

/** The header fields, or null when the block does not start with the magic. */
export function decodeHeader(buf: Uint8Array): StampHeader | null {
  if (buf.length < HEADER_SIZE || !hasMagic(buf)) return null
  const dv = new DataView(buf.buffer, buf.byteOffset, HEADER_SIZE)
  return {
    offset: u64(dv, field.offset),
    seed: u64(dv, field.seed),
    gen: dv.getUint32(field.generation, true),
    blockSize: dv.getUint32(field.blockSize, true),
    timestamp: dv.getBigUint64(field.timestamp, true),
    version: dv.getUint16(field.version, true),
    headerSize: dv.getUint16(field.headerSize, true),
    crc: dv.getUint32(field.crc, true),
  }
}

function isZero(buf: Uint8Array): boolean {
  const words =
    buf.byteOffset % 4 === 0 ? new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength >>> 2) : null
  let i = 0
  if (words) {
    for (const w of words) if (w !== 0) return false
    i = words.length * 4
  }
  for (; i < buf.length; i++) if (buf[i] !== 0) return false
  return true
}

/** True when some MIX_SECTOR-sized piece of the payload area holds exactly the expected payload. */
function holdsExpectedPiece(buf: Uint8Array, id: StampId): boolean {
  const expected = new Uint8Array(buf.length)
  fillPayload(expected.subarray(HEADER_SIZE), id.offset, id.seed, id.gen)
  for (let start = 0; start < buf.length; start += MIX_SECTOR) {
    const from = Math.max(start, HEADER_SIZE)
    const to = Math.min(start + MIX_SECTOR, buf.length)
    if (to - from < 16) continue
    if (Buffer.compare(buf.subarray(from, to), expected.subarray(from, to)) === 0) return true
  }
  return false
}

function found(h: StampHeader, kind: BlockKind): Classification {
  return { kind, foundOffset: h.offset, foundSeed: h.seed, foundGen: h.gen }
}

/**
 * What a block holds, against the stamp expected there (block size = buf.length):
 * - ok: the expected stamp, CRC and payload intact;
 * - misdirected: an intact stamp of another offset (foundOffset names it);
 * - stale: an intact stamp of this offset from another generation or seed (a lost write);
 * - torn: a header with a failing CRC, or a mix (no header, but pieces of the expected payload);
 * - zeroed: all zero;
 * - foreign: anything else (not a stamp, or a stamp of another block size).
 * `buf` is briefly modified (the crc field is zeroed and restored) and must not be shared meanwhile.
 */
export function classifyBlock(buf: Uint8Array, expected: StampId): Classification {
  checkBlockSize(buf.length)
  const h = decodeHeader(buf)
  if (!h) {
    if (isZero(buf)) return { kind: 'zeroed' }
    return { kind: holdsExpectedPiece(buf, expected) ? 'torn' : 'foreign' }
  }
  if (h.blockSize !== buf.length || h.headerSize !== HEADER_SIZE) return found(h, 'foreign')
  if (blockCrc(buf) !== h.crc) return found(h, 'torn')
  // The CRC holds: the block is what some stamp() wrote, unless its payload was forged.
  if (payloadMismatch(buf.subarray(HEADER_SIZE), h.offset, h.seed, h.gen) >= 0) return found(h, 'foreign')
  if (h.offset !== expected.offset) return found(h, 'misdirected')
  if (h.seed !== expected.seed || h.gen !== expected.gen) return found(h, 'stale')
  return { kind: 'ok' }
}
