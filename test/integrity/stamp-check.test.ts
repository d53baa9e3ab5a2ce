// stamp and check over an in-memory target: the batching, merging and reporting without a device.
import { describe, expect, it } from 'vitest'
import { UsageError } from '../../lib/errors'
import { chunksOf } from '../../lib/integrity/chunks'
import { check, mergeBadRanges, type StampTarget, stamp } from '../../lib/integrity/stamp'
import {
  checkExitStatus,
  formatCheck,
  parseCheck,
  parseStamp,
  reportCheck,
  reportStamp,
} from '../../lib/integrity/stamp-report'
import { Reporter, stringSink } from '../../lib/report'

class MemTarget implements StampTarget {
  readonly data: Uint8Array
  readonly geometry = { logicalBlockSize: 512 }
  inFlight = 0
  maxInFlight = 0
  writes: { offset: number; length: number; fua?: boolean }[] = []
  constructor(size: number) {
    this.data = new Uint8Array(size)
  }
  get size() {
    return this.data.length
  }
  allocBuffer(size: number) {
    return new Uint8Array(size)
  }
  private async io<T>(fn: () => T): Promise<T> {
    this.maxInFlight = Math.max(this.maxInFlight, ++this.inFlight)
    await new Promise((r) => setTimeout(r, 1))
    this.inFlight--
    return fn()
  }
  readv(offset: number, [b]: Uint8Array[]) {
    return this.io(() => {
      b.set(this.data.subarray(offset, offset + b.length))
      return { bytes: b.length, ns: 1 }
    })
  }
  writev(offset: number, [b]: Uint8Array[], opts?: { fua?: boolean }) {
    return this.io(() => {
      this.data.set(b, offset)
      this.writes.push({ offset, length: b.length, fua: opts?.fua })
      return { bytes: b.length, ns: 1 }
    })
  }
}

describe('stamp and check on memory', () => {
  it('stamps in batched chunks with several in flight, and checks clean', async () => {
    const t = new MemTarget(8 << 20)
    const s = await stamp(t, { off: 4096, len: 6 << 20, gen: 5, seed: 11, fua: true })
    expect(s).toMatchObject({
      op: 'stamped',
      offset: 4096,
      count: 6 << 20,
      total: 6 << 20,
      ops: 6,
      blocks: 12288,
    })
    // Encoding runs on the pool between writes: several are in flight, never more than the chunks.
    expect(t.maxInFlight).toBeGreaterThanOrEqual(2)
    expect(t.maxInFlight).toBeLessThanOrEqual(6)
    expect(t.writes.every((w) => w.fua && w.length === 1 << 20)).toBe(true)
    const c = await check(t, { off: 4096, len: 6 << 20, gen: 5, seed: 11 })
    expect(c).toMatchObject({ op: 'checked', ok: true, bad: [], blocks: 12288 })
    expect(c.counts.ok).toBe(12288)
    expect(checkExitStatus(c)).toBe(0)
  })

  it('names every kind, merging adjacent runs', async () => {
    const t = new MemTarget(1 << 20)
    await stamp(t, { off: 0, len: 1 << 20, bs: 4096, gen: 2 })
    const old = new MemTarget(1 << 20)
    await stamp(old, { off: 0, len: 1 << 20, bs: 4096, gen: 1 })
    t.data.copyWithin(40960, 0, 8192) // blocks 0-1 over 10-11
    t.data.set(old.data.subarray(65536, 73728), 65536) // blocks 16-17 lose their last write
    t.data[81920 + 1000] ^= 0xff // block 20
    t.data.fill(0, 90112, 102400) // blocks 22-24
    t.data.fill(0x5a, 200704, 204800) // block 49
    const c = await check(t, { off: 0, len: 1 << 20, bs: 4096, gen: 2, chunk: 16384 })
    expect(c.bad).toEqual([
      { offset: 40960, length: 8192, kind: 'misdirected', foundOffset: 0, foundGen: 2, foundSeed: 0 },
      { offset: 65536, length: 8192, kind: 'stale', foundOffset: 65536, foundGen: 1, foundSeed: 0 },
      { offset: 81920, length: 4096, kind: 'torn', foundOffset: 81920, foundGen: 2, foundSeed: 0 },
      { offset: 90112, length: 12288, kind: 'zeroed' },
      { offset: 200704, length: 4096, kind: 'foreign' },
    ])
    expect(c.counts).toEqual({ ok: 247, misdirected: 2, stale: 2, torn: 1, zeroed: 3, foreign: 1 })
    expect(checkExitStatus(c)).toBe(1)
    expect(formatCheck(c)).toEqual([
      'Stamp verification failed at offset 40960, 8192 bytes: misdirected (holds the stamp of offset 0, generation 2)',
      'Stamp verification failed at offset 65536, 8192 bytes: stale (generation 1, expected 2, seed 0)',
      'Stamp verification failed at offset 81920, 4096 bytes: torn (CRC mismatch; header of offset 81920, generation 2)',
      'Stamp verification failed at offset 90112, 12288 bytes: zeroed',
      'Stamp verification failed at offset 200704, 4096 bytes: foreign',
      '256 blocks of 4096 bytes: 247 ok, 2 misdirected, 2 stale, 1 torn, 3 zeroed, 1 foreign',
    ])
    expect(formatCheck(c, 2).slice(2, 3)).toEqual(['... and 3 more bad ranges'])
  })

  it('checks a per-block generation from a model', async () => {
    const t = new MemTarget(64 << 10)
    await stamp(t, { off: 0, len: 64 << 10, gen: 1 })
    await stamp(t, { off: 8192, len: 4096, gen: 2 })
    const c = await check(t, { off: 0, len: 64 << 10, gen: (o) => (o >= 8192 && o < 12288 ? 2 : 1) })
    expect(c.ok).toBe(true)
    expect(c.gen).toBeNull()
  })

  it('refuses lengths that are not whole blocks and ranges past the end', async () => {
    const t = new MemTarget(1 << 20)
    await expect(stamp(t, { off: 0, len: 1000 })).rejects.toThrow(UsageError)
    await expect(check(t, { off: 1 << 20, len: 512 })).rejects.toThrow(/past the end/)
    await expect(stamp(t, { off: 0, len: 512, gen: -1 })).rejects.toThrow(/generation/)
  })
})

describe('pieces', () => {
  it('chunks whole blocks', () => {
    expect(chunksOf(512, 5 * 4096, 4096, 10000)).toEqual([
      { offset: 512, length: 8192, index: 0 },
      { offset: 8704, length: 8192, index: 1 },
      { offset: 16896, length: 4096, index: 2 },
    ])
    expect(chunksOf(0, 8192, 4096, 100)).toHaveLength(2)
  })

  it('merges only runs that continue the same story', () => {
    const m = mergeBadRanges([
      { offset: 0, length: 512, kind: 'misdirected', foundOffset: 4096, foundGen: 1 },
      { offset: 512, length: 512, kind: 'misdirected', foundOffset: 4608, foundGen: 1 },
      { offset: 1024, length: 512, kind: 'misdirected', foundOffset: 0, foundGen: 1 },
      { offset: 1536, length: 512, kind: 'zeroed' },
      { offset: 2048, length: 512, kind: 'zeroed' },
      { offset: 3072, length: 512, kind: 'zeroed' },
    ])
    expect(m.map((r) => [r.offset, r.length, r.kind])).toEqual([
      [0, 1024, 'misdirected'],
      [1024, 512, 'misdirected'],
      [1536, 1024, 'zeroed'],
      [3072, 512, 'zeroed'],
    ])
  })

  it('parses option values into requests', () => {
    expect(parseStamp({ b: 4096, S: 3, g: 9, f: true }, [0, 8192])).toEqual({
      off: 0,
      len: 8192,
      bs: 4096,
      seed: 3,
      gen: 9,
      fua: true,
    })
    expect(parseCheck({}, [512, 1024])).toEqual({ off: 512, len: 1024 })
    expect(() => parseStamp({ b: 4096 }, [0, 1000])).toThrow(UsageError)
    expect(() => parseCheck({ g: 2 ** 32 }, [0, 512])).toThrow(/generation/)
  })
})

describe('reports', () => {
  const stats = {
    offset: 0,
    count: 4096,
    total: 4096,
    ops: 1,
    ns: 400_000,
    bytes: 4096,
    blocks: 8,
    bs: 512,
    seed: 0,
  }
  const stampRes = { ...stats, op: 'stamped' as const, gen: 1, fua: false }

  it('stamp prints print_report lines, -C, and a JSON record', () => {
    const sink = stringSink()
    reportStamp(new Reporter(sink), stampRes)
    expect(sink.stdout).toBe(
      'stamped 4096/4096 bytes at offset 0\n4 KiB, 1 ops; 00.00 sec (9.766 MiB/sec and 2500.0000 ops/sec)\n',
    )
    const csv = stringSink()
    reportStamp(new Reporter(csv), stampRes, { csv: true })
    expect(csv.stdout).toBe('4096,1,0:00:00.00,10240000.000,2500.000\n')
    const json = stringSink()
    reportStamp(new Reporter(json, 'json'), stampRes)
    expect(JSON.parse(json.stdout)).toMatchObject({ op: 'stamped', offset: 0, count: 4096, bs: 512, gen: 1 })
  })

  it('check prints the bad ranges and the summary before the report', () => {
    const res = {
      ...stats,
      op: 'checked' as const,
      gen: 1,
      ok: false,
      counts: { ok: 7, misdirected: 0, stale: 0, torn: 0, zeroed: 1, foreign: 0 },
      bad: [{ offset: 512, length: 512, kind: 'zeroed' as const }],
    }
    const sink = stringSink()
    reportCheck(new Reporter(sink), res)
    expect(sink.stdout).toBe(
      'Stamp verification failed at offset 512, 512 bytes: zeroed\n' +
        '8 blocks of 512 bytes: 7 ok, 1 zeroed\n' +
        'checked 4096/4096 bytes at offset 0\n' +
        '4 KiB, 1 ops; 00.00 sec (9.766 MiB/sec and 2500.0000 ops/sec)\n',
    )
    const json = stringSink()
    reportCheck(new Reporter(json, 'json'), res)
    const lines = json.stdout.trim().split('\n')
    expect(lines).toHaveLength(1)
    expect(JSON.parse(lines[0])).toMatchObject({
      op: 'checked',
      ok: false,
      counts: { zeroed: 1 },
      bad: res.bad,
    })
  })
})
