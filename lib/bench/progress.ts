// Live progress: rates from successive native snapshots (pure), and the one-line display on
// stderr, refreshed in place with node:readline's cursorTo/clearLine. Silent unless the stream
// is a TTY and -q was not given.
import { clearLine, cursorTo } from 'node:readline'
import type { BenchPhase, NativeProgress } from './binding'
import { bytesIec, clock, count } from './format'
import { type Direction, directions } from './stats'

export interface DirRate {
  ios: number
  bytes: number
  /** Over the last sampling interval. */
  iops: number
  bytesPerSec: number
}

export interface BenchProgress {
  phase: BenchPhase
  elapsedNs: number
  measuredNs: number
  /** The job's runtime (0: none) and ramp_time, for "remaining". */
  runtimeNs: number
  rampNs: number
  /** Fraction done (0..1) by bytes or I/Os when the job is size-bound; null when time-bound. */
  fraction: number | null
  read: DirRate
  write: DirRate
  trim: DirRate
}

export interface ProgressLimits {
  runtimeNs: number
  rampNs: number
  /** Total bytes (all jobs) when the job ends by size, else 0. */
  totalBytes: number
  /** Total I/Os (all jobs) when the job ends by number_ios, else 0. */
  totalIos: number
}

/** Turns cumulative native snapshots into rates. sample() moves the baseline; peek() does not. */
export class ProgressTracker {
  private last: NativeProgress | null = null
  constructor(private readonly limits: ProgressLimits) {}

  sample(p: NativeProgress): BenchProgress {
    const out = this.peek(p)
    this.last = p
    return out
  }

  peek(p: NativeProgress): BenchProgress {
    const prev = this.last
    const dt = prev ? (p.nowNs - prev.nowNs) / 1e9 : p.elapsedNs / 1e9
    const rate = (d: Direction): DirRate => {
      const ios = p[d].ios - (prev?.[d].ios ?? 0)
      const bytes = p[d].bytes - (prev?.[d].bytes ?? 0)
      return {
        ios: p[d].ios,
        bytes: p[d].bytes,
        iops: dt > 0 ? ios / dt : 0,
        bytesPerSec: dt > 0 ? bytes / dt : 0,
      }
    }
    const { totalBytes, totalIos } = this.limits
    const doneBytes = directions.reduce((a, d) => a + p[d].bytes, 0)
    const doneIos = directions.reduce((a, d) => a + p[d].ios, 0)
    let fraction: number | null = null
    if (totalIos > 0) fraction = Math.min(1, doneIos / totalIos)
    else if (totalBytes > 0) fraction = Math.min(1, doneBytes / totalBytes)
    return {
      phase: p.phase,
      elapsedNs: p.elapsedNs,
      measuredNs: p.measuredNs,
      runtimeNs: this.limits.runtimeNs,
      rampNs: this.limits.rampNs,
      fraction,
      read: rate('read'),
      write: rate('write'),
      trim: rate('trim'),
    }
  }
}

const SHORT: Record<Direction, string> = { read: 'r', write: 'w', trim: 't' }

/** `bench: 0:03 / 0:10 [r=95.2k IOPS 372MiB/s] [w=...] eta 0:07` */
export function formatProgress(p: BenchProgress): string {
  const parts: string[] = []
  // Filling the buffers: the run's clock has not started; show how long this takes.
  if (p.phase === 'preparing') return `bench: preparing buffers ${clock(p.elapsedNs)}`
  const phase = p.phase === 'ramp' ? 'ramp ' : p.phase === 'stopping' ? 'stopping ' : ''
  let when = `${phase}${clock(p.elapsedNs)}`
  const etas: number[] = []
  if (p.runtimeNs > 0) {
    when += ` / ${clock(p.runtimeNs + p.rampNs)}`
    etas.push(Math.max(0, p.runtimeNs + p.rampNs - p.elapsedNs))
  }
  if (p.fraction !== null) {
    when += ` ${(p.fraction * 100).toFixed(1)}%`
    if (p.fraction > 0 && p.measuredNs > 0) etas.push((p.measuredNs / p.fraction) * (1 - p.fraction))
  }
  const eta = etas.length ? ` eta ${clock(Math.min(...etas))}` : ''
  parts.push(`bench: ${when}`)
  const active = directions.filter((d) => p[d].ios > 0)
  for (const d of active.length ? active : (['read'] as Direction[]))
    parts.push(`[${SHORT[d]}=${count(p[d].iops)} IOPS ${bytesIec(p[d].bytesPerSec)}/s]`)
  return parts.join(' ') + eta
}

export interface ProgressStream {
  isTTY?: boolean
  columns?: number
  write(text: string): boolean
}

/** The live line. Writes nothing unless the stream is a TTY and quiet is off. */
export class ProgressLine {
  readonly enabled: boolean
  private shown = false

  constructor(
    private readonly stream: ProgressStream,
    quiet: boolean,
  ) {
    this.enabled = !quiet && stream.isTTY === true
  }

  update(p: BenchProgress): void {
    this.show(formatProgress(p))
  }

  /** Shows `text` as the line (bench's, and stamp/check/align's). */
  show(text: string): void {
    if (!this.enabled) return
    const width = this.stream.columns || 80 // 0 or absent (script(1), some CI runners): 80
    if (text.length >= width) text = text.slice(0, Math.max(0, width - 1))
    cursorTo(this.stream as NodeJS.WritableStream, 0)
    this.stream.write(text)
    clearLine(this.stream as NodeJS.WritableStream, 1)
    this.shown = true
  }

  /** Removes the line so the report starts on a clean one. */
  clear(): void {
    if (!this.enabled || !this.shown) return
    cursorTo(this.stream as NodeJS.WritableStream, 0)
    clearLine(this.stream as NodeJS.WritableStream, 0)
    this.shown = false
  }
}
