// Fake device limits: the pure plans (padding, write-zeroes and discard pieces) and the option
// checks next to qemu-io's texts.

import { spawnSync } from 'node:child_process'
import { afterAll, describe, expect, it } from 'vitest'
import { openBlkdebug } from '../../lib/blkdebug'
import {
  discardChunks,
  padding,
  parseLimitOptions,
  splitRange,
  validateLimits,
  zeroChunks,
} from '../../lib/blkdebug/limits'
import { noQemu } from './helpers/qemu'
import { BlkdebugScratch } from './helpers/scratch'

const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())

describe('plans', () => {
  it('splits by max-transfer from the request offset', () => {
    expect(splitRange(100, 8192, 4096)).toEqual([
      { offset: 100, length: 4096 },
      { offset: 4196, length: 4096 },
    ])
    expect(splitRange(0, 10, 0)).toEqual([{ offset: 0, length: 10 }])
  })

  it('pads as bdrv_init_padding, merging the reads of one or two blocks', () => {
    expect(padding(0, 4096, 4096)).toBeNull()
    const one = padding(1, 100, 4096)
    expect(one?.span).toEqual({ offset: 0, length: 4096 })
    expect(one?.steps).toEqual([
      {
        before: ['pwritev_rmw_head', 'pwritev_rmw_tail'],
        read: { offset: 0, length: 4096 },
        after: ['pwritev_rmw_after_head', 'pwritev_rmw_after_tail'],
      },
    ])
    expect(padding(100, 4096, 4096)?.steps).toHaveLength(1) // two blocks, one read
    const three = padding(100, 8192, 4096)
    expect(three?.steps.map((s) => s.read)).toEqual([
      { offset: 0, length: 4096 },
      { offset: 8192, length: 4096 },
    ])
    expect(padding(4096, 100, 4096)?.steps[0].before).toEqual(['pwritev_rmw_tail'])
  })

  it('cuts write-zeroes as bdrv_co_do_pwrite_zeroes, unaligned pieces falling back to writes', () => {
    expect(zeroChunks(100, 8192, { optWriteZero: 4096 })).toEqual([
      { offset: 100, length: 3996, fallback: true },
      { offset: 4096, length: 4096, fallback: false },
      { offset: 8192, length: 100, fallback: true },
    ])
    expect(zeroChunks(0, 12288, { maxWriteZero: 4096 }).map((c) => c.length)).toEqual([4096, 4096, 4096])
  })

  it('cuts discards as bdrv_co_pdiscard; pieces below the request alignment are dropped', () => {
    expect(discardChunks(100, 8192, { optDiscard: 4096 })).toEqual([
      { offset: 100, length: 3996, skip: false },
      { offset: 4096, length: 4096, skip: false },
      { offset: 8192, length: 100, skip: false },
    ])
    expect(discardChunks(100, 8192, { align: 512 }).filter((c) => !c.skip)).toEqual([
      { offset: 512, length: 7680, skip: false },
    ])
  })
})

describe('options', () => {
  it('takes qemu names with sizes, or the library fields', () => {
    expect(parseLimitOptions({ align: '4k', 'max-transfer': '64k', maxDiscard: 1 << 20 })).toEqual({
      align: 4096,
      maxTransfer: 65536,
      maxDiscard: 1 << 20,
    })
    expect(() => parseLimitOptions({ bogus: '1' })).toThrow(
      "Block protocol 'blkdebug' doesn't support the option 'bogus'",
    )
  })

  it('checks them as blkdebug_open does', () => {
    expect(() => validateLimits({ align: 4097 }, 1)).toThrow('Cannot meet constraints with align 4097')
    expect(() => validateLimits({ maxTransfer: 6144 }, 4096)).toThrow(
      'Cannot meet constraints with max-transfer 6144',
    )
    expect(() => validateLimits({ optWriteZero: 4096, maxWriteZero: 6144 }, 512)).toThrow(
      'Cannot meet constraints with max-write-zero 6144',
    )
    expect(() => validateLimits({ maxTransfer: 1000 }, 1)).not.toThrow()
  })

  const cases: Record<string, string>[] = [
    { align: '4097' },
    { align: '4096', 'max-transfer': '6k' },
    { align: '512', 'opt-write-zero': '1000' },
    { 'opt-write-zero': '4k', 'max-write-zero': '6k' },
    { align: '512', 'opt-discard': '100' },
    { 'opt-discard': '4k', 'max-discard': '6k' },
    { bogus: '1' },
    { align: 'abc' },
  ]
  it.skipIf(!!noQemu).each(cases)('%j: the same text as qemu-io', async (opts) => {
    const img = scratch.image(1 << 20)
    const o = Object.entries(opts)
      .map(([k, v]) => `,file.${k}=${v}`)
      .join('')
    const q = spawnSync('qemu-io', ['-c', `open -o driver=raw${o} blkdebug::${img}`], { encoding: 'utf8' })
    const prefix = `qemu-io: can't open device blkdebug::${img}: `
    const qemuText = q.stderr.trimEnd()
    expect(qemuText.startsWith(prefix)).toBe(true)
    await expect(openBlkdebug(`blkdebug::${img}`, { blkdebug: { limits: opts } })).rejects.toThrow(
      qemuText.slice(prefix.length),
    )
  })
})
