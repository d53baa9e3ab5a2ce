// The cost of misalignment: throughput of aligned against unaligned requests (offset one byte past
// alignment) in auto mode under O_DIRECT, where rawio bounces reads and read-modify-writes writes.
// One request at a time, for a fixed time per size. Writes stay in the scratch range and write back
// the bytes already there.
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
}

function rate(ops: number, bytes: number, ns: number): Rate {
  const s = ns / 1e9
  return { ops, bytes, ns, bytesPerSec: s > 0 ? bytes / s : 0, opsPerSec: s > 0 ? ops / s : 0 }
}

/** Runs `op(i)` one at a time until `ms` have passed (and at least a few times). */
async function timed(ms: number, size: number, op: (i: number) => Promise<unknown>): Promise<Rate> {
  const budget = BigInt(Math.round(ms * 1e6))
  const t0 = process.hrtime.bigint()
  let i = 0
  let elapsed = 0n
  while (i < minOps || elapsed < budget) {
    await op(i++)
    elapsed = process.hrtime.bigint() - t0
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
  })
  const rows: CostRow[] = []
  try {
    const align = Math.max(dev.offsetAlign, 4096)
    for (const size of opts.sizes) {
      const span = Math.min(dev.size, readRegion)
      if (size + align + 1 > span) continue
      const at = slots(0, span - align, size)
      const buf = dev.allocBuffer(size)
      const aligned = await timed(opts.ms, size, (i) => dev.readv(at(i), [buf]))
      const unaligned = await timed(opts.ms, size, (i) => dev.readv(at(i) + 1, [buf]))
      rows.push({ op: 'read', size, aligned, unaligned, ratio: ratioOf(aligned, unaligned) })
    }
    const s = opts.write ? opts.scratch : null
    if (s) {
      const saved = allocAligned(s.length, 65536)
      await dev.readv(s.offset, [saved])
      try {
        for (const size of opts.sizes) {
          if (size + align + 1 > s.length) continue
          const at = slots(s.offset, s.length - align, size)
          const buf = dev.allocBuffer(size)
          const put = (offset: number) => {
            buf.set(saved.subarray(offset - s.offset, offset - s.offset + size))
            return dev.writev(offset, [buf])
          }
          const aligned = await timed(opts.ms, size, (i) => put(at(i)))
          const unaligned = await timed(opts.ms, size, (i) => put(at(i) + 1))
          rows.push({ op: 'write', size, aligned, unaligned, ratio: ratioOf(aligned, unaligned) })
        }
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
