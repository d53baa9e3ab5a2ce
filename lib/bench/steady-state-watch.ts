// A running job's steady-state watch: samples the job's counters every ss_interval (from the
// native progress counters, timed by the native clock), feeds the detector, and stops the job
// when steady state is attained (or, under the PTS rule, when 25 rounds did not attain it).
import type { NativeProgress } from './binding'
import { SteadyStateDetector, type SteadyStateSpec } from './steady-state'

interface Watched {
  progress(): NativeProgress
  stop(): void
}

export class SteadyStateWatch {
  readonly detector: SteadyStateDetector
  private timer: NodeJS.Timeout | undefined
  private prev: { nowNs: number; ios: number; bytes: number } | null = null

  constructor(
    readonly spec: SteadyStateSpec,
    private readonly job: Watched,
  ) {
    this.detector = new SteadyStateDetector(spec)
    this.timer = setInterval(() => this.sample(), Math.max(1, Math.round(spec.intervalNs / 1e6)))
    this.timer.unref()
  }

  private sample(): void {
    const p = this.job.progress()
    if (p.phase === 'starting') return
    const ios = p.read.ios + p.write.ios + p.trim.ios
    const bytes = p.read.bytes + p.write.bytes + p.trim.bytes
    const prev = this.prev
    this.prev = { nowNs: p.nowNs, ios, bytes }
    if (!prev || (p.phase !== 'running' && p.phase !== 'ramp')) return
    // fio: samples count from one interval after ss_ramp (steadystate.c, FIO_SS_RAMP_OVER)
    if (p.elapsedNs < this.spec.rampNs + this.spec.intervalNs) return
    const dt = p.nowNs - prev.nowNs
    if (dt <= 0) return
    if (this.detector.add((1e9 * (ios - prev.ios)) / dt, (1e9 * (bytes - prev.bytes)) / dt)) {
      this.stop()
      this.job.stop()
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer)
    this.timer = undefined
  }

  report(): Record<string, unknown> {
    return this.detector.report()
  }
}
