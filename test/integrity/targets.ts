// The targets the integrity tests run on: loop devices with 512- and 4096-byte sectors (attached
// here, always detached) and a plain file on ext4.
import { closeSync, fsyncSync, openSync, readSync, writeSync } from 'node:fs'
import { attachLoop, loopUnavailable, tmpFile } from '../helpers/loop'

export interface TargetSpec {
  name: string
  /** Needs root and losetup. */
  loop: boolean
  /** Creates the target (a file, or a loop over one) and returns its path. */
  make(size: number): string
}

export const targetSpecs: TargetSpec[] = [
  { name: 'loop, 512-byte sectors', loop: true, make: (size) => attachLoop(tmpFile(size)) },
  {
    name: 'loop, 4096-byte sectors, direct-io',
    loop: true,
    make: (size) => attachLoop(tmpFile(size), { sectorSize: 4096, directIo: true }),
  },
  { name: 'ext4 file', loop: false, make: (size) => tmpFile(size) },
]

/** The specs this run can use; prints why the loop ones are skipped when they are. */
export function usableTargets(what: string): TargetSpec[] {
  const why = loopUnavailable()
  if (why) console.warn(`skipping the loop device cases of ${what}: ${why}`)
  return targetSpecs.filter((t) => !t.loop || why === null)
}

/** pwrite through a separate buffered fd, then fsync: a change rawio does not know about. */
export function pwriteBehind(path: string, offset: number, data: Uint8Array): void {
  const fd = openSync(path, 'r+')
  try {
    let done = 0
    while (done < data.length) done += writeSync(fd, data, done, data.length - done, offset + done)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

export function preadBehind(path: string, offset: number, length: number): Uint8Array {
  const fd = openSync(path, 'r')
  try {
    const b = new Uint8Array(length)
    let done = 0
    while (done < length) {
      const n = readSync(fd, b, done, length - done, offset + done)
      if (n === 0) break
      done += n
    }
    return b
  } finally {
    closeSync(fd)
  }
}

/** A small deterministic PRNG for test workloads (mulberry32). */
export function rng(seed: number): () => number {
  let s = seed >>> 0
  return () => {
    s = (s + 0x6d2b79f5) >>> 0
    let z = s
    z = Math.imul(z ^ (z >>> 15), z | 1)
    z ^= z + Math.imul(z ^ (z >>> 7), z | 61)
    return ((z ^ (z >>> 14)) >>> 0) / 2 ** 32
  }
}

export function randomBytes(n: number, next: () => number): Uint8Array {
  const b = new Uint8Array(n)
  for (let i = 0; i < n; i++) b[i] = Math.floor(next() * 256)
  return b
}
