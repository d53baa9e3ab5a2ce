// argv as bytes: Node decodes the command line as UTF-8 and replaces what is not (a file name
// `bad\xfe.img` arrives as `bad\ufffd.img`, which names another file). /proc/self/cmdline still has
// the bytes; rawArgv() decodes them with lib/paths' escapes, and falls back to process.argv when the
// two do not line up (a changed process title).
import { readFileSync } from 'node:fs'
import { decodeBytes } from '../paths'

export function rawArgv(argv: readonly string[] = process.argv): string[] {
  const given = argv.slice(2)
  let raw: Buffer
  try {
    raw = readFileSync('/proc/self/cmdline')
  } catch {
    return given
  }
  const items: Buffer[] = []
  let start = 0
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === 0) {
      items.push(raw.subarray(start, i))
      start = i + 1
    }
  }
  if (start < raw.length) items.push(raw.subarray(start))
  if (items.length < given.length) return given
  const tail = items.slice(items.length - given.length)
  // The same arguments, as Node decoded them: else these are not our arguments.
  if (!tail.every((b, i) => b.toString('utf8') === given[i])) return given
  return tail.map(decodeBytes)
}
