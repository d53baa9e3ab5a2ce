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
  if (!Number.isSafeInteger(misalign) || misalign < 0) throw new RangeError(`misalign ${misalign} is invalid`)
  const backing = new ArrayBuffer(size + align + misalign)
  const probe = new Uint8Array(backing, 0, 1)
  const skip = (align - binding().alignOffset(probe, align)) % align
  return new Uint8Array(backing, skip + misalign, size)
}

/** True when the view starts on an `align` boundary. */
export function isAligned(view: Uint8Array, align: number): boolean {
  return align <= 1 || view.byteLength === 0 || binding().alignOffset(view, align) === 0
}
