// Serialises overlapping in-flight requests: a read-modify-write holds its aligned
// range exclusively, so it never loses a concurrent write (qemu's serialising
// requests).
interface Held {
  start: number
  end: number
  exclusive: boolean
  done: Promise<void>
}

export class RangeLock {
  private readonly held = new Set<Held>()

  get size(): number {
    return this.held.size
  }

  /** Waits until [start, end) is free of conflicting holders, then holds it. */
  async acquire(start: number, end: number, exclusive: boolean): Promise<() => void> {
    for (;;) {
      let conflict: Held | undefined
      for (const h of this.held) {
        if (h.start < end && start < h.end && (exclusive || h.exclusive)) {
          conflict = h
          break
        }
      }
      if (!conflict) break
      await conflict.done
    }
    let release!: () => void
    const done = new Promise<void>((r) => {
      release = r
    })
    const entry: Held = { start, end, exclusive, done }
    this.held.add(entry)
    return () => {
      this.held.delete(entry)
      release()
    }
  }
}
