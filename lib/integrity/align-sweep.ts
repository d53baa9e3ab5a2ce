// align: what O_DIRECT really accepts on a target. Opens it with cache=none and strict alignment and
// tries powers of two from 1 to 64 KiB for one variable at a time (align-probe.ts), the others held
// at 64 KiB alignment. Reads always; writes only with `write`, only inside the scratch
// range, and only of the bytes already there (which are restored at the end anyway).
import { allocAligned } from '../buffers'
import { Device, type EngineChoice } from '../device'
import { UsageError } from '../errors'
import { type CostRow, costPlan, defaultCostSizes, measureCost } from './align-cost'
import {
  type Claim,
  type ClaimSet,
  claimsFor,
  type Dimension,
  type Disagreement,
  dimensions,
  disagreementsOf,
  type Finding,
  pageSize,
  probeMax,
  sweep,
} from './align-probe'

export interface AlignRow {
  dimension: Dimension
  /** null when the probe does not apply (a one-block buffer cannot sit inside a page). */
  read: Finding | null
  write: Finding | null
  claims: Claim[]
  /** Empty when the findings match every claim. */
  disagreements: Disagreement[]
}

export interface AlignTable {
  path: string
  kind: 'block' | 'file'
  size: number
  engine: string
  write: boolean
  scratch: { offset: number; length: number } | null
  /** The largest value probed (64 KiB, less on a tiny target). */
  maxProbe: number
  /** Where the read probes ran (a file: the first allocated stretch of two probe units). */
  readBase: number
  /** Caveats about the findings, as sentences. */
  notes: string[]
  /** The page size the in-page buffer probe assumed. */
  pageSize: number
  claims: ClaimSet
  rows: AlignRow[]
  /** True when no row has a disagreement. */
  agree: boolean
  /** True when nothing needs more than is claimed (the kernel may still accept less). */
  claimsHold: boolean
  cost: CostRow[]
}

export interface AlignSweepOptions {
  /** Probe writes too (at the scratch range only). */
  write?: boolean
  /** Start of the scratch range for writes: a multiple of 64 KiB; default 0. */
  scratchOffset?: number
  engine?: EngineChoice
  /** Measure aligned against unaligned throughput in auto mode (default true). */
  cost?: boolean
  /** Time per cost measurement (default 300 ms). */
  costMs?: number
  costSizes?: number[]
  /**
   * Called as the sweep goes: the fraction done and the step running now. The cost measurements
   * take nearly all the time, so they make the fraction; without them, the probe sweeps do.
   */
  onProgress?: (fraction: number, step: string) => void
}

/** Bytes of the scratch range a sweep with these cost sizes writes in. */
export function scratchLength(costSizes: number[], unit = probeMax): number {
  return Math.max(2 * unit, Math.max(0, ...costSizes) + unit)
}

/** The probe unit for a target of `size` bytes: 64 KiB, or the largest power of two with 2 units in it. */
export function probeUnit(size: number): number {
  let u = probeMax
  while (u > 1 && 2 * u > size) u /= 2
  return u
}

function checkOptions(opts: AlignSweepOptions, size: number, unit: number) {
  const costSizes = (opts.costSizes ?? defaultCostSizes).filter((n) => n > 0)
  if (!opts.write) return { scratchOffset: 0, length: 0, costSizes }
  const scratchOffset = opts.scratchOffset ?? 0
  if (!Number.isSafeInteger(scratchOffset) || scratchOffset < 0 || scratchOffset % probeMax !== 0)
    throw new UsageError(`scratch offset ${scratchOffset} must be a multiple of 64 KiB`)
  let length = scratchLength(costSizes, unit)
  if (scratchOffset + length > size) {
    length = Math.min(length, size - scratchOffset)
    if (length < 2 * unit)
      throw new UsageError(
        `the scratch range at ${scratchOffset} needs ${2 * unit} bytes before the end (${size})`,
      )
  }
  return { scratchOffset, length, costSizes }
}

/** Probes `path` and measures the cost of misalignment; see AlignSweepOptions. */
export async function alignSweep(path: string, opts: AlignSweepOptions = {}): Promise<AlignTable> {
  const write = !!opts.write
  const dev = await Device.open(path, {
    cache: 'none',
    align: 'strict',
    readOnly: !write,
    engine: opts.engine,
  })
  let table: AlignTable
  try {
    const unit = probeUnit(dev.size)
    const { scratchOffset, length, costSizes } = checkOptions(opts, dev.size, unit)
    const scratch = write ? { offset: scratchOffset, length } : null
    const g = dev.geometry
    const claims: ClaimSet = {
      logicalBlockSize: g.logicalBlockSize,
      physicalBlockSize: g.physicalBlockSize,
      dioOffsetAlign: g.dioOffsetAlign,
      dioMemAlign: g.dioMemAlign,
      dioAlignSource: g.dioAlignSource,
      dmaAlignment: g.dmaAlignment,
    }
    const notes: string[] = []
    const readBase = await dataBase(dev, 2 * unit, 2 * unit)
    if (readBase === null)
      notes.push(
        `no allocated ${2 * unit}-byte stretch found: reads of holes and unwritten extents may need no ` +
          'alignment at all (the filesystem fills them without I/O), so the read findings may be too small',
      )
    const cost = opts.cost !== false
    const sweeps = write ? 2 : 1
    const measurements = cost ? 2 * costPlan(costSizes, dev.size, dev.offsetAlign, scratch).length : 0
    const tell = (done: number, step: string) =>
      opts.onProgress?.(measurements ? done / measurements : done / sweeps, step)
    tell(0, 'probing reads')
    const reads = await sweep((o, b) => dev.readv(o, [b]), readBase ?? 0, unit)
    if (scratch) tell(measurements ? 0 : 1, 'probing writes')
    const writes = scratch ? await writeSweep(dev, scratch, unit) : null
    const rows: AlignRow[] = dimensions.map((dimension) => {
      const read = reads[dimension]
      const write = writes?.[dimension] ?? null
      const rowClaims = claimsFor(dimension, claims, g.kind)
      return {
        dimension,
        read,
        write,
        claims: rowClaims,
        disagreements: disagreementsOf(dimension, read, write, rowClaims),
      }
    })
    table = {
      path,
      kind: g.kind,
      size: dev.size,
      engine: dev.engine,
      write,
      scratch,
      maxProbe: unit,
      readBase: readBase ?? 0,
      notes,
      claims,
      rows,
      pageSize,
      agree: rows.every((r) => r.disagreements.length === 0),
      claimsHold: rows.every((r) => r.disagreements.every((d) => !d.stricter)),
      cost: [],
    }
    if (cost) {
      table.cost = await measureCost(path, {
        write,
        engine: opts.engine,
        sizes: costSizes,
        ms: opts.costMs ?? 300,
        scratch,
        onProgress: tell,
      })
    }
  } finally {
    await dev.close()
  }
  return table
}

/**
 * A `unit`-aligned offset where `span` bytes are allocated data (0 on a block device); null when a
 * file has no such stretch. Filesystems serve holes and unwritten extents without I/O, and ext4 then
 * accepts O_DIRECT reads at any alignment: probing there would find nothing.
 */
export async function dataBase(dev: Device, span: number, unit: number): Promise<number | null> {
  if (dev.isBlockDevice) return 0
  for (const e of await dev.map(0, dev.size)) {
    if (!e.data) continue
    const start = Math.ceil(e.offset / unit) * unit
    if (start + span <= e.offset + e.length) return start
  }
  return null
}

/** Write probes inside the scratch range, writing back the bytes already there; restored at the end. */
async function writeSweep(dev: Device, scratch: { offset: number; length: number }, unit: number) {
  const span = 2 * unit
  const saved = allocAligned(span, unit)
  await dev.readv(scratch.offset, [saved])
  const fill = (buf: Uint8Array, at: number) => {
    const from = at - scratch.offset
    buf.set(saved.subarray(from, from + buf.length))
  }
  try {
    return await sweep((o, b) => dev.writev(o, [b]), scratch.offset, unit, fill)
  } finally {
    await dev.writev(scratch.offset, [saved])
    await dev.flush()
  }
}
