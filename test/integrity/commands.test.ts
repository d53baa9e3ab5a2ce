// stamp, check and align as commands: the parse phase (pure), a Session on real temp files and loop
// devices, and bin/rawio.js as a real process (build dist/ first: npx tsc -p tsconfig.build.json).
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/device'
import { openSession, parse, stop } from '../commands/helpers'
import { attachLoop, cleanupTmp, loopUnavailable, tmpFile } from '../helpers/loop'
import { preadBehind, pwriteBehind } from './targets'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const KiB = 1024
const MiB = 1 << 20
afterAll(cleanupTmp)

function rawio(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** Copies block `from` over block `to` through another fd: a misdirected write rawio never saw. */
function misdirect(path: string, from: number, to: number, bs = 4 * KiB): void {
  pwriteBehind(path, to * bs, preadBehind(path, from * bs, bs))
}

describe('parse phase', () => {
  it('maps the words onto lib/integrity requests', async () => {
    expect(await parse('stamp -b 4k -S 7 -g 2 -f 0 1M')).toEqual({
      req: { off: 0, len: MiB, bs: 4096, seed: 7, gen: 2, fua: true },
      csv: false,
      quiet: false,
    })
    expect(await parse('check -Cq 1M 64k')).toEqual({
      req: { off: MiB, len: 64 * KiB },
      csv: true,
      quiet: true,
    })
    expect(await parse('align')).toEqual({ write: false })
    expect(await parse('align -w 1G')).toEqual({ write: true, scratchOffset: 1 << 30 })
  })

  it.each([
    ['stamp 0 1x', 'Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- 1x'],
    ['check -b 4k 0 1000', 'length 1000 is not a multiple of the block size 4096'],
    ['stamp -g 4294967296 0 4k', 'generation 4294967296 is out of range 0 .. 4294967295'],
    ['align 64k', 'align: an offset is only used with -w'],
    ['align -w', 'align: -w needs the offset of a scratch range'],
    [
      'stamp 0 1 2',
      'stamp [-b bs] [-S seed] [-g gen] [-f] [-C] [-q] off len -- writes self-describing stamped blocks over a range',
    ],
  ])('%s: one line on stdout', async (line, text) => {
    expect(await stop(line)).toEqual([{ stream: 'out', text }])
  })

  it('checks arity and options from the table', async () => {
    expect(await stop('check 0')).toEqual([
      { stream: 'err', text: 'bad argument count 1 to check, expected at least 2 arguments' },
    ])
    expect((await stop('check -f 0 4k'))[0]).toEqual({ stream: 'err', text: "check: invalid option -- 'f'" })
  })
})

describe('through a Session, on a temp file', () => {
  it('stamp then check: both reports, ok', async () => {
    const t = await openSession(tmpFile(4 * MiB))
    try {
      const s = await t.run('stamp -b 4k -g 2 0 1M')
      expect(s.ok).toBe(true)
      expect(s.stdout).toMatch(/^stamped 1048576\/1048576 bytes at offset 0\n1 MiB, 1 ops; /)
      expect(s.result).toMatchObject({ command: 'stamp', op: 'stamped', offset: 0, bytes: MiB })
      const c = await t.run('check -b 4k -g 2 0 1M')
      expect(c.ok).toBe(true)
      expect(c.stdout).toMatch(
        /^256 blocks of 4096 bytes: 256 ok\nchecked 1048576\/1048576 bytes at offset 0\n/,
      )
      expect((await t.run('check -q -b 4k -g 2 0 1M')).stdout).toBe('')
    } finally {
      await t.close()
    }
  })

  it('a block changed behind its back fails check and is named', async () => {
    const file = tmpFile(4 * MiB)
    const t = await openSession(file)
    try {
      await t.run('stamp -q -b 4k -g 2 0 1M')
      misdirect(file, 2, 10)
      const c = await t.run('check -b 4k -g 2 0 1M')
      expect(c.ok).toBe(false)
      expect(c.result.error).toBe('256 blocks of 4096 bytes: 255 ok, 1 misdirected')
      expect(c.stdout.split('\n').slice(0, 2)).toEqual([
        'Stamp verification failed at offset 40960, 4096 bytes: misdirected (holds the stamp of offset 8192, generation 2)',
        '256 blocks of 4096 bytes: 255 ok, 1 misdirected',
      ])
      // -q keeps the bad ranges and the summary, and drops the statistics
      const q = await t.run('check -q -b 4k -g 2 0 1M')
      expect(q.ok).toBe(false)
      expect(q.stdout).not.toContain('checked')
      expect(q.stdout).toContain('at offset 40960, 4096 bytes: misdirected')
    } finally {
      await t.close()
    }
  })

  it('check with the wrong seed: foreign, naming both seeds (not stale)', async () => {
    const t = await openSession(tmpFile(1 * MiB))
    try {
      await t.run('stamp -q -b 4k -S 42 -g 2 0 64k')
      const c = await t.run('check -q -b 4k -S 7 -g 2 0 64k')
      expect(c.ok).toBe(false)
      expect(c.stdout).toBe(
        'Stamp verification failed at offset 0, 65536 bytes: foreign (a stamp of seed 42, expected seed 7; generation 2)\n' +
          '16 blocks of 4096 bytes: 0 ok, 16 foreign\n',
      )
      // The right seed and an older generation is a lost write: stale.
      const g = await t.run('check -q -b 4k -S 42 -g 3 0 4k')
      expect(g.stdout).toContain('stale (generation 2, expected 3, seed 42)')
    } finally {
      await t.close()
    }
  })

  it('a bad block size says why, not "not a multiple of the block size 0"', async () => {
    for (const line of ['stamp -b 0 0 4k', 'check -b 0 0 4k', 'stamp -b 3 0 4k', 'stamp -b 0 0 0']) {
      const bs = line.split(' ')[2]
      expect(await stop(line)).toEqual([
        {
          stream: 'out',
          text: `stamp block size ${bs} is invalid: it must be a multiple of 4 from 64 to 67108864`,
        },
      ])
    }
  })

  it('--json: one record per command, with the bad ranges', async () => {
    const t = await openSession(tmpFile(MiB), {}, { json: true })
    try {
      await t.run('stamp -b 4k 0 64k')
      const c = await t.run('check -b 4k -g 2 0 8k')
      expect(c.ok).toBe(false)
      const records = c.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(records).toHaveLength(1)
      expect(records[0]).toMatchObject({
        command: 'check',
        ok: false,
        op: 'checked',
        count: 8192,
        bs: 4096,
        counts: { ok: 0, stale: 2 },
        bad: [{ offset: 0, length: 8192, kind: 'stale', foundGen: 1 }],
      })
    } finally {
      await t.close()
    }
  })

  it('failures are one clear line: past the end, a read-only image', async () => {
    const t = await openSession(tmpFile(MiB), { readOnly: true })
    try {
      const past = await t.run('check 0 2M')
      expect(past).toMatchObject({ ok: false, stderr: '' })
      expect(past.stdout).toBe('check failed: range 0+2097152 is past the end of the device (1048576)\n')
      expect(await t.run('stamp 0 4k')).toMatchObject({
        ok: false,
        stdout: '',
        stderr: 'rawio: Block node is read-only\n',
      })
      expect(await t.run('align -w 0')).toMatchObject({
        ok: false,
        stderr: 'rawio: Block node is read-only\n',
      })
    } finally {
      await t.close()
    }
  })

  it('align prints the table beside the claims', async () => {
    const file = tmpFile(4 * MiB, new Uint8Array([1, 2, 3]))
    const before = preadBehind(file, MiB, 2 * MiB)
    const t = await openSession(file)
    try {
      const r = await t.run('align -w 1M')
      expect(r.ok).toBe(true)
      const lines = r.stdout.split('\n')
      expect(lines[0]).toMatch(
        new RegExp(`^align: ${file}: file, 4 MiB, O_DIRECT, \\w+, writes in \\[1048576, `),
      )
      expect(lines[1]).toMatch(/^ +read +write +claimed$/)
      expect(lines[2]).toMatch(/^offset alignment +\d+ +\d+ +\d+ \(/)
      expect(r.stdout).toContain('misalignment cost in auto mode')
      // the scratch range holds what it held before
      expect(Buffer.from(preadBehind(file, MiB, 2 * MiB)).equals(Buffer.from(before))).toBe(true)
    } finally {
      await t.close()
    }
  }, 30_000)
})

const noLoop = loopUnavailable()
if (noLoop) console.warn(`skipping the loop device cases of the integrity commands: ${noLoop}`)

describe.skipIf(noLoop !== null)('through a Session, on a loop device', () => {
  it('align runs while the device is held with O_EXCL (a second open, without O_EXCL)', async () => {
    const dev = attachLoop(tmpFile(4 * MiB))
    const holder = await Device.open(dev, { exclusive: true, readOnly: true })
    const t = await openSession(dev)
    try {
      expect(holder.info().exclusive).toBe(true)
      const r = await t.run('align')
      expect(r).toMatchObject({ ok: true, stderr: '' })
      expect(r.stdout).toMatch(new RegExp(`^align: ${dev}: block device, 4 MiB, O_DIRECT`))
      // but writing probes are a write: the interlock sees the other holder and refuses
      const w = await t.run('align -w 0')
      expect(w.ok).toBe(false)
      expect(w.stderr).toBe(
        `rawio: ${dev} is open exclusively by another program (an O_EXCL open fails with EBUSY); refusing to write. Use --force to override.\n`,
      )
    } finally {
      await t.close()
      await holder.close()
    }
  }, 30_000)
})

describe('bin/rawio.js', () => {
  it('stamp then check: exit 0', () => {
    const file = tmpFile(2 * MiB)
    const r = rawio(['-c', 'stamp -S 5 0 1M', '-c', 'check -S 5 0 1M', file])
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^stamped .*\n.*\n2048 blocks of 512 bytes: 2048 ok\nchecked /)
  })

  it('a corrupted block: exit 1 and the bad range named', () => {
    const file = tmpFile(2 * MiB)
    expect(rawio(['-c', 'stamp -q -b 4k 0 1M', file]).status).toBe(0)
    pwriteBehind(file, 12 * 4096 + 100, new Uint8Array([0xff]))
    const r = rawio(['-c', 'check -b 4k 0 1M', file])
    expect(r.status).toBe(1)
    expect(r.stdout).toContain(
      'Stamp verification failed at offset 49152, 4096 bytes: torn (CRC mismatch; header of offset 49152, generation 1)\n',
    )
    expect(r.stdout).toContain('256 blocks of 4096 bytes: 255 ok, 1 torn\n')
  })

  it('align on a temp file prints a table', () => {
    const file = tmpFile(2 * MiB, new Uint8Array([7]))
    const r = rawio(['-c', 'align', file])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(new RegExp(`^align: ${file}: file, 2 MiB, O_DIRECT, \\w+, read-only\n`))
    expect(r.stdout).toMatch(/\nbuffer alignment +\d+ +- +/)
  }, 30_000)

  it('bad input: one clear line, exit 1', () => {
    const file = tmpFile(MiB)
    expect(rawio(['-c', 'stamp 0 1000', file])).toEqual({
      status: 1,
      stdout: 'stamp failed: length 1000 is not a multiple of the block size 512\n',
      stderr: '',
    })
    expect(rawio(['-c', 'check -S x 0 4k', file])).toEqual({
      status: 1,
      stdout: 'Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- x\n',
      stderr: '',
    })
  })
})
