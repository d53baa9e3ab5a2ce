// A `truncate -m falloc|full` that runs out of space (ENOSPC on a 1 MiB tmpfs this test mounts) puts
// the old size back and frees what it allocated, as qemu-io's file-posix does; compared with the real
// qemu-io on the same filesystem: output, status, size and allocated blocks.
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, statfsSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { isRoot, skipReason } from '../helpers/targets'
import { noQemu, qemuIo, rawio } from '../helpers/vs-qemu'

const why = !isRoot ? 'not root: mounting a tmpfs needs root' : noQemu
const skip = skipReason(why, 'truncate rollback against qemu-io')

let dir = ''
let mnt = ''
beforeAll(() => {
  if (skip) return
  dir = mkdtempSync('/var/tmp/rawio-trunc-')
  mnt = join(dir, 'mnt')
  mkdirSync(mnt)
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'rawio-test', mnt])
})
afterAll(() => {
  if (!dir) return
  try {
    execFileSync('umount', [mnt])
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

function fresh(): string {
  const img = join(mnt, 'img')
  rmSync(img, { force: true })
  writeFileSync(img, Buffer.alloc(64 << 10, 0x5a))
  return img
}

const freeBlocks = () => statfsSync(mnt).bfree

describe.skipIf(skip)('truncate with preallocation that runs out of space', () => {
  for (const mode of ['falloc', 'full']) {
    it(`-m ${mode}: the old size comes back and the space is freed, as in qemu-io`, () => {
      const args = [
        '-f',
        'raw',
        '-c',
        `truncate -m ${mode} 4M`,
        '-c',
        'length',
        '-c',
        'read -q -P 0x5a 0 64k',
      ]
      let img = fresh()
      const free0 = freeBlocks()
      const q = qemuIo([...args, img])
      const qStat = statSync(img)
      expect(freeBlocks()).toBe(free0)

      img = fresh()
      const r = rawio([...args, img])
      const rStat = statSync(img)
      expect(r).toEqual(q)
      expect(r.status).toBe(1)
      expect(r.stdout).toBe('64 KiB\n')
      expect(r.stderr).toMatch(/No space left on device/)
      expect(rStat.size).toBe(64 << 10)
      expect(rStat.size).toBe(qStat.size)
      expect(rStat.blocks).toBe(qStat.blocks)
      expect(freeBlocks()).toBe(free0)
    })
  }

  it('a preallocation that fits still works (and stays)', () => {
    const img = fresh()
    const r = rawio(['-f', 'raw', '-c', 'truncate -m falloc 256k', '-c', 'length', img])
    expect(r).toEqual({ stdout: '256 KiB\n', stderr: '', status: 0 })
    expect(statSync(img).blocks * 512).toBeGreaterThanOrEqual(256 << 10)
  })
})
