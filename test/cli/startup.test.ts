// The CLI's start-up path as real processes: what a one-shot run loads (no ESM loader, no stdin
// stream), the build's import() -> require() (scripts/build-lib.js), and the start-up cache
// (lib/cli/code-cache.ts) on a copy of the package: written once, used, and never trusted when the
// modules, the package's place, the file's owner or mode say otherwise. Timing is
// scripts/bench-startup.mjs's business, not these tests'.
import { spawnSync } from 'node:child_process'
import {
  chmodSync,
  chownSync,
  cpSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import ts from 'typescript'
import { afterAll, describe, expect, it } from 'vitest'
import { TempDir } from '../commands/helpers'

const ROOT = resolve(__dirname, '../..')
const tmp = new TempDir()
afterAll(() => tmp.remove())

const { importToRequire } = require('../../scripts/build-lib.js') as {
  importToRequire: ts.TransformerFactory<ts.SourceFile>
}

// The cache and the ESM-free path need dist/ as `npm run prepare` builds it; plain tsc output
// still runs (through Node's loader), but there is nothing of this to test in it.
const table = join(ROOT, 'dist/lib/commands/table.js')
const skip = !existsSync(table)
  ? 'dist/ is missing (npm run prepare)'
  : readFileSync(table, 'utf8').includes('import(')
    ? 'dist/ was built by plain tsc, not by npm run prepare (scripts/build-lib.js)'
    : null
if (skip) console.warn(`skipping the start-up tests on dist/: ${skip}`)

const READ = 'read 4096/4096 bytes at offset 0\n'
const POISON = 'read 4096/4096 BYTES AT OFFSET 0\n'

/** A copy of the package (bin, dist/lib, package.json; the addon and node_modules linked). */
function packageCopy(name: string): string {
  const pkg = join(tmp.path, name)
  mkdirSync(join(pkg, 'dist'), { recursive: true })
  cpSync(join(ROOT, 'bin'), join(pkg, 'bin'), { recursive: true })
  cpSync(join(ROOT, 'dist/lib'), join(pkg, 'dist/lib'), { recursive: true })
  cpSync(join(ROOT, 'package.json'), join(pkg, 'package.json'))
  for (const d of ['build', 'prebuilds', 'node_modules']) {
    if (existsSync(join(ROOT, d))) symlinkSync(join(ROOT, d), join(pkg, d))
  }
  return pkg
}

function rawio(pkg: string, command: string, env: Record<string, string> = {}) {
  const img = join(tmp.path, 'img')
  if (!existsSync(img)) writeFileSync(img, Buffer.alloc(1 << 20))
  const r = spawnSync(process.execPath, [join(pkg, 'bin/rawio.js'), '-f', 'raw', '-c', command, img], {
    encoding: 'utf8',
    env: { ...process.env, RAWIO_CLI_CACHE: '', NODE_DEBUG: 'module', ...env },
  })
  const nodeLoaded = [...r.stderr.matchAll(/^MODULE \d+: load "([^"]+)"/gm)].map((m) => m[1])
  const stderr = r.stderr.replace(/^MODULE \d+: .*\n/gm, '')
  return { status: r.status, stdout: r.stdout.replace(/^\d+ KiB.*\n/m, ''), stderr, nodeLoaded }
}

const packOf = (pkg: string) => join(pkg, 'dist/.cli-cache', `${process.version}-${process.arch}.pack`)
/** The dist/lib modules Node's own loader loaded (the cache loads the rest). */
const fromDisk = (pkg: string, loaded: string[]) => loaded.filter((f) => f.startsWith(join(pkg, 'dist/lib/')))
/** What Node loads when the cache does the rest: the cache's own two modules. */
const loaderOnly = (pkg: string) =>
  ['code-cache.js', 'code-cache-file.js'].map((f) => join(pkg, 'dist/lib/cli', f))

describe('build-lib: import() as require()', () => {
  it('emits a lazy import() as require() in a promise, literal or not', () => {
    const src = 'export const f = async (n: string) => [await import("./a.js"), await import(n)]'
    const out = ts.transpileModule(src, {
      fileName: join(tmp.path, 'x.ts'),
      compilerOptions: { module: ts.ModuleKind.Node16, target: ts.ScriptTarget.ES2022 },
      transformers: { before: [importToRequire] },
    }).outputText
    expect(out).toContain('await Promise.resolve().then(() => require("./a.js"))')
    expect(out).toContain('await Promise.resolve(n).then(specifier => require(specifier))')
    expect(out).not.toContain('import(')
    // and it runs: the module comes back, in a promise, without Node's ESM loader
    const dir = join(tmp.path, 'lazy')
    mkdirSync(dir)
    writeFileSync(join(dir, 'x.js'), out)
    writeFileSync(join(dir, 'a.js'), 'exports.a = 1')
    const r = spawnSync(
      process.execPath,
      [
        '-e',
        `require('./x.js').f('./a.js').then(([m, n]) => console.log(m.a, n.a, ` +
          `process.moduleLoadList.includes('NativeModule internal/modules/esm/translators')))`,
      ],
      { cwd: dir, encoding: 'utf8' },
    )
    expect(r.stdout).toBe('1 1 false\n')
  })
})

describe.skipIf(!!skip)('a one-shot run', () => {
  it('loads no ESM loader, no stream, readline, tty or net module (stdin is left alone)', () => {
    const probe = join(tmp.path, 'probe.js')
    const out = join(tmp.path, 'modules.txt')
    writeFileSync(
      probe,
      `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, process.moduleLoadList.join('\\n')))`,
    )
    const img = join(tmp.path, 'img1')
    writeFileSync(img, Buffer.alloc(1 << 20))
    const r = spawnSync(process.execPath, ['-r', probe, join(ROOT, 'bin/rawio.js'), '-c', 'read 0 4k', img], {
      encoding: 'utf8',
    })
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain(READ)
    const modules = readFileSync(out, 'utf8').split('\n')
    const unwanted = modules.filter((m) =>
      /^NativeModule (internal\/modules\/esm\/translators|internal\/fs\/streams|internal\/streams\/readable|internal\/readline\/interface|net|tty)$/.test(
        m,
      ),
    )
    expect(unwanted).toEqual([])
  })
})

describe.skipIf(!!skip)('the start-up cache', () => {
  const pkg = skip ? '' : packageCopy('pkg')
  const units = join(pkg, 'dist/lib/units.js')
  let poisoned: Buffer = Buffer.alloc(0)

  it('is written by the first run and then used: no dist module is read again', () => {
    const first = rawio(pkg, 'read 0 4k')
    expect(first).toMatchObject({ status: 0, stdout: READ, stderr: '' })
    expect(fromDisk(pkg, first.nodeLoaded)).toEqual(loaderOnly(pkg))
    const pack = statSync(packOf(pkg))
    expect(pack.mode & 0o777).toBe(0o644)
    const second = rawio(pkg, 'read 0 4k')
    expect(second).toMatchObject({ status: 0, stdout: READ, stderr: '' })
    expect(fromDisk(pkg, second.nodeLoaded)).toEqual(loaderOnly(pkg))
    expect(statSync(packOf(pkg)).mtimeMs).toBe(pack.mtimeMs) // nothing new: not written again
  })

  it('grows with the modules a new command loads', () => {
    const before = readFileSync(packOf(pkg)).length
    expect(rawio(pkg, 'write -P 7 0 4k')).toMatchObject({ status: 0, stderr: '' })
    expect(readFileSync(packOf(pkg)).length).toBeGreaterThan(before)
    expect(rawio(pkg, 'read -P 7 0 4k')).toMatchObject({ status: 0, stdout: READ, stderr: '' })
  })

  it('runs a module edited since, even one of the same size', () => {
    const text = readFileSync(units, 'utf8')
    expect(text).toContain('bytes at offset')
    const mtime = statSync(units).mtime
    writeFileSync(units, text.replace('bytes at offset', 'BYTES AT OFFSET'))
    utimesSync(units, mtime, new Date(mtime.getTime() + 5000))
    expect(rawio(pkg, 'read 0 4k')).toMatchObject({ status: 0, stdout: POISON, stderr: '' })
    // the cache now holds the edited module: put the original text back with the edited file's
    // size and mtime, and the cache (as it should, by its check) still runs the edit
    const edited = statSync(units)
    writeFileSync(units, text)
    utimesSync(units, edited.atime, edited.mtime)
    expect(rawio(pkg, 'read 0 4k').stdout).toBe(POISON)
    poisoned = readFileSync(packOf(pkg))
  })

  const withPoison = (f: (pack: string) => void) => {
    const pack = packOf(pkg)
    rmSync(pack, { force: true })
    writeFileSync(pack, poisoned, { mode: 0o644 })
    chmodSync(pack, 0o644)
    f(pack)
  }

  it('is not read when others may write it, or when it is not the package owner’s', () => {
    withPoison((pack) => {
      chmodSync(pack, 0o664)
      expect(rawio(pkg, 'read 0 4k')).toMatchObject({ status: 0, stdout: READ, stderr: '' })
    })
    withPoison((pack) => {
      chownSync(pack, 65534, 65534)
      expect(rawio(pkg, 'read 0 4k')).toMatchObject({ status: 0, stdout: READ, stderr: '' })
    })
    withPoison(() => expect(rawio(pkg, 'read 0 4k').stdout).toBe(POISON)) // the control
  })

  it('is not used, nor written, with RAWIO_CLI_CACHE=0', () => {
    withPoison((pack) => {
      expect(rawio(pkg, 'read 0 4k', { RAWIO_CLI_CACHE: '0' })).toMatchObject({ status: 0, stdout: READ })
      expect(readFileSync(pack).equals(poisoned)).toBe(true)
    })
  })

  it('is not used by a copy of the package in another place', () => {
    withPoison(() => {
      const moved = join(tmp.path, 'moved')
      cpSync(pkg, moved, { recursive: true, preserveTimestamps: true, verbatimSymlinks: true })
      expect(rawio(moved, 'read 0 4k')).toMatchObject({ status: 0, stdout: READ, stderr: '' })
    })
  })

  it('a damaged file is ignored and written anew', () => {
    for (const damage of [
      poisoned.subarray(0, poisoned.length >> 1),
      Buffer.from('garbage\n'),
      Buffer.alloc(0),
    ]) {
      withPoison((pack) => {
        writeFileSync(pack, damage)
        expect(rawio(pkg, 'read 0 4k')).toMatchObject({ status: 0, stdout: READ, stderr: '' })
        const again = rawio(pkg, 'read 0 4k')
        expect(again).toMatchObject({ status: 0, stdout: READ, stderr: '' })
        expect(fromDisk(pkg, again.nodeLoaded)).toEqual(loaderOnly(pkg))
      })
    }
  })

  it('modules with import() (a plain tsc build) load through Node, and the CLI works', () => {
    const plain = packageCopy('plain')
    const main = join(plain, 'dist/lib/cli/main.js')
    writeFileSync(main, `${readFileSync(main, 'utf8')}\n// import('./repl.js') as plain tsc leaves it\n`)
    const r = rawio(plain, 'read 0 4k')
    expect(r).toMatchObject({ status: 0, stdout: READ, stderr: '' })
    expect(r.nodeLoaded).toContain(main)
    expect(existsSync(packOf(plain))).toBe(false)
  })
})
