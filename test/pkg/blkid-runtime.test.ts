// libblkid is loaded at run time (dlopen of libblkid.so.1, native/safety/blkid_loader.cc). When it
// cannot be loaded, the write interlock refuses a block device in one line that says why and how
// to install it; --force writes; reads are never refused. RAWIO_LIBBLKID names a library that does
// not exist, which is what a system without libblkid looks like to the loader.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { fileHash, Lab, loopUnavailable, skipBecause } from '../safety/fixtures'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const MiB = 1 << 20
const noLoop = skipBecause(loopUnavailable(), 'the libblkid run-time tests on loop devices')
const missing = { RAWIO_LIBBLKID: 'libblkid-missing.so.1' }

let lab: Lab
beforeAll(() => {
  if (!noLoop) lab = new Lab('rawio-blkid-')
})
afterAll(() => lab?.cleanup())

function rawio(args: string[], env: Record<string, string>) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

describe.skipIf(noLoop)('without libblkid at run time', () => {
  it('refuses a write to a block device, says why and how to install it; nothing written', () => {
    const file = lab.file(4 * MiB, 0)
    const dev = lab.loop(file)
    const before = fileHash(file)
    const r = rawio(['-c', 'write -P 7 0 4k', dev], missing)
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `rawio: ${dev} cannot be checked for signatures (libblkid-missing.so.1: cannot open shared object file: ` +
        'No such file or directory; install libblkid (Debian/Ubuntu: apt-get install libblkid1; Fedora/RHEL: ' +
        'dnf install libblkid; Alpine: apk add libblkid; Arch: pacman -S util-linux-libs)); refusing to write. ' +
        'Use --force to override.\n',
    )
    expect(fileHash(file)).toBe(before)
  })

  it('--force writes; reads are not refused', () => {
    const dev = lab.loop(lab.file(4 * MiB, 0))
    const w = rawio(['--force', '-c', 'write -q -P 7 0 4k', dev], missing)
    expect(w.status).toBe(0)
    const r = rawio(['-c', 'read -q -P 7 0 4k', dev], missing)
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' })
  })

  it('with libblkid loaded the same zeroed device takes the write without a word', () => {
    const dev = lab.loop(lab.file(4 * MiB, 0))
    expect(rawio(['-c', 'write -q -P 7 0 4k', dev], {})).toEqual({ status: 0, stdout: '', stderr: '' })
  })
})
