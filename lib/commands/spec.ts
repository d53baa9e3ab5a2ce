// The declarative command: qemu-io's cmdinfo_t (name, altname, argmin, argmax, flags, args, oneline,
// help) plus a typed option table, a pure parse, an execute that alone touches I/O, and a report.
import { PROGRAM, type Reporter } from '../report'
import { cvtnum, cvtnumErrorText, NumberParseError, PatternParseError, parsePattern } from '../units'
import type { SessionState } from './state'

/** What error messages start with, where qemu-io prints `qemu-io:` (lib/report's prefix policy). */
export { PROGRAM } from '../report'

export type Stream = 'out' | 'err'
export interface Line {
  stream: Stream
  text: string
}

/**
 * A command that stopped before or instead of its report: the lines it prints, and whether it counts
 * as a failure (qemu-io's `ret < 0`, which makes the exit status 1).
 */
export class CommandStop extends Error {
  readonly lines: Line[]
  readonly failed: boolean
  /** errno name ('EINVAL', 'EIO', ...) or ERR_RAWIO_*. */
  readonly code: string

  constructor(lines: Line[], opts: { failed?: boolean; code?: string } = {}) {
    super(lines.map((l) => l.text).join('\n'))
    this.name = 'CommandStop'
    this.lines = lines
    this.failed = opts.failed ?? true
    this.code = opts.code ?? 'EINVAL'
  }
}

/** A failure whose message qemu-io prints with printf (stdout). */
export const failOut = (text: string, code = 'EINVAL') => new CommandStop([{ stream: 'out', text }], { code })
/** A failure whose message goes to stderr as is (fprintf(stderr), perror). */
export const failErr = (text: string, code = 'EINVAL') => new CommandStop([{ stream: 'err', text }], { code })
/** error_report(): `rawio: text` on stderr. */
export const failReport = (text: string, code = 'EINVAL') => failErr(`${PROGRAM}: ${text}`, code)

export type CommandFlag =
  /** CMD_FLAG_GLOBAL: runs with or without an open image, and skips the file check. */
  | 'global'
  /** CMD_NOFILE_OK */
  | 'nofile-ok'
  /**
   * .perm = BLK_PERM_WRITE: refused with "Block node is read-only" on a read-only image, and under
   * O_DIRECT on an image whose size is not a multiple of the request alignment.
   */
  | 'write'
  /**
   * Submits requests that complete after the command returns (aio_read, aio_write): one stopped at
   * a blkdebug breakpoint can be resumed by a later command. Any other command's requests cannot.
   */
  | 'async'
  /** .perm = BLK_PERM_RESIZE (truncate): refused on a read-only image only. */
  | 'resize'

/** What option conversions may do besides returning a value. */
export interface ParseContext {
  /** The command word as typed (qemu-io's argv[0]: `r` for `read`). */
  readonly argv0: string
  /** The option letters getopt returned so far, in order (for options that depend on earlier ones). */
  readonly seen: readonly string[]
  /** `rawio: warning: text` on stderr; parsing goes on. */
  warn(text: string): void
  /** Prints the usage line (stdout) and fails. */
  usage(): never
}

export interface OptionSpec<T> {
  readonly takesArg: boolean
  /** Repeated occurrences are collected (values must be arrays) instead of the last one winning. */
  readonly repeatable?: boolean
  convert(value: string, ctx: ParseContext): T
}

export type OptionTable = Record<string, OptionSpec<unknown>>
export type OptionValues<O extends OptionTable> = {
  -readonly [K in keyof O]?: O[K] extends OptionSpec<infer T> ? T : never
}

/** cvtnum + print_cvtnum_err: the value, or the "Parsing error" line on stdout. */
export function num(text: string, ctx: Pick<ParseContext, 'warn'>, shown = text): number {
  try {
    const r = cvtnum(text)
    if (r.warning) ctx.warn(r.warning)
    return r.value
  } catch (e) {
    if (!(e instanceof NumberParseError)) throw e
    if (e.warning) ctx.warn(e.warning)
    throw failOut(cvtnumErrorText(new NumberParseError(e.kind, shown)), e.code)
  }
}

/** parse_pattern: a byte, or "X is not a valid pattern byte" on stdout. */
export function patternByte(text: string): number {
  try {
    return parsePattern(text)
  } catch (e) {
    if (e instanceof PatternParseError) throw failOut(e.message)
    throw e
  }
}

export const flag = (): OptionSpec<true> => ({ takesArg: false, convert: () => true })
export const text = (): OptionSpec<string> => ({ takesArg: true, convert: (v) => v })
export const byte = (): OptionSpec<number> => ({ takesArg: true, convert: (v) => patternByte(v) })
export const size = (): OptionSpec<number> => ({ takesArg: true, convert: (v, ctx) => num(v, ctx) })
/** A repeatable option with a value: every occurrence, in order. */
export const list = (): OptionSpec<string[]> => ({ takesArg: true, repeatable: true, convert: (v) => [v] })
/** An option whose conversion is the command's own (and may fail or end the command early). */
export function option<T>(
  takesArg: boolean,
  convert: (value: string, ctx: ParseContext) => T,
): OptionSpec<T> {
  return { takesArg, convert }
}

export interface ParseInput<O extends OptionTable> {
  /** The options in effect (the last occurrence wins, as in qemu-io's switch). */
  opts: OptionValues<O>
  /** Words left once getopt is done, or every word after the name for commands without getopt. */
  operands: string[]
  /** The whole split line; argv[0] is the command word as typed. */
  argv: string[]
  /** Option letters in the order given (for options where the last of several wins). */
  order: string[]
}

export interface ExecContext {
  readonly session: SessionState
  readonly out: Reporter
  readonly argv0: string
}

export interface CommandDef<O extends OptionTable, Req, Res> {
  name: string
  alt?: string
  argmin: number
  argmax: number
  flags?: readonly CommandFlag[]
  /** qemu's .args; undefined is its NULL (help then prints no args column). */
  args?: string
  oneline: string
  /** Long help printed by `help <name>` after the usage line (qemu's .help function). */
  help?: string
  /** getopt options, in optstring order. Without a table the command does not call getopt. */
  options?: O
  parse(input: ParseInput<O>, ctx: ParseContext): Req
  execute(ctx: ExecContext, req: Req): Promise<Res>
  report?(res: Res, out: Reporter, req: Req): void
}

export interface Command extends CommandDef<OptionTable, unknown, unknown> {
  /** getopt's optstring, built from the option table. */
  readonly optstring: string | null
}

/** Checks the definition and fills in what follows from it (the optstring). */
export function defineCommand<O extends OptionTable, Req, Res>(def: CommandDef<O, Req, Res>): Command {
  if (!/^[a-z_]+$/.test(def.name)) throw new TypeError(`bad command name '${def.name}'`)
  if (def.argmax !== -1 && def.argmax < def.argmin) throw new TypeError(`${def.name}: argmax < argmin`)
  let optstring: string | null = null
  if (def.options) {
    optstring = ''
    for (const [letter, spec] of Object.entries(def.options)) {
      if (letter.length !== 1) throw new TypeError(`${def.name}: option '${letter}' is not one letter`)
      optstring += spec.takesArg ? `${letter}:` : letter
    }
  }
  return { ...(def as unknown as CommandDef<OptionTable, unknown, unknown>), optstring }
}

/** qemuio_command_usage: `name args -- oneline` (printf, so NULL args print as "(null)"). */
export function usageLine(cmd: Pick<Command, 'name' | 'args' | 'oneline'>): string {
  return `${cmd.name} ${cmd.args ?? '(null)'} -- ${cmd.oneline}`
}

/** help_oneline: `name [args ]-- oneline`, with the name as the user typed it. */
export function helpLine(typed: string, cmd: Pick<Command, 'args' | 'oneline'>): string {
  return `${typed} ${cmd.args !== undefined ? `${cmd.args} ` : ''}-- ${cmd.oneline}`
}

/** command()'s arity check; null when the count is acceptable. */
export function arityError(cmd: Pick<Command, 'argmin' | 'argmax'>, argv: readonly string[]): string | null {
  const n = argv.length - 1
  if (n >= cmd.argmin && (cmd.argmax === -1 || n <= cmd.argmax)) return null
  const name = argv[0]
  if (cmd.argmax === -1)
    return `bad argument count ${n} to ${name}, expected at least ${cmd.argmin} arguments`
  if (cmd.argmin === cmd.argmax) return `bad argument count ${n} to ${name}, expected ${cmd.argmin} arguments`
  return `bad argument count ${n} to ${name}, expected between ${cmd.argmin} and ${cmd.argmax} arguments`
}
