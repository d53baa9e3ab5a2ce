// --start-at=TIME: the wall-clock instant a prepared job starts (docs/fleet.md). Pure.
import { UsageError } from '../errors'
import { parseFioTime } from './fio-units'

/**
 * ISO 8601 (`2026-11-29T12:00:00Z`; a time zone is required, so every host reads the same
 * instant), epoch seconds (`1796040000`, `1796040000.25`, also `@1796040000` as date(1) writes
 * it), or `+DURATION` from `nowMs` (`+30s`, `+1m`). Returns epoch milliseconds.
 */
export function parseStartAt(text: string, nowMs = Date.now()): number {
  const t = text.trim()
  if (t.startsWith('+')) return nowMs + parseFioTime(t.slice(1), 'start-at') / 1e6
  const epoch = /^@?(\d+(?:\.\d+)?)$/.exec(t)
  if (epoch) return Math.round(Number(epoch[1]) * 1000)
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/i.test(t)) {
    const ms = Date.parse(t)
    if (Number.isFinite(ms)) return ms
  }
  throw new UsageError(
    `start-at '${text}' is not a time: give an ISO 8601 time with a zone (2026-11-29T12:00:00Z), epoch seconds, or +DURATION`,
  )
}
