// The native codec stamps and classifies a run of blocks four at a time (SIMD lanes, four CRC
// chains side by side: native/integrity/stamp.cc's EncodeStamps/ClassifyStamps). Whatever the
// block size and whatever a block holds, a run must give the bytes and the verdicts of the same
// blocks done one by one (a one-block run takes the one-block path).
import { describe, expect, it } from 'vitest'
import { field, HEADER_SIZE } from '../../lib/integrity/stamp-format'
import { binding } from '../../lib/native'

const stamp = binding().stamp
const ts = 1_700_000_000_000_000_000n
const seed = 7
const gen = 3
const base = 1 << 20

/** The reference CRC32C (bitwise) of a block with its crc field read as zero. */
function blockCrc(block: Uint8Array): number {
  let c = ~0 >>> 0
  for (let i = 0; i < block.length; i++) {
    c ^= i >= field.crc && i < field.crc + 4 ? 0 : block[i]
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1
  }
  return ~c >>> 0
}

/** A small seeded PRNG (mulberry32): the same mixes every run. */
function prng(s: number): () => number {
  return () => {
    s = (s + 0x6d2b79f5) | 0
    let t = Math.imul(s ^ (s >>> 15), 1 | s)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32
  }
}

type Variant = (b: Uint8Array, offset: number, bs: number, rnd: () => number) => void
const one = (b: Uint8Array, offset: number, s = seed, g = gen) => stamp.fill(b, offset, s, g, b.length, ts)
const variants: Record<string, Variant> = {
  ok: (b, o) => one(b, o),
  stale: (b, o) => one(b, o, seed, gen - 1),
  misdirected: (b, o, bs) => one(b, o + bs * 5),
  otherSeed: (b, o) => one(b, o, seed + 1),
  payloadBit: (b, o, bs, rnd) => {
    one(b, o)
    b[HEADER_SIZE + Math.floor(rnd() * (bs - HEADER_SIZE))] ^= 1 << Math.floor(rnd() * 8)
  },
  lastWord: (b, o, bs) => {
    one(b, o)
    b[bs - 1] ^= 0x80
  },
  headerBit: (b, o, _bs, rnd) => {
    one(b, o)
    b[8 + Math.floor(rnd() * 36)] ^= 1
  },
  // A sound header and CRC over a payload that is not the generator's: foreign.
  crcOverWrongPayload: (b, o, bs, rnd) => {
    one(b, o)
    b[HEADER_SIZE + Math.floor(rnd() * (bs - HEADER_SIZE))] ^= 4
    new DataView(b.buffer, b.byteOffset).setUint32(field.crc, blockCrc(b), true)
  },
  crcOverWrongLastWord: (b, o, bs) => {
    one(b, o)
    b[bs - 1] ^= 4
    new DataView(b.buffer, b.byteOffset).setUint32(field.crc, blockCrc(b), true)
  },
  zeroed: (b) => b.fill(0),
  random: (b, _o, _bs, rnd) => {
    for (let i = 0; i < b.length; i++) b[i] = rnd() * 256
  },
  // The expected payload under another header: a torn write's halves.
  tornMix: (b, o, bs) => {
    one(b, o)
    const older = new Uint8Array(bs)
    one(older, o, seed, gen - 1)
    b.set(older.subarray(bs >> 1), bs >> 1)
  },
}
const names = Object.keys(variants)

const sizes = [64, 68, 100, 112, 512, 4096, 4100, 65536]

describe('stamp runs: four at a time, the same as one by one', () => {
  it.each(sizes)('fill, bs %i: the same bytes', (bs) => {
    for (const n of [1, 3, 4, 5, 8, 23]) {
      const run = new Uint8Array(n * bs)
      stamp.fill(run, base, seed, gen, bs, ts)
      const single = new Uint8Array(n * bs)
      for (let i = 0; i < n; i++)
        stamp.fill(single.subarray(i * bs, (i + 1) * bs), base + i * bs, seed, gen, bs, ts)
      expect(Buffer.from(run).equals(Buffer.from(single)), `${n} blocks`).toBe(true)
    }
  })

  it.each(sizes)('classify, bs %i: the same verdicts over mixed runs', (bs) => {
    const rnd = prng(bs)
    const n = 23
    for (let round = 0; round < 40; round++) {
      const run = new Uint8Array(n * bs)
      // Mostly good blocks, so that many groups of four reach the four-lane path and one odd block
      // in a group must send the whole group back to the one-by-one path.
      const chosen = Array.from({ length: n }, () =>
        rnd() < 0.8 ? 'ok' : names[Math.floor(rnd() * names.length)],
      )
      for (const [i, v] of chosen.entries())
        variants[v](run.subarray(i * bs, (i + 1) * bs), base + i * bs, bs, rnd)
      const gens = Uint32Array.from({ length: n }, () => (rnd() < 0.9 ? gen : gen - 1))
      for (const g of [gen, gens] as const) {
        const kinds = stamp.classify(run, base, seed, g, bs)
        const single = chosen.map(
          (_, i) =>
            stamp.classify(
              run.subarray(i * bs, (i + 1) * bs),
              base + i * bs,
              seed,
              typeof g === 'number' ? g : g[i],
              bs,
            )[0],
        )
        expect([...kinds], `${chosen.join(' ')}`).toEqual(single)
      }
    }
  })

  it.each([512, 100, 4100])('classify, bs %i: a run of each kind, named as the one-block path does', (bs) => {
    const want: Record<string, string> = {
      ok: 'ok',
      stale: 'stale',
      misdirected: 'misdirected',
      otherSeed: 'foreign',
      lastWord: 'torn',
      crcOverWrongPayload: 'foreign',
      crcOverWrongLastWord: 'foreign',
      zeroed: 'zeroed',
    }
    for (const [v, kind] of Object.entries(want)) {
      const run = new Uint8Array(8 * bs)
      for (let i = 0; i < 8; i++) variants[v](run.subarray(i * bs, (i + 1) * bs), base + i * bs, bs, prng(1))
      expect(
        [...stamp.classify(run, base, seed, gen, bs)].map((k) => stamp.kinds[k]),
        v,
      ).toEqual(Array(8).fill(kind))
    }
  })
})
