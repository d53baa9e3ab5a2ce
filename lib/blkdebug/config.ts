// blkdebug's config file: qemu's INI dialect (qemu_config_parse), read line by line with qemu's own
// sscanf patterns, then validated as qemu_opts_from_qdict() and blkdebug's add_rule() do, in their
// order and with their texts. Errors add what qemu leaves out: the file and the line.
import { constants } from 'node:os'
import {
  type BlkdebugEvent,
  DEFAULT_IOTYPE_MASK,
  IO_TYPES,
  type IoType,
  iotypeBit,
  isBlkdebugEvent,
} from './events'
import { idWellformed, parseQemuBool, qdictOrder, Scan, strtou64 } from './qemu-text'

export interface InjectErrorRule {
  action: 'inject-error'
  event: BlkdebugEvent
  /** 0: any state. */
  state: number
  iotypeMask: number
  /** Positive errno; 0 matches and lets the request through; negative "succeeds" without I/O (as qemu). */
  errno: number
  /** Byte offset of `sector` (sector * 512), -1 for any, NaN when it can never overlap. */
  offset: number
  once: boolean
  immediately: boolean
  line: number
}

export interface SetStateRule {
  action: 'set-state'
  event: BlkdebugEvent
  state: number
  newState: number
  line: number
}

export type ConfigRule = InjectErrorRule | SetStateRule

export class BlkdebugConfigError extends Error {
  readonly code = 'ERR_RAWIO_BLKDEBUG_CONFIG'
  /** qemu's own text for the problem (what qemu-io prints after "can't open device X: "). */
  readonly text: string
  constructor(
    readonly file: string,
    readonly line: number,
    text: string,
  ) {
    super(line > 0 ? `${file}:${line}: ${text}` : file ? `${file}: ${text}` : text)
    this.name = 'BlkdebugConfigError'
    this.text = text
  }
}

type Kind = 'string' | 'number' | 'bool'
const GROUPS: Record<string, Record<string, Kind>> = {
  'inject-error': {
    event: 'string',
    state: 'number',
    iotype: 'string',
    errno: 'number',
    sector: 'number',
    once: 'bool',
    immediately: 'bool',
  },
  'set-state': { event: 'string', state: 'number', new_state: 'number' },
}

interface Entry {
  value: string
  line: number
}
interface Section {
  group: string
  line: number
  keys: Map<string, Entry>
}
interface Opts {
  group: string
  line: number
  values: Map<string, Entry & { parsed: bigint | boolean | string }>
}

const ID_HINT = "Identifiers consist of letters, digits, '-', '.', '_', starting with a letter."

/** Parses a config's text. `file` names it in errors. */
export function parseBlkdebugConfig(text: string, file = 'config'): ConfigRule[] {
  const fail = (line: number, why: string): never => {
    throw new BlkdebugConfigError(file, line, why)
  }
  const opts: Opts[] = []
  const ids = new Map<string, Set<string>>()
  // as qemu, a section is validated when the next one starts (and the last at the end of the file)
  scanSections(text, (s) => opts.push(validateSection(s, ids, fail)), fail)
  const rules: ConfigRule[] = []
  for (const group of ['inject-error', 'set-state'])
    for (const o of opts) if (o.group === group) rules.push(addRule(o, fail))
  return rules
}

let strerror: ((errno: number) => string) | undefined
/** Lets the loader hand over the C library's strerror (optional: only for nicer texts). */
export function setConfigStrerror(fn: (errno: number) => string): void {
  strerror = fn
}
export function describeErrno(errno: number | undefined, code: string): string {
  if (errno === undefined) return code
  if (strerror) return strerror(errno)
  return code === 'ENOENT' ? 'No such file or directory' : code === 'EACCES' ? 'Permission denied' : code
}

/** qemu_config_foreach(): lines to sections, with qemu's sscanf patterns and quirks. */
function scanSections(
  text: string,
  done: (s: Section) => void,
  fail: (line: number, why: string) => never,
): void {
  let current: Section | null = null
  let group = '' // qemu's group[] buffer: failed sscanf calls overwrite it too
  const lines = text.match(/[^\n]*\n|[^\n]+$/g) ?? []
  for (let i = 0; i < lines.length; i++) {
    // fgets() keeps NUL bytes, but every sscanf() sees the line as a C string: up to the first NUL
    const nul = lines[i].indexOf('\0')
    const line = nul < 0 ? lines[i] : lines[i].slice(0, nul)
    const lno = i + 1
    if (line[0] === '\n' || line[0] === '#') continue
    if (line[0] === '[') {
      let started: Section | null = null
      const a = new Scan(line)
      a.literal('[')
      const name = a.word(63)
      if (name !== null) group = name
      a.spaces()
      const id = name !== null && a.literal('"') ? a.until('"', 63) : null
      if (name !== null && id !== null) {
        started = { group, line: lno, keys: new Map([['id', { value: id, line: lno }]]) }
      } else {
        const b = new Scan(line)
        b.literal('[')
        const bare = b.until(']', 63)
        if (bare !== null) started = { group: (group = bare), line: lno, keys: new Map() }
      }
      if (started) {
        if (current) done(current)
        current = started
        continue
      }
    }
    const kv = new Scan(line)
    const key = kv.word(63)
    if (key === null) fail(lno, 'parse error')
    let value = ''
    kv.spaces()
    if (kv.literal('=')) {
      kv.spaces()
      if (kv.literal('"')) value = kv.until('"', 1023) ?? ''
    }
    if (current === null) fail(lno, 'no group defined')
    current.keys.set(key as string, { value, line: lno })
  }
  // qemu names the last section by whatever its group[] buffer holds at the end of the file
  if (current) done({ ...current, group })
}

function validateSection(
  s: Section,
  ids: Map<string, Set<string>>,
  fail: (line: number, why: string) => never,
): Opts {
  const desc = GROUPS[s.group]
  if (!desc) fail(s.line, `There is no option group '${s.group}'`)
  const id = s.keys.get('id')?.value
  if (id !== undefined) {
    if (!idWellformed(id)) fail(s.line, `Parameter 'id' expects an identifier\n${ID_HINT}`)
    const seen = ids.get(s.group) ?? new Set<string>()
    if (seen.has(id)) fail(s.line, `Duplicate ID '${id}' for ${s.group}`)
    seen.add(id)
    ids.set(s.group, seen)
  }
  const values: Opts['values'] = new Map()
  for (const key of qdictOrder([...s.keys.keys()])) {
    if (key === 'id') continue
    const entry = s.keys.get(key) as Entry
    const kind = desc[key]
    if (!kind) fail(entry.line, `Invalid parameter '${key}'`)
    values.set(key, { ...entry, parsed: parseValue(key, kind, entry, fail) })
  }
  return { group: s.group, line: s.line, values }
}

function parseValue(key: string, kind: Kind, e: Entry, fail: (line: number, why: string) => never) {
  if (kind === 'string') return e.value
  if (kind === 'bool') {
    const b = parseQemuBool(e.value)
    return b ?? fail(e.line, `Parameter '${key}' expects 'on' or 'off'`)
  }
  // rawio extension: errno may be a name (ENOSPC); qemu only takes numbers
  if (key === 'errno' && /^E[A-Z0-9]+$/.test(e.value)) {
    const n = (constants.errno as Record<string, number>)[e.value]
    if (n !== undefined) return BigInt(n)
  }
  const r = strtou64(e.value)
  if (r.ok) return r.value
  return r.range
    ? fail(e.line, `Value '${e.value}' is too large for parameter '${key}'`)
    : fail(e.line, `Parameter '${key}' expects a number`)
}

/** add_rule(): the event, then the action's options, with qemu's C integer conversions. */
function addRule(o: Opts, fail: (line: number, why: string) => never): ConfigRule {
  const get = (k: string) => o.values.get(k)
  const int32 = (k: string, def: number) => {
    const v = get(k)?.parsed
    return typeof v === 'bigint' ? Number(BigInt.asIntN(32, v)) : def
  }
  const ev = get('event')
  if (!ev) fail(o.line, 'Missing event name for rule')
  const event = (ev as Entry).value
  if (!isBlkdebugEvent(event)) return fail((ev as Entry).line, `invalid parameter value: ${event}`)
  const state = int32('state', 0)
  if (o.group === 'set-state')
    return { action: 'set-state', event, state, newState: int32('new_state', 0), line: o.line }
  const bool = (k: string) => get(k)?.parsed === true
  const sectorRaw = get('sector')?.parsed
  const sector = typeof sectorRaw === 'bigint' ? BigInt.asIntN(64, sectorRaw) : -1n
  const offset = sector === -1n ? -1 : sector < 0n ? Number.NaN : Number(sector * 512n)
  const io = get('iotype')
  let iotypeMask = DEFAULT_IOTYPE_MASK
  if (io) {
    if (!(IO_TYPES as readonly string[]).includes(io.value))
      fail(io.line, `invalid parameter value: ${io.value}`)
    iotypeMask = iotypeBit(io.value as IoType)
  }
  return {
    action: 'inject-error',
    event,
    state,
    iotypeMask,
    errno: int32('errno', constants.errno.EIO),
    offset,
    once: bool('once'),
    immediately: bool('immediately'),
    line: o.line,
  }
}

/** `blkdebug:CONFIG:PATH` → its parts (config null when empty), as blkdebug_parse_filename(). */
export function parseBlkdebugFilename(filename: string): { config: string | null; image: string } {
  if (!filename.startsWith('blkdebug:')) throw new TypeError(`'${filename}' is not a blkdebug: filename`)
  const rest = filename.slice('blkdebug:'.length)
  const colon = rest.indexOf(':')
  if (colon < 0) throw new BlkdebugConfigError('', 0, 'blkdebug requires both config file and image path')
  return { config: colon === 0 ? null : rest.slice(0, colon), image: rest.slice(colon + 1) }
}
