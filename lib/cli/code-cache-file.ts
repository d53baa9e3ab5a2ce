// The start-up cache's file (lib/cli/code-cache.ts): per module, its source, how its require()s
// resolved and V8's code cache. Layout: 16 bytes with the header's length in ASCII, the header
// (JSON: format, Node, V8, arch, package root, and per module its name under dist/lib, size, mtime
// and where its bytes are), then the modules' bytes: each module's resolutions (JSON), source and
// code cache side by side, so that one positioned read gets all three. A run reads and parses only
// the modules it loads; the header stays small (it lists every module the CLI has loaded).
import {
  closeSync,
  fstatSync,
  mkdirSync,
  openSync,
  readSync,
  renameSync,
  type Stats,
  writeFileSync,
} from 'node:fs'
import { dirname, join } from 'node:path'

const FORMAT = 3
const PREFIX = 16

/** One module as the header records it. */
interface Indexed {
  /** The file's path under dist/lib. */
  name: string
  size: number
  mtimeMs: number
  /** Where its bytes start after the header, and how many: resolutions, source, code cache. */
  at: number
  depsBytes: number
  sourceBytes: number
  cacheBytes: number
  /** The source is ASCII (read as latin1: no UTF-8 decoding, a one-byte string for V8). */
  ascii: boolean
}

/** One module in the file. */
export interface CachedModule extends Indexed {
  file: string
}

interface Header {
  format: number
  node: string
  v8: string
  arch: string
  root: string
  modules: Indexed[]
}

/** What the loader knows of a module. */
export interface ModuleRecord {
  file: string
  size: number
  mtimeMs: number
  /** require() specifier -> the file it resolved to (or a built-in's name). */
  deps: Record<string, string>
}

/** A module to write: its record, source and code cache. */
export interface ModuleBytes {
  module: ModuleRecord
  source: Buffer
  cache: Buffer
}

/** The cache file of package `root` for this Node. */
export function cacheFile(root: string): string {
  return join(root, 'dist', '.cli-cache', `${process.version}-${process.arch}.pack`)
}

/** An open cache file: its modules, read one by one. */
export class CacheFile {
  private constructor(
    private fd: number | null,
    private readonly base: number,
    readonly modules: Map<string, CachedModule>,
  ) {}

  /**
   * Opens `file` when it is for this Node and package root and may be trusted: owned by `owner`
   * (the package's owner) and writable by no one else. Null otherwise, or when it is damaged.
   */
  static open(file: string, root: string, lib: string, owner: number): CacheFile | null {
    let fd: number
    try {
      fd = openSync(file, 'r')
    } catch {
      return null
    }
    try {
      const st = fstatSync(fd)
      if (st.uid !== owner || (st.mode & 0o022) !== 0) throw new Error('untrusted')
      const length = Number(readExactly(fd, 0, PREFIX).toString('latin1'))
      if (!(Number.isSafeInteger(length) && length > 0 && PREFIX + length <= st.size))
        throw new Error('damaged')
      const h = JSON.parse(readExactly(fd, PREFIX, length).toString('utf8')) as Header
      if (
        h.format !== FORMAT ||
        h.node !== process.version ||
        h.v8 !== process.versions.v8 ||
        h.arch !== process.arch ||
        h.root !== root ||
        !Array.isArray(h.modules)
      ) {
        throw new Error('another Node, package or format')
      }
      const base = PREFIX + length
      const modules = new Map<string, CachedModule>()
      for (const m of h.modules) {
        if (!(base + m.at + m.depsBytes + m.sourceBytes + m.cacheBytes <= st.size)) throw new Error('damaged')
        modules.set(lib + m.name, { ...m, file: lib + m.name })
      }
      return new CacheFile(fd, base, modules)
    } catch {
      closeSync(fd)
      return null
    }
  }

  /** The module's record, when the file `stat` describes is the one it was made from. */
  fresh(file: string, stat: Stats | undefined): CachedModule | undefined {
    const m = this.modules.get(file)
    return m && stat && stat.size === m.size && stat.mtimeMs === m.mtimeMs ? m : undefined
  }

  /** The module's resolutions, source and code cache; null when they cannot be read. */
  read(m: CachedModule): { deps: Record<string, string>; source: string; cache: Buffer } | null {
    if (this.fd === null) return null
    try {
      const b = readExactly(this.fd, this.base + m.at, m.depsBytes + m.sourceBytes + m.cacheBytes)
      const deps = JSON.parse(b.toString('utf8', 0, m.depsBytes)) as Record<string, string>
      const end = m.depsBytes + m.sourceBytes
      return {
        deps,
        source: b.toString(m.ascii ? 'latin1' : 'utf8', m.depsBytes, end),
        cache: b.subarray(end),
      }
    } catch {
      return null
    }
  }

  /** The module as it is in the file (to carry into a new file). */
  bytes(m: CachedModule): ModuleBytes | null {
    const r = this.read(m)
    if (!r) return null
    const module = { file: m.file, size: m.size, mtimeMs: m.mtimeMs, deps: r.deps }
    return { module, source: Buffer.from(r.source, m.ascii ? 'latin1' : 'utf8'), cache: r.cache }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd)
    this.fd = null
  }
}

/** Writes the file anew (a temp file renamed over it, mode 0644); `lib` is dist/lib with its '/'. */
export function writeCacheFile(file: string, root: string, lib: string, modules: ModuleBytes[]): void {
  const chunks: Buffer[] = []
  let at = 0
  const records: Indexed[] = []
  for (const { module, source, cache } of modules) {
    if (!module.file.startsWith(lib)) continue
    const deps = Buffer.from(JSON.stringify(module.deps), 'utf8')
    chunks.push(deps, source, cache)
    records.push({
      name: module.file.slice(lib.length),
      size: module.size,
      mtimeMs: module.mtimeMs,
      at,
      depsBytes: deps.length,
      sourceBytes: source.length,
      cacheBytes: cache.length,
      ascii: !source.some((byte) => byte > 0x7f),
    })
    at += deps.length + source.length + cache.length
  }
  const header: Header = {
    format: FORMAT,
    node: process.version,
    v8: process.versions.v8,
    arch: process.arch,
    root,
    modules: records,
  }
  const json = Buffer.from(JSON.stringify(header), 'utf8')
  const prefix = Buffer.from(`${`${json.length}`.padStart(PREFIX - 1, ' ')}\n`, 'latin1')
  mkdirSync(dirname(file), { recursive: true, mode: 0o755 })
  const tmp = `${file}.${process.pid}.tmp`
  writeFileSync(tmp, Buffer.concat([prefix, json, ...chunks]), { mode: 0o644 })
  renameSync(tmp, file)
}

function readExactly(fd: number, position: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length)
  let done = 0
  while (done < length) {
    const n = readSync(fd, b, done, length - done, position + done)
    if (n === 0) throw new Error('short read')
    done += n
  }
  return b
}
