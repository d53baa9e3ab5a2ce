// The typed request interface under Device, as qemu's BlockDriver entry points (.bdrv_co_preadv,
// .bdrv_co_pwritev, .bdrv_co_flush, .bdrv_co_pdiscard, .bdrv_co_pwrite_zeroes, .bdrv_co_truncate,
// block status): the file driver over the addon is the bottom (lib/file-driver.ts), and layers such
// as blkdebug stack over it with the same operations. A driver is handed validated requests: Device
// checks arguments, bounds and read-only state before anything reaches one.
import type { CacheMode } from './cache-modes'
import type { NativeDeviceInfo, NativeGeometry } from './native'

export type AlignMode = 'auto' | 'strict'

export interface IoResult {
  /** Bytes transferred (or affected, for space operations). */
  bytes: number
  /** Elapsed nanoseconds, monotonic clock. */
  ns: number
}

export interface ZeroOptions {
  /** Allowed to deallocate (punch a hole) instead of writing zeroes. */
  mayUnmap?: boolean
  /** Fail with ENOTSUP rather than writing zeroes by hand. */
  noFallback?: boolean
}

/** How a write must be made durable (qemu's BDRV_REQ_FUA, native or emulated). */
export interface WriteFlags {
  /** Force unit access: RWF_DSYNC on this write only. */
  fua?: boolean
  /** The cache mode's writethrough: a flush after the write, part of the same request. */
  writethrough?: boolean
}

export interface ZeroFlags extends ZeroOptions {
  /** As WriteFlags.writethrough. */
  writethrough?: boolean
}

/** What a driver may ask of the device it serves (the Device itself implements it). */
export interface DriverContext {
  readonly path: string
  readonly cache: CacheMode
  readonly readOnly: boolean
  readonly size: number
  readonly geometry: NativeGeometry
  readonly align: AlignMode
  readonly direct: boolean
  readonly isBlockDevice: boolean
  /** Offset/length granularity O_DIRECT needs (1 when not direct). */
  readonly offsetAlign: number
  /** Buffer address alignment O_DIRECT needs (1 when not direct). */
  readonly memAlign: number
  allocBuffer(size: number, misalign?: number): Uint8Array
}

export interface BlockDriver {
  readv(offset: number, buffers: Uint8Array[]): Promise<IoResult>
  writev(offset: number, buffers: Uint8Array[], flags: WriteFlags): Promise<IoResult>
  /** fdatasync (a no-op under cache=unsafe). */
  flush(): Promise<IoResult>
  discard(offset: number, length: number): Promise<IoResult>
  writeZeroes(offset: number, length: number, flags: ZeroFlags): Promise<IoResult>
  truncate(length: number): Promise<IoResult>
  /** Block status by SEEK_DATA/SEEK_HOLE: the next such offset, or -1 when there is none. */
  seek(offset: number, whence: 'data' | 'hole'): number
  probe(): NativeGeometry
  reopen(opts: { readOnly?: boolean; direct?: boolean }): void
  lock(kind: 'read' | 'write' | 'unlock'): boolean
  info(): NativeDeviceInfo
  /** Waits for every request this driver and those below it have started. */
  drain(): Promise<void>
  /** Lets go of what the driver holds (blkdebug: suspended requests), drains, closes the target. */
  close(): Promise<void>
}

/** A driver over another one: every operation goes to `lower` unless the subclass overrides it. */
export class StackedDriver implements BlockDriver {
  constructor(protected readonly lower: BlockDriver) {}

  readv(offset: number, buffers: Uint8Array[]): Promise<IoResult> {
    return this.lower.readv(offset, buffers)
  }
  writev(offset: number, buffers: Uint8Array[], flags: WriteFlags): Promise<IoResult> {
    return this.lower.writev(offset, buffers, flags)
  }
  flush(): Promise<IoResult> {
    return this.lower.flush()
  }
  discard(offset: number, length: number): Promise<IoResult> {
    return this.lower.discard(offset, length)
  }
  writeZeroes(offset: number, length: number, flags: ZeroFlags): Promise<IoResult> {
    return this.lower.writeZeroes(offset, length, flags)
  }
  truncate(length: number): Promise<IoResult> {
    return this.lower.truncate(length)
  }
  seek(offset: number, whence: 'data' | 'hole'): number {
    return this.lower.seek(offset, whence)
  }
  probe(): NativeGeometry {
    return this.lower.probe()
  }
  reopen(opts: { readOnly?: boolean; direct?: boolean }): void {
    this.lower.reopen(opts)
  }
  lock(kind: 'read' | 'write' | 'unlock'): boolean {
    return this.lower.lock(kind)
  }
  info(): NativeDeviceInfo {
    return this.lower.info()
  }
  drain(): Promise<void> {
    return this.lower.drain()
  }
  close(): Promise<void> {
    return this.lower.close()
  }
}
