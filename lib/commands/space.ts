// flush, truncate, length and discard (qemu-io-cmds.c flush_f, truncate_f, length_f, discard_f).
import { discardChunks } from '../blkdebug/limits'
import { IoError } from '../errors'
import type { Reporter } from '../report'
import { cvtstr } from '../units'
import { deviceOf, type IoOutcome, ioFailure, MAX_REQUEST, reportIo, strerror } from './io'
import { clipToFile, imageLength } from './sectors'
import { defineCommand, failOut, failReport, flag, num, option, PROGRAM } from './spec'

export const flush = defineCommand({
  name: 'flush',
  alt: 'f',
  argmin: 0,
  argmax: 0,
  oneline: 'flush all in-core file state to disk',
  parse: () => null,
  async execute({ session, out }) {
    try {
      await deviceOf(session).flush()
    } catch (e) {
      if (!(e instanceof IoError)) throw e
      // qemu-io's flush_f returns blk_flush()'s error without printing anything; a flush that stopped
      // at a breakpoint nothing can resume (where qemu-io hangs) says so.
      if (e.code === 'ERR_RAWIO_SUSPENDED') out.info(`flush failed: ${strerror(e)}`)
      out.result({ command: 'flush', ok: false, error: `flush failed: ${strerror(e)}` })
      return { failed: true }
    }
    out.result({ command: 'flush', ok: true })
    return null
  },
})

const PREALLOC = ['off', 'metadata', 'falloc', 'full'] as const
type Prealloc = (typeof PREALLOC)[number]

function preallocMode(value: string): Prealloc {
  if (!(PREALLOC as readonly string[]).includes(value))
    throw failReport(`Invalid preallocation mode '${value}'`)
  return value as Prealloc
}

export const truncate = defineCommand({
  name: 'truncate',
  alt: 't',
  argmin: 1,
  argmax: 3,
  flags: ['resize'],
  args: '[-m prealloc_mode] off',
  oneline: 'truncates the current file at the given offset',
  options: { m: option(true, preallocMode) },
  parse({ opts, operands, argv }, ctx) {
    // qemu-io 7.2 crashes on `truncate -m full` with no offset; rawio prints the usage instead.
    if (operands.length === 0) ctx.usage()
    // qemu-io names argv[1] in the parse error, whatever word it parsed (`truncate -m full x` says "-m").
    const offset = num(operands[0], ctx, argv[1])
    return { offset, prealloc: opts.m ?? 'off' }
  },
  async execute({ session, out }, req) {
    const dev = deviceOf(session)
    const old = await dev.length()
    // raw_co_truncate: a block device takes no preallocation at all, whatever the size.
    if (dev.isBlockDevice && req.prealloc !== 'off')
      throw failReport(
        `Preallocation mode '${req.prealloc}' unsupported for this non-regular file`,
        'ENOTSUP',
      )
    if (req.prealloc === 'metadata') throw failReport('Unsupported preallocation mode: metadata', 'ENOTSUP')
    // raw_co_truncate: a window with a size is fixed, whatever lies under it.
    if (dev.window?.size !== undefined) throw failReport('Cannot resize fixed-size raw disks', 'ENOTSUP')
    if (dev.isBlockDevice) {
      if (req.offset > old) throw failReport('Cannot grow device files', 'ENOTSUP')
    } else {
      if (req.offset < old && req.prealloc !== 'off') {
        throw failReport('Cannot use preallocation for shrinking files', 'ENOTSUP')
      }
      // Beyond 2^53 JavaScript has no exact offset; the kernel would refuse it anyway (EFBIG).
      if (req.offset > Number.MAX_SAFE_INTEGER)
        throw failReport('Could not resize file: File too large', 'EFBIG')
      try {
        await dev.truncate(req.offset)
      } catch (e) {
        if (!(e instanceof IoError)) throw e
        throw failReport(`Could not resize file: ${strerror(e)}`, e.code)
      }
      if (req.offset > old && req.prealloc !== 'off')
        await preallocate(dev, old, req.offset - old, req.prealloc, out)
    }
    out.result({ command: 'truncate', ok: true, bytes: req.offset })
    return null
  },
})

/**
 * falloc: allocate the new range; full: write real zeroes into it. A failure (ENOSPC) puts the old
 * size back, which frees whatever the attempt allocated, as qemu's file-posix does.
 */
async function preallocate(
  dev: ReturnType<typeof deviceOf>,
  offset: number,
  length: number,
  mode: Prealloc,
  out: Reporter,
): Promise<void> {
  try {
    if (mode === 'falloc') {
      await dev.writeZeroes(offset, length)
      return
    }
    const chunk = Math.min(length, 1 << 20)
    const zeroes = dev.allocBuffer(chunk)
    for (let at = 0; at < length; at += chunk) {
      const n = Math.min(chunk, length - at)
      await dev.write(offset + at, n === chunk ? zeroes : zeroes.subarray(0, n))
    }
  } catch (e) {
    if (!(e instanceof IoError)) throw e
    try {
      await dev.truncate(offset)
    } catch (r) {
      if (!(r instanceof IoError)) throw r
      out.error(`${PROGRAM}: Failed to restore old file length: ${strerror(r)}`)
    }
    const what =
      mode === 'falloc' ? 'Could not preallocate new data' : 'Could not write zeros for preallocation'
    throw failReport(`${what}: ${strerror(e)}`, e.code)
  }
}

export const length = defineCommand({
  name: 'length',
  alt: 'l',
  argmin: 0,
  argmax: 0,
  oneline: 'gets the length of the current file',
  parse: () => null,
  async execute({ session }) {
    try {
      const dev = deviceOf(session)
      await dev.length()
      return { size: imageLength(dev) }
    } catch (e) {
      if (!(e instanceof IoError)) throw e
      throw failOut(`getlength: ${strerror(e)}`, e.code)
    }
  },
  report(res, out) {
    out.info(cvtstr(res.size))
    out.result({ command: 'length', ok: true, bytes: res.size })
  },
})

const DISCARD_HELP = `
 discards a range of bytes from the given offset

 Example:
 'discard 512 1k' - discards 1 kilobyte from 512 bytes into the file

 Discards a segment of the currently open file.
 -C, -- report statistics in a machine parsable format
 -q, -- quiet mode, do not show I/O statistics

`

export const discard = defineCommand({
  name: 'discard',
  alt: 'd',
  argmin: 2,
  argmax: -1,
  flags: ['write'],
  args: '[-Cq] off len',
  oneline: 'discards a number of bytes at a specified offset',
  help: DISCARD_HELP,
  options: { C: flag(), q: flag() },
  parse({ opts, operands }, ctx) {
    if (operands.length !== 2) ctx.usage()
    const offset = num(operands[0], ctx)
    const bytes = num(operands[1], ctx)
    if (bytes > MAX_REQUEST) throw failOut(`length cannot exceed ${MAX_REQUEST}, given ${operands[1]}`)
    return { offset, bytes, csv: !!opts.C, quiet: !!opts.q }
  },
  async execute({ session }, req): Promise<IoOutcome> {
    const dev = deviceOf(session)
    let ns: number
    try {
      dev.checkBounds('discard', req.offset, req.bytes)
      // discard=ignore makes it a successful no-op, as qemu's BDRV_O_UNMAP does: then the Device
      // runs an empty discard (checks, no I/O) and its time is the report's.
      const inFile = clipToFile(dev, req.offset, req.bytes)
      const send = session.image?.discard === 'unmap' && inFile > 0
      ns = send ? await discardRange(dev, req.offset, inFile) : (await dev.discard(req.offset, 0)).ns
    } catch (e) {
      throw ioFailure('discard failed', e)
    }
    await session.poll()
    return {
      command: 'discard',
      op: 'discard',
      offset: req.offset,
      count: req.bytes,
      total: req.bytes,
      ops: 1,
      ns,
      csv: req.csv,
      quiet: req.quiet,
    }
  },
  report: reportIo,
})

/**
 * bdrv_co_pdiscard: qemu cuts a discard at the request alignment (O_DIRECT's, on a block device that
 * refuses unaligned BLKDISCARD) and sends the pieces in order: an aligned head is discarded before
 * an unaligned tail fails with EINVAL. ENOTSUP is ignored: a discard is advisory. The time is the
 * sum of the pieces' native times.
 */
async function discardRange(
  dev: ReturnType<typeof deviceOf>,
  offset: number,
  bytes: number,
): Promise<number> {
  const pieces =
    dev.isBlockDevice && dev.direct
      ? discardChunks(offset, bytes, { align: dev.offsetAlign })
      : [{ offset, length: bytes }]
  let ns = 0
  for (const p of pieces) {
    try {
      ns += (await dev.discard(p.offset, p.length)).ns
    } catch (e) {
      if (e instanceof IoError && ['ENOTSUP', 'EOPNOTSUPP'].includes(e.code)) continue
      throw e
    }
  }
  return ns
}
