// Sizes and times the way fio reads them: 4k, 1m, 1.5g, 4KiB (kb_base=1024), 50% of the
// target; 10s, 500ms, 2m (a bare number is seconds); bssplit's size/percent lists.
import { UsageError } from '../errors'
import type { NativeDistribution } from './binding'
import { evalFioExpression } from './fio-expr'

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
}

/**
 * A size in bytes: digits with an optional fraction, then k/m/g/t/p, optionally followed by b
 * (1024-based), or by ib — which fio 3.33 (kb_base=1024, its default) reads as powers of 1000:
 * `4KiB` is 4000 bytes there, so it is here. `(expr)` is computed (fio's arithmetic).
 */
export function parseFioSize(text: string, what: string): number {
  if (text.trim().startsWith('(')) {
    const v = evalFioExpression(text, what)
    if (!Number.isSafeInteger(v) || v < 0)
      throw new UsageError(`${what} '${text}' is not a whole number of bytes`)
    return v
  }
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgtpb]?)(i?b)?\s*$/i.exec(text)
  if (!m) throw new UsageError(`${what} '${text}' is not a size (examples: 4096, 4k, 1m, 1.5g)`)
  const unit = m[2].toLowerCase()
  const decimal = unit !== '' && unit !== 'b' && (m[3] ?? '').toLowerCase() === 'ib'
  const scale = decimal ? 1000 ** ' kmgtp'.indexOf(unit) : SIZE_UNITS[unit]
  const value = Number(m[1]) * scale
  if (!Number.isSafeInteger(value)) {
    throw new UsageError(
      Number.isFinite(value) && value < Number.MAX_SAFE_INTEGER
        ? `${what} '${text}' is not a whole number of bytes`
        : `${what} '${text}' is too large`,
    )
  }
  return value
}

export type SizeSpec = { bytes: number } | { percent: number }

/** fio's size and offset also take a percentage of the target. */
export function parseSizeOrPercent(text: string, what: string): SizeSpec {
  const m = /^\s*(\d+(?:\.\d+)?)\s*%\s*$/.exec(text)
  if (!m) return { bytes: parseFioSize(text, what) }
  const percent = Number(m[1])
  if (percent > 100) throw new UsageError(`${what} ${text} is more than 100%`)
  return { percent }
}

const TIME_UNITS: Record<string, number> = {
  ns: 1,
  us: 1e3,
  usec: 1e3,
  ms: 1e6,
  msec: 1e6,
  s: 1e9,
  sec: 1e9,
  m: 60e9,
  min: 60e9,
  h: 3600e9,
  d: 86400e9,
}

/** A duration in ns; a bare number is in seconds (runtime, ramp_time) or `bare` ns each (thinktime: µs). */
export function parseFioTime(text: string, what: string, bare = 1e9): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? (m[2] === '' ? bare : TIME_UNITS[m[2].toLowerCase()]) : undefined
  if (!m || unit === undefined)
    throw new UsageError(`${what} '${text}' is not a time (examples: 10, 10s, 500ms, 2m)`)
  const ns = Math.round(Number(m[1]) * unit)
  if (!Number.isSafeInteger(ns)) throw new UsageError(`${what} '${text}' is too long`)
  return ns
}

/** A whole number within [min, max]. */
export function parseInteger(text: string, what: string, min: number, max: number): number {
  const m = /^\s*(0x[0-9a-f]+|\d+)\s*$/i.exec(text)
  if (!m) throw new UsageError(`${what} '${text}' is not a whole number`)
  // Digits too many for an exact number are a whole number all the same: out of range.
  const n = Number(m[1])
  if (!Number.isSafeInteger(n) || n < min || n > max)
    throw new UsageError(`${what} ${m[1]} is out of range (${min}..${max})`)
  return n
}

/**
 * bssplit: `4k/10:64k/50:32k/40` (size/percent pairs separated by ':'). A pair without a percent
 * shares what the others leave, as in fio. Returns [size, percent] pairs adding up to 100.
 */
export function parseBssplit(text: string): Array<[number, number]> {
  if (text.includes(','))
    throw new UsageError(`bssplit '${text}': separate read/write lists (with ',') are not supported`)
  const parts = text.split(':').filter((p) => p.trim() !== '')
  if (parts.length === 0) throw new UsageError(`bssplit '${text}' is empty`)
  if (parts.length > 64) throw new UsageError(`bssplit '${text}' has more than 64 entries`)
  const pairs: Array<[number, number | null]> = parts.map((p) => {
    const [size, pct, extra] = p.split('/')
    if (extra !== undefined) throw new UsageError(`bssplit entry '${p}' is not SIZE/PERCENT`)
    const bytes = parseFioSize(size, 'bssplit size')
    if (bytes === 0) throw new UsageError(`bssplit size in '${p}' is 0`)
    return [
      bytes,
      pct === undefined || pct.trim() === '' ? null : parseInteger(pct, 'bssplit percent', 0, 100),
    ]
  })
  const given = pairs.reduce((sum, [, pct]) => sum + (pct ?? 0), 0)
  const open = pairs.filter(([, pct]) => pct === null).length
  if (given > 100) throw new UsageError(`bssplit '${text}': percentages add up to ${given}, more than 100`)
  if (open === 0 && given !== 100)
    throw new UsageError(`bssplit '${text}': percentages add up to ${given}, not 100`)
  const share = open ? Math.floor((100 - given) / open) : 0
  let rest = open ? 100 - given - share * open : 0
  const out: Array<[number, number]> = pairs.map(([size, pct]) => {
    if (pct !== null) return [size, pct]
    const extra = rest > 0 ? 1 : 0
    rest -= extra
    return [size, share + extra]
  })
  return out.filter(([, pct]) => pct > 0)
}

/** 4096 -> '4k', 1048576 -> '1m', 1000 -> '1000' (fio's short form). */
export function shortSize(bytes: number): string {
  for (const [unit, scale] of [
    ['p', 2 ** 50],
    ['t', 2 ** 40],
    ['g', 2 ** 30],
    ['m', 2 ** 20],
    ['k', 2 ** 10],
  ] as const) {
    if (bytes >= scale && bytes % scale === 0) return `${bytes / scale}${unit}`
  }
  return String(bytes)
}

/** rw=MODE:N's N: a size for sequential holes (may be negative), a count for random runs. */
export function parseRwModifier(text: string): number {
  const t = text.trim()
  const neg = t.startsWith('-')
  const n = parseFioSize(neg ? t.slice(1) : t, 'rw modifier')
  return neg ? -n : n
}

/** random_distribution as fio writes it. */
export function parseDistribution(text: string): NativeDistribution {
  const [kind, ...rest] = text.trim().split(':')
  const num = (s: string | undefined, what: string): number | undefined => {
    if (s === undefined || s === '') return undefined
    const v = Number(s)
    if (!Number.isFinite(v)) throw new UsageError(`random_distribution ${what} '${s}' is not a number`)
    return v
  }
  switch (kind) {
    case 'random':
      if (rest.length) throw new UsageError(`random_distribution '${text}': random takes no parameter`)
      return { kind: 'random' }
    case 'zipf':
    case 'pareto':
    case 'normal':
    case 'gauss': {
      const param = num(rest[0], 'parameter') ?? (kind === 'zipf' ? 1.1 : kind === 'pareto' ? 0.2 : 0)
      const center = num(rest[1], 'center')
      if (center !== undefined && (center < 0 || center > 1))
        throw new UsageError('random_distribution center must be 0..1')
      if (kind === 'zipf' && param === 1) throw new UsageError('zipf theta must be different from 1.0')
      if (kind === 'pareto' && (param <= 0 || param >= 1)) throw new UsageError('pareto h must be in (0, 1)')
      if ((kind === 'normal' || kind === 'gauss') && (param < 0 || param >= 100))
        throw new UsageError('normal deviation must be 0 <= dev < 100')
      return { kind: kind === 'gauss' ? 'normal' : kind, param, ...(center === undefined ? {} : { center }) }
    }
    case 'zoned':
    case 'zoned_abs': {
      const abs = kind === 'zoned_abs'
      const body = rest.join(':')
      if (body.includes(','))
        throw new UsageError(`random_distribution '${text}': separate read/write zones are not implemented`)
      const zones: Array<[number, number]> = []
      let access = 0
      let sized = 0
      for (const part of body.split(':').filter((p) => p.trim() !== '')) {
        const [a, size] = part.split('/')
        const pct = parseInteger(a, 'zone access percent', 0, 100)
        let z: number
        if (size === undefined || size.trim() === '') z = abs ? 0 : 100 - sized
        else z = abs ? parseFioSize(size, 'zone size') : parseInteger(size, 'zone size percent', 0, 100)
        access += pct
        sized += z
        zones.push([pct, z])
      }
      if (zones.length === 0) throw new UsageError(`random_distribution '${text}' has no zones`)
      if (access !== 100)
        throw new UsageError(`random_distribution '${text}': access percentages add up to ${access}, not 100`)
      if (!abs && sized > 100)
        throw new UsageError(`random_distribution '${text}': zone sizes add up to ${sized}%, more than 100`)
      return { kind, zones }
    }
    default:
      throw new UsageError(
        `random_distribution '${text}' is not random, zipf, pareto, normal, zoned or zoned_abs`,
      )
  }
}
