// The live line of a long stamp, check or align -w run (the same line bench shows: on a TTY, on
// stderr, refreshed at most twice a second, cleared before the report; nothing when piped).
import { bytesIec, clock } from '../bench/format'
import { ProgressLine, type ProgressStream } from '../bench/progress'

export class RangeProgress {
  private readonly line: ProgressLine
  private done = 0
  private readonly t0 = process.hrtime.bigint()
  private last = 0n

  constructor(
    private readonly what: string,
    private readonly total: number,
    stream: ProgressStream = process.stderr,
  ) {
    this.line = new ProgressLine(stream, false)
  }

  /** `bytes` more are done. */
  add(bytes: number): void {
    this.done += bytes
    const now = process.hrtime.bigint()
    if (!this.line.enabled || now - this.last < 500_000_000n) return
    this.last = now
    const ns = Number(now - this.t0)
    const rate = ns > 0 ? (this.done / ns) * 1e9 : 0
    const pct = this.total > 0 ? Math.floor((this.done / this.total) * 100) : 100
    const eta = rate > 0 ? ` eta ${clock(((this.total - this.done) / rate) * 1e9)}` : ''
    this.line.show(
      `${this.what}: ${clock(ns)} ${pct}% ${bytesIec(this.done)}/${bytesIec(this.total)} ${bytesIec(rate)}/s${eta}`,
    )
  }

  clear(): void {
    this.line.clear()
  }
}
