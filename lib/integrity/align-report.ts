// align for the command layer: help text, parse, and the report (a human table or one JSON record).
import { UsageError } from '../errors'
import type { Reporter } from '../report'
import { cvtstr } from '../units'
import { dimensionNames, type Finding } from './align-probe'
import type { AlignSweepOptions, AlignTable } from './align-sweep'

export const alignHelp = {
  name: 'align',
  args: '[-w] [off]',
  oneline: 'finds the alignment O_DIRECT really accepts, and what misalignment costs',
  help: `
 probes the open target with O_DIRECT and strict alignment

 Example:
 'align' - probes reads only
 'align -w 1G' - also probes writes, in a scratch range from 1 GiB on

 Tries powers of two from 1 to 64 KiB for the offset alignment, the length granularity and the buffer
 memory alignment, one at a time, and prints what was accepted beside what the device claims (logical
 and physical block size, STATX_DIOALIGN, dma_alignment), flagging any disagreement. Then it measures
 aligned against unaligned throughput in auto mode (bounce buffers, read-modify-write).
 -w, -- probe writes too, only in the scratch range [off, off + 1 MiB + 64 KiB), writing back the
        bytes already there; off is required and must be a multiple of 64 KiB
 Without -w nothing is written.
`,
} as const

/** align's parse phase. */
export function parseAlign(opts: { w?: boolean }, operands: [number?]): AlignSweepOptions {
  const [off] = operands
  if (off !== undefined && !opts.w) throw new UsageError('align: an offset is only used with -w')
  if (off === undefined && opts.w) throw new UsageError('align: -w needs the offset of a scratch range')
  return off === undefined ? { write: false } : { write: true, scratchOffset: off }
}

function cell(f: Finding | null, probed: boolean): string {
  if (!probed) return '-'
  if (!f) return 'n/a'
  if (f.min === null) return 'none'
  return f.consistent ? String(f.min) : `${f.min}?`
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length)
}

/** The human table: one line each. */
export function formatAlign(t: AlignTable): string[] {
  const what = t.kind === 'block' ? 'block device' : 'file'
  const lines = [
    `align: ${t.path}: ${what}, ${cvtstr(t.size)}, O_DIRECT, ${t.engine}` +
      (t.scratch
        ? `, writes in [${t.scratch.offset}, ${t.scratch.offset + t.scratch.length})`
        : ', read-only'),
    `${pad('', 20)}${pad('read', 8)}${pad('write', 8)}claimed`,
  ]
  for (const r of t.rows) {
    const claims = r.claims.map((c) => `${c.value} (${c.source})`).join(', ') || '-'
    const mark = r.disagreements.some((d) => d.stricter) ? '  !' : r.disagreements.length ? '  ~' : ''
    const read = cell(r.read, true)
    const write = cell(r.write, t.write)
    lines.push(`${pad(dimensionNames[r.dimension], 20)}${pad(read, 8)}${pad(write, 8)}${claims}${mark}`)
  }
  lines.push(`${pad('physical block size', 36)}${t.claims.physicalBlockSize}`)
  const all = t.rows.flatMap((r) => r.disagreements)
  for (const d of all) lines.push(`${d.stricter ? '!' : '~'} ${d.text}`)
  for (const n of t.notes) lines.push(`note: ${n}`)
  const stricter = all.filter((d) => d.stricter).length
  lines.push(
    all.length === 0
      ? `the findings agree with every claim (probed 1 to ${t.maxProbe})`
      : `${all.length} disagreement${all.length === 1 ? '' : 's'}: ${stricter} stricter than claimed (!), ` +
          `${all.length - stricter} looser (~) (probed 1 to ${t.maxProbe})`,
  )
  if (t.cost.length) {
    lines.push('misalignment cost in auto mode (offset + 1 byte: bounce buffer / read-modify-write):')
    lines.push(`${pad('op', 7)}${pad('size', 9)}${pad('aligned', 18)}${pad('unaligned', 18)}ratio`)
    for (const c of t.cost) {
      lines.push(
        pad(c.op, 7) +
          pad(cvtstr(c.size), 9) +
          pad(`${cvtstr(c.aligned.bytesPerSec)}/sec`, 18) +
          pad(`${cvtstr(c.unaligned.bytesPerSec)}/sec`, 18) +
          c.ratio.toFixed(2),
      )
    }
  }
  return lines
}

/** The JSON record: the table as data (probe verdicts included). */
export function alignJson(t: AlignTable): Record<string, unknown> {
  return { op: 'align', ...t }
}

export function reportAlign(out: Reporter, t: AlignTable): void {
  if (out.mode === 'json') out.result(alignJson(t))
  else for (const line of formatAlign(t)) out.info(line)
}
