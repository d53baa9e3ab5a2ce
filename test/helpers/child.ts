// Test code that must run in a process of its own (a memory limit, signals, an event loop with
// nothing else in it): its TypeScript entry is bundled by esbuild into one CommonJS file, which
// loads the very addon this process loaded (RAWIO_ADDON: under scripts/sanitize.sh, the ASan build).
import { type ChildProcess, spawn } from 'node:child_process'
import { basename, join } from 'node:path'
import { buildSync } from 'esbuild'
import { addonOrigin, binding, packageRoot } from '../../lib/native'

/**
 * Bundles `entry` (a path from the package root) into `dir`; returns the script to run with node.
 * The entry imports the lib modules it uses (lib/device), not lib/index: in one bundle every
 * `require.main === module` is true, and lib/bench/cli.ts would run as a program.
 */
export function bundleChild(entry: string, dir: string): string {
  const outfile = join(dir, `${basename(entry, '.ts')}.cjs`)
  buildSync({
    entryPoints: [join(packageRoot, entry)],
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    outfile,
    logLevel: 'error',
    external: ['*.node'], // the addon: found through RAWIO_ADDON (childEnv)
  })
  return outfile
}

/** This process's environment for a bundled child, with RAWIO_ADDON naming the addon in use here. */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  binding()
  const addon = addonOrigin()?.path
  if (!addon) throw new Error('the addon is loaded but names no file')
  return { ...process.env, RAWIO_ADDON: addon, ...extra }
}

export interface ChildRun {
  code: number | null
  signal: NodeJS.Signals | null
  /** Set when the child was killed for running past `hangMs`. */
  hung: boolean
  out: string
  err: string
}

/**
 * Runs a bundled child to its end. `hangMs` only ends a child that would otherwise never end (a
 * hang fails the test with `hung` set instead of timing it out); it is no measure of speed (a run
 * starved at nice 19 on a loaded machine took 17 s where 0.3 s is usual). Give the test more time.
 */
export function runChild(script: string, args: string[], hangMs = 100_000): Promise<ChildRun> {
  const child = spawn(process.execPath, [script, ...args], {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  let hung = false
  child.stdout.on('data', (d) => (out += d))
  child.stderr.on('data', (d) => (err += d))
  const timer = setTimeout(() => {
    hung = true
    child.kill('SIGKILL')
  }, hangMs)
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearTimeout(timer)
      resolve({ code, signal, hung, out, err })
    })
  })
}

/**
 * How a child ends: its exit code and signal, or `hung` when it was still running after `hangMs`
 * (then it is killed). For tests whose child would otherwise sleep past the test's own timeout: an
 * end at all is the proof, and `hangMs` is no measure of speed.
 */
export function exitOf(
  child: ChildProcess,
  hangMs = 45_000,
): Promise<{ code: number | null; signal: NodeJS.Signals | null; hung: boolean }> {
  let hung = false
  const timer = setTimeout(() => {
    hung = true
    child.kill('SIGKILL')
  }, hangMs)
  return new Promise((resolve) => {
    const done = (code: number | null, signal: NodeJS.Signals | null) => {
      clearTimeout(timer)
      resolve({ code, signal, hung })
    }
    if (child.exitCode !== null || child.signalCode !== null) done(child.exitCode, child.signalCode)
    else child.once('exit', done)
  })
}
