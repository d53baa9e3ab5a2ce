// readv and writev (qemu-io-cmds.c readv_f, writev_f): one request from several buffers.
import { deviceOf, firstMismatch, type IoOutcome, ioFailure, registerIo, reportIo } from './io'
import { checkIovec, iovecBuffers, parseIovec } from './iovec'
import { growFor, readParts, writeParts } from './sectors'
import { byte, defineCommand, flag, num, type ParseContext } from './spec'

/** The words after the options, and the options readv and aio_read take alike. */
export interface VectoredReadInput {
  opts: { C?: true; P?: number; q?: true; r?: true; v?: true }
  operands: string[]
}

/** readv's and aio_read's arguments (qemu-io's readv_f and aio_read_f read them alike). */
export function parseVectoredRead({ opts, operands }: VectoredReadInput, ctx: ParseContext) {
  if (operands.length < 2) ctx.usage()
  const offset = num(operands[0], ctx)
  const sizes = parseIovec(operands.slice(1), ctx)
  return {
    offset,
    sizes,
    pattern: opts.P,
    register: !!opts.r,
    csv: !!opts.C,
    quiet: !!opts.q,
    dump: !!opts.v,
  }
}

/** The words after the options, and the options writev and aio_write take alike. */
export interface VectoredWriteInput {
  opts: { C?: true; f?: true; P?: number; q?: true; r?: true }
  operands: string[]
}

/**
 * writev's and aio_write's arguments (writev_f, aio_write_f): `off len [len..]`, the fill pattern
 * (0xcd unless -P). `zeroes`: aio_write -z, whose one length is a range to zero, not a buffer.
 */
export function parseVectoredWrite(
  { opts, operands }: VectoredWriteInput,
  ctx: ParseContext,
  zeroes = false,
) {
  if (operands.length < 2) ctx.usage()
  const offset = num(operands[0], ctx)
  const zeroLength = zeroes ? num(operands[1], ctx) : null
  const sizes = zeroLength === null ? parseIovec(operands.slice(1), ctx) : []
  return {
    offset,
    sizes,
    zeroes: zeroLength,
    pattern: opts.P ?? 0xcd,
    fua: !!opts.f,
    register: !!opts.r,
    csv: !!opts.C,
    quiet: !!opts.q,
  }
}

const READV_HELP = `
 reads a range of bytes from the given offset into multiple buffers

 Example:
 'readv -v 512 1k 1k ' - dumps 2 kilobytes read from 512 bytes into the file

 Reads a segment of the currently open file, optionally dumping it to the
 standard output stream (with -v option) for subsequent inspection.
 Uses multiple iovec buffers if more than one byte range is specified.
 -C, -- report statistics in a machine parsable format
 -P, -- use a pattern to verify read data
 -q, -- quiet mode, do not show I/O statistics
 -r, -- register I/O buffer
 -v, -- dump buffer to standard output

`

export const readv = defineCommand({
  name: 'readv',
  argmin: 2,
  argmax: -1,
  args: '[-Cqrv] [-P pattern] off len [len..]',
  oneline: 'reads a number of bytes at a specified offset',
  help: READV_HELP,
  options: { C: flag(), P: byte(), q: flag(), r: flag(), v: flag() },
  parse: parseVectoredRead,
  async execute({ session }, req): Promise<IoOutcome> {
    const dev = deviceOf(session)
    const { whole, parts } = iovecBuffers(session, req.sizes, 0xab)
    const release = registerIo(session, whole, req.register)
    let ns: number
    try {
      checkIovec(dev, 'preadv', req.offset, req.sizes)
      ns = (await readParts(dev, req.offset, parts)).ns
    } catch (e) {
      throw ioFailure('readv failed', e)
    } finally {
      release()
    }
    await session.poll()
    const mismatch =
      req.pattern !== undefined && firstMismatch(whole, req.pattern) >= 0
        ? `Pattern verification failed at offset ${req.offset}, ${whole.length} bytes`
        : undefined
    return {
      command: 'readv',
      op: 'read',
      offset: req.offset,
      count: whole.length,
      total: whole.length,
      ops: 1,
      ns,
      csv: req.csv,
      quiet: req.quiet,
      dump: req.dump ? whole : undefined,
      mismatch,
      failed: mismatch !== undefined,
      data: whole,
    }
  },
  report: reportIo,
})

const WRITEV_HELP = `
 writes a range of bytes from the given offset source from multiple buffers

 Example:
 'writev 512 1k 1k' - writes 2 kilobytes at 512 bytes into the open file

 Writes into a segment of the currently open file, using a buffer
 filled with a set pattern (0xcdcdcdcd).
 -C, -- report statistics in a machine parsable format
 -f, -- use Force Unit Access semantics
 -P, -- use different pattern to fill file
 -q, -- quiet mode, do not show I/O statistics
 -r, -- register I/O buffer

`

export const writev = defineCommand({
  name: 'writev',
  argmin: 2,
  argmax: -1,
  flags: ['write'],
  args: '[-Cfqr] [-P pattern] off len [len..]',
  oneline: 'writes a number of bytes at a specified offset',
  help: WRITEV_HELP,
  options: { C: flag(), f: flag(), P: byte(), q: flag(), r: flag() },
  parse: parseVectoredWrite,
  async execute({ session }, req): Promise<IoOutcome> {
    const dev = deviceOf(session)
    const { whole, parts } = iovecBuffers(session, req.sizes, req.pattern)
    const release = registerIo(session, whole, req.register)
    let ns = 0
    try {
      checkIovec(dev, 'pwritev', req.offset, req.sizes)
      if (parts.length > 0) ns += await growFor(dev, req.offset + whole.length)
      ns += (await writeParts(dev, req.offset, parts, req.fua)).ns
    } catch (e) {
      throw ioFailure('writev failed', e)
    } finally {
      release()
    }
    await session.poll()
    return {
      command: 'writev',
      op: 'wrote',
      offset: req.offset,
      count: whole.length,
      total: whole.length,
      ops: 1,
      ns,
      csv: req.csv,
      quiet: req.quiet,
    }
  },
  report: reportIo,
})
