// Sizes, patterns, times and the report line, parsed and printed exactly as qemu-io 7.2 does
// (qemu-io-cmds.c: cvtnum, print_cvtnum_err, parse_pattern, cvtstr, tdiv, timestr, print_report,
// dump_buffer; util/cutils.c: do_strtosz). Every branch here mirrors a branch there.

import { fixed, hex, int } from './printf'

const UINT64_MAX = (1n << 64n) - 1n
const INT64_MAX = (1n << 63n) - 1n
const NS_PER_SEC = 1_000_000_000
const DBL_MIN = 2.2250738585072014e-308

/** A size or offset qemu-io would refuse: `kind` is -EINVAL ('invalid') or -ERANGE ('too-large'). */
export class NumberParseError extends Error {
  readonly kind: 'invalid' | 'too-large'
  readonly code: 'EINVAL' | 'ERANGE'
  /** The argument exactly as given. */
  readonly text: string
  /** The hex-suffix deprecation warning qemu printed before failing, if any. */
  readonly warning: string | null

  constructor(kind: 'invalid' | 'too-large', text: string, warning: string | null = null) {
    super(kind === 'invalid' ? invalidText(text) : tooLargeText(text))
    this.name = 'NumberParseError'
    this.kind = kind
    this.code = kind === 'invalid' ? 'EINVAL' : 'ERANGE'
    this.text = text
    this.warning = warning
  }
}

/** A `-P` argument that is not a byte; the message is qemu-io's. */
export class PatternParseError extends Error {
  readonly code = 'EINVAL'
  readonly text: string

  constructor(text: string) {
    super(patternErrorText(text))
    this.name = 'PatternParseError'
    this.text = text
  }
}

const invalidText = (s: string) =>
  `Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- ${s}`
const tooLargeText = (s: string) => `Parsing error: argument too large -- ${s}`

/** print_cvtnum_err's line (stdout in qemu-io), without the newline. */
export function cvtnumErrorText(err: NumberParseError): string {
  return err.kind === 'invalid' ? invalidText(err.text) : tooLargeText(err.text)
}

/** parse_pattern's line (stdout in qemu-io), without the newline. */
export function patternErrorText(s: string): string {
  return `${s} is not a valid pattern byte`
}

// --- strtoull / strtol, as glibc parses ------------------------------------------------------------

const isSpace = (c: string | undefined) => c !== undefined && ' \t\n\v\f\r'.includes(c)

function digitValue(c: string | undefined): number {
  if (c === undefined) return 99
  const d = Number.parseInt(c, 36)
  return Number.isNaN(d) ? 99 : d
}

interface Strto {
  /** strtoull's result: the magnitude with the sign applied modulo 2^64, UINT64_MAX on overflow. */
  value: bigint
  magnitude: bigint
  negative: boolean
  /** Index just past the number; 0 when nothing was converted. */
  end: number
  overflow: boolean
}

/** glibc's strto* scan: whitespace, one sign, a 0x prefix (only before a hex digit), digits. */
function strtoull(s: string, base: number): Strto {
  let i = 0
  while (isSpace(s[i])) i++
  let negative = false
  if (s[i] === '+' || s[i] === '-') negative = s[i++] === '-'
  if ((base === 0 || base === 16) && s[i] === '0' && (s[i + 1] === 'x' || s[i + 1] === 'X')) {
    if (digitValue(s[i + 2]) < 16) {
      i += 2
      base = 16
    }
  }
  if (base === 0) base = s[i] === '0' ? 8 : 10
  const start = i
  let magnitude = 0n
  while (digitValue(s[i]) < base) magnitude = magnitude * BigInt(base) + BigInt(digitValue(s[i++]))
  const end = i === start ? 0 : i
  const overflow = magnitude > UINT64_MAX
  const value = overflow ? UINT64_MAX : negative ? -magnitude & UINT64_MAX : magnitude
  return { value, magnitude, negative, end, overflow }
}

// --- cvtnum ----------------------------------------------------------------------------------------

/** What cvtnum made of an argument: the exact value, and qemu's deprecation warning if it printed one. */
export interface SizeParse {
  value: number
  /** Exact value; `value` rounds above 2^53. */
  exact: bigint
  /** Text qemu-io prints on stderr as `qemu-io: warning: <text>` (hex with a suffix, e.g. `0x10k`). */
  warning: string | null
}

function suffixMul(c: string | undefined): bigint {
  const i = c === undefined ? -1 : 'BKMGTPE'.indexOf(c.toUpperCase())
  return i < 0 ? -1n : 1n << BigInt(10 * i)
}

/** The fraction strtod reads at `.`: a match, or null when strtod converts nothing. */
function scanFraction(s: string, at: number): { end: number; text: string } | null {
  const m = /^\.\d+([eE][+-]?\d+)?/.exec(s.slice(at))
  return m ? { end: at + m[0].length, text: m[0] } : null
}

/** qemu_strtosz(s, NULL, &value) then cvtnum's INT64_MAX check; throws NumberParseError. */
export function cvtnum(s: string): SizeParse {
  let warning: string | null = null
  const fail = (kind: 'invalid' | 'too-large') => new NumberParseError(kind, s, warning)
  // do_strtosz with end == NULL: any error leaves endptr somewhere; unconsumed text turns it into EINVAL.
  const out = (kind: 'invalid' | 'too-large', endptr: number) =>
    endptr < s.length ? fail('invalid') : fail(kind)

  const dec = strtoull(s, 10)
  if (dec.end === 0) throw fail('invalid')
  if (dec.overflow) throw out('too-large', dec.end)
  if (s.slice(0, dec.end).includes('-')) throw fail('invalid')
  let val = dec.value
  let endptr = dec.end
  let valf = 0n
  let isHex = false
  if (val === 0n && (s[endptr] === 'x' || s[endptr] === 'X')) {
    const h = strtoull(s, 16)
    if (h.overflow) throw out('too-large', h.end)
    if (s[h.end] === '.') throw fail('invalid')
    val = h.value
    endptr = h.end
    isHex = true
  } else if (s[endptr] === '.') {
    const f = scanFraction(s, endptr)
    const fraction = f === null ? 0 : Number(f.text)
    if (f === null) {
      endptr++ // strtod failed: skip the '.', so that "1.k" still works
    } else if (/[eE]/.test(f.text)) {
      throw fail('invalid')
    } else if (fraction < DBL_MIN && /[1-9]/.test(f.text)) {
      // strtod underflow (ERANGE): qemu also does endptr++, which skips the character after the
      // number ("1.<330 zeros>1k" is 1), or runs past the terminator, which qemu-io 7.2 rejects.
      endptr = f.end + 1
      if (endptr > s.length) throw fail('invalid')
    } else {
      // (uint64_t)(fraction * 0x1p64); 1.0 * 2^64 (".99999999999999999999") wraps to 0 on x86-64.
      const scaled = fraction * 2 ** 64
      valf = scaled >= 2 ** 64 ? 0n : BigInt(Math.trunc(scaled))
      endptr = f.end
    }
  }
  let mul = suffixMul(s[endptr])
  if (mul > 0n) {
    if (isHex) warning = `Using a multiplier suffix on hex numbers is deprecated: ${s}`
    endptr++
  } else {
    mul = 1n
  }
  if (mul === 1n) {
    if (valf !== 0n) throw fail('invalid') // a fraction needs a scale
  } else {
    // 64.64 fixed point times the multiplier, rounding 0.5 upward.
    const frac = valf * mul
    val = val * mul + (frac >> 64n) + ((frac & UINT64_MAX) >> 63n)
    if (val > UINT64_MAX) throw out('too-large', endptr)
  }
  if (endptr < s.length) throw fail('invalid')
  if (val > INT64_MAX) throw fail('too-large')
  return { value: Number(val), exact: val, warning }
}

/** cvtnum's value; see cvtnum() for the warning. Throws NumberParseError. */
export function parseSize(s: string): number {
  return cvtnum(s).value
}

/**
 * parse_pattern: strtol(arg, &end, 0) must consume everything and land in 0..255 (so 0x41, 0101 octal,
 * +5, -0 are bytes; 08, 0x, 1k, 256, -1 are not). '' is rejected here, where raw strtol would give 0:
 * qemu-io's line splitting can never pass an empty argument, our shell-facing CLI can.
 */
export function parsePattern(s: string): number {
  const r = strtoull(s, 0)
  // strtol clamps to LONG_MIN/LONG_MAX, both outside 0..255 like any other out-of-range value.
  const value = r.negative ? -r.magnitude : r.magnitude
  if (r.end === 0 || r.end !== s.length || value < 0n || value > 255n) throw new PatternParseError(s)
  return Number(value)
}

// --- cvtstr, tdiv, timestr, print_report -----------------------------------------------------------

const UNITS: ReadonlyArray<readonly [number, string]> = [
  [2 ** 60, ' EiB'],
  [2 ** 50, ' PiB'],
  [2 ** 40, ' TiB'],
  [2 ** 30, ' GiB'],
  [2 ** 20, ' MiB'],
  [2 ** 10, ' KiB'],
]

/** cvtstr into qemu-io's 64-byte buffer: `%.3f <unit>`, or `%f bytes`; a first `.000` is cut off. */
export function cvtstr(value: number): string {
  let str: string
  let suffix = ' bytes'
  const unit = UNITS.find(([scale]) => value >= scale)
  if (unit) {
    suffix = unit[1]
    str = fixed(value / unit[0], 3).slice(0, 64 - 4 - 1) // snprintf(str, size - 4, ...)
  } else {
    str = fixed(value, 6).slice(0, 64 - 6 - 1)
  }
  const trim = str.indexOf('.000')
  return trim >= 0 ? str.slice(0, trim) + suffix : str + suffix
}

/** A duration as qemu's struct timespec (whole seconds, nanoseconds). */
function timespec(ns: number): { sec: number; nsec: number } {
  const whole = Math.max(0, Math.trunc(ns))
  const nsec = whole % NS_PER_SEC
  return { sec: (whole - nsec) / NS_PER_SEC, nsec }
}

/** tdiv: value / (tv_sec + tv_nsec / 1e9), in doubles as C evaluates it. */
export function tdiv(value: number, ns: number): number {
  const t = timespec(ns)
  return value / (t.sec + t.nsec / 1e9)
}

/** timestr: `%05.2f sec` below a second, `H:MM:SS.ss` from a second on, or always when `fixed` (-C). */
export function timestr(ns: number, fixedFormat: boolean): string {
  const t = timespec(ns)
  const fracSec = t.nsec / 1e9
  if (fixedFormat || t.sec !== 0) {
    const hours = Math.trunc(t.sec / 3600) % 2 ** 32 // (unsigned int) HOURS(tv_sec)
    const minutes = Math.trunc((t.sec % 3600) / 60)
    return `${int(hours)}:${int(minutes, 2, true)}:${fixed((t.sec % 60) + fracSec, 2, 5, true)}`
  }
  return `${fixed(fracSec, 2, 5, true)} sec`
}

export interface IoStats {
  offset: number
  count: number
  total: number
  ops: number
  ns: number
}

/** print_report: two lines, or with `csv` (-C) `total,ops,time,bytes/sec,ops/sec`; ends with '\n'. */
export function formatReport(op: string, r: IoStats, csv: boolean): string {
  const ts = timestr(r.ns, csv)
  if (csv) {
    return `${int(r.total)},${int(r.ops)},${ts},${fixed(tdiv(r.total, r.ns), 3)},${fixed(tdiv(r.ops, r.ns), 3)}\n`
  }
  const s1 = cvtstr(r.total)
  const s2 = cvtstr(tdiv(r.total, r.ns))
  return (
    `${op} ${int(r.total)}/${int(r.count)} bytes at offset ${int(r.offset)}\n` +
    `${s1}, ${int(r.ops)} ops; ${ts} (${s2}/sec and ${fixed(tdiv(r.ops, r.ns), 4)} ops/sec)\n`
  )
}

// --- dump_buffer -----------------------------------------------------------------------------------

const isAlnum = (b: number) =>
  (b >= 0x30 && b <= 0x39) || (b >= 0x41 && b <= 0x5a) || (b >= 0x61 && b <= 0x7a)

/** dump_buffer (read -v): `%08x:  ` + `%02x ` per byte + ' ' + isalnum() text; last line not padded. */
export function hexdump(data: Uint8Array, offset: number): string {
  const lines: string[] = []
  for (let i = 0; i < data.length; i += 16) {
    const row = data.subarray(i, i + 16)
    let bytes = ''
    let text = ''
    for (const b of row) {
      bytes += `${hex(b, 2)} `
      text += isAlnum(b) ? String.fromCharCode(b) : '.'
    }
    lines.push(`${hex(BigInt(offset) + BigInt(i), 8)}:  ${bytes} ${text}\n`)
  }
  return lines.join('')
}
