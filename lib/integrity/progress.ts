// The live line of a long stamp, check or align run (the same line bench shows: on a TTY, on
// stderr, refreshed at most twice a second, cleared before the report; nothing when piped).
// `stamp: 0:03 45% 230MiB/512MiB 76.6MiB/s eta 0:04`, `align: 0:01 33% read cost 64KiB eta 0:02`.
import { bytesIec, clock } from '../bench/format'
import { ProgressLine, type ProgressStream } from '../bench/progress'

/** What runs, how long it has run, the fraction done, and the time left at this pace. */
class FractionLine {
  private readonly line: ProgressLine
  private readonly t0 = process.hrtime.bigint()
  private last = 0n

  constructor(
    private readonly what: string,
    stream: ProgressStream,
  ) {
    this.line = new ProgressLine(stream, false)
  }

  /** Elapsed ns when a refresh is due (at most every 500 ms), else null. */
  due(): number | null {
    const now = process.hrtime.bigint()
    if (!this.line.enabled || now - this.last < 500_000_000n) return null
    this.last = now
    return Number(now - this.t0)
  }

  show(ns: number, fraction: number, detail: string): void {
    const f = Math.min(1, Math.max(0, fraction))
    const eta = f > 0 ? ` eta ${clock((ns / f) * (1 - f))}` : ''
    this.line.show(`${this.what}: ${clock(ns)} ${Math.floor(f * 100)}% ${detail}${eta}`)
  }

  clear(): void {
    this.line.clear()
  }
}

/** A run over a byte range (stamp, check): bytes done of the total, and the rate. */
export class RangeProgress {
  private readonly line: FractionLine
  private done = 0

  constructor(
    what: string,
    private readonly total: number,
    stream: ProgressStream = process.stderr,
  ) {
    this.line = new FractionLine(what, stream)
  }

  /** `bytes` more are done. */
  add(bytes: number): void {
    this.done += bytes
    const ns = this.line.due()
    if (ns === null) return
    const rate = ns > 0 ? (this.done / ns) * 1e9 : 0
    const fraction = this.total > 0 ? this.done / this.total : 1
    this.line.show(ns, fraction, `${bytesIec(this.done)}/${bytesIec(this.total)} ${bytesIec(rate)}/s`)
  }

  clear(): void {
    this.line.clear()
  }
}

/** A run of steps (align): the fraction done and the step running now. */
export class StepProgress {
  private readonly line: FractionLine

  constructor(what: string, stream: ProgressStream = process.stderr) {
    this.line = new FractionLine(what, stream)
  }

  update(fraction: number, step: string): void {
    const ns = this.line.due()
    if (ns !== null) this.line.show(ns, fraction, step)
  }

  clear(): void {
    this.line.clear()
  }
}
