// read and write (qemu-io-cmds.c read_f, write_f).
import { ioError } from '../errors'
import {
  deviceOf,
  firstMismatch,
  type IoOutcome,
  ioBuffer,
  ioFailure,
  MAX_REQUEST,
  registerIo,
  reportIo,
  sectorAligned,
} from './io'
import { growFor, readParts } from './sectors'
import { bufferFromFile } from './source-file'
import { byte, defineCommand, failOut, flag, num, size, text } from './spec'

const READ_HELP = `
 reads a range of bytes from the given offset

 Example:
 'read -v 512 1k' - dumps 1 kilobyte read from 512 bytes into the file

 Reads a segment of the currently open file, optionally dumping it to the
 standard output stream (with -v option) for subsequent inspection.
 -b, -- read from the VM state rather than the virtual disk
 -C, -- report statistics in a machine parsable format
 -l, -- length for pattern verification (only with -P)
 -p, -- ignored for backwards compatibility
 -P, -- use a pattern to verify read data
 -q, -- quiet mode, do not show I/O statistics
 -r, -- register I/O buffer
 -s, -- start offset for pattern verification (only with -P)
 -v, -- dump buffer to standard output

`

export const read = defineCommand({
  name: 'read',
  alt: 'r',
  argmin: 2,
  argmax: -1,
  args: '[-abCqrv] [-P pattern [-s off] [-l len]] off len',
  oneline: 'reads a number of bytes at a specified offset',
  help: READ_HELP,
  options: {
    b: flag(),
    C: flag(),
    l: size(),
    p: flag(),
    P: byte(),
    q: flag(),
    r: flag(),
    s: size(),
    v: flag(),
  },
  parse({ opts, operands }, ctx) {
    if (operands.length !== 2) ctx.usage()
    const offset = num(operands[0], ctx)
    const count = num(operands[1], ctx)
    if (count > MAX_REQUEST) throw failOut(`length cannot exceed ${MAX_REQUEST}, given ${operands[1]}`)
    if (opts.P === undefined && (opts.l !== undefined || opts.s !== undefined)) ctx.usage()
    const patternOffset = opts.s ?? 0
    const patternCount = opts.l ?? count - patternOffset
    if (patternCount < 0 || patternCount + patternOffset > count) {
      throw failOut('pattern verification range exceeds end of read data')
    }
    if (opts.b) {
      const bad = sectorAligned('offset', offset) ?? sectorAligned('count', count)
      if (bad) throw failOut(bad)
      if (opts.r) throw failOut('I/O buffer registration is not supported when reading from vmstate')
    }
    const verify =
      opts.P === undefined ? null : { pattern: opts.P, offset: patternOffset, count: patternCount }
    return {
      offset,
      count,
      verify,
      vmstate: !!opts.b,
      register: !!opts.r,
      csv: !!opts.C,
      quiet: !!opts.q,
      dump: !!opts.v,
    }
  },
  async execute({ session }, req): Promise<IoOutcome> {
    const dev = deviceOf(session)
    let data: Uint8Array
    let ns: number
    let release = () => {}
    try {
      // raw images have no VM state: qemu's bdrv_load_vmstate ends in ENOTSUP.
      if (req.vmstate) throw ioError('ENOTSUP', 'load_vmstate', { path: dev.path })
      dev.checkBounds('preadv', req.offset, req.count)
      data = ioBuffer(session, req.count, 0)
      release = registerIo(session, data, req.register)
      // qemu-io reports the count asked for: a read the kernel cut short at EOF (the file shrank
      // under us) reads zeroes beyond, as qemu's does.
      ns = (await readParts(dev, req.offset, req.count > 0 ? [data] : [])).ns
    } catch (e) {
      throw ioFailure('read failed', e)
    } finally {
      release()
    }
    await session.poll()
    let mismatch: string | undefined
    if (req.verify) {
      const { pattern, offset, count } = req.verify
      if (firstMismatch(data.subarray(offset, offset + count), pattern) >= 0) {
        mismatch = `Pattern verification failed at offset ${req.offset + offset}, ${count} bytes`
      }
    }
    return {
      command: 'read',
      op: 'read',
      offset: req.offset,
      count: req.count,
      total: req.count,
      ops: 1,
      ns,
      csv: req.csv,
      quiet: req.quiet,
      dump: req.dump ? data : undefined,
      mismatch,
      failed: mismatch !== undefined,
      data,
    }
  },
  report: reportIo,
})

const WRITE_HELP = `
 writes a range of bytes from the given offset

 Example:
 'write 512 1k' - writes 1 kilobyte at 512 bytes into the open file

 Writes into a segment of the currently open file, using a buffer
 filled with a set pattern (0xcdcdcdcd).
 -b, -- write to the VM state rather than the virtual disk
 -c, -- write compressed data with blk_write_compressed
 -C, -- report statistics in a machine parsable format
 -f, -- use Force Unit Access semantics
 -n, -- with -z, don't allow slow fallback
 -p, -- ignored for backwards compatibility
 -P, -- use different pattern to fill file
 -q, -- quiet mode, do not show I/O statistics
 -r, -- register I/O buffer
 -s, -- use a pattern file to fill the write buffer
 -u, -- with -z, allow unmapping
 -z, -- write zeroes using blk_co_pwrite_zeroes

`

type WriteMode = 'pwrite' | 'zeroes' | 'compressed' | 'vmstate'

export const write = defineCommand({
  name: 'write',
  alt: 'w',
  argmin: 2,
  argmax: -1,
  flags: ['write'],
  args: '[-bcCfnqruz] [-P pattern | -s source_file] off len',
  oneline: 'writes a number of bytes at a specified offset',
  help: WRITE_HELP,
  options: {
    b: flag(),
    c: flag(),
    C: flag(),
    f: flag(),
    n: flag(),
    p: flag(),
    P: byte(),
    q: flag(),
    r: flag(),
    s: text(),
    u: flag(),
    z: flag(),
  },
  parse({ opts, operands }, ctx) {
    if (operands.length !== 2) ctx.usage()
    if (opts.b && opts.z) throw failOut('-b and -z cannot be specified at the same time')
    if (opts.f && (opts.b || opts.c)) throw failOut('-f and -b or -c cannot be specified at the same time')
    if (opts.n && !opts.z) throw failOut('-n requires -z to be specified')
    if (opts.u && !opts.z) throw failOut('-u requires -z to be specified')
    if (Number(!!opts.z) + Number(opts.P !== undefined) + Number(opts.s !== undefined) > 1) {
      throw failOut('Only one of -z, -P, and -s can be specified at the same time')
    }
    const offset = num(operands[0], ctx)
    const count = num(operands[1], ctx)
    if (count > MAX_REQUEST && !opts.n) {
      throw failOut(`length cannot exceed ${MAX_REQUEST} without -n, given ${operands[1]}`)
    }
    if (opts.b || opts.c) {
      const bad = sectorAligned('offset', offset) ?? sectorAligned('count', count)
      if (bad) throw failOut(bad)
    }
    if (opts.z && opts.r) throw failOut('cannot combine zero write with registered I/O buffer')
    const mode: WriteMode = opts.b ? 'vmstate' : opts.z ? 'zeroes' : opts.c ? 'compressed' : 'pwrite'
    return {
      offset,
      count,
      mode,
      pattern: opts.P ?? 0xcd,
      sourceFile: opts.s,
      fua: !!opts.f,
      mayUnmap: !!opts.u,
      noFallback: !!opts.n,
      register: !!opts.r,
      csv: !!opts.C,
      quiet: !!opts.q,
    }
  },
  async execute({ session }, req): Promise<IoOutcome> {
    const dev = deviceOf(session)
    let buf: Uint8Array | null = null
    // A request that cannot succeed fails before qemu's buffer is filled: same output, no 2 GiB memset.
    const doomed = req.mode === 'pwrite' && !req.sourceFile && !dev.inBounds(req.offset, req.count)
    if (req.mode !== 'zeroes' && !doomed) {
      buf = req.sourceFile
        ? bufferFromFile(session, req.count, req.sourceFile)
        : ioBuffer(session, req.count, req.pattern)
    }
    // qemu registers the buffer once it is filled
    const release = registerIo(session, buf, req.register)
    let ns = 0
    try {
      if (req.mode === 'vmstate') throw ioError('ENOTSUP', 'save_vmstate', { path: dev.path })
      dev.checkBounds('pwritev', req.offset, req.count)
      if (req.mode === 'compressed') throw ioError('ENOTSUP', 'pwritev', { path: dev.path })
      // bdrv_co_pwritev_part: without fallback, an unaligned head or tail (which qemu would have to
      // read-modify-write) fails the whole request before anything is written; an empty one succeeds.
      if (
        req.mode === 'zeroes' &&
        req.noFallback &&
        req.count > 0 &&
        (req.offset % dev.offsetAlign || req.count % dev.offsetAlign)
      )
        throw ioError('ENOTSUP', 'write_zeroes', { offset: req.offset, length: req.count, path: dev.path })
      if (req.count > 0) ns += await growFor(dev, req.offset + req.count)
      if (req.mode === 'zeroes') {
        const mayUnmap = req.mayUnmap && session.image?.discard === 'unmap'
        // qemu never uses BLKZEROOUT without fallback (the ioctl may write zeroes by hand): ENOTSUP.
        if (req.noFallback && !mayUnmap && dev.isBlockDevice)
          throw ioError('ENOTSUP', 'write_zeroes', { path: dev.path })
        ns += (await dev.writeZeroes(req.offset, req.count, { mayUnmap, noFallback: req.noFallback })).ns
      } else if (buf) {
        ns += (await dev.write(req.offset, buf, { fua: req.fua })).ns
      }
    } catch (e) {
      throw ioFailure('write failed', e)
    } finally {
      release()
    }
    await session.poll()
    return {
      command: 'write',
      op: 'wrote',
      offset: req.offset,
      count: req.count,
      total: req.count,
      ops: 1,
      ns,
      csv: req.csv,
      quiet: req.quiet,
    }
  },
  report: reportIo,
})
