// The space operations of the file driver: discard, write-zeroes (with its fallbacks), truncate,
// and allocation maps from SEEK_DATA/SEEK_HOLE.
import type { Extent } from './device'
import type { DriverContext, IoResult, WriteFlags, ZeroFlags } from './driver'
import { IoError, ioError } from './errors'
import type { Binding, NativeDevice } from './native'

/** What the space operations need of the file driver. */
export interface SpaceTarget {
  readonly native: NativeDevice
  readonly ops: Binding['ops']
  readonly ctx: DriverContext
  /** A plain write (write-zeroes' last fallback). */
  writev(offset: number, buffers: Uint8Array[], flags: WriteFlags): Promise<IoResult>
  /** Counts a composite request until it settles (for drain). */
  track<T>(p: Promise<T>): Promise<T>
}

const NOT_SUPPORTED = ['EOPNOTSUPP', 'ENOTSUP', 'EINVAL', 'ENOTTY']

/** Deallocates a range: punch hole on files, BLKDISCARD on block devices. */
export async function discard(t: SpaceTarget, offset: number, length: number): Promise<IoResult> {
  const op = t.ctx.isBlockDevice ? t.ops.blkDiscard : t.ops.punchHole
  return t.track(t.native.space(op, offset, length))
}

/**
 * Makes a range read back as zeroes: ZERO_RANGE / BLKZEROOUT, or a punch with mayUnmap; what the
 * target does not support falls back to the next, then to writing zeroes (unless noFallback).
 */
export async function writeZeroes(
  t: SpaceTarget,
  offset: number,
  length: number,
  flags: ZeroFlags,
): Promise<IoResult> {
  const { ops, ctx } = t
  const block = ctx.isBlockDevice
  const attempts: number[] = block
    ? flags.mayUnmap
      ? [ops.punchHole, ops.blkZeroout]
      : [ops.blkZeroout]
    : flags.mayUnmap
      ? [ops.punchHole, ops.zeroRange]
      : [ops.zeroRange]
  if (block && flags.noFallback && !flags.mayUnmap && ctx.geometry.writeZeroesMax === 0) attempts.length = 0
  let last: unknown
  for (const op of attempts) {
    try {
      let ns = (await t.track(t.native.space(op, offset, length))).ns
      if (flags.writethrough) ns += (await t.track(t.native.space(ops.flush))).ns
      return { bytes: length, ns }
    } catch (e) {
      if (!(e instanceof IoError) || !NOT_SUPPORTED.includes(e.code)) throw e
      last = e
    }
  }
  if (flags.noFallback) {
    throw ioError('ENOTSUP', 'write_zeroes', {
      offset,
      length,
      path: ctx.path,
      detail: last instanceof IoError ? `Operation not supported (${last.code})` : undefined,
    })
  }
  const chunk = Math.min(length, 1 << 20)
  const zeroes = ctx.allocBuffer(chunk)
  let ns = 0
  for (let pos = 0; pos < length; pos += chunk) {
    const n = Math.min(chunk, length - pos)
    const w = await t.writev(offset + pos, [n === chunk ? zeroes : zeroes.subarray(0, n)], {
      writethrough: flags.writethrough,
    })
    ns += w.ns
  }
  return { bytes: length, ns }
}

/** ftruncate on files; on block devices shrinking is a no-op and growing fails. */
export async function truncate(t: SpaceTarget, length: number): Promise<IoResult> {
  if (t.ctx.isBlockDevice) {
    if (length > t.ctx.size)
      throw ioError('ENOTSUP', 'ftruncate', { path: t.ctx.path, detail: 'Cannot grow device files' })
    return { bytes: 0, ns: 0 }
  }
  const r = await t.track(t.native.space(t.ops.truncate, length, 0))
  return { bytes: length, ns: r.ns }
}

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
