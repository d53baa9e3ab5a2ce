// align: the sweep finds what the kernel enforces on loop devices (512 and 4096-byte sectors) and on
// an ext4 file, writes only where it may (and leaves the data as it was), and prints a correct table.
import { readFileSync } from 'node:fs'
import { basename } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { UsageError } from '../../lib/errors'
import { summarize } from '../../lib/integrity/align-probe'
import { alignJson, formatAlign, parseAlign } from '../../lib/integrity/align-report'
import { type AlignTable, alignSweep, probeUnit } from '../../lib/integrity/align-sweep'
import { attachLoop, canUseLoop, cleanupTmp, detachLoop, tmpFile, withLoop } from '../helpers/loop'
import { preadBehind, randomBytes, rng } from './targets'

afterAll(cleanupTmp)

const size = 4 << 20
const sweepOpts = { costMs: 20, costSizes: [4096, 65536] }

function queueValue(dev: string, name: string): number {
  return Number(readFileSync(`/sys/block/${basename(dev)}/queue/${name}`, 'utf8').trim())
}

function found(t: AlignTable, op: 'read' | 'write') {
  const get = (d: string) => t.rows.find((r) => r.dimension === d)?.[op]?.min
  return { offset: get('offset'), length: get('length'), memory: get('memory') }
}

/** The in-page buffer row: n/a when a block fills a page, else some alignment no stricter than dma. */
function checkPageRow(t: AlignTable, lbs: number, dma: number): void {
  const row = t.rows.find((r) => r.dimension === 'pageMemory')
  if (lbs >= 4096) {
    expect(row?.read).toBeNull()
    expect(row?.write).toBeNull()
    return
  }
  for (const f of [row?.read, row?.write]) {
    expect(f?.consistent).toBe(true)
    expect(f?.min).toBeLessThanOrEqual(dma)
  }
  // Accepting less than claimed is flagged, but as looser, not as a claim that fails.
  expect(row?.disagreements.every((d) => !d.stricter)).toBe(true)
}

describe.skipIf(!canUseLoop('align sweep on loop devices'))('align sweep on loop devices', () => {
  for (const sectorSize of [512, 4096]) {
    it(`finds what a ${sectorSize}-byte-sector loop enforces, reads and writes, both engines`, async () => {
      const content = randomBytes(size, rng(sectorSize))
      const file = tmpFile(size, content)
      const dev = attachLoop(file, { sectorSize, directIo: sectorSize === 4096 })
      try {
        const lbs = queueValue(dev, 'logical_block_size')
        const dma = queueValue(dev, 'dma_alignment') + 1
        expect(lbs).toBe(sectorSize)
        const truth = { offset: lbs, length: lbs, memory: dma }
        for (const engine of ['io_uring', 'threads'] as const) {
          const t = await alignSweep(dev, { ...sweepOpts, write: true, scratchOffset: 1 << 20, engine })
          expect(t.engine).toBe(engine)
          expect(found(t, 'read')).toEqual(truth)
          expect(found(t, 'write')).toEqual(truth)
          expect(t.rows.every((r) => r.read?.consistent !== false && r.write?.consistent !== false)).toBe(
            true,
          )
          checkPageRow(t, lbs, dma)
          expect(t.claimsHold).toBe(true)
          expect(
            t.rows.filter((r) => r.dimension !== 'pageMemory').every((r) => r.disagreements.length === 0),
          ).toBe(true)
          expect(t.claims).toMatchObject({ logicalBlockSize: lbs, dmaAlignment: dma })
          expect(t.scratch).toEqual({ offset: 1 << 20, length: 131072 }) // 64 KiB cost writes + 64 KiB
          expect(t.cost.map((c) => `${c.op} ${c.size}`)).toEqual([
            'read 4096',
            'read 65536',
            'write 4096',
            'write 65536',
          ])
          expect(t.cost.every((c) => c.ratio > 0 && c.aligned.ops >= 3)).toBe(true)
          const lines = formatAlign(t)
          expect(lines[2]).toMatch(
            new RegExp(`^offset alignment +${lbs} +${lbs} +${lbs} \\(STATX_DIOALIGN\\)`),
          )
          expect(lines[4]).toMatch(
            new RegExp(`^buffer alignment +${dma} +${dma} .*${dma} \\(dma_alignment\\)$`),
          )
          expect(lines.some((l) => /\(probed 1 to 65536\)$/.test(l))).toBe(true)
          expect(lines.some((l) => l.startsWith('!'))).toBe(false)
        }
      } finally {
        detachLoop(dev)
      }
      expect(Buffer.from(preadBehind(file, 0, size)).equals(Buffer.from(content))).toBe(true)
    })
  }

  it('writes nothing without -w: works on a read-only loop', async () => {
    await withLoop(tmpFile(size, Uint8Array.of(1, 2, 3)), { readOnly: true }, async (dev) => {
      const t = await alignSweep(dev, { ...sweepOpts })
      expect(t.write).toBe(false)
      expect(t.rows.every((r) => r.write === null)).toBe(true)
      expect(t.cost.every((c) => c.op === 'read')).toBe(true)
      expect(found(t, 'read').offset).toBe(512)
      expect(formatAlign(t)[0]).toMatch(/read-only$/)
      await expect(alignSweep(dev, { write: true, scratchOffset: 0 })).rejects.toThrow(/EROFS|EACCES|EPERM/)
    })
  })
})

describe('align sweep on an ext4 file', () => {
  it('finds what STATX_DIOALIGN says on allocated data, and keeps the data', async () => {
    const content = randomBytes(size, rng(7))
    const file = tmpFile(size, content)
    const t = await alignSweep(file, { ...sweepOpts, write: true, scratchOffset: 2 << 20 })
    expect(t.kind).toBe('file')
    expect(t.claims.dioAlignSource).toBe('statx')
    const truth = {
      offset: t.claims.dioOffsetAlign,
      length: t.claims.dioOffsetAlign,
      memory: t.claims.dioMemAlign,
    }
    expect(found(t, 'read')).toEqual(truth)
    expect(found(t, 'write')).toEqual(truth)
    expect(t.claimsHold).toBe(true)
    checkPageRow(t, t.claims.dioOffsetAlign, t.claims.dioMemAlign)
    expect(t.notes).toEqual([])
    expect(Buffer.from(preadBehind(file, 0, size)).equals(Buffer.from(content))).toBe(true)
    const json = alignJson(t)
    expect(JSON.parse(JSON.stringify(json))).toMatchObject({ op: 'align', kind: 'file', claimsHold: true })
  })

  it('says why reads of a hole prove nothing', async () => {
    const file = tmpFile(0)
    const { truncateSync } = await import('node:fs')
    truncateSync(file, size)
    const t = await alignSweep(file, { cost: false })
    expect(t.notes[0]).toMatch(/no allocated/)
    expect(formatAlign(t).some((l) => l.startsWith('note: no allocated'))).toBe(true)
  })

  it('refuses a scratch offset that is not 64 KiB aligned', async () => {
    const file = tmpFile(size)
    await expect(alignSweep(file, { write: true, scratchOffset: 4096 })).rejects.toThrow(UsageError)
  })
})

describe('align pieces', () => {
  it('parses -w and the scratch offset', () => {
    expect(parseAlign({}, [])).toEqual({ write: false })
    expect(parseAlign({ w: true }, [1 << 30])).toEqual({ write: true, scratchOffset: 1 << 30 })
    expect(() => parseAlign({ w: true }, [])).toThrow(UsageError)
    expect(() => parseAlign({}, [4096])).toThrow(UsageError)
  })

  it('summarizes verdicts and notices non-monotonic ones', () => {
    const v = (accepted: boolean[]) => accepted.map((a, i) => ({ value: 2 ** i, accepted: a }))
    expect(summarize(v([false, false, true, true]))).toMatchObject({ min: 4, consistent: true })
    expect(summarize(v([false, true, false, true]))).toMatchObject({ min: 2, consistent: false })
    expect(summarize(v([false, false]))).toMatchObject({ min: null, consistent: true })
  })

  it('shrinks the probe unit on tiny targets', () => {
    expect(probeUnit(1 << 30)).toBe(65536)
    expect(probeUnit(65536)).toBe(32768)
  })
})
