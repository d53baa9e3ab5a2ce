// The interlock's pure parts: /proc parsers, the sysfs walk on a fixture tree (holders such as
// device-mapper and md cannot be made on a kernel without them), and the findings and refusal
// lines for every kind, including a build without libblkid.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import type { NativeTargetReport } from '../../lib/safety/binding'
import { type BlockUsage, blockUsage } from '../../lib/safety/block-usage'
import {
  type CheckResult,
  combineHooks,
  describeSignature,
  type Finding,
  findingsOf,
  InterlockError,
  interlockPolicy,
} from '../../lib/safety/interlock'
import { parseMountinfo, parseSwaps, splitDev, unescapeOctal } from '../../lib/safety/proc-parse'

const MOUNTINFO = [
  '22 27 0:21 / /proc rw,relatime - proc proc rw',
  '27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard',
  '42 27 7:2 / /mnt/with\\040space rw,relatime shared:5 master:1 - ext4 /dev/loop2 rw',
  '43 27 0:44 / /srv/btrfs rw,relatime - btrfs /dev/loop9 rw,space_cache',
  'garbage line',
  '',
].join('\n')

describe('proc parsers', () => {
  it('parses mountinfo, optional fields and escapes included', () => {
    const m = parseMountinfo(MOUNTINFO)
    expect(m).toHaveLength(4)
    expect(m[2]).toEqual({ dev: '7:2', mountPoint: '/mnt/with space', fsType: 'ext4', source: '/dev/loop2' })
    expect(m[3]).toMatchObject({ dev: '0:44', fsType: 'btrfs', source: '/dev/loop9' })
  })

  it('parses /proc/swaps', () => {
    const text =
      'Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n' +
      '/dev/loop2                              partition\t16380\t\t0\t\t-2\n' +
      '/swap\\040file                              file\t16380\t\t0\t\t-3\n'
    expect(parseSwaps(text)).toEqual([
      { path: '/dev/loop2', type: 'partition' },
      { path: '/swap file', type: 'file' },
    ])
    expect(parseSwaps('Filename Type Size Used Priority\n')).toEqual([])
  })

  it('splits dev_t as glibc does', () => {
    expect(splitDev(0x0702n)).toEqual({ major: 7, minor: 2 })
    expect(splitDev((259n << 8n) | 1n)).toEqual({ major: 259, minor: 1 })
    // major 4095+, minor 255+ use the high bits
    const makedev = (ma: bigint, mi: bigint) =>
      ((ma & 0xfffn) << 8n) | ((ma & ~0xfffn) << 32n) | (mi & 0xffn) | ((mi & ~0xffn) << 12n)
    expect(splitDev(makedev(0x1234abcn, 0x5678n))).toEqual({ major: 0x1234abc, minor: 0x5678 })
    expect(unescapeOctal('a\\011b\\134c')).toBe('a\tb\\c')
  })
})

describe('block usage on a fixture sysfs tree', () => {
  const root = mkdtempSync('/tmp/rawio-sysfs-')
  afterAll(() => rmSync(root, { recursive: true, force: true }))
  // /sys/dev/block/8:0 -> ../../devices/.../sda, with sda1 (held by dm-0) and sda2 (mounted), md0 on sda
  const disk = join(root, 'devices/virtual/block/sda')
  for (const d of ['', 'holders', 'sda1/holders', 'sda2/holders'])
    mkdirSync(join(disk, d), { recursive: true })
  writeFileSync(join(disk, 'dev'), '8:0\n')
  writeFileSync(join(disk, 'sda1/dev'), '8:1\n')
  writeFileSync(join(disk, 'sda1/partition'), '1\n')
  writeFileSync(join(disk, 'sda2/dev'), '8:2\n')
  writeFileSync(join(disk, 'sda2/partition'), '2\n')
  mkdirSync(join(disk, 'queue'))
  mkdirSync(join(disk, 'sda1/holders/dm-0'))
  mkdirSync(join(disk, 'holders/md0'))
  mkdirSync(join(root, 'dev/block'), { recursive: true })
  symlinkSync('../../devices/virtual/block/sda', join(root, 'dev/block/8:0'))
  const mountinfo = join(root, 'mountinfo')
  writeFileSync(mountinfo, '50 27 8:2 / /data rw - xfs /dev/sda2 rw\n')
  const swaps = join(root, 'swaps')
  writeFileSync(swaps, 'Filename Type Size Used Priority\n')

  it('finds partitions, their holders and mounts', () => {
    const u = blockUsage(8, 0, { sys: root, mountinfo, swaps })
    expect(u.self).toEqual({ name: 'sda', dev: '8:0' })
    expect(u.isPartition).toBe(false)
    expect(u.partitions.map((p) => p.name).sort()).toEqual(['sda1', 'sda2'])
    expect(u.holders.map((h) => `${h.of.name}:${h.holder}`).sort()).toEqual(['sda1:dm-0', 'sda:md0'])
    expect(u.mounts.map((m) => `${m.of.name}:${m.mount.mountPoint}`)).toEqual(['sda2:/data'])
  })

  it('turns them into findings, most severe first, with one line for the refusal', () => {
    const u = blockUsage(8, 0, { sys: root, mountinfo, swaps })
    const report: NativeTargetReport = {
      statError: null,
      isBlock: true,
      major: 8,
      minor: 0,
      exclusiveError: 'EBUSY',
      signatures: { available: true, error: null, ambivalent: false, found: [] },
    }
    const f = findingsOf('/dev/sda', report, u)
    expect(f.map((x) => `${x.kind} ${x.device} ${x.text}`)).toEqual([
      'mounted /dev/sda2 is mounted on /data',
      'holder /dev/sda is held by md0 (md RAID)',
      'holder /dev/sda1 is held by dm-0 (device-mapper)',
    ])
    const e = new InterlockError(result('/dev/sda', f, true))
    expect(e.message).toBe(
      'rawio: /dev/sda (partition /dev/sda2) is mounted on /data; refusing to write. ' +
        'Unmount it first (--force does not override this).',
    )
    expect(e.reason).toBe('mounted')
  })
})

function result(path: string, findings: Finding[], force = false): CheckResult {
  const blocking = findings.filter((f) => !(force && f.overridable))
  return { ok: blocking.length === 0, path, isBlockDevice: true, findings, blocking, overridden: [] }
}

const emptyUsage = (): BlockUsage => {
  const self = { name: 'loop3', dev: '7:3' }
  return { self, isPartition: false, partitions: [], holders: [], mounts: [], swaps: [] }
}

describe('findings and refusal lines', () => {
  const base: NativeTargetReport = {
    statError: null,
    isBlock: true,
    major: 7,
    minor: 3,
    exclusiveError: null,
  }

  it('a build without libblkid refuses (fail closed), and force overrides', () => {
    const report = {
      ...base,
      signatures: {
        available: false,
        error: 'ENOTSUP',
        reason: 'libblkid not available',
        ambivalent: false,
        found: [],
      },
    }
    const f = findingsOf('/dev/loop3', report, emptyUsage())
    expect(f).toEqual([expect.objectContaining({ kind: 'unverified', overridable: true })])
    expect(new InterlockError(result('/dev/loop3', f)).message).toBe(
      'rawio: /dev/loop3 cannot be checked for signatures (libblkid not available); refusing to write. ' +
        'Use --force to override.',
    )
    expect(result('/dev/loop3', f, true).ok).toBe(true)
  })

  it('names several signatures of one device in one sentence', () => {
    const report = {
      ...base,
      signatures: {
        available: true,
        error: null,
        ambivalent: false,
        found: [
          { chain: 'superblocks' as const, type: 'xfs', usage: 'filesystem', uuid: 'u-1' },
          { chain: 'partitions' as const, type: 'gpt', uuid: 'p-1' },
        ],
      },
    }
    const f = findingsOf('/dev/loop3', report, emptyUsage())
    const e = new InterlockError(result('/dev/loop3', f), 'Pass {force: true} to override.')
    expect(e.message).toBe(
      'rawio: /dev/loop3 contains an xfs filesystem (UUID u-1) and a gpt partition table (PTUUID p-1); ' +
        'refusing to write. Pass {force: true} to override.',
    )
  })

  it('describes each kind of signature', () => {
    const d = (type: string, usage?: string) => describeSignature({ chain: 'superblocks', type, usage })
    expect(d('ext4', 'filesystem')).toBe('an ext4 filesystem')
    expect(d('swap', 'other')).toBe('a swap signature')
    expect(d('LVM2_member', 'raid')).toBe('an LVM physical volume (LVM2_member)')
    expect(d('linux_raid_member', 'raid')).toBe('a Linux RAID member (linux_raid_member)')
    expect(d('isw_raid_member', 'raid')).toBe('an isw_raid_member RAID signature')
    expect(d('crypto_LUKS', 'crypto')).toBe('an encrypted volume (crypto_LUKS)')
    expect(d('foo')).toBe('a foo signature')
    expect(describeSignature({ chain: 'partitions', type: 'dos' })).toBe('a dos partition table')
  })

  it('an O_EXCL probe that fails for another reason is unverified, not a pass', () => {
    const f = findingsOf('/dev/loop3', { ...base, exclusiveError: 'ENXIO' }, emptyUsage())
    expect(f.map((x) => x.kind)).toEqual(['unverified'])
  })

  it('the policy: only mounted and swap cannot be overridden', () => {
    const fixed = Object.entries(interlockPolicy)
      .filter(([, p]) => !p.overridable)
      .map(([k]) => k)
    expect(fixed.sort()).toEqual(['mounted', 'swap'])
  })
})

describe('combineHooks', () => {
  it('runs gates in order and nests driver wrappers', async () => {
    const order: string[] = []
    const h = combineHooks(
      {
        beforeFirstWrite: async () => void order.push('a'),
        wrapDriver: (n) => ({ ...n, tag: 'a' }) as never,
      },
      undefined,
      { beforeFirstWrite: async () => void order.push('b') },
    )
    await h.beforeFirstWrite?.({} as never)
    expect(order).toEqual(['a', 'b'])
    const wrapped = h.wrapDriver
      ? (h.wrapDriver({} as never, {} as never) as unknown as { tag: string })
      : undefined
    expect(wrapped?.tag).toBe('a')
  })
})
