// Preconditioning (SNIA PTS): before the measured job, write its whole region sequentially with
// 128 KiB blocks, N times (2 by default), as a bench job of its own: through the same interlock,
// locks and engine, not measured, not reported except as this summary.
import type { ResolvedJob } from './job'
import type { JobOptions } from './options'
import type { BenchRunOptions } from './run'

export interface PreconditionSummary {
  passes: number
  bs: number
  bytes: number
  elapsedNs: number
}

export const PRECONDITION_BS = 128 * 1024

export async function runPrecondition(
  path: string,
  job: ResolvedJob,
  options: JobOptions,
  passes: number,
  opts: BenchRunOptions,
): Promise<PreconditionSummary> {
  const { startBench } = await import('./run.js') // run.ts calls this: no import cycle at load
  const n = job.native
  const size = Math.floor(n.size / PRECONDITION_BS) * PRECONDITION_BS
  const summary: PreconditionSummary = { passes, bs: PRECONDITION_BS, bytes: 0, elapsedNs: 0 }
  if (passes === 0 || size === 0) return summary
  const run = await startBench(
    path,
    {
      name: `${job.name}-precondition`,
      rw: 'write',
      bs: PRECONDITION_BS,
      iodepth: 32,
      direct: n.direct,
      engine: n.engine,
      offset: { bytes: n.offset },
      size: { bytes: size },
      io_size: passes * size,
      readonly: options.readonly,
      force: options.force,
      force_share: options.force_share,
    },
    opts,
  )
  const r = await run.result
  summary.bytes = r.write.bytes
  summary.elapsedNs = r.elapsedNs
  if (r.stopped) throw new Error(`precondition stopped after ${r.write.bytes} of ${passes * size} bytes`)
  return summary
}
