// Aligned buffers that V8 owns: over-allocate an ArrayBuffer, return an aligned view.
import { binding } from './native'

export const defaultBufferAlign = 4096

/**
 * A zeroed buffer of `size` bytes whose first byte sits on an `align` boundary, or
 * exactly `misalign` bytes past one (for misalignment tests).
 */
export function allocAligned(size: number, align = defaultBufferAlign, misalign = 0): Uint8Array {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`buffer size ${size} is invalid`)
  if (!Number.isSafeInteger(align) || align < 1 || (align & (align - 1)) !== 0)
    throw new RangeError(`alignment ${align} is not a power of two`)
  if (!Number.isSafeInteger(misalign) || misalign < 0 || misalign >= align)
    throw new RangeError(`misalign ${misalign} is invalid: it must be 0..${align - 1}`)
  const backing = new ArrayBuffer(size + align + misalign)
  const probe = new Uint8Array(backing, 0, 1)
  const skip = (align - binding().alignOffset(probe, align)) % align
  return new Uint8Array(backing, skip + misalign, size)
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
