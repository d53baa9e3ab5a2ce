// Benchmark targets that the scripts make and always take down: files of real data
// and loop devices over them, detached by name. Cleanups run on exit and on signals.
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { join } from 'node:path'

const cleanups = []

export function onCleanup(fn) {
  cleanups.push(fn)
}

export function cleanup(tag = 'bench') {
  for (const f of cleanups.splice(0).reverse()) {
    try {
      f()
    } catch (e) {
      console.error(`${tag}: cleanup: ${e.message}`)
    }
  }
}

export function cleanupOnSignals(tag) {
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(sig, () => {
      cleanup(tag)
      process.exit(130)
    })
  }
}

/** A file of sizeMiB of random data, written out (not fallocated, not a hole). */
export function makeFile(dir, name, sizeMiB) {
  const path = join(dir, name)
  execFileSync('dd', [
    'if=/dev/urandom',
    `of=${path}`,
    'bs=1M',
    `count=${sizeMiB}`,
    'status=none',
    'conv=fsync',
  ])
  return path
}

/** A loop device over file, detached at cleanup. */
export function attachLoop(file, directIo) {
  const dev = execFileSync('losetup', ['-f', '--show', `--direct-io=${directIo ? 'on' : 'off'}`, file])
    .toString()
    .trim()
  if (!/^\/dev\/loop\d+$/.test(dev)) throw new Error(`losetup returned '${dev}'`)
  onCleanup(() => execFileSync('losetup', ['-d', dev]))
  return dev
}

/** A directory removed at cleanup. */
export function scratchDir(path) {
  onCleanup(() => rmSync(path, { recursive: true, force: true }))
  return path
}
