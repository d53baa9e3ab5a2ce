// Allocation maps from SEEK_DATA/SEEK_HOLE.
import type { Extent } from './device'

/** seek(offset, 'data'|'hole') returns the next such offset, or -1 when there is none. */
export type Seeker = (offset: number, whence: 'data' | 'hole') => number

export function extentsOf(seek: Seeker, offset: number, end: number): Extent[] {
  const out: Extent[] = []
  const push = (start: number, stop: number, data: boolean) => {
    if (stop <= start) return
    const last = out[out.length - 1]
    if (last && last.data === data && last.offset + last.length === start) last.length += stop - start
    else out.push({ offset: start, length: stop - start, data })
  }
  let pos = offset
  while (pos < end) {
    const d = seek(pos, 'data')
    if (d < 0 || d >= end) {
      push(pos, end, false)
      break
    }
    push(pos, d, false)
    const h = seek(d, 'hole')
    const stop = h < 0 ? end : Math.min(h, end)
    push(d, stop, true)
    pos = stop
  }
  return out
}
