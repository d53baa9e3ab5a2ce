// The CLI's start-up cache. Node 20 has no compile cache (module.enableCompileCache is 22.1), and a
// `rawio -c` run spends most of its own time finding, reading and compiling its ~40 modules. So the
// CLI loads the package's compiled modules (dist/lib) itself: each one as Node would (the same
// wrapper, filename, require.cache entry), compiled by vm.Script, and keeps in one file, per Node
// version, what that cost: each module's source, how its require()s resolved, and V8's code cache
// made after the run (so it holds the functions the run compiled too). The next run reads that file
// and compiles, resolves and reads nothing it already had.
//
// Checked, never trusted: a module comes from the cache only while its file has the size and mtime
// the cache recorded (each module is checked when it loads, so the code of every module is its
// file's), for this Node, V8, architecture and package root; V8 checks its data again and a rejected
// one is compiled from the source. Anything else loads as usual, and the file is written anew at the
// end of the run (atomically: a temp file renamed). Only a file owned by the package's owner and
// writable by no one else is read; only the package's owner writes one (dist/.cli-cache, which the
// npm package does not include; lib/cli/code-cache-file.ts). RAWIO_CLI_CACHE=0 turns it off, and
// when there is no cache to read nor a way to write one, Node loads the CLI as usual. A module the
// loader cannot run (one with import(), from a plain `tsc` build) and everything outside dist/lib
// go through Node's require; modules live in require.cache either way, so each exists once.

import { closeSync, fstatSync, openSync, readFileSync, realpathSync, statSync } from 'node:fs'
import Module, { createRequire, isBuiltin } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { Script } from 'node:vm'
import { CacheFile, cacheFile, type ModuleBytes, type ModuleRecord, writeCacheFile } from './code-cache-file'

/** A module loaded in this run. */
interface Loaded extends ModuleRecord {
  source: string
  script: Script
}

export interface CliLoad {
  /** The entry module's exports. */
  exports: unknown
  /** Writes the cache file when this run loaded anything it did not have. Never throws. */
  save(): void
}

type Require = NodeJS.Require

const WRAP_HEAD = '(function (exports, require, module, __filename, __dirname) { '
const WRAP_TAIL = '\n});'

/**
 * Loads `entry` (a module under `root`/dist/lib) with the start-up cache. `main` is the caller's
 * require (its main and cache are what the modules see).
 */
export function loadCli(entry: string, root: string, main: Require): CliLoad {
  const enabled = process.env.RAWIO_CLI_CACHE !== '0'
  const realRoot = realpathSync.native(root)
  const owner = statSync(realRoot).uid
  const file = cacheFile(realRoot)
  const lib = join(realRoot, 'dist', 'lib') + sep
  const pack = enabled ? CacheFile.open(file, realRoot, lib, owner) : null
  const writable = enabled && process.geteuid?.() === owner
  if (!pack && !writable) return { exports: main(entry), save() {} }
  const loaded = new Map<string, Loaded>()
  let changed = false

  const cacheable = (target: string) => target.startsWith(lib) && target.endsWith('.js')

  function load(target: string, parent: Module | null, fallback: () => Require): unknown {
    const present = main.cache[target]
    if (present) return present.exports
    const hit = pack?.fresh(target, statSync(target, { throwIfNoEntry: false }))
    const bytes = hit && pack?.read(hit)
    let record: Omit<Loaded, 'script'>
    if (hit && bytes) {
      record = {
        file: target,
        size: hit.size,
        mtimeMs: hit.mtimeMs,
        deps: bytes.deps,
        source: bytes.source,
      }
    } else {
      record = readModule(target)
      // import() needs Node's loader (vm.Script has no module loader without a flag)
      if (record.source.includes('import(')) return fallback()(target)
      changed = true
    }
    const cachedData = bytes ? bytes.cache : undefined
    const script = new Script(WRAP_HEAD + record.source + WRAP_TAIL, { filename: target, cachedData })
    if (cachedData && script.cachedDataRejected) changed = true
    const mod = new Module(target, parent ?? undefined)
    mod.filename = target
    main.cache[target] = mod
    const self: Loaded = { ...record, script }
    const fn = script.runInThisContext() as (...args: unknown[]) => void
    try {
      fn.call(mod.exports, mod.exports, requireFor(self, mod), mod, target, dirname(target))
    } catch (e) {
      delete main.cache[target]
      throw e
    }
    mod.loaded = true
    loaded.set(target, self)
    return mod.exports
  }

  function requireFor(self: Loaded, mod: Module): Require {
    let node: Require | undefined
    const nodeRequire = () => {
      node ??= createRequire(self.file)
      return node
    }
    const req = ((spec: string) => {
      let target = self.deps[spec]
      if (target === undefined) {
        try {
          target = nodeRequire().resolve(spec)
        } catch {
          return nodeRequire()(spec) // throws Node's own error
        }
        self.deps[spec] = target
        changed = true
      }
      if (cacheable(target)) return load(target, mod, nodeRequire)
      return isBuiltin(target) ? main(target) : nodeRequire()(spec)
    }) as Require
    req.resolve = ((spec: string, options?: { paths?: string[] }) =>
      nodeRequire().resolve(spec, options)) as Require['resolve']
    req.main = main.main
    req.cache = main.cache
    return req
  }

  const target = realpathSync.native(entry)
  const exports = cacheable(target) ? load(target, null, () => main) : main(target)
  return {
    exports,
    save() {
      try {
        if (changed && writable) writeCacheFile(file, realRoot, lib, toWrite(loaded, pack))
      } catch {
        // a cache: the next run loads as usual
      } finally {
        pack?.close()
      }
    },
  }
}

/** What this run loaded (code cache made now: with what the run compiled), then the rest of the old file. */
function toWrite(loaded: Map<string, Loaded>, old: CacheFile | null): ModuleBytes[] {
  const out: ModuleBytes[] = []
  for (const m of loaded.values()) {
    const { file, size, mtimeMs, deps } = m
    out.push({
      module: { file, size, mtimeMs, deps },
      source: Buffer.from(m.source, 'utf8'),
      cache: m.script.createCachedData(),
    })
  }
  for (const m of old?.modules.values() ?? []) {
    if (loaded.has(m.file)) continue
    const b = old?.bytes(m)
    if (b) out.push(b)
  }
  return out
}

function readModule(file: string): Omit<Loaded, 'script'> {
  const fd = openSync(file, 'r')
  try {
    const st = fstatSync(fd)
    return { file, size: st.size, mtimeMs: st.mtimeMs, deps: {}, source: readFileSync(fd, 'utf8') }
  } finally {
    closeSync(fd)
  }
}
