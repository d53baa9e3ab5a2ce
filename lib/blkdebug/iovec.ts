// Buffer lists as the request path cuts them: views into the caller's buffers, never copies,
// except into and out of the bounce buffer of a read-modify-write.
import type { Buffers } from '../native'

export function list(b: Buffers): Uint8Array[] {
  return Array.isArray(b) ? b : [b]
}

/** A list as the addon takes it: one buffer alone, else the array. */
export const one = (bufs: Uint8Array[]): Buffers => (bufs.length === 1 ? bufs[0] : bufs)

export function total(bufs: Uint8Array[]): number {
  let n = 0
  for (const b of bufs) n += b.byteLength
  return n
}

/** The bytes [from, from+len) of a buffer list, as views. */
export function slice(bufs: Uint8Array[], from: number, len: number): Uint8Array[] {
  const out: Uint8Array[] = []
  let pos = 0
  for (const b of bufs) {
    const end = pos + b.byteLength
    if (end > from && pos < from + len)
      out.push(b.subarray(Math.max(0, from - pos), Math.min(b.byteLength, from + len - pos)))
    pos = end
  }
  return out
}

/** Copies the list into dst at `at`. */
export function gather(dst: Uint8Array, at: number, bufs: Uint8Array[]): void {
  for (const b of bufs) {
    dst.set(b, at)
    at += b.byteLength
  }
}

/** Fills the list from src, starting at `at`. */
export function scatter(src: Uint8Array, at: number, bufs: Uint8Array[]): void {
  for (const b of bufs) {
    b.set(src.subarray(at, at + b.byteLength))
    at += b.byteLength
  }
}
