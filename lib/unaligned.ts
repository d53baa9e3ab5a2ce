// Auto alignment under O_DIRECT: bounce buffers for unaligned reads, and
// read-modify-write for unaligned writes, serialised against overlapping writes.
import type { RangeLock } from './range-lock'

export interface RawAccess {
  read(buf: Uint8Array, offset: number): Promise<number>
  write(buf: Uint8Array, offset: number, fua: boolean): Promise<number>
  truncate(length: number): Promise<number>
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
): Promise<{ bytes: number; ns: number }> {
  const t0 = process.hrtime.bigint()
  const { start, end } = alignedSpan(offset, length, raw.blockSize)
  const bounce = raw.alloc(end - start)
  await raw.read(bounce, start)
  scatter(bounce, offset - start, buffers)
  return { bytes: length, ns: Number(process.hrtime.bigint() - t0) }
}

export async function unalignedWrite(
  raw: RawAccess,
  lock: RangeLock,
  offset: number,
  buffers: Uint8Array[],
  length: number,
  fua: boolean,
): Promise<{ bytes: number; ns: number }> {
  const t0 = process.hrtime.bigint()
  const bs = raw.blockSize
  const { start, end } = alignedSpan(offset, length, bs)
  const headPartial = offset !== start
  const tailPartial = offset + length !== end
  const release = await lock.acquire(start, end, headPartial || tailPartial)
  try {
    const bounce = raw.alloc(end - start)
    if (headPartial) {
      await raw.read(bounce.subarray(0, bs), start)
    }
    if (tailPartial && (end - bs > start || !headPartial)) {
      await raw.read(bounce.subarray(end - bs - start), end - bs)
    }
    gather(bounce, offset - start, buffers)
    await raw.write(bounce, start, fua)
    // O_DIRECT wrote whole blocks: give a file back its unaligned size.
    if (raw.isFile && end > raw.size) await raw.truncate(raw.size)
  } finally {
    release()
  }
  return { bytes: length, ns: Number(process.hrtime.bigint() - t0) }
}
