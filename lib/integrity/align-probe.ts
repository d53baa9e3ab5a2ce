// The probes behind align: one variable at a time, powers of two, each request's verdict taken from
// the kernel (accepted, or EINVAL). Also what the device claims, and where findings and claims differ.
import { allocAligned } from '../buffers'
import { IoError } from '../errors'

export const probeMax = 65536
export const probeValues: readonly number[] = Array.from({ length: 17 }, (_, i) => 2 ** i)
/** The page size buffers are placed against (x86-64, arm64 with 4 KiB pages). */
export const pageSize = 4096

/**
 * offset / length: of the request; memory: the buffer's address, for a buffer spanning pages;
 * pageMemory: the address of a one-block buffer that stays inside one page (Linux 6.18 checks only
 * the lengths of the page-split segments, so such a buffer may need no alignment at all).
 */
export type Dimension = 'offset' | 'length' | 'memory' | 'pageMemory'
export const dimensions: readonly Dimension[] = ['offset', 'length', 'memory', 'pageMemory']

export const dimensionNames: Record<Dimension, string> = {
  offset: 'offset alignment',
  length: 'length granularity',
  memory: 'buffer alignment',
  pageMemory: 'buffer in one page',
}

export interface ProbeVerdict {
  value: number
  accepted: boolean
  /** The errno name of a refusal ('EINVAL'). */
  code?: string
}

export interface Finding {
  /** The smallest power of two accepted; null when none was. */
  min: number | null
  /** Every value below min refused and every value from min on accepted. */
  consistent: boolean
  probes: ProbeVerdict[]
}

export interface Claim {
  source: 'logical block size' | 'STATX_DIOALIGN' | 'dma_alignment'
  value: number
}

export interface Disagreement {
  text: string
  /** The kernel needs more than is claimed (trusting the claim fails); false: it accepts less. */
  stricter: boolean
}

export interface ClaimSet {
  logicalBlockSize: number
  physicalBlockSize: number
  dioOffsetAlign: number
  dioMemAlign: number
  dioAlignSource: 'statx' | 'block-size'
  dmaAlignment: number
}

export type Findings = Record<Dimension, Finding | null>

async function verdict(value: number, io: () => Promise<unknown>): Promise<ProbeVerdict> {
  try {
    await io()
    return { value, accepted: true }
  } catch (e) {
    if (e instanceof IoError && e.code === 'EINVAL') return { value, accepted: false, code: e.code }
    throw e
  }
}

export function summarize(probes: ProbeVerdict[]): Finding {
  const first = probes.findIndex((p) => p.accepted)
  const min = first < 0 ? null : probes[first].value
  const consistent = probes.every((p, i) => p.accepted === (first >= 0 && i >= first))
  return { min, consistent, probes }
}

export type Io = (offset: number, buf: Uint8Array) => Promise<unknown>

/**
 * The sweeps with `io` at `base` (a multiple of `unit`), the other variables held at `unit`
 * alignment. `fill` is called on every buffer before it is used (writes put back what is there).
 */
export async function sweep(
  io: Io,
  base: number,
  unit: number,
  fill?: (buf: Uint8Array, at: number) => void,
): Promise<Findings> {
  const values = probeValues.filter((v) => v <= unit)
  const run = (offset: number, buf: Uint8Array) => {
    fill?.(buf, offset)
    return io(offset, buf)
  }
  const baseline = await verdict(unit, () => run(base, allocAligned(unit, unit)))
  if (!baseline.accepted) {
    throw new IoError({
      detail: `even an aligned ${unit}-byte request at offset ${base} was refused`,
      code: 'EINVAL',
      errno: 22,
      syscall: 'preadv',
      offset: base,
      length: unit,
    })
  }
  const each = async (vs: readonly number[], io1: (k: number) => Promise<unknown>) => {
    const out: ProbeVerdict[] = []
    for (const k of vs) out.push(await verdict(k, () => io1(k)))
    return summarize(out)
  }
  const offset = await each(values, (k) => run(base + k, allocAligned(unit, unit)))
  const length = await each(values, (k) => run(base, allocAligned(k, unit)))
  const memory = await each(values, (k) => run(base, allocAligned(unit, 2 * k, k)))
  // One block (the length found) placed k bytes into a page, for every k that keeps it inside.
  const block = length.min
  const inPage = block === null ? [] : values.filter((k) => k < pageSize && k + block <= pageSize)
  const pageMemory = inPage.length
    ? await each(inPage, (k) => run(base, allocAligned(block as number, pageSize, k)))
    : null
  return { offset, length, memory, pageMemory }
}

export function claimsFor(dimension: Dimension, c: ClaimSet, kind: 'block' | 'file'): Claim[] {
  const claims: Claim[] = []
  const statx = c.dioAlignSource === 'statx'
  if (dimension === 'memory' || dimension === 'pageMemory') {
    if (statx) claims.push({ source: 'STATX_DIOALIGN', value: c.dioMemAlign })
    if (c.dmaAlignment > 0 && kind === 'block')
      claims.push({ source: 'dma_alignment', value: c.dmaAlignment })
  } else {
    if (statx) claims.push({ source: 'STATX_DIOALIGN', value: c.dioOffsetAlign })
    if (kind === 'block' || !statx) claims.push({ source: 'logical block size', value: c.logicalBlockSize })
  }
  return claims
}

export function disagreementsOf(
  dimension: Dimension,
  read: Finding | null,
  write: Finding | null,
  claims: Claim[],
): Disagreement[] {
  const out: Disagreement[] = []
  const name = dimensionNames[dimension]
  for (const [op, f] of [
    ['read', read],
    ['write', write],
  ] as const) {
    if (!f) continue
    if (f.min === null)
      out.push({ text: `${op}: no ${name} up to the probe limit was accepted`, stricter: true })
    if (!f.consistent) out.push({ text: `${op}: ${name} verdicts are not monotonic`, stricter: true })
    for (const c of claims) {
      if (f.min === null || f.min === c.value) continue
      const text = `${op}: ${name} is ${f.min}, ${c.source} claims ${c.value}`
      out.push({ text, stricter: f.min > c.value })
    }
  }
  if (read && write && write.min !== read.min) {
    const stricter = (write.min ?? Number.POSITIVE_INFINITY) > (read.min ?? Number.POSITIVE_INFINITY)
    out.push({ text: `${name}: writes need ${write.min}, reads ${read.min}`, stricter })
  }
  return out
}
