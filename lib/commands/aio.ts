// aio_read, aio_write, aio_flush: the request is submitted and the command returns at once; the report
// is printed when the request completes (during a later command, at aio_flush, or at the prompt).
// Like qemu-io, a failed or mismatching aio request never counts toward the exit status; a write the
// interlock refused is the exception (it is a refusal, not an I/O outcome).

import { IoError } from '../errors'
import { isInterlockFailure as isInterlockError } from '../safety/hooks'
import { deviceOf, firstMismatch, type IoOutcome, registerIo, reportIo, strerror } from './io'
import { checkIovec, iovecBuffers } from './iovec'
import { growFor, readParts, writeParts } from './sectors'
import { byte, CommandStop, defineCommand, type ExecContext, flag, option } from './spec'
import { parseVectoredRead, parseVectoredWrite } from './vectored'

const AIO_READ_HELP = `
 asynchronously reads a range of bytes from the given offset

 Example:
 'aio_read -v 512 1k 1k ' - dumps 2 kilobytes read from 512 bytes into the file

 Reads a segment of the currently open file, optionally dumping it to the
 standard output stream (with -v option) for subsequent inspection.
 The read is performed asynchronously and the aio_flush command must be
 used to ensure all outstanding aio requests have been completed.
 Note that due to its asynchronous nature, this command will be
 considered successful once the request is submitted, independently
 of potential I/O errors or pattern mismatches.
 -C, -- report statistics in a machine parsable format
 -i, -- treat request as invalid, for exercising stats
 -P, -- use a pattern to verify read data
 -q, -- quiet mode, do not show I/O statistics
 -r, -- register I/O buffer
 -v, -- dump buffer to standard output

`

const AIO_WRITE_HELP = `
 asynchronously writes a range of bytes from the given offset source
 from multiple buffers

 Example:
 'aio_write 512 1k 1k' - writes 2 kilobytes at 512 bytes into the open file

 Writes into a segment of the currently open file, using a buffer
 filled with a set pattern (0xcdcdcdcd).
 The write is performed asynchronously and the aio_flush command must be
 used to ensure all outstanding aio requests have been completed.
 Note that due to its asynchronous nature, this command will be
 considered successful once the request is submitted, independently
 of potential I/O errors or pattern mismatches.
 -C, -- report statistics in a machine parsable format
 -f, -- use Force Unit Access semantics
 -i, -- treat request as invalid, for exercising stats
 -P, -- use different pattern to fill file
 -q, -- quiet mode, do not show I/O statistics
 -r, -- register I/O buffer
 -u, -- with -z, allow unmapping
 -z, -- write zeroes using blk_aio_pwrite_zeroes

`

/** -i: qemu-io only counts an invalid request in its statistics and returns success at once. */
const invalid = (what: 'read' | 'write') =>
  option(false, () => {
    throw new CommandStop([{ stream: 'out', text: `injecting invalid ${what} request` }], { failed: false })
  })

/**
 * A completed aio request's failure line (stdout in qemu-io; never counted as a failure), except a
 * write the interlock refused: its one line on stderr, and it counts (exit status 1).
 */
function reportAioFailure(
  { session, out }: ExecContext,
  command: string,
  prefix: string,
  error: unknown,
): void {
  if (isInterlockError(error)) {
    out.error(error.message)
    out.result({ command, ok: false, code: error.code, error: error.message })
    session.recordAsyncFailure()
    return
  }
  const why =
    error instanceof IoError ? strerror(error) : error instanceof Error ? error.message : String(error)
  out.info(`${prefix}: ${why}`)
  out.result({ command, ok: false, error: `${prefix}: ${why}` })
  // a request failed because nothing could resume it from a breakpoint is not an I/O outcome: it counts
  if (error instanceof IoError && error.code === 'ERR_RAWIO_SUSPENDED') session.recordAsyncFailure()
}

export const aioRead = defineCommand({
  name: 'aio_read',
  argmin: 2,
  argmax: -1,
  flags: ['async'],
  args: '[-Ciqrv] [-P pattern] off len [len..]',
  oneline: 'asynchronously reads a number of bytes',
  help: AIO_READ_HELP,
  options: { C: flag(), i: invalid('read'), P: byte(), q: flag(), r: flag(), v: flag() },
  parse: parseVectoredRead,
  async execute(ctx, req) {
    const { session, out } = ctx
    const dev = deviceOf(session)
    const { whole, parts } = iovecBuffers(session, req.sizes, 0xab)
    // registered until the request settles (qemu's aio_read_done unregisters it)
    const release = registerIo(session, whole, req.register)
    const promise = (async () => {
      try {
        checkIovec(dev, 'preadv', req.offset, req.sizes)
        return (await readParts(dev, req.offset, parts)).ns
      } finally {
        release()
      }
    })()
    session.trackAio({
      promise,
      settle(r) {
        if (!r.ok) return reportAioFailure(ctx, 'aio_read', 'readv failed', r.error)
        const mismatch =
          req.pattern !== undefined && firstMismatch(whole, req.pattern) >= 0
            ? `Pattern verification failed at offset ${req.offset}, ${whole.length} bytes`
            : undefined
        const res: IoOutcome = {
          command: 'aio_read',
          op: 'read',
          offset: req.offset,
          count: whole.length,
          total: whole.length,
          ops: 1,
          ns: r.value as number,
          csv: req.csv,
          quiet: req.quiet,
          dump: req.dump ? whole : undefined,
          mismatch,
        }
        reportIo(res, out)
      },
    })
    out.result({ command: 'aio_read', ok: true, pending: true, offset: req.offset, count: whole.length })
    return { submitted: true }
  },
})

export const aioWrite = defineCommand({
  name: 'aio_write',
  argmin: 2,
  argmax: -1,
  flags: ['write', 'async'],
  args: '[-Cfiqruz] [-P pattern] off len [len..]',
  oneline: 'asynchronously writes a number of bytes',
  help: AIO_WRITE_HELP,
  options: {
    C: flag(),
    f: flag(),
    i: invalid('write'),
    P: byte(),
    q: flag(),
    r: flag(),
    u: flag(),
    z: flag(),
  },
  parse(input, ctx) {
    const { opts, operands } = input
    if (operands.length < 2) ctx.usage()
    if (opts.z && operands.length !== 2)
      throw new CommandStop([{ stream: 'out', text: '-z supports only a single length parameter' }])
    if (opts.u && !opts.z) throw new CommandStop([{ stream: 'out', text: '-u requires -z to be specified' }])
    if (opts.z && opts.r)
      throw new CommandStop([{ stream: 'out', text: 'cannot combine zero write with registered I/O buffer' }])
    // qemu-io 7.2 never sets its Pflag here, so "-z and -P" is not refused: -z wins.
    return { ...parseVectoredWrite(input, ctx, !!opts.z), mayUnmap: !!opts.u }
  },
  async execute(ctx, req) {
    const { session, out } = ctx
    const dev = deviceOf(session)
    let size: number
    let promise: Promise<number>
    if (req.zeroes !== null) {
      const count = req.zeroes
      size = count
      const mayUnmap = req.mayUnmap && session.image?.discard === 'unmap'
      promise = (async () => {
        dev.checkBounds('write_zeroes', req.offset, count)
        if (count > 0) await growFor(dev, req.offset + count)
        if (count > 0) await dev.writeZeroes(req.offset, count, { mayUnmap })
        // qemu-io 7.2 never starts the clock for aio_write -z: the time is CLOCK_MONOTONIC since boot.
        return Number(process.hrtime.bigint())
      })()
    } else {
      const { whole, parts } = iovecBuffers(session, req.sizes, req.pattern)
      size = whole.length
      const release = registerIo(session, whole, req.register)
      promise = (async () => {
        try {
          checkIovec(dev, 'pwritev', req.offset, req.sizes)
          let ns = 0
          if (parts.length > 0) ns += await growFor(dev, req.offset + whole.length)
          ns += (await writeParts(dev, req.offset, parts, req.fua)).ns
          return ns
        } finally {
          release()
        }
      })()
    }
    session.trackAio({
      promise,
      settle(r) {
        if (!r.ok) return reportAioFailure(ctx, 'aio_write', 'aio_write failed', r.error)
        reportIo(
          {
            command: 'aio_write',
            op: 'wrote',
            offset: req.offset,
            count: size,
            total: size,
            ops: 1,
            ns: r.value as number,
            csv: req.csv,
            quiet: req.quiet,
          },
          out,
        )
      },
    })
    out.result({ command: 'aio_write', ok: true, pending: true, offset: req.offset, count: size })
    return { submitted: true }
  },
})

export const aioFlush = defineCommand({
  name: 'aio_flush',
  argmin: 0,
  argmax: 0,
  oneline: 'completes all outstanding aio requests',
  parse: () => null,
  async execute({ session, out }) {
    await session.drainAio()
    out.result({ command: 'aio_flush', ok: true })
    return null
  },
})
