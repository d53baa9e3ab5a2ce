// glibc getopt_long(3) with argument permutation, as qemu-io's main() uses it, with glibc's messages.

export interface LongOption {
  name: string
  hasArg: boolean
  /** What getopt returns for it: the short letter, or a key of its own. */
  key: string
}

export type LongEvent =
  | { kind: 'option'; key: string; value: string | undefined }
  | { kind: 'error'; message: string }

export interface LongState {
  operands: string[]
}

function longMatch(
  body: string,
  longs: readonly LongOption[],
  prog: string,
): { opt: LongOption; value: string | undefined } | { error: string } {
  const eq = body.indexOf('=')
  const name = eq < 0 ? body : body.slice(0, eq)
  const value = eq < 0 ? undefined : body.slice(eq + 1)
  const exact = longs.find((l) => l.name === name)
  let opt = exact
  if (!opt) {
    const found = longs.filter((l) => l.name.startsWith(name))
    const distinct = found.filter(
      (l, i) => found.findIndex((m) => m.key === l.key && m.hasArg === l.hasArg) === i,
    )
    if (distinct.length > 1) {
      const list = found.map((l) => `'--${l.name}'`).join(' ')
      // glibc names the whole word, `=value` included: option '--c=length' is ambiguous.
      return { error: `${prog}: option '--${body}' is ambiguous; possibilities: ${list}` }
    }
    opt = found[0]
  }
  if (!opt) return { error: `${prog}: unrecognized option '--${body}'` }
  if (!opt.hasArg && value !== undefined)
    return { error: `${prog}: option '--${opt.name}' doesn't allow an argument` }
  return { opt, value }
}

/** Yields options in order and stops at the first error; operands end up in `state.operands`. */
export function* getoptLong(
  args: readonly string[],
  shorts: string,
  longs: readonly LongOption[],
  prog: string,
  state: LongState,
): Generator<LongEvent> {
  state.operands = []
  for (let i = 0; i < args.length; i++) {
    const word = args[i]
    if (word === '--') {
      state.operands.push(...args.slice(i + 1))
      return
    }
    if (word.startsWith('--')) {
      const m = longMatch(word.slice(2), longs, prog)
      if ('error' in m) {
        yield { kind: 'error', message: m.error }
        return
      }
      let value = m.value
      if (m.opt.hasArg && value === undefined) {
        if (i + 1 >= args.length) {
          yield { kind: 'error', message: `${prog}: option '--${m.opt.name}' requires an argument` }
          return
        }
        value = args[++i]
      }
      yield { kind: 'option', key: m.opt.key, value }
      continue
    }
    if (word.length < 2 || word[0] !== '-') {
      state.operands.push(word)
      continue
    }
    for (let j = 1; j < word.length; j++) {
      const c = word[j]
      const at = c === ':' ? -1 : shorts.indexOf(c)
      if (at < 0) {
        yield { kind: 'error', message: `${prog}: invalid option -- '${c}'` }
        return
      }
      if (shorts[at + 1] !== ':') {
        yield { kind: 'option', key: c, value: undefined }
        continue
      }
      let value: string
      if (j + 1 < word.length) value = word.slice(j + 1)
      else if (i + 1 < args.length) value = args[++i]
      else {
        yield { kind: 'error', message: `${prog}: option requires an argument -- '${c}'` }
        return
      }
      yield { kind: 'option', key: c, value }
      break
    }
  }
}
