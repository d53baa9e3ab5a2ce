// The parse phase, pure: line splitting, arity from the table, getopt, the command's own parse.
import { getopt } from './getopt'
import {
  arityError,
  type Command,
  CommandStop,
  type Line,
  type ParseContext,
  PROGRAM,
  usageLine,
} from './spec'

/** breakline(): split at single spaces, empty words dropped; tabs are not separators, no quoting. */
export function breakline(input: string): string[] {
  return input.split(' ').filter((w) => w !== '')
}

export interface Parsed {
  request: unknown
  /** Lines printed while parsing that did not stop it (hex-suffix warnings). */
  lines: Line[]
}

/** getopt and the command's parse; throws CommandStop (with any earlier warnings first). */
export function parseArgs(cmd: Command, argv: string[]): Parsed {
  const lines: Line[] = []
  const order: string[] = []
  const ctx: ParseContext = {
    argv0: argv[0],
    seen: order,
    warn: (text) => lines.push({ stream: 'err', text: `${PROGRAM}: warning: ${text}` }),
    usage: () => {
      throw new CommandStop([{ stream: 'out', text: usageLine(cmd) }])
    },
  }
  try {
    const opts: Record<string, unknown> = {}
    let operands = argv.slice(1)
    if (cmd.optstring !== null && cmd.options) {
      const state = { operands: [] as string[] }
      for (const ev of getopt(argv, cmd.optstring, state)) {
        if (ev.kind === 'error') {
          throw new CommandStop([
            { stream: 'err', text: ev.message },
            { stream: 'out', text: usageLine(cmd) },
          ])
        }
        const spec = cmd.options[ev.letter]
        const value = spec.convert(ev.value ?? '', ctx)
        const prev = opts[ev.letter]
        opts[ev.letter] = spec.repeatable && Array.isArray(prev) ? [...prev, ...(value as unknown[])] : value
        order.push(ev.letter)
      }
      operands = state.operands
    }
    const request = cmd.parse({ opts, operands, argv, order }, ctx)
    return { request, lines }
  } catch (e) {
    if (e instanceof CommandStop)
      throw new CommandStop([...lines, ...e.lines], { failed: e.failed, code: e.code })
    throw e
  }
}

/** Arity, then parseArgs: everything a command checks before it needs a device. */
export function parseLine(cmd: Command, argv: string[]): Parsed {
  const bad = arityError(cmd, argv)
  if (bad) throw new CommandStop([{ stream: 'err', text: bad }])
  return parseArgs(cmd, argv)
}
