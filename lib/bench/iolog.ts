// write_iolog: the requests a job issued, in fio's iolog version 2 format (`FILE add`, `FILE
// open`, then `FILE read|write|trim OFFSET LENGTH` per request in issue order, `FILE close`),
// which fio's read_iolog replays. With numjobs > 1, clone N (N > 0) writes PATH.N.
import { writeFileSync } from 'node:fs'
import type { NativeBenchResult } from './binding'

const OPS = ['read', 'write', 'trim']

export function iologText(
  target: string,
  log: NonNullable<NativeBenchResult['jobs'][number]['iolog']>,
): string {
  const lines = ['fio version 2 iolog', `${target} add`, `${target} open`]
  for (let i = 0; i < log.offset.length; i++)
    lines.push(`${target} ${OPS[log.op[i]] ?? 'read'} ${log.offset[i]} ${log.length[i]}`)
  lines.push(`${target} close`, '')
  return lines.join('\n')
}

/** Writes each job's log; returns a warning when a log was cut short. */
export function writeIologs(path: string, target: string, r: NativeBenchResult): string[] {
  const warnings: string[] = []
  for (const job of r.jobs) {
    if (!job.iolog) continue
    const file = job.index === 0 ? path : `${path}.${job.index}`
    writeFileSync(file, iologText(target, job.iolog))
    if (job.iolog.truncated)
      warnings.push(`write_iolog ${file}: only the first ${job.iolog.offset.length} requests`)
  }
  return warnings
}
