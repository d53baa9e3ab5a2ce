// glibc getopt(3) as qemu-io's commands call it: short options only, argument permutation (operands
// may come before options), clusters (`-vq`), attached values (`-P0x5`), `--` ending the options.
// It is a generator so that callers act on each option in order and can stop at the first bad one,
// exactly where qemu-io's `while ((c = getopt(...)) != -1)` loop returns.

export type GetoptEvent =
  | { kind: 'option'; letter: string; value: string | undefined }
  /** glibc's message, printed on stderr (opterr is 1 in qemu-io). */
  | { kind: 'error'; letter: string; message: string }

/** Which letters take a value: 'P:' style optstring parsed into a map. */
export function parseOptstring(optstring: string): Map<string, boolean> {
  const spec = new Map<string, boolean>()
  for (let i = 0; i < optstring.length; i++) {
    const c = optstring[i]
    if (c === ':') continue
    const takesArg = optstring[i + 1] === ':'
    spec.set(c, takesArg)
  }
  return spec
}

export interface GetoptState {
  /** The non-option words, in order: what `argv[optind..argc)` holds once getopt returned -1. */
  operands: string[]
}

/**
 * Walks `argv` (argv[0] is the command name) and yields each option or the first error. When the
 * generator finishes, `state.operands` holds the operands.
 */
export function* getopt(
  argv: readonly string[],
  optstring: string,
  state: GetoptState,
): Generator<GetoptEvent> {
  const spec = parseOptstring(optstring)
  const name = argv[0] ?? ''
  state.operands = []
  for (let i = 1; i < argv.length; i++) {
    const word = argv[i]
    if (word === '--') {
      state.operands.push(...argv.slice(i + 1))
      return
    }
    if (word.length < 2 || word[0] !== '-') {
      state.operands.push(word)
      continue
    }
    for (let j = 1; j < word.length; j++) {
      const letter = word[j]
      const takesArg = spec.get(letter)
      if (takesArg === undefined) {
        yield { kind: 'error', letter, message: `${name}: invalid option -- '${letter}'` }
        return
      }
      if (!takesArg) {
        yield { kind: 'option', letter, value: undefined }
        continue
      }
      let value: string
      if (j + 1 < word.length) {
        value = word.slice(j + 1)
      } else if (i + 1 < argv.length) {
        value = argv[++i]
      } else {
        yield { kind: 'error', letter, message: `${name}: option requires an argument -- '${letter}'` }
        return
      }
      yield { kind: 'option', letter, value }
      break
    }
  }
}
