// qemu's cache modes, as data: what each means for the open flags and for flushes.
export type CacheMode = 'none' | 'off' | 'writeback' | 'writethrough' | 'directsync' | 'unsafe'

export interface CacheSemantics {
  /** O_DIRECT */
  direct: boolean
  /** fdatasync after every write */
  writethrough: boolean
  /** flush is a no-op */
  ignoreFlush: boolean
}

export const cacheModes: Record<CacheMode, CacheSemantics> = {
  none: { direct: true, writethrough: false, ignoreFlush: false },
  off: { direct: true, writethrough: false, ignoreFlush: false },
  writeback: { direct: false, writethrough: false, ignoreFlush: false },
  writethrough: { direct: false, writethrough: true, ignoreFlush: false },
  directsync: { direct: true, writethrough: true, ignoreFlush: false },
  unsafe: { direct: false, writethrough: false, ignoreFlush: true },
}

export function isCacheMode(s: string): s is CacheMode {
  return Object.hasOwn(cacheModes, s)
}
