// Fake device limits (blkdebug's align, max-transfer, opt-write-zero, max-write-zero, opt-discard,
// max-discard): validation with qemu's texts, and the pure plans qemu's block layer (block/io.c)
// makes from them: how a request is chunked, padded and read-modify-written.
import { NumberParseError, parseSize } from '../units'
import type { BlkdebugEvent } from './events'

export interface BlkdebugLimits {
  /** request_alignment: requests are padded (read-modify-write) to it. */
  align?: number
  /** max_transfer: larger reads and writes are split. */
  maxTransfer?: number
  optWriteZero?: number
  maxWriteZero?: number
  optDiscard?: number
  maxDiscard?: number
}

/** qemu's option names, as `open -o file.align=4k` or the library's `limits` take them. */
export const LIMIT_OPTIONS: Record<string, keyof BlkdebugLimits> = {
  align: 'align',
  'max-transfer': 'maxTransfer',
  'opt-write-zero': 'optWriteZero',
  'max-write-zero': 'maxWriteZero',
  'opt-discard': 'optDiscard',
  'max-discard': 'maxDiscard',
}

const INT_MAX = 0x7fff_ffff
/** MAX_BOUNCE_BUFFER: qemu's cap on a write-zeroes fallback write. */
const MAX_BOUNCE = 32768 * 512

export class BlkdebugOptionError extends Error {
  readonly code = 'ERR_RAWIO_BLKDEBUG_OPTION'
  constructor(message: string) {
    super(message)
    this.name = 'BlkdebugOptionError'
  }
}

const SIZE_HINT =
  'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.'

const FIELDS = new Set(Object.values(LIMIT_OPTIONS))

/**
 * `{ 'max-transfer': '64k', ... }` or `{ maxTransfer: 65536 }` (strings as qemu's QEMU_OPT_SIZE, or
 * numbers) → limits.
 */
export function parseLimitOptions(opts: Record<string, string | number | undefined>): BlkdebugLimits {
  const out: BlkdebugLimits = {}
  for (const [key, raw] of Object.entries(opts)) {
    if (raw === undefined) continue
    const field =
      LIMIT_OPTIONS[key] ??
      (FIELDS.has(key as keyof BlkdebugLimits) ? (key as keyof BlkdebugLimits) : undefined)
    if (!field) throw new BlkdebugOptionError(`Block protocol 'blkdebug' doesn't support the option '${key}'`)
    let value: number
    try {
      value = typeof raw === 'number' ? raw : parseSize(raw)
    } catch (e) {
      if (!(e instanceof NumberParseError)) throw e
      throw new BlkdebugOptionError(
        `Parameter '${key}' expects a non-negative number below 2^64\n${SIZE_HINT}`,
      )
    }
    if (!Number.isSafeInteger(value) || value < 0)
      throw new BlkdebugOptionError(
        `Parameter '${key}' expects a non-negative number below 2^64\n${SIZE_HINT}`,
      )
    out[field] = value
  }
  return out
}

const aligned = (n: number, a: number) => a <= 1 || n % a === 0

/** blkdebug_open()'s checks; `fileAlign` is the target's own request alignment. Throws qemu's text. */
export function validateLimits(l: BlkdebugLimits, fileAlign: number): void {
  const bad = (name: string, v: number) =>
    new BlkdebugOptionError(`Cannot meet constraints with ${name} ${v}`)
  const { align = 0, maxTransfer = 0, optWriteZero = 0, maxWriteZero = 0, optDiscard = 0, maxDiscard = 0 } = l
  if (align && (align >= INT_MAX || (align & (align - 1)) !== 0)) throw bad('align', align)
  const a = Math.max(align, fileAlign)
  if (maxTransfer && (maxTransfer >= INT_MAX || !aligned(maxTransfer, a)))
    throw bad('max-transfer', maxTransfer)
  if (optWriteZero && (optWriteZero >= INT_MAX || !aligned(optWriteZero, a)))
    throw bad('opt-write-zero', optWriteZero)
  if (maxWriteZero && (maxWriteZero >= INT_MAX || !aligned(maxWriteZero, Math.max(optWriteZero, a))))
    throw bad('max-write-zero', maxWriteZero)
  if (optDiscard && (optDiscard >= INT_MAX || !aligned(optDiscard, a))) throw bad('opt-discard', optDiscard)
  if (maxDiscard && (maxDiscard >= INT_MAX || !aligned(maxDiscard, Math.max(optDiscard, a))))
    throw bad('max-discard', maxDiscard)
}

export interface Range {
  offset: number
  length: number
}

/** [offset, offset+length) in pieces of at most `max` bytes (one piece when max is 0). */
export function splitRange(offset: number, length: number, max: number): Range[] {
  if (!max || length <= max) return [{ offset, length }]
  const out: Range[] = []
  for (let done = 0; done < length; done += max)
    out.push({ offset: offset + done, length: Math.min(max, length - done) })
  return out
}

export const alignDown = (n: number, a: number) => (a > 1 ? n - (n % a) : n)
export const alignUp = (n: number, a: number) => (a > 1 && n % a ? n + a - (n % a) : n)

/** One step of a read-modify-write: events before the read, the aligned read, events after. */
export interface RmwStep {
  before: BlkdebugEvent[]
  read: Range
  after: BlkdebugEvent[]
}

export interface Padding {
  /** The padded (aligned) request. */
  span: Range
  head: number
  tail: number
  /** qemu's merge_reads: one read covers head and tail. */
  merge: boolean
  /** buf_len: what the merged read (or the head/tail buffers) cover. */
  bufLen: number
  steps: RmwStep[]
}

/** bdrv_init_padding() and the reads of bdrv_padding_rmw_read(); null when already aligned. */
export function padding(offset: number, length: number, align: number): Padding | null {
  if (align <= 1) return null
  const head = offset % align
  let tail = (offset + length) % align
  if (tail) tail = align - tail
  if (!head && !tail) return null
  const sum = head + length + tail
  const bufLen = sum > align && head && tail ? 2 * align : align
  const merge = sum === bufLen
  const span = { offset: offset - head, length: sum }
  const steps: RmwStep[] = []
  if (head || merge) {
    const tailToo = merge && tail > 0
    const before: BlkdebugEvent[] = [
      ...(head ? (['pwritev_rmw_head'] as const) : []),
      ...(tailToo ? (['pwritev_rmw_tail'] as const) : []),
    ]
    const after: BlkdebugEvent[] = [
      ...(head ? (['pwritev_rmw_after_head'] as const) : []),
      ...(tailToo ? (['pwritev_rmw_after_tail'] as const) : []),
    ]
    steps.push({ before, read: { offset: span.offset, length: merge ? bufLen : align }, after })
  }
  if (tail && !merge) {
    steps.push({
      before: ['pwritev_rmw_tail'],
      read: { offset: span.offset + sum - align, length: align },
      after: ['pwritev_rmw_after_tail'],
    })
  }
  return { span, head, tail, merge, bufLen, steps }
}

export interface ZeroChunk extends Range {
  /** Smaller than the zero alignment: qemu's driver says ENOTSUP and zeroes are written instead. */
  fallback: boolean
}

/** bdrv_co_do_pwrite_zeroes(): the pieces an aligned write-zeroes request is cut into. */
export function zeroChunks(offset: number, length: number, l: BlkdebugLimits): ZeroChunk[] {
  const alignment = Math.max(l.optWriteZero ?? 0, l.align ?? 0, 1)
  const maxZero = alignDown(l.maxWriteZero || INT_MAX, alignment)
  const maxTransfer = l.maxTransfer || MAX_BOUNCE
  let head = offset % alignment
  const tail = (offset + length) % alignment
  const out: ZeroChunk[] = []
  while (length > 0) {
    let num = length
    if (head) {
      num = Math.min(length, maxTransfer, alignment - head)
      head = (head + num) % alignment
    } else if (tail && num > alignment) {
      num -= tail
    }
    if (num > maxZero) num = maxZero
    const fallback = num < alignment
    if (fallback) num = Math.min(num, maxTransfer)
    out.push({ offset, length: num, fallback })
    offset += num
    length -= num
  }
  return out
}

export interface DiscardChunk extends Range {
  /** Smaller than the request alignment: blkdebug says ENOTSUP, the block layer ignores it. */
  skip: boolean
}

/** bdrv_co_pdiscard()'s fragmentation, and blkdebug_co_pdiscard()'s refusal of small pieces. */
export function discardChunks(offset: number, length: number, l: BlkdebugLimits): DiscardChunk[] {
  const req = Math.max(l.align ?? 0, 1)
  const align = Math.max(l.optDiscard ?? 0, req)
  const maxDiscard = alignDown(l.maxDiscard || Number.MAX_SAFE_INTEGER, align)
  let head = offset % align
  let tail = (offset + length) % align
  const out: DiscardChunk[] = []
  while (length > 0) {
    let num = length
    if (head) {
      num = Math.min(length, align - head)
      if (num % req) num %= req
      head = (head + num) % align
    } else if (tail) {
      if (num > align) num -= tail
      else if (tail % req && tail > req) {
        tail %= req
        num -= tail
      }
    }
    if (num > maxDiscard) num = maxDiscard
    out.push({ offset, length: num, skip: num < req })
    offset += num
    length -= num
  }
  return out
}
