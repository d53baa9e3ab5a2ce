// The requests aio_read and aio_write left in flight. A completion is printed at the next poll point
// (a command's own I/O, aio_flush, sleep, the idle prompt, exit). Completions waiting at one poll point
// print newest first, the order qemu's thread pool hands them back in.
import type { AioJob } from './state'

interface Entry {
  seq: number
  job: AioJob
  result?: { ok: true; value: unknown } | { ok: false; error: unknown }
}

export class AioQueue {
  private seq = 0
  private readonly inFlight = new Set<Entry>()
  private completed: Entry[] = []
  private waiters: (() => void)[] = []
  /** Called when a request completes (the session decides whether to deliver now). */
  onComplete: () => void = () => {}
  /** Called when a settle() throws: a bug in a report, never an I/O error. */
  onError: (e: unknown) => void = () => {}

  get pending(): number {
    return this.inFlight.size
  }

  get deliverable(): number {
    return this.completed.length
  }

  track(job: AioJob): void {
    const entry: Entry = { seq: this.seq++, job }
    this.inFlight.add(entry)
    job.promise.then(
      (value) => this.finish(entry, { ok: true, value }),
      (error) => this.finish(entry, { ok: false, error }),
    )
  }

  private finish(entry: Entry, result: NonNullable<Entry['result']>): void {
    entry.result = result
    this.inFlight.delete(entry)
    this.completed.push(entry)
    if (this.inFlight.size === 0) for (const w of this.waiters.splice(0)) w()
    this.onComplete()
  }

  /** Prints every completed request, newest first. */
  deliver(): void {
    const batch = this.completed.sort((a, b) => b.seq - a.seq)
    this.completed = []
    for (const entry of batch) {
      try {
        entry.job.settle(entry.result!)
      } catch (e) {
        this.onError(e)
      }
    }
  }

  /** Resolves once nothing is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await new Promise<void>((r) => this.waiters.push(r))
  }
}
