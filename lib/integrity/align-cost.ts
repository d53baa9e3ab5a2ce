// The cost of misalignment: throughput of aligned against unaligned requests (offset one byte past
// alignment) in auto mode under O_DIRECT, where rawio bounces reads and read-modify-writes writes.
// One request at a time, for a fixed time per size. Writes stay in the scratch range and write back
// the bytes already there.

import { bytesIec } from '../bench/format'
import { allocAligned } from '../buffers'
import { Device, type EngineChoice } from '../device'

export const defaultCostSizes = [4096, 65536, 1 << 20]
/** Reads cycle over at most this much of the target. */
const readRegion = 256 << 20
const minOps = 3

export interface Rate {
  ops: number
  bytes: number
  ns: number
  bytesPerSec: number
  opsPerSec: number
}

export interface CostRow {
  op: 'read' | 'write'
  size: number
  aligned: Rate
  /** Offset misaligned by one byte. */
  unaligned: Rate
  /** unaligned / aligned throughput (1 = free, 0.5 = half speed). */
  ratio: number
}

export interface CostOptions {
  write: boolean
  engine?: EngineChoice
  sizes: number[]
  ms: number
  scratch: { offset: number; length: number } | null
  /** Called as it goes: measurements done (fractional inside one) and the one running now. */
  onProgress?: (done: number, step: string) => void
}

export interface CostStep {
  op: 'read' | 'write'
  size: number
}

/**
 * The sizes measureCost measures, in order, on a target of `size` bytes whose O_DIRECT offset
 * alignment is `offsetAlign`: every size that fits with one alignment unit and a byte to spare.
 * Each step is two measurements (aligned, then unaligned).
 */
export function costPlan(
  sizes: number[],
  size: number,
  offsetAlign: number,
  scratch: { offset: number; length: number } | null,
): CostStep[] {
  const align = Math.max(offsetAlign, 4096)
  const span = Math.min(size, readRegion)
  const fits = (n: number, room: number) => n + align + 1 <= room
  const reads = sizes.filter((n) => fits(n, span)).map((n) => ({ op: 'read' as const, size: n }))
  const writes = scratch ? sizes.filter((n) => fits(n, scratch.length)) : []
  return [...reads, ...writes.map((n) => ({ op: 'write' as const, size: n }))]
}

function rate(ops: number, bytes: number, ns: number): Rate {
  const s = ns / 1e9
  return { ops, bytes, ns, bytesPerSec: s > 0 ? bytes / s : 0, opsPerSec: s > 0 ? ops / s : 0 }
}

/**
 * Runs `op(i)` one at a time until `ms` have passed (and at least a few times); `tick` is told the
 * fraction of the time spent after each.
 */
async function timed(
  ms: number,
  size: number,
  op: (i: number) => Promise<unknown>,
  tick: (fraction: number) => void,
): Promise<Rate> {
  const budget = BigInt(Math.round(ms * 1e6))
  const t0 = process.hrtime.bigint()
  let i = 0
  let elapsed = 0n
  while (i < minOps || elapsed < budget) {
    await op(i++)
    elapsed = process.hrtime.bigint() - t0
    tick(Math.min(0.99, Number(elapsed) / Number(budget || 1n)))
  }
  return rate(i, i * size, Number(elapsed))
}

/** Offsets for request i of `size` bytes cycling through [base, base+span), with room for +1. */
function slots(base: number, span: number, size: number): (i: number) => number {
  const count = Math.max(1, Math.floor((span - 1) / size) - 1)
  return (i) => base + (i % count) * size
}

export async function measureCost(path: string, opts: CostOptions): Promise<CostRow[]> {
  const dev = await Device.open(path, {
    cache: 'none',
    align: 'auto',
    readOnly: !opts.write,
    engine: opts.engine,
    // Both sides pin their pages per request: the aligned side's reused buffer would otherwise
    // join the fixed-buffer table and the ratio would count that too.
    autoRegister: false,
  })
  const rows: CostRow[] = []
  try {
    const align = Math.max(dev.offsetAlign, 4096)
    const s = opts.write ? opts.scratch : null
    const plan = costPlan(opts.sizes, dev.size, dev.offsetAlign, s)
    let done = 0
    /** Measures `plan[k]`, aligned then unaligned, with `io(offset, buf)`. */
    const measure = async (
      k: number,
      at: (i: number) => number,
      io: (o: number, b: Uint8Array) => Promise<unknown>,
    ) => {
      const { op, size } = plan[k]
      const buf = dev.allocBuffer(size)
      const run = async (name: string, shift: number) => {
        const step = `${op} cost ${bytesIec(size)}${name}`
        opts.onProgress?.(done, step)
        const r = await timed(
          opts.ms,
          size,
          (i) => io(at(i) + shift, buf),
          (f) => opts.onProgress?.(done + f, step),
        )
        done++
        return r
      }
      const aligned = await run('', 0)
      const unaligned = await run(' unaligned', 1)
      rows.push({ op, size, aligned, unaligned, ratio: ratioOf(aligned, unaligned) })
    }
    const span = Math.min(dev.size, readRegion)
    const reads = plan.filter((p) => p.op === 'read').length
    for (let k = 0; k < reads; k++)
      await measure(k, slots(0, span - align, plan[k].size), (o, b) => dev.readv(o, [b]))
    if (s && reads < plan.length) {
      const saved = allocAligned(s.length, 65536)
      await dev.readv(s.offset, [saved])
      const put = (offset: number, buf: Uint8Array) => {
        buf.set(saved.subarray(offset - s.offset, offset - s.offset + buf.length))
        return dev.writev(offset, [buf])
      }
      try {
        for (let k = reads; k < plan.length; k++)
          await measure(k, slots(s.offset, s.length - align, plan[k].size), put)
      } finally {
        await dev.writev(s.offset, [saved])
        await dev.flush()
      }
    }
  } finally {
    await dev.close()
  }
  return rows
}

function ratioOf(aligned: Rate, unaligned: Rate): number {
  return aligned.bytesPerSec > 0 ? unaligned.bytesPerSec / aligned.bytesPerSec : 0
}
