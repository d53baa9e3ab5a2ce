// Real targets for tests: temp files on ext4 and loop devices we attach ourselves
// (and always detach by name). Feature probes say why a test must skip.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { engines } from '../../lib/index'

export const isRoot = process.getuid?.() === 0

let loopProbe: string | null | undefined
/** null when loop devices can be used, else the reason they cannot. */
export function loopUnavailable(): string | null {
  if (loopProbe !== undefined) return loopProbe
  if (!isRoot) return (loopProbe = 'not root: loop devices need root')
  try {
    execFileSync('losetup', ['--version'], { stdio: 'ignore' })
    loopProbe = null
  } catch {
    loopProbe = 'losetup is not available'
  }
  return loopProbe
}

export function uringUnavailable(): string | null {
  const e = engines()
  return e.io_uring ? null : `io_uring unavailable: ${e.ioUringReason}`
}

/** Prints why a suite is skipped (vitest's skipIf says nothing by itself). */
export function skipReason(reason: string | null, what: string): boolean {
  if (reason) console.warn(`skipping ${what}: ${reason}`)
  return reason !== null
}

export class Scratch {
  readonly dir: string
  private loops: string[] = []

  constructor(base = '/var/tmp') {
    this.dir = mkdtempSync(join(base, 'rawio-test-'))
  }

  /** A file of `size` bytes filled with `fill` (real data, not a hole). */
  file(name: string, size: number, fill = 0): string {
    const path = join(this.dir, name)
    writeFileSync(path, Buffer.alloc(size, fill))
    return path
  }

  /** Attaches a loop device over file; cleanup() detaches it. */
  loop(file: string, opts: { directIo?: boolean; sectorSize?: number; readOnly?: boolean } = {}): string {
    const args = ['-f', '--show']
    if (opts.directIo) args.push('--direct-io=on')
    if (opts.sectorSize) args.push('--sector-size', String(opts.sectorSize))
    if (opts.readOnly) args.push('--read-only')
    const dev = execFileSync('losetup', [...args, file])
      .toString()
      .trim()
    this.loops.push(dev)
    return dev
  }

  detach(dev: string): void {
    execFileSync('losetup', ['-d', dev])
    this.loops = this.loops.filter((d) => d !== dev)
  }

  cleanup(): void {
    for (const dev of this.loops.splice(0)) {
      try {
        execFileSync('losetup', ['-d', dev])
      } catch (e) {
        console.error(`could not detach ${dev}: ${(e as Error).message}`)
      }
    }
    rmSync(this.dir, { recursive: true, force: true })
  }
}
