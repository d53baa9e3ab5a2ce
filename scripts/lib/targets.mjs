// The benchmark scripts' set-up: the compiled library, and targets they make and always take
// down: files of real data and loop devices over them, detached by name. Cleanups run on exit and
// on signals.
import { execFileSync } from 'node:child_process'
import { closeSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs'
import { createRequire } from 'node:module'
import { join, resolve } from 'node:path'

const require = createRequire(import.meta.url)

/**
 * The compiled library's modules (`lib/index.js`, `lib/native.js`, ...) from `dist` (default: this
 * checkout's dist/, which `npm run prepare` builds), or one line saying so and exit 1.
 */
export function loadLibrary(tag, modules, dist = new URL('../../dist', import.meta.url).pathname) {
  const root = resolve(dist)
  try {
    return modules.map((m) => require(join(root, 'lib', m)))
  } catch (e) {
    console.error(
      `${tag}: no compiled library in ${root} (${e.message.split('\n')[0]}); build first (npm run prepare)`,
    )
    process.exit(1)
  }
}

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

/**
 * A file of sizeMiB of random data, written out (not fallocated, not a hole). `cached`: then read
 * once, so that it sits in the page cache.
 */
export function makeFile(dir, name, sizeMiB, { cached = false } = {}) {
  const path = join(dir, name)
  execFileSync('dd', [
    'if=/dev/urandom',
    `of=${path}`,
    'bs=1M',
    `count=${sizeMiB}`,
    'status=none',
    'conv=fsync',
  ])
  if (cached) {
    const fd = openSync(path, 'r')
    const chunk = Buffer.alloc(1 << 20)
    try {
      while (readSync(fd, chunk, 0, chunk.length, null) > 0);
    } finally {
      closeSync(fd)
    }
  }
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

/** A new directory `base/prefixXXXXXX`, removed at cleanup. */
export function tempDir(prefix, base = '/var/tmp') {
  return scratchDir(mkdtempSync(join(base, prefix)))
}
