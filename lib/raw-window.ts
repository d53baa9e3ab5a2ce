// qemu's raw format driver with `offset` and `size` (block/raw-format.c): a window into the target.
// Every request is moved by `offset` and kept inside the window (raw_adjust_offset); the length is
// what is left of the target after `offset`, at most `size` (raw_getlength); block status is the
// target's, moved; a window with a `size` cannot be resized, one without grows the target.
import type { BlockDriver, IoResult, WriteFlags, ZeroFlags } from './driver'
import { StackedDriver } from './driver'
import { ioError } from './errors'
import type { NativeGeometry } from './native'

export interface RawWindow {
  /** Where the image starts in the target (bytes). */
  offset: number
  /** The image's size; absent: up to the target's end, following it as it changes. */
  size?: number
}

/** A window that does not fit its target: qemu's own words (raw_apply_options). */
export class RawWindowError extends Error {
  readonly code = 'EINVAL'
}

/** raw_apply_options' checks, against the target's size. */
export function checkWindow(w: RawWindow, targetSize: number): void {
  if (w.offset > targetSize) {
    throw new RawWindowError(
      `Offset (${w.offset}) cannot be greater than size of the containing file (${targetSize})`,
    )
  }
  if (w.size !== undefined && targetSize - w.offset < w.size) {
    throw new RawWindowError(
      `The sum of offset (${w.offset}) and size (${w.size}) has to be smaller or equal to the  actual size of the containing file (${targetSize})`,
    )
  }
  if (w.size !== undefined && w.size % 512 !== 0)
    throw new RawWindowError('Specified size is not multiple of 512')
}

export class RawWindowDriver extends StackedDriver {
  constructor(
    lower: BlockDriver,
    private readonly window: RawWindow,
    /** Told the target's own geometry at every probe (the drivers below work in its terms). */
    private readonly onLowerProbe: (g: NativeGeometry) => void = () => {},
  ) {
    super(lower)
  }

  /** raw_adjust_offset: the target's offset of a request, or the error qemu gives outside the window. */
  private at(offset: number, length: number, write: boolean, syscall: string): number {
    const size = this.window.size
    if (size !== undefined && (offset > size || length > size - offset))
      throw ioError(write ? 'ENOSPC' : 'EINVAL', syscall, { offset, length })
    return offset + this.window.offset
  }

  override readv(offset: number, buffers: Uint8Array[]): Promise<IoResult> {
    const n = buffers.reduce((a, b) => a + b.byteLength, 0)
    return this.lower.readv(this.at(offset, n, false, 'preadv'), buffers)
  }
  override writev(offset: number, buffers: Uint8Array[], flags: WriteFlags): Promise<IoResult> {
    const n = buffers.reduce((a, b) => a + b.byteLength, 0)
    return this.lower.writev(this.at(offset, n, true, 'pwritev'), buffers, flags)
  }
  override discard(offset: number, length: number): Promise<IoResult> {
    return this.lower.discard(this.at(offset, length, true, 'discard'), length)
  }
  override writeZeroes(offset: number, length: number, flags: ZeroFlags): Promise<IoResult> {
    return this.lower.writeZeroes(this.at(offset, length, true, 'write_zeroes'), length, flags)
  }

  /** raw_co_truncate. */
  override async truncate(length: number): Promise<IoResult> {
    if (this.window.size !== undefined)
      throw ioError('ENOTSUP', 'ftruncate', { detail: 'Cannot resize fixed-size raw disks' })
    return this.lower.truncate(length + this.window.offset)
  }

  override seek(offset: number, whence: 'data' | 'hole'): number {
    const r = this.lower.seek(offset + this.window.offset, whence)
    return r < 0 ? r : r - this.window.offset
  }

  /** raw_getlength: what is left after offset, at most size. */
  override probe(): NativeGeometry {
    const g = this.lower.probe()
    this.onLowerProbe(g)
    const left = Math.max(0, g.size - this.window.offset)
    return { ...g, size: this.window.size === undefined ? left : Math.min(this.window.size, left) }
  }
}
