// The interlock sees mounts in every mount namespace: an ext4 (made here on our own loop device)
// mounted by a process in a private namespace (`unshare -m --propagation private`) is invisible in
// ours, and is still a mount: writing is refused, --force does not override it, nothing is written,
// for the shell, `rawio bench` and the library alike.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { checkTarget } from '../../lib/safety/interlock'
import { BIN } from '../helpers/vs-qemu'
import { Lab, loopUnavailable, mountUnavailable, skipBecause } from './fixtures'

const hasUnshare = spawnSync('unshare', ['--version']).status === 0
const noLab =
  skipBecause(loopUnavailable(), 'mount namespace tests') ||
  skipBecause(mountUnavailable(), 'mount namespace tests') ||
  skipBecause(hasUnshare ? null : 'unshare (util-linux) is not installed', 'mount namespace tests')
const MiB = 1 << 20

let lab: Lab
let holder: ChildProcess | null = null
beforeAll(() => {
  if (!noLab) lab = new Lab()
})
afterEach(() => {
  if (holder && holder.exitCode === null && holder.signalCode === null) holder.kill('SIGKILL')
  holder = null
})
afterAll(() => lab?.cleanup())

/**
 * Mounts `dev` on `dir` inside a new private mount namespace; resolves with the pid once mounted.
 * Killing the process ends the namespace, which unmounts the filesystem.
 */
async function mountElsewhere(dev: string, dir: string): Promise<number> {
  const child = spawn('unshare', [
    '-m',
    '--propagation',
    'private',
    'sh',
    '-c',
    `mount ${dev} ${dir} && echo mounted && exec sleep 60`,
  ])
  holder = child
  await new Promise<void>((ok, fail) => {
    child.stdout?.on('data', (d) => String(d).includes('mounted') && ok())
    child.on('exit', (code) => fail(new Error(`unshare exited with ${code}`)))
  })
  return child.pid as number
}

/** `n` bytes of dev at offset, read with O_DIRECT past our page cache. */
function bytesAt(dev: string, offset: number, n = 4096): string {
  const r = spawnSync('dd', [
    `if=${dev}`,
    'bs=4096',
    `skip=${offset / 4096}`,
    `count=${n / 4096}`,
    'iflag=direct',
    'status=none',
  ])
  return r.stdout.toString('hex')
}

async function unmounted(pid: number): Promise<void> {
  holder?.kill('SIGKILL')
  for (let i = 0; i < 100; i++) {
    if (spawnSync('kill', ['-0', String(pid)]).status !== 0) return
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe.skipIf(noLab)('a mount in another mount namespace', () => {
  it('refuses the shell, --force or not, and writes nothing', async () => {
    const dev = lab.loop(lab.file(64 * MiB))
    lab.mkfsExt4(dev)
    const dir = lab.mkdir()
    const pid = await mountElsewhere(dev, dir)
    // Not visible here.
    expect(spawnSync('findmnt', ['-n', dev]).stdout.toString()).toBe('')
    const before = bytesAt(dev, 60 * MiB)
    for (const force of [['--force'], []]) {
      const r = spawnSync(process.execPath, [BIN, ...force, '-c', 'write -P 0x77 60M 4k', dev], {
        encoding: 'utf8',
      })
      expect(r.status).toBe(1)
      expect(r.stderr).toBe(
        `rawio: ${dev} is mounted on ${dir} (in the mount namespace of process ${pid}); refusing to write. Unmount it first (--force does not override this).\n`,
      )
      expect(r.stdout).toBe('')
    }
    const b = spawnSync(
      process.execPath,
      [BIN, 'bench', '-q', '--force', '--rw=write', '--number_ios=4', '--offset=60M', dev],
      {
        encoding: 'utf8',
      },
    )
    expect(b.status).toBe(1)
    expect(b.stderr).toContain(`is mounted on ${dir} (in the mount namespace of process ${pid})`)
    expect(bytesAt(dev, 60 * MiB)).toBe(before)

    const c = await checkTarget(dev, { force: true })
    expect(c.ok).toBe(false)
    expect(c.blocking).toEqual([
      expect.objectContaining({ kind: 'mounted', overridable: false, mountPoint: dir, device: dev }),
    ])

    // Once that namespace is gone, --force writes past the ext4 signature (and only there).
    await unmounted(pid)
    const w = spawnSync(process.execPath, [BIN, '--force', '-c', 'write -q -P 0x77 60M 4k', dev], {
      encoding: 'utf8',
    })
    expect(w.status).toBe(0)
    expect(bytesAt(dev, 60 * MiB)).toBe('77'.repeat(4096))
  })
})
