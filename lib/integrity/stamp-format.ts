// The stamp: a self-describing block. A header names the block's own offset, the seed and generation
// that wrote it, and a CRC32C over the whole block; the payload is a PRNG stream keyed by (offset, seed,
// generation), so a check regenerates what should be there and needs no stored copy.
// docs/integrity.md documents the layout byte for byte. The codec itself is native and exists once
// (native/integrity/stamp.cc: CRC32C with SSE4.2, the payload stream, the classification), shared
// with bench --verify=stamp; this module checks arguments and reads headers.
import { binding } from '../native'

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

function u64(dv: DataView, at: number): number {
  return dv.getUint32(at + 4, true) * TWO32 + dv.getUint32(at, true)
}

/** Encodes the stamp of the block at `offset` into `buf` (the whole block: buf.length is the block size). */
export function encodeBlock(buf: Uint8Array, offset: number, seed: number, gen: number, ts: bigint): void {
  checkBlockSize(buf.length)
  checkId({ offset, seed, gen })
  binding().stamp.fill(buf, offset, seed, gen, buf.length, BigInt.asUintN(64, ts))
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

function found(h: StampHeader | null, kind: BlockKind): Classification {
  return h ? { kind, foundOffset: h.offset, foundSeed: h.seed, foundGen: h.gen } : { kind }
}

/**
 * What a block holds, against the stamp expected there (block size = buf.length):
 * - ok: the expected stamp, CRC and payload intact;
 * - misdirected: an intact stamp of another offset (foundOffset names it);
 * - stale: an intact stamp of this offset and seed from another generation (a lost write);
 * - torn: a header with a failing CRC, or a mix (no header, but pieces of the expected payload);
 * - zeroed: all zero;
 * - foreign: anything else (not a stamp, a stamp of another block size, or of another seed: another run).
 * `buf` is briefly modified (the crc field is zeroed and restored) and must not be shared meanwhile.
 */
export function classifyBlock(buf: Uint8Array, expected: StampId): Classification {
  checkBlockSize(buf.length)
  checkId(expected)
  const k = binding().stamp.classify(buf, expected.offset, expected.seed, expected.gen, buf.length)[0]
  return classification(buf, blockKinds[k])
}

/** A kind from the native classifier, with what the block's own header says (when it has one). */
export function classification(block: Uint8Array, kind: BlockKind): Classification {
  return kind === 'ok' ? { kind } : found(decodeHeader(block), kind)
}
