// Number formatting shared by the report and the progress line (fio's conventions:
// 95.2k IOPS, 372MiB/s (390MB/s), latencies in nsec/usec/msec).

/** 95234 -> '95.2k', 1234567 -> '1235k', 950 -> '950'. */
export function count(n: number): string {
  if (n < 1000) return n % 1 === 0 ? String(n) : n.toFixed(1)
  if (n < 100_000) return `${(n / 1000).toFixed(1)}k`
  if (n < 10_000_000) return `${Math.round(n / 1000)}k`
  return `${(n / 1e6).toFixed(1)}M`
}

const BINARY = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB']
const DECIMAL = ['B', 'kB', 'MB', 'GB', 'TB', 'PB']

function scaled(n: number, base: number, units: readonly string[]): string {
  let i = 0
  while (n >= base * 0.99995 && i < units.length - 1) {
    n /= base
    i++
  }
  const digits = n >= 100 || i === 0 ? 0 : n >= 10 ? 1 : 2
  return `${n.toFixed(digits)}${units[i]}`
}

/** 390070272 -> '372MiB' */
export function bytesIec(n: number): string {
  return scaled(n, 1024, BINARY)
}

/** 390070272 -> '390MB' */
export function bytesSi(n: number): string {
  return scaled(n, 1000, DECIMAL)
}

export type TimeUnit = 'nsec' | 'usec' | 'msec' | 'sec'
const DIVISOR: Record<TimeUnit, number> = { nsec: 1, usec: 1e3, msec: 1e6, sec: 1e9 }

/** fio picks the unit by the largest value it must show. */
export function latencyUnit(maxNs: number): TimeUnit {
  if (maxNs < 10_000) return 'nsec'
  if (maxNs < 10_000_000) return 'usec'
  if (maxNs < 10_000_000_000) return 'msec'
  return 'sec'
}

export function inUnit(ns: number, unit: TimeUnit, digits = 2): string {
  const v = ns / DIVISOR[unit]
  return Number.isInteger(v) ? String(v) : v.toFixed(digits)
}

/** A short duration with up to 3 significant digits: '850ns', '12.5us', '100us', '3.2ms', '1.5s'. */
export function duration(ns: number): string {
  const [scale, unit] = ns < 1e3 ? [1, 'ns'] : ns < 1e6 ? [1e3, 'us'] : ns < 1e9 ? [1e6, 'ms'] : [1e9, 's']
  const v = ns / scale
  return `${Number(v.toPrecision(3))}${unit}`
}

/** Elapsed time for the progress line: '0:07', '1:02:03'. */
export function clock(ns: number): string {
  const s = Math.max(0, Math.floor(ns / 1e9))
  const h = Math.floor(s / 3600)
  const m = Math.floor((s % 3600) / 60)
  const sec = String(s % 60).padStart(2, '0')
  return h ? `${h}:${String(m).padStart(2, '0')}:${sec}` : `${m}:${sec}`
}
