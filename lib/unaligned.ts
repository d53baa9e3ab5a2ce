// Auto alignment under O_DIRECT: bounce buffers for unaligned reads, and
// read-modify-write for unaligned writes, serialised against overlapping writes.
import type { NativeResult } from './native'
import type { RangeLock } from './range-lock'

export interface RawAccess {
  read(buf: Uint8Array, offset: number): Promise<NativeResult>
  write(buf: Uint8Array, offset: number, fua: boolean): Promise<NativeResult>
  truncate(length: number): Promise<NativeResult>
  alloc(size: number): Uint8Array
  size: number
  isFile: boolean
  blockSize: number
}

export interface Span {
  start: number
  end: number
}

export function alignedSpan(offset: number, length: number, align: number): Span {
  const start = offset - (offset % align)
  const stop = offset + length
  const end = stop % align === 0 ? stop : stop + align - (stop % align)
  return { start, end }
}

function scatter(src: Uint8Array, from: number, buffers: Uint8Array[]): void {
  let pos = from
  for (const b of buffers) {
    b.set(src.subarray(pos, pos + b.byteLength))
    pos += b.byteLength
  }
}

function gather(dst: Uint8Array, at: number, buffers: Uint8Array[]): void {
  let pos = at
  for (const b of buffers) {
    dst.set(b, pos)
    pos += b.byteLength
  }
}

export async function unalignedRead(
  raw: RawAccess,
  offset: number,
  buffers: Uint8Array[],
  length: number,
): Promise<NativeResult> {
  const { start, end } = alignedSpan(offset, length, raw.blockSize)
  const bounce = raw.alloc(end - start)
  const r = await raw.read(bounce, start)
  scatter(bounce, offset - start, buffers)
  // The caller's part of what the kernel read (EOF may have cut the read short).
  return { bytes: Math.max(0, Math.min(length, r.bytes - (offset - start))), ns: r.ns }
}

export async function unalignedWrite(
  raw: RawAccess,
  lock: RangeLock,
  offset: number,
  buffers: Uint8Array[],
  length: number,
  fua: boolean,
): Promise<NativeResult> {
  let ns = 0
  const bs = raw.blockSize
  const { start, end } = alignedSpan(offset, length, bs)
  const headPartial = offset !== start
  const tailPartial = offset + length !== end
  const release = await lock.acquire(start, end, headPartial || tailPartial)
  try {
    const bounce = raw.alloc(end - start)
    if (headPartial) {
      ns += (await raw.read(bounce.subarray(0, bs), start)).ns
    }
    if (tailPartial && (end - bs > start || !headPartial)) {
      ns += (await raw.read(bounce.subarray(end - bs - start), end - bs)).ns
    }
    gather(bounce, offset - start, buffers)
    ns += (await raw.write(bounce, start, fua)).ns
    // O_DIRECT wrote whole blocks: give a file back its unaligned size.
    if (raw.isFile && end > raw.size) ns += (await raw.truncate(raw.size)).ns
  } finally {
    release()
  }
  // A write that did not go whole failed (EIO at EOF): the kernel was given all `length` bytes.
  return { bytes: length, ns }
}
