// Which events each command raises, in which order: recorded from qemu-io 7.2 itself (set-state
// chains read back by a probe, see helpers/qemu.ts) and compared with what rawio raises.
import { afterAll, describe, expect, it } from 'vitest'
import { noQemu, type QemuOpen, qemuEvents } from './helpers/qemu'
import { BlkdebugScratch, conf } from './helpers/scratch'
import { rawioScript, type ScriptOpen } from './helpers/script'

const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())
if (noQemu) console.warn(`skipping the event order comparisons: ${noQemu}`)

interface Case {
  cmds: string[]
  cache?: 'writethrough' | 'writeback' | 'none' | 'unsafe' | 'directsync'
  readOnly?: boolean
  limits?: Record<string, string>
  extra?: string
  /** What qemu-io 7.2 raised when this table was written (after 'none', at the open). */
  expected: string
}

const W = 'write_aio pwritev pwritev_done'
const failWrite = conf(['inject-error', { event: 'none', iotype: 'write', errno: 28, once: 'on' }])

const cases: Case[] = [
  { cmds: ['read 0 4k'], expected: 'read_aio' },
  { cmds: ['write 0 4k'], expected: `${W} flush_to_os` },
  { cmds: ['write 0 4k', 'write 0 4k'], expected: `${W} flush_to_os ${W} flush_to_os flush_to_disk` },
  {
    cmds: ['write 0 4k', 'flush', 'flush'],
    expected: `${W} flush_to_os flush_to_os flush_to_disk flush_to_os`,
  },
  { cmds: ['read 0 4k', 'flush'], expected: 'read_aio flush_to_os' },
  { cmds: ['write -f 0 4k'], cache: 'writeback', expected: `${W} flush_to_os` },
  { cmds: ['write 0 4k', 'flush'], cache: 'writeback', expected: `${W} flush_to_os flush_to_disk` },
  { cmds: ['write 0 4k', 'flush'], cache: 'none', expected: `${W} flush_to_os flush_to_disk` },
  { cmds: ['write 0 4k', 'flush'], cache: 'unsafe', expected: `${W} flush_to_os` },
  { cmds: ['write 0 4k'], cache: 'directsync', expected: `${W} flush_to_os` },
  { cmds: ['flush', 'flush'], cache: 'unsafe', expected: 'flush_to_os flush_to_os' },
  { cmds: ['flush', 'read 0 4k'], readOnly: true, expected: 'read_aio' },
  { cmds: ['write 1 100'], cache: 'none', expected: W },
  { cmds: ['write -z 0 4k'], expected: 'pwritev_zero pwritev_done flush_to_os' },
  {
    cmds: ['write -z 0 4k', 'write 0 4k'],
    expected: `pwritev_zero pwritev_done flush_to_os ${W} flush_to_os flush_to_disk`,
  },
  {
    cmds: ['write -z -u 0 4k', 'flush'],
    cache: 'writeback',
    expected: 'pwritev_zero pwritev_done flush_to_os flush_to_disk',
  },
  { cmds: ['discard 0 4k', 'flush'], cache: 'writeback', expected: 'flush_to_os flush_to_disk' },
  {
    cmds: ['write 0 4k', 'flush'],
    cache: 'writeback',
    extra: failWrite,
    expected: `${W} flush_to_os flush_to_disk`,
  },
  {
    cmds: ['write 1 100'],
    limits: { align: '4096' },
    expected: `write_aio pwritev_rmw_head pwritev_rmw_tail pwritev_rmw_after_head pwritev_rmw_after_tail pwritev pwritev_done flush_to_os`,
  },
  {
    cmds: ['write 0 100'],
    limits: { align: '4096' },
    expected: 'write_aio pwritev_rmw_tail pwritev_rmw_after_tail pwritev pwritev_done flush_to_os',
  },
  {
    cmds: ['write 100 8192'],
    limits: { align: '4096' },
    expected: `write_aio pwritev_rmw_head pwritev_rmw_after_head pwritev_rmw_tail pwritev_rmw_after_tail pwritev pwritev_done flush_to_os`,
  },
  { cmds: ['read 1 100'], limits: { align: '4096' }, expected: 'read_aio' },
  {
    cmds: ['write -z 1 8192'],
    limits: { align: '4096' },
    expected:
      'pwritev_rmw_head pwritev_rmw_after_head pwritev_rmw_tail pwritev_rmw_after_tail pwritev pwritev_done pwritev_zero pwritev_done pwritev pwritev_done flush_to_os',
  },
  { cmds: ['read 0 10k'], limits: { 'max-transfer': '4096' }, expected: 'read_aio read_aio read_aio' },
  { cmds: ['write 100 8192'], limits: { 'max-transfer': '4096' }, expected: `${W} ${W} flush_to_os` },
  {
    cmds: ['write -z 0 12k'],
    limits: { 'max-transfer': '4096', 'max-write-zero': '4096' },
    expected: 'pwritev_zero pwritev_done flush_to_os',
  },
]

const label = (c: Case) =>
  `${c.cmds.join('; ')}${c.cache ? ` (cache=${c.cache})` : ''}${c.readOnly ? ' (read-only)' : ''}${c.limits ? ` ${JSON.stringify(c.limits)}` : ''}${c.extra ? ' (a write fails)' : ''}`

describe('event order, qemu-io vs rawio', () => {
  it.skipIf(!!noQemu).each(cases.map((c) => [label(c), c] as const))('%s', async (_, c) => {
    const open: QemuOpen = { cache: c.cache, options: c.limits, readOnly: c.readOnly }
    const q = qemuEvents(scratch.dir, c.cmds, open, c.extra ?? '')
    expect(q[0], label(c)).toBe('none')
    expect(q.slice(1).join(' '), `qemu-io, ${label(c)}`).toBe(c.expected)
    const img = scratch.image()
    const cfg = scratch.config(c.extra ?? '')
    const open2: ScriptOpen = { cache: c.cache, limits: c.limits, readOnly: c.readOnly }
    const r = await rawioScript(`blkdebug:${cfg}:${img}`, c.cmds, open2)
    expect(r.events.join(' '), `rawio, ${label(c)}`).toBe(c.expected)
  })

  it('raises none at the open: a rule on it is active from the first request', async () => {
    const img = scratch.image()
    const cfg = scratch.config(conf(['inject-error', { event: 'none', iotype: 'read', errno: 5 }]))
    const r = await rawioScript(`blkdebug:${cfg}:${img}`, ['read 0 512', 'write 0 512'])
    expect(r.stdout).toEqual(['read failed: Input/output error', 'wrote 512/512 bytes at offset 0'])
  })
})
