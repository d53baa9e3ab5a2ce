// Sizes and times the way fio reads them: 4k, 1m, 1.5g, 4KiB (kb_base=1024), 50% of the
// target; 10s, 500ms, 2m (a bare number is seconds); bssplit's size/percent lists.
import { UsageError } from '../errors'

const SIZE_UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 2 ** 10,
  m: 2 ** 20,
  g: 2 ** 30,
  t: 2 ** 40,
  p: 2 ** 50,
}

/** A size in bytes: digits with an optional fraction, then k/m/g/t/p (optionally followed by i, b or ib). */
export function parseFioSize(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?|\.\d+)\s*([kmgtpb]?)(?:i?b)?\s*$/i.exec(text)
  if (!m) throw new UsageError(`${what} '${text}' is not a size (examples: 4096, 4k, 1m, 1.5g)`)
  const value = Number(m[1]) * SIZE_UNITS[m[2].toLowerCase()]
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

/** A duration in ns; a bare number is in seconds, as fio's runtime and ramp_time. */
export function parseFioTime(text: string, what: string): number {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text)
  const unit = m ? TIME_UNITS[m[2].toLowerCase() || 's'] : undefined
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
