// Serialises overlapping in-flight requests: a read-modify-write holds its aligned
// range exclusively, so it never loses a concurrent write (qemu's serialising
// requests). Shared holders (aligned writes) cost a Set entry, no promise, unless
// someone has to wait for them.
interface Held {
  start: number
  end: number
  exclusive: boolean
  waiters: (() => void)[] | null
}

export class RangeLock {
  private readonly held = new Set<Held>()

  get size(): number {
    return this.held.size
  }

  private conflict(start: number, end: number, exclusive: boolean): Held | undefined {
    for (const h of this.held) if (h.start < end && start < h.end && (exclusive || h.exclusive)) return h
    return undefined
  }

  private hold(start: number, end: number, exclusive: boolean): () => void {
    const entry: Held = { start, end, exclusive, waiters: null }
    this.held.add(entry)
    return () => {
      this.held.delete(entry)
      if (entry.waiters) for (const w of entry.waiters) w()
    }
  }

  /** Holds [start, end) now if nothing conflicts, else returns null. */
  tryAcquire(start: number, end: number, exclusive: boolean): (() => void) | null {
    return this.conflict(start, end, exclusive) ? null : this.hold(start, end, exclusive)
  }

  /** Waits until [start, end) is free of conflicting holders, then holds it. */
  async acquire(start: number, end: number, exclusive: boolean): Promise<() => void> {
    for (;;) {
      const c = this.conflict(start, end, exclusive)
      if (!c) return this.hold(start, end, exclusive)
      await new Promise<void>((resolve) => {
        c.waiters ??= []
        c.waiters.push(resolve)
      })
    }
  }
}
