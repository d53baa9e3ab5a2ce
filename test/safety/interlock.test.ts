// The write interlock on real loop devices: each refusal (mounted, a mounted partition, swap,
// ext4, a partition table, another O_EXCL opener), --force, and that nothing is written when it
// refuses. Reads are never gated; regular files are exempt.
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/device'
import { IoError } from '../../lib/errors'
import { safetyBinding } from '../../lib/safety/binding'
import { type CheckResult, checkTarget, InterlockError, interlockHooks } from '../../lib/safety/interlock'
import { fileHash, Lab, loopUnavailable, mountUnavailable, sha256, skipBecause } from './fixtures'

const noLoop = skipBecause(loopUnavailable(), 'interlock tests on loop devices')
const noMount = noLoop || skipBecause(mountUnavailable(), 'interlock tests that mount ext4')
const MiB = 1 << 20

let lab: Lab
beforeAll(() => {
  if (!noLoop) lab = new Lab()
})
afterAll(() => lab?.cleanup())

/** Only this process's mount table: what our own mounts and umounts decide. */
const ownNamespace = { mountinfo: '/proc/self/mountinfo' }

/**
 * After our umount, the only mounts left may be copies in other mount namespaces: a process that
 * ran `unshare -m` (another test run on this machine) while the ext4 was mounted here keeps it
 * mounted there, out of our umount's reach, and rawio must go on refusing. Each must be real: its
 * namespace's table lists it, unless that process has ended meanwhile.
 */
function expectOnlyCopiesElsewhere(r: CheckResult): void {
  for (const f of r.blocking) {
    const pid = /\(in the mount namespace of process (\d+)\)$/.exec(f.text)?.[1]
    expect(f.kind, f.text).toBe('mounted')
    expect(pid, f.text).toBeDefined()
    let table: string | null = null
    try {
      table = readFileSync(`/proc/${pid}/mountinfo`, 'utf8')
    } catch {
      // that process (and maybe the namespace) is gone
    }
    if (table !== null) expect(table, f.text).toContain(` ${f.mountPoint} `)
    console.warn(`another mount namespace still holds the test's mount: ${f.text}`)
  }
}

/** Every mutating op through a gated Device: each must be refused with InterlockError. */
async function expectAllRefused(dev: Device, reason: string): Promise<InterlockError> {
  const data = new Uint8Array(1024).fill(0xee)
  const errors = await Promise.allSettled([
    dev.write(0, data),
    dev.writev(0, [data.subarray(0, 512), data.subarray(512)]),
    dev.discard(0, 4096),
    dev.writeZeroes(0, 4096),
    dev.truncate(0),
  ])
  for (const r of errors) {
    expect(r.status).toBe('rejected')
    const e = (r as PromiseRejectedResult).reason
    expect(e).toBeInstanceOf(InterlockError)
    expect(e.code).toBe('ERR_RAWIO_INTERLOCK')
    expect(e.reason).toBe(reason)
    expect(e.message).not.toContain('\n')
  }
  return (errors[0] as PromiseRejectedResult).reason
}

/** The first `n` bytes of a device, read past any cache we might have (a fresh read-only open). */
async function head(path: string, n = 64 * 1024): Promise<string> {
  const d = await Device.open(path, { readOnly: true, cache: 'none' })
  try {
    return sha256((await d.read(0, n)).data)
  } finally {
    await d.close()
  }
}

describe.skipIf(noLoop)('interlock: blank block devices and regular files pass', () => {
  it('a zeroed loop device has no findings and takes writes', async () => {
    const dev = lab.loop(lab.file(4 * MiB, 0))
    const r = await checkTarget(dev)
    expect(r).toMatchObject({ ok: true, isBlockDevice: true, findings: [] })
    const d = await Device.open(dev, { hooks: interlockHooks() })
    try {
      await d.write(4096, new Uint8Array(4096).fill(7))
      expect((await d.read(4096, 4096)).data.every((b) => b === 7)).toBe(true)
    } finally {
      await d.close()
    }
  })

  it('a regular file is exempt, even with an ext4 signature', async () => {
    const file = lab.file(8 * MiB)
    lab.mkfsExt4(file)
    expect(await checkTarget(file)).toMatchObject({ ok: true, isBlockDevice: false, findings: [] })
    const d = await Device.open(file, { hooks: interlockHooks() })
    try {
      await d.write(0, new Uint8Array(512).fill(1))
    } finally {
      await d.close()
    }
    expect(readFileSync(file)[0]).toBe(1)
  })

  it('a missing target is an IoError (ENOENT), not a pass', async () => {
    await expect(checkTarget(`${lab.dir}/nope`)).rejects.toMatchObject({ code: 'ENOENT' })
    await expect(checkTarget(`${lab.dir}/nope`)).rejects.toBeInstanceOf(IoError)
  })

  it('reports the libblkid build', () => {
    const blkid = safetyBinding().blkid
    console.info(
      `libblkid: ${blkid.available ? `available (${blkid.version})` : `not available: ${blkid.reason}`}`,
    )
    expect(typeof blkid.available).toBe('boolean')
  })
})

describe.skipIf(noMount)('interlock: signatures', () => {
  it('refuses an ext4 loop device with one clear line; nothing written; reads allowed', async () => {
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file, 'precious')
    const dev = lab.loop(file)
    const before = fileHash(file)
    const r = await checkTarget(dev)
    expect(r.ok).toBe(false)
    expect(r.findings).toHaveLength(1)
    expect(r.findings[0]).toMatchObject({ kind: 'signature', overridable: true, device: dev })
    expect(r.findings[0].signature).toMatchObject({ type: 'ext4', usage: 'filesystem', label: 'precious' })

    const d = await Device.open(dev, { hooks: interlockHooks() })
    try {
      expect((await d.read(0, 4096)).bytes).toBe(4096) // reads are never gated
      const e = await expectAllRefused(d, 'signature')
      expect(e.message).toMatch(
        new RegExp(
          `^rawio: ${dev} contains an ext4 filesystem \\(UUID [0-9a-f-]{36}, LABEL "precious"\\); ` +
            'refusing to write\\. Use --force to override\\.$',
        ),
      )
      expect(e.overridable).toBe(true)
      expect((await d.read(1024, 1024)).bytes).toBe(1024) // and still not gated after a refusal
    } finally {
      await d.close()
    }
    expect(fileHash(file)).toBe(before)
  })

  it('--force overrides a signature, and says so through onOverride', async () => {
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file)
    const dev = lab.loop(file)
    let warned: CheckResult | undefined
    const d = await Device.open(dev, {
      hooks: interlockHooks({ force: true, onOverride: (r) => (warned = r) }),
    })
    try {
      await d.write(0, new Uint8Array(1024).fill(0x5a))
      await d.flush()
    } finally {
      await d.close()
    }
    expect(warned?.overridden.map((f) => f.kind)).toEqual(['signature'])
    expect(
      readFileSync(file)
        .subarray(0, 1024)
        .every((b) => b === 0x5a),
    ).toBe(true)
  })

  it('refuses a partition table (dos) and names it', async () => {
    const file = lab.file(8 * MiB, 0)
    // A one-entry MBR written by hand: type 0x83 at LBA 2048, 4096 sectors.
    const mbr = Buffer.alloc(512)
    mbr.writeUInt8(0x83, 446 + 4)
    mbr.writeUInt32LE(2048, 446 + 8)
    mbr.writeUInt32LE(4096, 446 + 12)
    mbr.writeUInt32LE(0x12345678, 440) // disk identifier: PTUUID 12345678
    mbr[510] = 0x55
    mbr[511] = 0xaa
    const f = await Device.open(file)
    await f.write(0, mbr)
    await f.close()
    const dev = lab.loop(file)
    const r = await checkTarget(dev)
    expect(r.findings.map((x) => x.kind)).toContain('partition-table')
    const d = await Device.open(dev, { hooks: interlockHooks() })
    try {
      const e = await expectAllRefused(d, 'signature')
      expect(e.message).toBe(
        `rawio: ${dev} contains a dos partition table (PTUUID 12345678); refusing to write. Use --force to override.`,
      )
    } finally {
      await d.close()
    }
  })

  it('refuses a swap signature (not active)', async () => {
    const file = lab.file(8 * MiB, 0)
    const dev = lab.loop(file)
    lab.mkswapOnly(dev)
    const r = await checkTarget(dev)
    expect(r.blocking.map((f) => f.text)).toEqual([expect.stringMatching(/^contains a swap signature/)])
  })
})

describe.skipIf(noMount)('interlock: mounted, and nothing overrides it', () => {
  it('refuses a mounted loop device even with force; the target range is untouched', async () => {
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file)
    const dev = lab.loop(file)
    const dir = lab.mount(dev)
    const before = await head(dev)
    const r = await checkTarget(dev, { force: true })
    expect(r.ok).toBe(false)
    expect(r.blocking[0]).toMatchObject({ kind: 'mounted', overridable: false, mountPoint: dir })
    const d = await Device.open(dev, { hooks: interlockHooks({ force: true }) })
    try {
      const e = await expectAllRefused(d, 'mounted')
      expect(e.message).toBe(
        `rawio: ${dev} is mounted on ${dir}; refusing to write. Unmount it first (--force does not override this).`,
      )
      expect(e.overridable).toBe(false)
    } finally {
      await d.close()
    }
    expect(await head(dev)).toBe(before)
    lab.umountNow(dir)
    // Unmounted, it is only a signature now: force lets the write through.
    expect((await checkTarget(dev, { force: true, sources: ownNamespace })).ok).toBe(true)
    expectOnlyCopiesElsewhere(await checkTarget(dev, { force: true }))
  })

  it('a copy of the mount in another namespace outlives our umount: still refused until it ends', async () => {
    // What another program on the machine (a test run beside this one) may do while the ext4 is
    // mounted here: unshare -m copies the mount into a private namespace, where our umount never
    // reaches. Made here in this order, on purpose.
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file)
    const dev = lab.loop(file)
    const dir = lab.mount(dev)
    const copy = await lab.privateNamespace()
    lab.umountNow(dir)
    const r = await checkTarget(dev, { force: true })
    expect(r.ok).toBe(false)
    expect(r.blocking).toEqual([
      expect.objectContaining({
        kind: 'mounted',
        overridable: false,
        mountPoint: dir,
        text: `is mounted on ${dir} (in the mount namespace of process ${copy.pid})`,
      }),
    ])
    copy.kill('SIGKILL')
    await new Promise((r) => copy.once('exit', r))
    expect((await checkTarget(dev, { force: true })).ok).toBe(true)
  })

  it('refuses the whole disk when one of its partitions is mounted', async () => {
    const file = lab.file(32 * MiB)
    const dev = lab.loop(file, { partscan: true })
    const part = lab.partition(dev, 1, 2048, 16 * 2048)
    lab.mkfsExt4(part)
    const dir = lab.mount(part)
    const before = await head(dev)
    const r = await checkTarget(dev, { force: true })
    expect(r.blocking[0]).toMatchObject({ kind: 'mounted', device: part, mountPoint: dir })
    const d = await Device.open(dev, { hooks: interlockHooks({ force: true }) })
    try {
      const e = await expectAllRefused(d, 'mounted')
      expect(e.message).toBe(
        `rawio: ${dev} (partition ${part}) is mounted on ${dir}; refusing to write. ` +
          'Unmount it first (--force does not override this).',
      )
    } finally {
      await d.close()
    }
    expect(await head(dev)).toBe(before)
  })

  it('refuses an active swap device, even with force', async (ctx) => {
    const dev = lab.loop(lab.file(16 * MiB, 0))
    try {
      lab.swapon(dev)
    } catch (e) {
      console.warn(`skipping the active swap case: swapon failed: ${(e as Error).message.split('\n')[0]}`)
      ctx.skip()
    }
    const r = await checkTarget(dev, { force: true })
    expect(r.ok).toBe(false)
    expect(r.blocking[0]).toMatchObject({ kind: 'swap', overridable: false })
    const d = await Device.open(dev, { hooks: interlockHooks({ force: true }) })
    try {
      const e = await expectAllRefused(d, 'swap')
      expect(e.message).toBe(
        `rawio: ${dev} is in use as swap; refusing to write. Run swapoff first (--force does not override this).`,
      )
    } finally {
      await d.close()
    }
  })
})

describe.skipIf(noLoop)('interlock: another exclusive opener', () => {
  it('refuses while another program holds O_EXCL; force overrides; bytes unchanged', async () => {
    const file = lab.file(4 * MiB, 0)
    const dev = lab.loop(file)
    const holder = await lab.holdExclusive(dev)
    const r = await checkTarget(dev)
    expect(r.blocking).toEqual([expect.objectContaining({ kind: 'exclusive', overridable: true })])
    const d = await Device.open(dev, { hooks: interlockHooks() })
    try {
      const e = await expectAllRefused(d, 'held')
      expect(e.message).toBe(
        `rawio: ${dev} is open exclusively by another program (an O_EXCL open fails with EBUSY); ` +
          'refusing to write. Use --force to override.',
      )
    } finally {
      await d.close()
    }
    expect(readFileSync(file).every((b) => b === 0)).toBe(true)
    expect((await checkTarget(dev, { force: true })).ok).toBe(true)
    holder.kill('SIGKILL')
    await new Promise((r) => holder.once('exit', r))
    expect((await checkTarget(dev)).ok).toBe(true)
  })

  it('our own O_EXCL open is not mistaken for another holder', async () => {
    const dev = lab.loop(lab.file(4 * MiB, 0))
    const d = await Device.open(dev, { exclusive: true, hooks: interlockHooks() })
    try {
      await d.write(0, new Uint8Array(512).fill(3))
    } finally {
      await d.close()
    }
  })
})
