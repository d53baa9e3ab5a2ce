// abort, sleep, sigraise, help and quit: the commands about the program rather than the image.
import { defineCommand, failOut, helpLine, num } from './spec'

export const abort = defineCommand({
  name: 'abort',
  argmin: 0,
  argmax: 0,
  flags: ['nofile-ok'],
  oneline: 'simulate a program crash using abort(3)',
  parse: () => null,
  async execute({ session }) {
    session.raise(6)
    return null
  },
})

/** strtol(s, &end, 0) that must consume the whole word; null when it does not (or is negative). */
export function strtolWhole(s: string): number | null {
  const m = /^[ \t\n\v\f\r]*([+-]?)(0[xX][0-9a-fA-F]+|0[0-7]*|[1-9][0-9]*)$/.exec(s)
  if (!m) return null
  const digits = m[2]
  const magnitude = /^0[xX]/.test(digits)
    ? Number.parseInt(digits.slice(2), 16)
    : digits.startsWith('0')
      ? Number.parseInt(digits, 8)
      : Number(digits)
  const value = m[1] === '-' ? -magnitude : magnitude
  return value < 0 ? null : value
}

export const sleep = defineCommand({
  name: 'sleep',
  argmin: 1,
  argmax: 1,
  flags: ['nofile-ok'],
  oneline: 'waits for the given value in milliseconds',
  parse({ operands }) {
    const ms = strtolWhole(operands[0])
    if (ms === null) throw failOut(`${operands[0]} is not a valid number`)
    return { ms }
  },
  async execute({ session, out }, req) {
    await session.sleep(req.ms)
    await session.poll()
    out.result({ command: 'sleep', ok: true, ms: req.ms })
    return null
  },
})

const SIGRAISE_HELP = `
 raises the given signal

 Example:
 'sigraise 15' - raises SIGTERM

 Invokes raise(signal), where "signal" is the mandatory integer argument
 given to sigraise.

`

/** NSIG on Linux: qemu-io refuses only numbers above it. */
const NSIG = 65

export const sigraise = defineCommand({
  name: 'sigraise',
  argmin: 1,
  argmax: 1,
  flags: ['nofile-ok'],
  args: 'signal',
  oneline: 'raises a signal',
  help: SIGRAISE_HELP,
  parse({ operands }, ctx) {
    const signal = num(operands[0], ctx)
    if (signal > NSIG) throw failOut(`signal argument '${operands[0]}' is too large to be a valid signal`)
    return { signal }
  },
  async execute({ session }, req) {
    session.raise(req.signal)
    return null
  },
})

export const help = defineCommand({
  name: 'help',
  alt: '?',
  argmin: 0,
  argmax: 1,
  flags: ['global'],
  args: '[command]',
  oneline: 'help for one or all commands',
  parse({ operands }) {
    return { name: operands[0] as string | undefined }
  },
  async execute({ session }, req) {
    const lines: string[] = []
    if (req.name === undefined) {
      for (const cmd of await session.loadCommands()) lines.push(helpLine(cmd.name, cmd))
      lines.push('', "Use 'help commandname' for extended help.")
      return { lines }
    }
    const cmd = await session.findCommand(req.name)
    if (!cmd) throw failOut(`command ${req.name} not found`)
    lines.push(helpLine(req.name, cmd))
    // qemu's help texts end with a newline of their own; info() adds one per line.
    if (cmd.help) lines.push(...cmd.help.replace(/\n$/, '').split('\n'))
    return { lines }
  },
  report({ lines }, out) {
    for (const line of lines) out.info(line)
    out.result({ command: 'help', ok: true, text: `${lines.join('\n')}\n` })
  },
})

export const quit = defineCommand({
  name: 'quit',
  alt: 'q',
  argmin: -1,
  argmax: -1,
  flags: ['global'],
  oneline: 'exit the program',
  parse: () => null,
  async execute({ session, out }) {
    session.requestQuit()
    out.result({ command: 'quit', ok: true })
    return null
  },
})
