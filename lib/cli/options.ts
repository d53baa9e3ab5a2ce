// rawio's command line: qemu-io's options table (same letters, long names and messages) plus rawio's
// own. Parsing is pure and exported; it stops where qemu-io's getopt loop exits.

import { parseAioMode, parseCacheMode, parseDiscardMode, parseKeyValues } from '../commands/image-options'
import { CommandStop, type Line, PROGRAM } from '../commands/spec'
import { defaultImageOptions, type ImageOptions } from '../commands/state'
import type { AlignMode, EngineChoice } from '../device'
import { getoptLong, type LongOption } from './getopt-long'

/** Every option rawio knows; the handler table below must cover each one (the compiler checks). */
type OptionKey =
  | 'h'
  | 'V'
  | 'c'
  | 'd'
  | 'f'
  | 'r'
  | 's'
  | 'n'
  | 'C'
  | 'm'
  | 'k'
  | 'i'
  | 't'
  | 'T'
  | 'U'
  | 'object'
  | 'image-opts'
  | 'align'
  | 'json'
  | 'engine'
  | 'force'

/** qemu-io's sopt. */
export const SHORT_OPTIONS = 'hVc:d:f:rsnCmki:t:T:U'

export const LONG_OPTIONS: readonly LongOption[] = [
  { name: 'help', hasArg: false, key: 'h' },
  { name: 'version', hasArg: false, key: 'V' },
  { name: 'cmd', hasArg: true, key: 'c' },
  { name: 'format', hasArg: true, key: 'f' },
  { name: 'read-only', hasArg: false, key: 'r' },
  { name: 'snapshot', hasArg: false, key: 's' },
  { name: 'nocache', hasArg: false, key: 'n' },
  { name: 'copy-on-read', hasArg: false, key: 'C' },
  { name: 'misalign', hasArg: false, key: 'm' },
  { name: 'native-aio', hasArg: false, key: 'k' },
  { name: 'aio', hasArg: true, key: 'i' },
  { name: 'discard', hasArg: true, key: 'd' },
  { name: 'cache', hasArg: true, key: 't' },
  { name: 'trace', hasArg: true, key: 'T' },
  { name: 'object', hasArg: true, key: 'object' },
  { name: 'image-opts', hasArg: false, key: 'image-opts' },
  { name: 'force-share', hasArg: false, key: 'U' },
  // rawio's own
  { name: 'align', hasArg: true, key: 'align' },
  { name: 'json', hasArg: false, key: 'json' },
  { name: 'engine', hasArg: true, key: 'engine' },
  // Long only, so that it cannot take a letter of qemu-io's. (In qemu-io `--force` abbreviates
  // `--force-share`; in rawio it is this option, and `--force-s` abbreviates -U.)
  { name: 'force', hasArg: false, key: 'force' },
]

export interface CliConfig {
  commands: string[]
  file: string | null
  image: ImageOptions
  misalign: boolean
  align: AlignMode
  engine: EngineChoice
  json: boolean
  /** --force: write to block devices despite what the interlock lets it override. */
  force: boolean
  imageOpts: boolean
  /** --image-opts: the image's option dictionary (driver=raw,file.filename=PATH,...). */
  imageOptions?: Map<string, string>
  snapshot: boolean
}

export type CliParse =
  | { action: 'run'; config: CliConfig; lines: Line[] }
  | { action: 'help' | 'version'; lines: Line[] }
  /** `usage`: print the usage text (stdout) after the lines, as qemu-io does for a bad command line. */
  | { action: 'exit'; status: number; lines: Line[]; usage?: boolean }

type Handler = (cfg: CliConfig, value: string, lines: Line[]) => 'help' | 'version' | undefined

/** A handler that only records the option. */
const does =
  (f: (cfg: CliConfig, value: string, lines: Line[]) => unknown): Handler =>
  (cfg, value, lines) => {
    f(cfg, value, lines)
    return undefined
  }

const err = (text: string): Line => ({ stream: 'err', text })

const HANDLERS: Record<OptionKey, Handler> = {
  h: () => 'help',
  V: () => 'version',
  c: does((cfg, v) => cfg.commands.push(v)),
  d: does((cfg, v) => (cfg.image.discard = parseDiscardMode(v))),
  f: does((cfg, v) => (cfg.image.format = v)),
  r: does((cfg) => (cfg.image.readOnly = true)),
  s: does((cfg) => (cfg.snapshot = true)),
  n: does((cfg) => (cfg.image.cache = 'none')),
  // copy-on-read needs a backing file; a raw image has none, so it changes nothing.
  C: () => undefined,
  m: does((cfg) => (cfg.misalign = true)),
  k: does((cfg) => (cfg.image.nativeAio = true)),
  i: does((cfg, v) => (cfg.image.aio = parseAioMode(v))),
  t: does((cfg, v) => (cfg.image.cache = parseCacheMode(v))),
  T: does((_cfg, v, lines) =>
    lines.push(err(`${PROGRAM}: warning: tracing is not supported; ignoring -T ${v}`)),
  ),
  U: does((cfg) => (cfg.image.forceShare = true)),
  object: () => {
    throw new CommandStop([err(`${PROGRAM}: --object is not supported (raw images need no secrets)`)])
  },
  'image-opts': does((cfg) => (cfg.imageOpts = true)),
  align: does((cfg, v) => {
    if (v !== 'auto' && v !== 'strict') throw new CommandStop([err(`${PROGRAM}: Invalid align option: ${v}`)])
    cfg.align = v
  }),
  json: does((cfg) => (cfg.json = true)),
  engine: does((cfg, v) => {
    if (v !== 'auto' && v !== 'io_uring' && v !== 'threads' && v !== 'libaio') {
      throw new CommandStop([err(`${PROGRAM}: Invalid engine option: ${v}`)])
    }
    cfg.engine = v
  }),
  force: does((cfg) => (cfg.force = true)),
}

/** Parses rawio's arguments (without the program name). */
export function parseCli(args: readonly string[]): CliParse {
  const cfg: CliConfig = {
    commands: [],
    file: null,
    image: { ...defaultImageOptions },
    misalign: false,
    align: 'auto',
    engine: 'auto',
    json: false,
    force: false,
    imageOpts: false,
    snapshot: false,
  }
  const lines: Line[] = []
  const state = { operands: [] as string[] }
  try {
    for (const ev of getoptLong(args, SHORT_OPTIONS, LONG_OPTIONS, PROGRAM, state)) {
      if (ev.kind === 'error')
        return { action: 'exit', status: 1, lines: [...lines, err(ev.message)], usage: true }
      const action = HANDLERS[ev.key as OptionKey](cfg, ev.value ?? '', lines)
      if (action) return { action, lines }
    }
  } catch (e) {
    if (e instanceof CommandStop) return { action: 'exit', status: 1, lines: [...lines, ...e.lines] }
    throw e
  }
  if (state.operands.length > 1) return { action: 'exit', status: 1, lines, usage: true }
  if (cfg.image.format !== undefined && cfg.imageOpts) {
    return {
      action: 'exit',
      status: 1,
      lines: [...lines, err(`${PROGRAM}: --image-opts and -f are mutually exclusive`)],
    }
  }
  cfg.file = state.operands[0] ?? null
  if (cfg.file !== null && cfg.imageOpts) {
    // The options are applied (and checked, with qemu's messages) when the image is opened.
    const kv = parseKeyValues(cfg.file)
    cfg.imageOptions = kv
    cfg.file = kv.get('file.filename') ?? kv.get('filename') ?? null
  }
  return { action: 'run', config: cfg, lines }
}
