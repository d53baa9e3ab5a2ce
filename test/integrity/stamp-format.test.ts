import { describe, expect, it } from 'vitest'
import {
  classifyBlock,
  decodeHeader,
  encodeBlock,
  field,
  HEADER_SIZE,
  STAMP_VERSION,
} from '../../lib/integrity/stamp-format'

const ts = 1_700_000_000_000_000_000n

// An independent reference for the test (bitwise, RFC 3720's Castagnoli polynomial): the codec
// under test is native (native/integrity/stamp.cc, SSE4.2); this only checks it.
function crc32c(data: Uint8Array): number {
  let c = ~0 >>> 0
  for (const byte of data) {
    c ^= byte
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  }
  return ~c >>> 0
}

/** CRC32C of a block with its crc field read as zero (what the header's crc must be). */
function blockCrc(block: Uint8Array): number {
  const copy = Uint8Array.from(block)
  copy.fill(0, field.crc, field.crc + 4)
  return crc32c(copy)
}

function stamped(bs: number, offset: number, seed = 7, gen = 3): Uint8Array {
  const b = new Uint8Array(bs)
  encodeBlock(b, offset, seed, gen, ts)
  return b
}

describe('stamp layout', () => {
  it('matches the documented bytes (golden vector)', () => {
    const b = stamped(64, 4096)
    expect(Buffer.from(b).toString('hex')).toBe(
      '524157494f535450' + // 'RAWIOSTP'
        '0010000000000000' + // offset 4096
        '0700000000000000' + // seed 7
        '03000000' + // generation 3
        '40000000' + // block size 64
        '00002a36fe9c9717' + // timestamp
        '0100' + // version 1
        '3000' + // header size 48
        '4caa0a45' + // crc32c
        'c7ed374bc1fe5b088153dfb2a4e7c00f', // payload: 4 xorshift128 words
    )
  })

  it('stores the fields little-endian and a CRC32C of the block with the crc field zeroed', () => {
    const offset = 2 ** 40 + 512
    const seed = 2 ** 50 + 3
    const b = stamped(4096, offset, seed, 0xfffffffe)
    const h = decodeHeader(b)
    expect(h).toMatchObject({ offset, seed, gen: 0xfffffffe, blockSize: 4096, timestamp: ts })
    expect(h?.version).toBe(STAMP_VERSION)
    expect(h?.headerSize).toBe(HEADER_SIZE)
    const copy = Uint8Array.from(b)
    copy.fill(0, field.crc, field.crc + 4)
    expect(h?.crc).toBe(crc32c(copy) >>> 0)
    expect(blockCrc(b)).toBe(h?.crc)
  })

  it('derives the payload from offset, seed and generation only', () => {
    const a = stamped(512, 512)
    const b = new Uint8Array(512)
    encodeBlock(b, 512, 7, 3, 42n)
    expect(Buffer.from(a.subarray(HEADER_SIZE)).equals(Buffer.from(b.subarray(HEADER_SIZE)))).toBe(true)
    for (const other of [stamped(512, 1024), stamped(512, 512, 8), stamped(512, 512, 7, 4)]) {
      expect(Buffer.from(a.subarray(HEADER_SIZE)).equals(Buffer.from(other.subarray(HEADER_SIZE)))).toBe(
        false,
      )
    }
    expect(classifyBlock(a, { offset: 512, seed: 7, gen: 3 }).kind).toBe('ok')
  })

  it('gives the same bytes in a buffer that is not 4-byte aligned', () => {
    const aligned = stamped(4096, 8192)
    const backing = new Uint8Array(4096 + 3)
    const odd = backing.subarray(3)
    encodeBlock(odd, 8192, 7, 3, ts)
    expect(Buffer.from(odd).equals(Buffer.from(aligned))).toBe(true)
    expect(classifyBlock(odd, { offset: 8192, seed: 7, gen: 3 })).toEqual({ kind: 'ok' })
    odd[100] ^= 1
    expect(classifyBlock(odd, { offset: 8192, seed: 7, gen: 3 }).kind).toBe('torn')
  })

  it('refuses block sizes that cannot hold a stamp, and bad ids', () => {
    expect(() => encodeBlock(new Uint8Array(32), 0, 0, 0, ts)).toThrow(RangeError)
    expect(() => encodeBlock(new Uint8Array(66), 0, 0, 0, ts)).toThrow(/multiple of 4/)
    expect(() => encodeBlock(new Uint8Array(64), -1, 0, 0, ts)).toThrow(RangeError)
    expect(() => encodeBlock(new Uint8Array(64), 0, 0, 2 ** 32, ts)).toThrow(/generation/)
  })
})

describe('classifyBlock', () => {
  const want = { offset: 8192, seed: 7, gen: 3 }

  it('ok: the expected stamp', () => {
    expect(classifyBlock(stamped(512, 8192), want)).toEqual({ kind: 'ok' })
  })

  it('misdirected: an intact stamp of another offset, named', () => {
    const k = classifyBlock(stamped(512, 4096), want)
    expect(k).toEqual({ kind: 'misdirected', foundOffset: 4096, foundSeed: 7, foundGen: 3 })
  })

  it('stale: an older generation of this offset and seed', () => {
    expect(classifyBlock(stamped(512, 8192, 7, 2), want)).toMatchObject({ kind: 'stale', foundGen: 2 })
  })

  it('foreign: this offset stamped with another seed (another run, not a lost write)', () => {
    expect(classifyBlock(stamped(512, 8192, 9, 3), want)).toMatchObject({ kind: 'foreign', foundSeed: 9 })
    expect(classifyBlock(stamped(512, 8192, 9, 2), want)).toMatchObject({ kind: 'foreign', foundGen: 2 })
  })

  it('torn: a flipped byte anywhere, in the header or the payload', () => {
    for (const at of [0, 5, field.offset, field.generation, field.crc, HEADER_SIZE, 300, 511]) {
      const b = stamped(512, 8192)
      b[at] ^= 0x40
      expect(classifyBlock(b, want).kind, `byte ${at}`).toBe('torn')
    }
  })

  it('torn: a mix of two generations, and of data and zeroes', () => {
    const b = stamped(4096, 8192)
    b.set(stamped(4096, 8192, 7, 2).subarray(2048), 2048)
    expect(classifyBlock(b, want)).toMatchObject({ kind: 'torn', foundOffset: 8192, foundGen: 3 })
    const c = stamped(4096, 8192, 7, 2)
    c.set(stamped(4096, 8192).subarray(512), 512) // the new write lost its first sector only
    expect(classifyBlock(c, want)).toMatchObject({ kind: 'torn', foundGen: 2 })
    const d = stamped(4096, 8192)
    d.fill(0, 0, 512)
    expect(classifyBlock(d, want)).toEqual({ kind: 'torn' })
    const e = stamped(4096, 8192)
    e.fill(0, 512)
    expect(classifyBlock(e, want).kind).toBe('torn')
  })

  it('zeroed: all zero', () => {
    expect(classifyBlock(new Uint8Array(4096), want)).toEqual({ kind: 'zeroed' })
  })

  it('foreign: random bytes, a pattern, a stamp of another block size, a forged payload', () => {
    const random = new Uint8Array(512)
    for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 13
    expect(classifyBlock(random, want).kind).toBe('foreign')
    expect(classifyBlock(new Uint8Array(512).fill(0xcd), want).kind).toBe('foreign')
    const big = stamped(1024, 8192)
    expect(classifyBlock(big.subarray(0, 512), want)).toMatchObject({ kind: 'foreign', foundOffset: 8192 })
    const forged = stamped(512, 8192)
    forged[200] ^= 1
    const dv = new DataView(forged.buffer)
    dv.setUint32(field.crc, blockCrc(forged), true)
    expect(classifyBlock(forged, want).kind).toBe('foreign')
  })
})
