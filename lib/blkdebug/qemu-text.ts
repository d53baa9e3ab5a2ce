// The pieces of qemu's C library behaviour that the config format depends on: sscanf() as
// qemu_config_parse() calls it, strtoull() as qemu_strtou64() calls it, qapi_bool_parse(), and
// the tdb_hash() order in which a QDict hands back a section's keys (which decides the error
// reported first when a section has several bad keys).

const isSpace = (c: string | undefined): boolean =>
  c === ' ' || c === '\t' || c === '\n' || c === '\v' || c === '\f' || c === '\r'

/** A tiny cursor over one line, with the sscanf conversions qemu's parser uses. */
export class Scan {
  pos = 0
  constructor(readonly s: string) {}

  /** A space in a format: zero or more white-space characters. */
  spaces(): void {
    while (isSpace(this.s[this.pos])) this.pos++
  }

  literal(c: string): boolean {
    if (this.s[this.pos] !== c) return false
    this.pos++
    return true
  }

  /** %Ns: skips white space, then up to `max` non-space characters (at least one). */
  word(max: number): string | null {
    this.spaces()
    const start = this.pos
    while (this.pos < this.s.length && this.pos - start < max && !isSpace(this.s[this.pos])) this.pos++
    return this.pos > start ? this.s.slice(start, this.pos) : null
  }

  /** %N[^x]: up to `max` characters other than `stop` (at least one); no white-space skipping. */
  until(stop: string, max: number): string | null {
    const start = this.pos
    while (this.pos < this.s.length && this.pos - start < max && this.s[this.pos] !== stop) this.pos++
    return this.pos > start ? this.s.slice(start, this.pos) : null
  }
}

export type NumberResult = { ok: true; value: bigint } | { ok: false; range: boolean }

/** qemu_strtou64(value, NULL, 0): strtoull in base 0, the whole string consumed, ERANGE on overflow. */
export function strtou64(text: string): NumberResult {
  let i = 0
  while (isSpace(text[i])) i++
  let negative = false
  if (text[i] === '+' || text[i] === '-') negative = text[i++] === '-'
  let base = 10
  if (
    text[i] === '0' &&
    (text[i + 1] === 'x' || text[i + 1] === 'X') &&
    /[0-9a-fA-F]/.test(text[i + 2] ?? '')
  ) {
    base = 16
    i += 2
  } else if (text[i] === '0') {
    base = 8
  }
  const digits = base === 16 ? /[0-9a-fA-F]/ : base === 8 ? /[0-7]/ : /[0-9]/
  const start = i
  while (i < text.length && digits.test(text[i])) i++
  if (i === start || i !== text.length) return { ok: false, range: false }
  let value = BigInt(
    base === 16
      ? `0x${text.slice(start, i)}`
      : base === 8
        ? `0o${text.slice(start, i)}`
        : text.slice(start, i),
  )
  if (value > 0xffff_ffff_ffff_ffffn) return { ok: false, range: true }
  if (negative) value = BigInt.asUintN(64, -value)
  return { ok: true, value }
}

/** qapi_bool_parse(). */
export function parseQemuBool(text: string): boolean | null {
  if (text === 'on' || text === 'yes' || text === 'true' || text === 'y') return true
  if (text === 'off' || text === 'no' || text === 'false' || text === 'n') return false
  return null
}

/** id_wellformed(): a letter, then letters, digits, '-', '.', '_'. */
export const idWellformed = (id: string): boolean => /^[A-Za-z][A-Za-z0-9._-]*$/.test(id)

/** qdict's tdb_hash(), in 32-bit unsigned arithmetic. */
function tdbHash(name: string): number {
  const bytes = Buffer.from(name, 'utf8')
  let value = Math.imul(0x238f13af, bytes.length) >>> 0
  for (let i = 0; i < bytes.length; i++) value = (value + ((bytes[i] << ((i * 5) % 24)) >>> 0)) >>> 0
  return (Math.imul(1103515243, value) + 12345) >>> 0
}

/**
 * The order qdict_first()/qdict_next() visit keys: bucket by bucket (tdb_hash % 512), and within a
 * bucket the key inserted last first.
 */
export function qdictOrder(keysInInsertionOrder: readonly string[]): string[] {
  return keysInInsertionOrder
    .map((key, i) => ({ key, i, bucket: tdbHash(key) % 512 }))
    .sort((a, b) => a.bucket - b.bucket || b.i - a.i)
    .map((e) => e.key)
}
