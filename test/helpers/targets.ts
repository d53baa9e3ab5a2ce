// Real targets for tests: a scratch directory of files on ext4, and loop devices
// attached over them (through ./loop, which always detaches by name). Feature probes
// say why a test must skip.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { engines } from '../../lib/index'
import { attachLoop, detachLoop, type LoopOptions, loopUnavailable } from './loop'

export { loopUnavailable }

export const isRoot = process.getuid?.() === 0

export function uringUnavailable(): string | null {
  const e = engines()
  return e.io_uring ? null : `io_uring unavailable: ${e.ioUringReason}`
}

export function libaioUnavailable(): string | null {
  const e = engines()
  return e.libaio ? null : `libaio unavailable: ${e.libaioReason ?? 'an addon without the libaio engine'}`
}

/** The engines a suite runs on: threads always, io_uring and libaio when the kernel allows them. */
export function usableEngines(what: string): Array<'io_uring' | 'threads' | 'libaio'> {
  return (['io_uring', 'threads', 'libaio'] as const).filter(
    (e) =>
      e === 'threads' ||
      !skipReason(e === 'io_uring' ? uringUnavailable() : libaioUnavailable(), `${e} ${what}`),
  )
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
  loop(file: string, opts: LoopOptions = {}): string {
    const dev = attachLoop(file, opts)
    this.loops.push(dev)
    return dev
  }

  detach(dev: string): void {
    detachLoop(dev)
    this.loops = this.loops.filter((d) => d !== dev)
  }

  cleanup(): void {
    for (const dev of this.loops.splice(0)) detachLoop(dev)
    rmSync(this.dir, { recursive: true, force: true })
  }
}
