// Scenario by scenario, the same script through qemu-io (`qemu-io -f raw blkdebug:CONF:IMG`) and
// through rawio (Device API + the blkdebug command functions), each on a fresh raw image: the same
// printed lines (timing lines aside), the same exit status, the same bytes in the image.
import { afterAll, describe, expect, it } from 'vitest'
import { noQemu, qemuIo } from './helpers/qemu'
import { BlkdebugScratch, conf } from './helpers/scratch'
import { rawioScript, type ScriptOpen } from './helpers/script'

const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())
if (noQemu) console.warn(`skipping the qemu-io comparisons: ${noQemu}`)

interface Scenario {
  name: string
  config: string
  cmds: string[]
  open?: ScriptOpen
  /** Aio reports whose order depends on the thread pool: compared as a set at each aio_flush. */
  unorderedAio?: boolean
  /** What both must print (a guard against both being wrong the same way). */
  expect?: string[]
}

const MiB = 1 << 20

/** Consecutive aio report lines, sorted. */
function normalise(lines: string[]): string[] {
  const out: string[] = []
  let run: string[] = []
  const isReport = (l: string) => /^(read|wrote) \d+\/\d+ bytes|^(readv|aio_write) failed/.test(l)
  for (const l of [...lines, '']) {
    if (isReport(l)) run.push(l)
    else {
      out.push(...run.sort())
      run = []
      if (l !== '') out.push(l)
    }
  }
  return out
}

async function compare(s: Scenario): Promise<void> {
  const cfg = scratch.config(s.config)
  const qImg = scratch.image(MiB)
  const rImg = scratch.image(MiB)
  const q = qemuIo(cfg, qImg, s.cmds, { cache: s.open?.cache, options: s.open?.limits })
  const r = await rawioScript(`blkdebug:${cfg}:${rImg}`, s.cmds, s.open)
  const shape = s.unorderedAio ? normalise : (l: string[]) => l
  expect(shape(r.stdout), `${s.name}: rawio vs qemu-io output`).toEqual(shape(q.stdout))
  expect(q.stderr, `${s.name}: qemu-io stderr`).toEqual([])
  expect(r.status, `${s.name}: exit status`).toBe(q.status)
  expect(scratch.bytes(rImg).equals(scratch.bytes(qImg)), `${s.name}: image bytes`).toBe(true)
  if (s.expect) expect(shape(r.stdout)).toEqual(shape(s.expect))
}

const scenarios: Scenario[] = [
  {
    name: 'ENOSPC once on the first write',
    config: conf(['inject-error', { event: 'write_aio', errno: 28, once: 'on' }]),
    cmds: ['write -P 1 0 4k', 'write -P 2 4k 4k', 'read -P 0 0 4k', 'read -P 2 4k 4k'],
    expect: [
      'write failed: No space left on device',
      'wrote 4096/4096 bytes at offset 4096',
      'read 4096/4096 bytes at offset 0',
      'read 4096/4096 bytes at offset 4096',
    ],
  },
  {
    name: 'a state machine driven by flush_to_disk (not raised by the writethrough flush of a first write)',
    config: conf(
      ['set-state', { event: 'flush_to_disk', state: 1, new_state: 2 }],
      ['set-state', { event: 'flush_to_disk', state: 2, new_state: 3 }],
      ['inject-error', { event: 'read_aio', state: 2, errno: 5 }],
      ['inject-error', { event: 'read_aio', state: 3, errno: 28 }],
    ),
    cmds: [
      'flush',
      'read 0 4k',
      'write 0 4k',
      'read 0 4k',
      'flush',
      'read 0 4k',
      'write 0 4k',
      'flush',
      'read 0 4k',
    ],
    expect: [
      'read 4096/4096 bytes at offset 0',
      'wrote 4096/4096 bytes at offset 0',
      'read 4096/4096 bytes at offset 0',
      'read failed: Input/output error',
      'write failed: Input/output error',
      'read failed: No space left on device',
    ],
  },
  {
    name: 'a sector-restricted error (reads and writes overlapping sector 8 only)',
    config: conf(['inject-error', { event: 'read_aio', sector: 8, errno: 5 }]),
    cmds: [
      'read 0 4k',
      'read 4k 512',
      'write -P 7 0 4k',
      'write -P 7 4k 512',
      'read 3584 1k',
      'write -P 9 8k 4k',
    ],
  },
  {
    name: 'iotype filters: write-zeroes, discard and flush each fail their own way',
    config: conf(
      ['inject-error', { event: 'none', iotype: 'write-zeroes', errno: 28 }],
      ['inject-error', { event: 'none', iotype: 'discard', errno: 1 }],
      ['inject-error', { event: 'none', iotype: 'flush', errno: 5 }],
    ),
    cmds: ['read 0 4k', 'write -P 3 0 8k', 'write -z 0 4k', 'discard 4k 4k', 'read -P 3 0 8k', 'flush'],
    open: { cache: 'writeback' },
  },
  {
    name: 'iotype read leaves writes alone, once per rule',
    config: conf(
      ['inject-error', { event: 'write_aio', iotype: 'read', errno: 5, once: 'on' }],
      ['inject-error', { event: 'write_aio', iotype: 'read', errno: 28, once: 'on' }],
    ),
    cmds: ['write -P 4 0 4k', 'read 0 4k', 'read 0 4k', 'read -P 4 0 4k'],
  },
  {
    name: 'immediately: failed aio requests complete newest first',
    config: conf(['inject-error', { event: 'write_aio', errno: 28, immediately: 'on' }]),
    cmds: ['aio_write 0 4k', 'aio_read 0 4k', 'aio_flush', 'write 0 4k', 'read 0 4k'],
    expect: [
      'readv failed: No space left on device',
      'aio_write failed: No space left on device',
      'write failed: No space left on device',
      'read failed: No space left on device',
    ],
  },
  {
    name: 'without immediately: failed aio requests complete in order',
    config: conf(['inject-error', { event: 'write_aio', errno: 28 }]),
    cmds: ['aio_write 0 4k', 'aio_read 0 4k', 'aio_flush'],
    expect: ['aio_write failed: No space left on device', 'readv failed: No space left on device'],
  },
  {
    name: 'break, wait_break, an aio_read overtakes the suspended aio_write, resume',
    config: '',
    cmds: [
      'break write_aio A',
      'aio_write -P 1 0 4k',
      'wait_break A',
      'aio_read -P 0 4k 4k',
      'resume A',
      'aio_flush',
      'read -P 1 0 4k',
    ],
    expect: [
      "blkdebug: Suspended request 'A'",
      "blkdebug: Resuming request 'A'",
      'read 4096/4096 bytes at offset 4096',
      'wrote 4096/4096 bytes at offset 0',
      'read 4096/4096 bytes at offset 0',
    ],
  },
  {
    name: 'remove_break resumes several requests (and fails as qemu 7.2 once no breakpoint is left)',
    config: '',
    cmds: [
      'break write_aio A',
      'aio_write -P 1 0 4k',
      'break write_aio A',
      'aio_write -P 2 4k 4k',
      'break read_aio A',
      'aio_read -P 0 8k 4k',
      'remove_break A',
      'aio_flush',
      'read -P 1 0 4k',
      'read -P 2 4k 4k',
    ],
    unorderedAio: true,
  },
  {
    name: 'a resumed request runs on to its next breakpoint before the next is resumed',
    config: '',
    cmds: [
      'break read_aio A',
      'aio_read 0 4k',
      'break write_aio A',
      'aio_write -P 1 0 4k',
      'break pwritev W',
      'remove_break A',
      'resume W',
      'aio_flush',
    ],
    expect: [
      "blkdebug: Suspended request 'A'",
      "blkdebug: Suspended request 'A'",
      "blkdebug: Resuming request 'A'",
      "blkdebug: Suspended request 'W'",
      "blkdebug: Resuming request 'A'",
      'Could not remove breakpoint A: No such file or directory',
      "blkdebug: Resuming request 'W'",
      'read 4096/4096 bytes at offset 0',
      'wrote 4096/4096 bytes at offset 0',
    ],
  },
  {
    name: 'remove_break of a breakpoint nothing hit, and unknown tags and events',
    config: '',
    cmds: [
      'break flush_to_disk F',
      'remove_break F',
      'remove_break F',
      'resume X',
      'break nosuch T',
      'read 0 512',
    ],
    expect: [
      'Could not remove breakpoint F: No such file or directory',
      'Could not resume request: No such file or directory',
      'Could not set breakpoint: No such file or directory',
      'read 512/512 bytes at offset 0',
    ],
  },
  {
    name: 'rule precedence: the first set-state in the file wins, the first inject-error is checked first',
    config: conf(
      ['set-state', { event: 'read_aio', state: 1, new_state: 2 }],
      ['set-state', { event: 'read_aio', state: 1, new_state: 3 }],
      ['inject-error', { event: 'write_aio', state: 2, errno: 22, once: 'on' }],
      ['inject-error', { event: 'write_aio', state: 2, errno: 28, once: 'on' }],
      ['inject-error', { event: 'write_aio', state: 3, errno: 5 }],
    ),
    cmds: ['read 0 512', 'write 0 512', 'write 0 512', 'write 0 512'],
  },
  {
    name: "O_DIRECT: rules see the caller's range, not the device-aligned one",
    config: conf(['inject-error', { event: 'none', sector: 1, errno: 5 }]),
    cmds: ['write -P 3 1 100', 'write -P 4 600 100', 'read -P 3 1 100', 'read 600 100'],
    open: { cache: 'none' },
  },
  {
    name: 'max-transfer: the chunks before the failing one are written',
    config: conf(['inject-error', { event: 'none', iotype: 'write', sector: 16, errno: 28 }]),
    cmds: ['write -P 5 0 16k', 'read -P 5 0 8k', 'read -P 0 8k 8k'],
    open: { limits: { 'max-transfer': '8k' } },
  },
  {
    name: 'align: a sector rule sees the padded request',
    config: conf(['inject-error', { event: 'none', sector: 7, errno: 5 }]),
    cmds: ['write -P 6 1 100', 'read 1 100', 'write -P 6 4096 100'],
    open: { limits: { align: '4096' } },
  },
  {
    name: 'opt-write-zero: unaligned parts fall back to writes (iotype write)',
    config: conf(['inject-error', { event: 'none', iotype: 'write', errno: 28 }]),
    cmds: ['write -z 0 8k', 'write -z 100 8k', 'write -z 4096 4196'],
    open: { limits: { 'opt-write-zero': '4096' } },
  },
]

describe('blkdebug scenarios, qemu-io vs rawio', () => {
  it.skipIf(!!noQemu).each(scenarios.map((s) => [s.name, s] as const))('%s', async (_, s) => {
    await compare(s)
  })
})
