// stamp and check for the command layer: help text, pure parse (option values → request), and the
// report (human lines, -C, JSON) through the one Reporter. Exit status: 1 when check finds a bad block.
import { UsageError } from '../errors'
import type { Reporter } from '../report'
import type { CheckRequest, CheckResult, StampRequest, StampResult } from './stamp'
import { type BlockKind, blockKinds, checkBlockSize } from './stamp-format'

export const stampHelp = {
  name: 'stamp',
  args: '[-b bs] [-S seed] [-g gen] [-f] off len',
  oneline: 'writes self-describing stamped blocks over a range',
  help: `
 writes a stamp into every block of the given range

 Example:
 'stamp -g 2 0 1M' - stamps the first megabyte in blocks of the logical block size, generation 2

 Each block carries a header (magic, its own offset, seed, generation, timestamp, block size, CRC32C)
 and a payload derived from (offset, seed, generation), so 'check' needs no stored copy.
 -b, -- block size (default: the logical block size); len must be a multiple of it
 -S, -- seed (default 0)
 -g, -- generation (default 1); bump it on every pass to catch lost writes
 -f, -- use Force Unit Access semantics
 -C, -- report statistics in a machine parsable format
`,
} as const

export const checkHelp = {
  name: 'check',
  args: '[-b bs] [-S seed] [-g gen] off len',
  oneline: 'verifies the stamps over a range and classifies every bad block',
  help: `
 reads a stamped range back and verifies every block

 Example:
 'check -g 2 0 1M' - verifies the first megabyte against generation 2 stamps

 Bad blocks are named: misdirected (the stamp of another offset, which is printed), stale (an older
 generation: a lost write), torn (header right but CRC wrong, or a mix), zeroed, foreign (not a stamp).
 Adjacent bad blocks of one kind are reported as one range. Any bad block makes the command fail.
 -b, -S, -g -- as given to 'stamp'
 -C, -- report statistics in a machine parsable format
`,
} as const

export interface StampOptionValues {
  b?: number
  S?: number
  g?: number
  f?: boolean
}

function common(opts: StampOptionValues, off: number, len: number) {
  if (opts.b !== undefined) {
    try {
      checkBlockSize(opts.b)
    } catch (e) {
      throw new UsageError((e as Error).message)
    }
  }
  if (opts.b !== undefined && len % opts.b !== 0)
    throw new UsageError(`length ${len} is not a multiple of the block size ${opts.b}`)
  if (opts.g !== undefined && (!Number.isInteger(opts.g) || opts.g < 0 || opts.g >= 2 ** 32))
    throw new UsageError(`generation ${opts.g} is out of range 0 .. 4294967295`)
  if (opts.S !== undefined && (!Number.isSafeInteger(opts.S) || opts.S < 0))
    throw new UsageError(`seed ${opts.S} is out of range 0 .. ${Number.MAX_SAFE_INTEGER}`)
  const req: { off: number; len: number; bs?: number; seed?: number; gen?: number } = { off, len }
  if (opts.b !== undefined) req.bs = opts.b
  if (opts.S !== undefined) req.seed = opts.S
  if (opts.g !== undefined) req.gen = opts.g
  return req
}

/** stamp's parse phase: parsed option values and operands → a request. */
export function parseStamp(opts: StampOptionValues, [off, len]: [number, number]): StampRequest {
  return { ...common(opts, off, len), fua: !!opts.f }
}

/** check's parse phase. */
export function parseCheck(opts: Omit<StampOptionValues, 'f'>, [off, len]: [number, number]): CheckRequest {
  return common(opts, off, len)
}

/** The exit status a command run ends with: 1 when any block is bad. */
export function checkExitStatus(res: CheckResult): 0 | 1 {
  return res.ok ? 0 : 1
}

const badKinds = blockKinds.filter((k): k is Exclude<BlockKind, 'ok'> => k !== 'ok')

/** One bad range as a line, in the voice of qemu-io's "Pattern verification failed at offset ...". */
export function formatBadRange(
  b: CheckResult['bad'][number],
  expectedGen: number | null,
  expectedSeed?: number,
): string {
  let why: string = b.kind
  const otherSeed = expectedSeed !== undefined && b.foundSeed !== undefined && b.foundSeed !== expectedSeed
  if (b.kind === 'misdirected') {
    const seed = otherSeed ? `, seed ${b.foundSeed} (expected seed ${expectedSeed})` : ''
    why += ` (holds the stamp of offset ${b.foundOffset}, generation ${b.foundGen}${seed})`
  } else if (b.kind === 'stale') {
    const expected = expectedGen === null ? '' : `, expected ${expectedGen}`
    why += ` (generation ${b.foundGen}${expected}${b.foundSeed !== undefined ? `, seed ${b.foundSeed}` : ''})`
  } else if (b.kind === 'foreign' && otherSeed) {
    why += ` (a stamp of seed ${b.foundSeed}, expected seed ${expectedSeed}; generation ${b.foundGen})`
  } else if (b.kind === 'torn' && b.foundOffset !== undefined) {
    why += ` (CRC mismatch; header of offset ${b.foundOffset}, generation ${b.foundGen})`
  } else if (b.kind === 'torn') {
    why += ' (no header; part of the block holds the expected data)'
  } else if (b.kind === 'foreign' && b.foundOffset !== undefined) {
    why += ' (a stamp of another block size or a forged payload)'
  }
  return `Stamp verification failed at offset ${b.offset}, ${b.length} bytes: ${why}`
}

/** `256 blocks of 4096 bytes: 250 ok, 2 misdirected, 4 zeroed` (kinds with no block left out). */
export function formatCheckSummary(res: CheckResult): string {
  const parts = [`${res.counts.ok} ok`]
  for (const k of badKinds) if (res.counts[k] > 0) parts.push(`${res.counts[k]} ${k}`)
  return `${res.blocks} blocks of ${res.bs} bytes: ${parts.join(', ')}`
}

/** The human lines before the report: each bad range (at most `maxRanges`), then the summary. */
export function formatCheck(res: CheckResult, maxRanges = 100): string[] {
  const lines = res.bad.slice(0, maxRanges).map((b) => formatBadRange(b, res.gen, res.seed))
  if (res.bad.length > maxRanges) lines.push(`... and ${res.bad.length - maxRanges} more bad ranges`)
  lines.push(formatCheckSummary(res))
  return lines
}

/** The fields a JSON record adds to the reporter's {op, offset, count, total, ops, ns, rates}. */
export function stampJson(res: StampResult): Record<string, unknown> {
  return { bs: res.bs, blocks: res.blocks, seed: res.seed, gen: res.gen, fua: res.fua }
}

export function checkJson(res: CheckResult): Record<string, unknown> {
  return {
    bs: res.bs,
    blocks: res.blocks,
    seed: res.seed,
    gen: res.gen,
    ok: res.ok,
    counts: res.counts,
    bad: res.bad,
  }
}

export interface IntegrityReportOptions {
  /** -C */
  csv?: boolean
  /** Bad ranges listed in human mode (default 100). */
  maxRanges?: number
}

export function reportStamp(out: Reporter, res: StampResult, opts: IntegrityReportOptions = {}): void {
  out.io(res.op, res, { csv: opts.csv, extra: stampJson(res) })
}

export function reportCheck(out: Reporter, res: CheckResult, opts: IntegrityReportOptions = {}): void {
  for (const line of formatCheck(res, opts.maxRanges)) out.info(line)
  out.io(res.op, res, { csv: opts.csv, extra: checkJson(res) })
}
