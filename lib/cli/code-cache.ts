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
// npm package does not include). RAWIO_CLI_CACHE=0 turns it off. A module the loader cannot run
// (one with import(), from a plain `tsc` build) and everything outside dist/lib go through Node's
// require; modules live in require.cache either way, so each exists once.

import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readFileSync,
  realpathSync,
  renameSync,
  statSync,
  writeFileSync,
} from 'node:fs'
import Module, { createRequire, isBuiltin } from 'node:module'
import { dirname, join, sep } from 'node:path'
import { Script } from 'node:vm'

const FORMAT = 1

/** One module as the cache file records it. */
interface Entry {
  file: string
  size: number
  mtimeMs: number
  /** require() specifier -> the file it resolved to (or a built-in's name). */
  deps: Record<string, string>
  /** Byte ranges in the file's body: the source (UTF-8) and V8's code cache. */
  source: [number, number]
  cache: [number, number]
}

interface Header {
  format: number
  node: string
  v8: string
  arch: string
  root: string
  modules: Entry[]
}

/** A module loaded in this run. */
interface Loaded {
  file: string
  size: number
  mtimeMs: number
  deps: Record<string, string>
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

/** The cache file of package `root` for this Node. */
export function cacheFile(root: string): string {
  return join(root, 'dist', '.cli-cache', `${process.version}-${process.arch}.pack`)
}

/**
 * Loads `entry` (a module under `root`/dist/lib) with the start-up cache. `main` is the caller's
 * require (its main and cache are what the modules see).
 */
export function loadCli(entry: string, root: string, main: Require): CliLoad {
  const enabled = process.env.RAWIO_CLI_CACHE !== '0'
  const realRoot = realpathSync.native(root)
  const lib = join(realRoot, 'dist', 'lib') + sep
  const file = enabled ? cacheFile(realRoot) : null
  const pack = file ? readPack(file, realRoot) : null
  const loaded = new Map<string, Loaded>()
  let changed = false

  const cacheable = (target: string) => target.startsWith(lib) && target.endsWith('.js')

  function load(target: string, parent: Module | null, fallback: Require): unknown {
    const present = main.cache[target]
    if (present) return present.exports
    const hit = pack?.entries.get(target)
    const stat = statSync(target, { throwIfNoEntry: false })
    let record: Omit<Loaded, 'script'>
    let cachedData: Buffer | undefined
    if (pack && hit && stat && stat.size === hit.size && stat.mtimeMs === hit.mtimeMs) {
      record = fromPack(hit, pack.body)
      cachedData = pack.body.subarray(hit.cache[0], hit.cache[1])
    } else {
      record = readModule(target)
      // import() needs Node's loader (vm.Script has no module loader without a flag)
      if (record.source.includes('import(')) return fallback(target)
      changed = true
    }
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
      if (cacheable(target)) return load(target, mod, nodeRequire())
      return isBuiltin(target) ? main(target) : nodeRequire()(spec)
    }) as Require
    req.resolve = ((spec: string, options?: { paths?: string[] }) =>
      nodeRequire().resolve(spec, options)) as Require['resolve']
    req.main = main.main
    req.cache = main.cache
    return req
  }

  const target = realpathSync.native(entry)
  const exports = cacheable(target) ? load(target, null, main) : main(target)
  return {
    exports,
    save() {
      if (!file || !changed) return
      try {
        writePack(file, realRoot, loaded, pack)
      } catch {
        // a cache: the next run loads as usual
      }
    },
  }
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

function fromPack(e: Entry, body: Buffer): Omit<Loaded, 'script'> {
  const source = body.toString('utf8', e.source[0], e.source[1])
  return { file: e.file, size: e.size, mtimeMs: e.mtimeMs, deps: { ...e.deps }, source }
}

interface Pack {
  entries: Map<string, Entry>
  body: Buffer
}

/** The cache file, if it is for this Node and package and may be trusted; else null. */
function readPack(file: string, root: string): Pack | null {
  let fd: number
  try {
    fd = openSync(file, 'r')
  } catch {
    return null
  }
  try {
    const st = fstatSync(fd)
    if (st.uid !== statSync(root).uid || (st.mode & 0o022) !== 0) return null
    const buf = readFileSync(fd)
    const nl = buf.indexOf(10)
    if (nl < 0) return null
    const h = JSON.parse(buf.toString('utf8', 0, nl)) as Header
    if (
      h.format !== FORMAT ||
      h.node !== process.version ||
      h.v8 !== process.versions.v8 ||
      h.arch !== process.arch ||
      h.root !== root ||
      !Array.isArray(h.modules)
    ) {
      return null
    }
    const body = buf.subarray(nl + 1)
    for (const m of h.modules) {
      if (!(m.source[1] <= body.length && m.cache[1] <= body.length)) return null
    }
    return { entries: new Map(h.modules.map((m) => [m.file, m])), body }
  } catch {
    return null
  } finally {
    closeSync(fd)
  }
}

/** Writes what this run loaded, with what the old file had that this run did not load. */
function writePack(file: string, root: string, loaded: Map<string, Loaded>, old: Pack | null): void {
  if (process.geteuid?.() !== statSync(root).uid) return
  const chunks: Buffer[] = []
  let at = 0
  const add = (b: Buffer): [number, number] => {
    chunks.push(b)
    at += b.length
    return [at - b.length, at]
  }
  const modules: Entry[] = []
  for (const m of loaded.values()) {
    const source = add(Buffer.from(m.source, 'utf8'))
    const cache = add(m.script.createCachedData())
    modules.push({ file: m.file, size: m.size, mtimeMs: m.mtimeMs, deps: m.deps, source, cache })
  }
  for (const e of old?.entries.values() ?? []) {
    if (loaded.has(e.file)) continue
    const source = add(old!.body.subarray(e.source[0], e.source[1]))
    const cache = add(old!.body.subarray(e.cache[0], e.cache[1]))
    modules.push({ ...e, source, cache })
  }
  const header: Header = {
    format: FORMAT,
    node: process.version,
    v8: process.versions.v8,
    arch: process.arch,
    root,
    modules,
  }
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, Buffer.concat([Buffer.from(`${JSON.stringify(header)}\n`), ...chunks]), { mode: 0o644 })
  renameSync(tmp, file)
}
