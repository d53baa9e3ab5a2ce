// The shell's image locks, for benchmarks: each target a run touches is held open with an OFD lock
// (the write lock when a job writes or trims it, a shared read lock otherwise) until release(). A
// target that two jobs name is locked once (by device and inode), so the jobs of one run never
// refuse each other; another process holding a conflicting lock refuses the run with the shell's text.
import { statSync } from 'node:fs'
import { lockError } from '../errors'
import { binding, type NativeDevice, type NativeGeometry } from '../native'

interface Held {
  kind: 'read' | 'write'
  dev: NativeDevice
}

export class ImageLocks {
  private readonly held = new Map<string, Held>()

  /** Locks `path` (or keeps the lock already held, upgraded to a write lock when asked); its geometry. */
  take(path: string, kind: 'read' | 'write'): NativeGeometry {
    const key = identity(path)
    const have = this.held.get(key)
    if (have && (have.kind === 'write' || kind === 'read')) return have.dev.probe()
    // Upgrading: the read lock is given up first (two opens of ours would refuse each other).
    if (have) {
      have.dev.close()
      this.held.delete(key)
    }
    const dev = new (binding().NativeDevice)(path, { readOnly: kind === 'read', engine: 'threads', depth: 1 })
    try {
      if (!dev.lock(kind)) {
        const e = lockError(path, kind)
        e.message = `can't open device ${path}: ${e.message}`
        throw e
      }
      this.held.set(key, { kind, dev })
      return dev.probe()
    } catch (e) {
      dev.close()
      throw e
    }
  }

  releaseAll(): void {
    for (const h of this.held.values()) h.dev.close()
    this.held.clear()
  }
}

function identity(path: string): string {
  try {
    const st = statSync(path, { bigint: true })
    return `${st.dev}:${st.ino}`
  } catch {
    return `path:${path}`
  }
}
