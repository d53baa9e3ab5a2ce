// Real targets for the safety tests: temp files, loop devices, partitions, mounts and swaps this
// process made itself. Everything is undone by name, in reverse order, in cleanup(), even when a
// test failed; a failure to undo is printed, never thrown (it must not hide the test's own error).
// Nothing here touches a device it did not create.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process'
import { createHash } from 'node:crypto'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

export const isRoot = process.getuid?.() === 0

function run(cmd: string, args: string[]): string {
  return execFileSync(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    .toString()
    .trim()
}

function has(cmd: string, args = ['--version']): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

/** Why the loop-device tests cannot run here, or null. */
export function loopUnavailable(): string | null {
  if (!isRoot) return 'not root: loop devices, mounts and swap need root'
  if (!has('losetup')) return 'losetup is not installed'
  return null
}

/** Why the mount tests cannot run here, or null. */
export function mountUnavailable(): string | null {
  const loop = loopUnavailable()
  if (loop) return loop
  if (!has('mkfs.ext4', ['-V'])) return 'mkfs.ext4 is not installed (e2fsprogs)'
  if (!readFileSync('/proc/filesystems', 'utf8').includes('ext4')) return 'the kernel has no ext4'
  return null
}

/** Prints why a suite is skipped and returns true when it must be. */
export function skipBecause(reason: string | null, what: string): boolean {
  if (reason) console.warn(`skipping ${what}: ${reason}`)
  return reason !== null
}

export function sha256(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex')
}

export function fileHash(path: string): string {
  return sha256(readFileSync(path))
}

/** Waits for `ms` without the event loop (for retries in cleanup). */
function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)
}

type Undo = { what: string; fn: () => void }

export class Lab {
  readonly dir: string
  private undo: Undo[] = []
  private seq = 0

  constructor(prefix = 'rawio-safety-') {
    this.dir = mkdtempSync(join('/var/tmp', prefix))
  }

  /** A file of `size` bytes: a hole (sparse) unless `fill` is given. */
  file(size: number, fill?: number, name = `f${this.seq++}.img`): string {
    const path = join(this.dir, name)
    if (fill === undefined) {
      writeFileSync(path, '')
      truncateSync(path, size)
    } else {
      writeFileSync(path, Buffer.alloc(size, fill))
    }
    return path
  }

  mkdir(name = `d${this.seq++}`): string {
    const path = join(this.dir, name)
    mkdirSync(path, { recursive: true })
    return path
  }

  /** Attaches a loop device over file (`partscan` for addpart). */
  loop(file: string, opts: { partscan?: boolean; readOnly?: boolean; directIo?: boolean } = {}): string {
    const args = ['-f', '--show']
    if (opts.partscan) args.push('-P')
    if (opts.readOnly) args.push('--read-only')
    if (opts.directIo) args.push('--direct-io=on')
    const dev = run('losetup', [...args, file])
    if (!/^\/dev\/loop\d+$/.test(dev)) throw new Error(`losetup printed '${dev}'`)
    this.push(`detach ${dev}`, () => this.detachNow(dev))
    return dev
  }

  /** Detaches a loop device by name, retrying while its last close is in flight. */
  detachNow(dev: string): void {
    for (let attempt = 0; ; attempt++) {
      try {
        // Only if it is still ours (a detached loop may be reused by someone else).
        const back = readFileSync(`/sys/class/block/${dev.slice(5)}/loop/backing_file`, 'utf8')
        if (!back.startsWith(this.dir)) return
      } catch {
        return // already gone
      }
      try {
        run('losetup', ['-d', dev])
        return
      } catch (e) {
        if (attempt >= 20) throw e
        sleepSync(50)
      }
    }
  }

  /** Adds partition `n` (BLKPG, no partition table needed) of `sectors` 512-byte sectors at `start`. */
  partition(dev: string, n: number, start: number, sectors: number): string {
    run('addpart', [dev, String(n), String(start), String(sectors)])
    const part = `${dev}p${n}`
    this.push(`delpart ${part}`, () => run('delpart', [dev, String(n)]))
    for (let i = 0; i < 40; i++) {
      try {
        readFileSync(`/sys/class/block/${part.slice(5)}/dev`)
        return part
      } catch {
        sleepSync(25)
      }
    }
    return part
  }

  mkfsExt4(target: string, label = 'rawio-test'): void {
    // No lazy init: an idle mount must not write in the background.
    run('mkfs.ext4', ['-q', '-F', '-L', label, '-E', 'lazy_itable_init=0,lazy_journal_init=0', target])
  }

  mount(dev: string, dir = this.mkdir(), opts: string[] = []): string {
    run('mount', [...opts, dev, dir])
    this.push(`umount ${dir}`, () => run('umount', [dir]))
    return dir
  }

  umountNow(dir: string): void {
    run('umount', [dir])
    this.undo = this.undo.filter((u) => u.what !== `umount ${dir}`)
  }

  /** Writes a swap signature without activating it. */
  mkswapOnly(dev: string): void {
    run('mkswap', ['-q', dev])
  }

  swapon(dev: string): void {
    run('mkswap', ['-q', dev])
    run('swapon', [dev])
    this.push(`swapoff ${dev}`, () => run('swapoff', [dev]))
  }

  /** Another program holding `dev` open with O_EXCL until cleanup (or release()). */
  async holdExclusive(dev: string): Promise<ChildProcess> {
    const script = `const fs=require('fs');fs.openSync(${JSON.stringify(dev)},fs.constants.O_RDONLY|fs.constants.O_EXCL);process.stdout.write('held\\n');setInterval(()=>{},1e6)`
    const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] })
    this.push(`kill holder of ${dev}`, () => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve())
      child.once('exit', (code) => reject(new Error(`holder exited with ${code}`)))
    })
    return child
  }

  /**
   * A process in a new private mount namespace (`unshare -m`): a copy of every mount there is now,
   * which our umounts do not reach, until it is killed (cleanup kills it).
   */
  async privateNamespace(): Promise<ChildProcess> {
    const child = spawn(
      'unshare',
      ['-m', '--propagation', 'private', 'sh', '-c', 'echo ready && exec sleep 600'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    )
    this.push(`kill the namespace of ${child.pid}`, () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    })
    await new Promise<void>((resolve, reject) => {
      child.stdout?.once('data', () => resolve())
      child.once('exit', (code) => reject(new Error(`unshare exited with ${code}`)))
    })
    return child
  }

  /** Registers a cleanup step (runs in reverse order). */
  push(what: string, fn: () => void): void {
    this.undo.push({ what, fn })
  }

  cleanup(): void {
    for (const u of this.undo.reverse()) {
      try {
        u.fn()
      } catch (e) {
        console.error(`cleanup: could not ${u.what}: ${(e as Error).message.split('\n')[0]}`)
      }
    }
    this.undo = []
    rmSync(this.dir, { recursive: true, force: true })
  }
}
