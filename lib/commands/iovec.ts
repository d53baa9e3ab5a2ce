// create_iovec: the `len [len..]` operands of readv, writev, aio_read and aio_write.
import { type Device, IOV_MAX } from '../device'
import { ioError } from '../errors'
import { ioBuffer, MAX_REQUEST } from './io'
import { failOut, num, type ParseContext } from './spec'
import type { SessionState } from './state'

/** Each length, checked as qemu-io checks them, in order. */
export function parseIovec(args: readonly string[], ctx: Pick<ParseContext, 'warn'>): number[] {
  const sizes: number[] = []
  let count = 0
  for (const arg of args) {
    const len = num(arg, ctx)
    if (len > MAX_REQUEST) throw failOut(`Argument '${arg}' exceeds maximum size ${MAX_REQUEST}`)
    if (count > MAX_REQUEST - len) {
      throw failOut(`The total number of bytes exceed the maximum size ${MAX_REQUEST}`)
    }
    sizes.push(len)
    count += len
  }
  return sizes
}

export interface Iovec {
  /** One buffer for the whole request (qemu allocates one and splits it). */
  whole: Uint8Array
  /** The non-empty pieces, in order. */
  parts: Uint8Array[]
}

/**
 * What qemu's request path checks for a vectored request, in its order: the range lies in the image
 * (blk_check_byte_request: EIO), then the kernel takes at most IOV_MAX buffers, counting empty ones
 * (preadv/pwritev: EINVAL, which qemu-io prints as `readv failed: Invalid argument`). qemu hands
 * every buffer given on, empty ones too.
 */
export function checkIovec(dev: Device, syscall: string, offset: number, sizes: readonly number[]): number {
  const total = sizes.reduce((a, b) => a + b, 0)
  dev.checkBounds(syscall, offset, total)
  if (sizes.length > IOV_MAX)
    throw ioError('EINVAL', syscall, { offset, length: total, path: dev.path, detail: 'Invalid argument' })
  return total
}

export function iovecBuffers(session: SessionState, sizes: readonly number[], fill: number): Iovec {
  const total = sizes.reduce((a, b) => a + b, 0)
  const whole = ioBuffer(session, total, fill)
  const parts: Uint8Array[] = []
  let at = 0
  for (const n of sizes) {
    if (n > 0) parts.push(whole.subarray(at, at + n))
    at += n
  }
  return { whole, parts }
}
