// Loop devices and temp files for tests. Loops are attached with `losetup -f --show` and always
// detached by name (`losetup -d DEV`), even when a test fails; temp files live in a mkdtemp
// directory on /var/tmp (ext4, so O_DIRECT works) that cleanupTmp() removes.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export interface LoopOptions {
  /** losetup --sector-size (512 when not given). */
  sectorSize?: number
  /** losetup --direct-io=on */
  directIo?: boolean
  /** losetup --read-only */
  readOnly?: boolean
}

const attached = new Set<string>()
let tmpDir: string | undefined

function losetup(args: string[]): string {
  return execFileSync('losetup', args, { stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim()
}

let loopProbe: string | null | undefined
/** null when this process can attach loop devices, else why not (print it when skipping). */
export function loopUnavailable(): string | null {
  if (loopProbe !== undefined) return loopProbe
  if (process.getuid?.() !== 0) return (loopProbe = 'not root: loop devices need root')
  try {
    losetup(['--version'])
  } catch (e) {
    return (loopProbe = `losetup does not run: ${(e as Error).message}`)
  }
  let dev: string | undefined
  // The probe's file lives in a directory of its own, removed at once: test files that
  // only ask whether loops work must not leave a temp directory behind.
  const dir = mkdtempSync(join('/var/tmp', 'rawio-loop-probe-'))
  try {
    const file = join(dir, 'probe.img')
    writeFileSync(file, Buffer.alloc(1 << 20))
    dev = attachLoop(file)
    loopProbe = null
  } catch (e) {
    loopProbe = `cannot attach a loop device: ${(e as Error).message.split('\n')[0]}`
  } finally {
    if (dev) detachLoop(dev)
    rmSync(dir, { recursive: true, force: true })
  }
  return loopProbe
}

/** True when loop devices can be used; prints why not when they cannot. */
export function canUseLoop(what = 'loop device tests'): boolean {
  const why = loopUnavailable()
  if (why) console.warn(`skipping ${what}: ${why}`)
  return why === null
}

/** Attaches a free loop device over `file`; returns its path (/dev/loopN). */
export function attachLoop(file: string, opts: LoopOptions = {}): string {
  const args = ['-f', '--show']
  if (opts.sectorSize) args.push('--sector-size', String(opts.sectorSize))
  if (opts.directIo) args.push('--direct-io=on')
  if (opts.readOnly) args.push('--read-only')
  const dev = losetup([...args, file])
  if (!/^\/dev\/loop\d+$/.test(dev)) throw new Error(`losetup printed '${dev}', not a loop device`)
  attached.add(dev)
  return dev
}

/** Detaches `dev` by name. Never throws: a failure is printed (a test must not hide the real error). */
export function detachLoop(dev: string): void {
  for (let attempt = 0; ; attempt++) {
    try {
      losetup(['-d', dev])
      attached.delete(dev)
      return
    } catch (e) {
      // EBUSY while the last close is still in flight: wait a little and try again.
      if (attempt < 20) {
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 50)
        continue
      }
      console.error(`could not detach ${dev}: ${(e as Error).message}`)
      return
    }
  }
}

/** Runs fn with a loop device over file, detaching it afterwards whatever happens. */
export async function withLoop<T>(
  file: string,
  opts: LoopOptions,
  fn: (dev: string) => Promise<T>,
): Promise<T> {
  const dev = attachLoop(file, opts)
  try {
    return await fn(dev)
  } finally {
    detachLoop(dev)
  }
}

/** Detaches every loop this process attached and has not detached yet. */
export function detachAll(): void {
  for (const dev of [...attached]) detachLoop(dev)
}

/** The per-process temp directory (created on first use). */
export function tmpDirectory(): string {
  tmpDir ??= mkdtempSync(join('/var/tmp', 'rawio-integrity-'))
  return tmpDir
}

let fileSeq = 0
/** A new file of `size` bytes in the temp directory: zeroes, or `fill`'s bytes repeated. */
export function tmpFile(size: number, fill?: Uint8Array): string {
  const path = join(tmpDirectory(), `f${fileSeq++}.img`)
  const data = Buffer.alloc(size)
  if (fill && fill.length > 0) data.fill(fill)
  writeFileSync(path, data)
  return path
}

/** For afterAll: detaches leftover loops, then removes the temp directory. */
export function cleanupTmp(): void {
  detachAll()
  if (tmpDir) rmSync(tmpDir, { recursive: true, force: true })
  tmpDir = undefined
}

// Last resort if a run dies before afterAll: never leave a loop device behind.
process.once('exit', cleanupTmp)
