// Aligned buffers of native memory (native/napi/js_buffers.h): the kernel uses them in place, and
// their memory outlives every request that holds it, whatever JavaScript does with the buffer.
import { binding } from './native'

export const defaultBufferAlign = 4096

const kMaxAlign = 2 ** 30

/**
 * A zeroed buffer of `size` bytes whose first byte sits on an `align` boundary, or exactly
 * `misalign` bytes past one (for misalignment tests; below `align`). Its memory is native: a
 * request in flight keeps it valid even if the buffer is transferred or dropped meanwhile.
 * Its ArrayBuffer is exactly the view.
 */
export function allocAligned(size: number, align = defaultBufferAlign, misalign = 0): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`buffer size ${size} is invalid`)
  if (!Number.isSafeInteger(align) || align < 1 || align > kMaxAlign || (align & (align - 1)) !== 0)
    throw new RangeError(`alignment ${align} is not a power of two up to 1 GiB`)
  if (!Number.isSafeInteger(misalign) || misalign < 0 || misalign >= align)
    throw new RangeError(`misalign ${misalign} is invalid: it must be 0..${align - 1}`)
  return binding().allocBuffer(size, align, misalign)
}

// Backing stores never move, so (address of an ArrayBuffer) mod 64 KiB is asked of
// the addon once per ArrayBuffer, not once per request.
const kAddrModulus = 65536
const baseMod = new WeakMap<ArrayBufferLike, number>()

/** True when the view starts on an `align` boundary (align a power of two). */
export function isAligned(view: Uint8Array, align: number): boolean {
  if (align <= 1 || view.byteLength === 0) return true
  if (align > kAddrModulus) return binding().alignOffset(view, align) === 0
  let base = baseMod.get(view.buffer)
  if (base === undefined) {
    base =
      (binding().alignOffset(view, kAddrModulus) - view.byteOffset + kAddrModulus * 2 ** 20) % kAddrModulus
    baseMod.set(view.buffer, base)
  }
  return (base + view.byteOffset) % align === 0
}
