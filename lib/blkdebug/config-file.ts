// Reading a blkdebug config file as qemu's read_config() does (fopen, then qemu_config_parse line by
// line), without its hazards: a config is read as a stream with a size limit, so /dev/zero or a
// huge file fails at once (qemu: `parse error` on the first line) instead of filling memory, and a
// FIFO is opened without blocking and read on the event loop, so waiting for its writer never makes
// the process deaf to signals; an AbortSignal ends the wait.
import { closeSync, constants as fsc, fstatSync, openSync, readSync } from 'node:fs'
import { Socket } from 'node:net'
import { constants } from 'node:os'
import { binding } from '../native'
import { fsPath } from '../paths'
import { BlkdebugConfigError, type ConfigRule, describeErrno, parseBlkdebugConfig } from './config'

/** The most of a config file rawio reads (qemu reads any size, a line at a time). */
export const CONFIG_LIMIT = 1 << 20

/** strerror(3) of an errno name (the C library's text, as qemu prints it). */
function errnoText(code: string): string {
  const errno = (constants.errno as Record<string, number>)[code]
  if (errno === undefined) return code
  try {
    return binding().strerror(errno)
  } catch {
    return describeErrno(errno, code)
  }
}

function errorCode(e: unknown): string {
  return (e as NodeJS.ErrnoException).code ?? 'EIO'
}

/** Reads up to `limit` bytes of a regular file or character device (never blocks: O_NONBLOCK). */
function readNow(fd: number, path: string, limit: number): Buffer {
  const chunks: Buffer[] = []
  let total = 0
  while (total < limit) {
    const buf = Buffer.allocUnsafe(Math.min(64 << 10, limit - total))
    let n: number
    try {
      n = readSync(fd, buf, 0, buf.length, null)
    } catch (e) {
      // qemu_config_parse(): "Cannot read config file" with the errno of the failed read
      throw new BlkdebugConfigError(path, 0, `Cannot read config file: ${errnoText(errorCode(e))}`)
    }
    if (n === 0) break
    chunks.push(buf.subarray(0, n))
    total += n
  }
  return Buffer.concat(chunks)
}

/** Reads up to `limit` bytes of a FIFO or socket on the event loop, until its writer closes it. */
function readStream(fd: number, path: string, limit: number, signal?: AbortSignal): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const sock = new Socket({ fd, readable: true, writable: false })
    const chunks: Buffer[] = []
    let total = 0
    const finish = (e: Error | null) => {
      signal?.removeEventListener('abort', onAbort)
      sock.destroy()
      if (e) reject(e)
      else resolve(Buffer.concat(chunks).subarray(0, limit))
    }
    const onAbort = () =>
      finish(new BlkdebugConfigError(path, 0, 'Could not read blkdebug config file: interrupted'))
    if (signal?.aborted) return onAbort()
    signal?.addEventListener('abort', onAbort, { once: true })
    sock.on('data', (b: Buffer) => {
      chunks.push(b)
      total += b.length
      if (total >= limit) finish(null)
    })
    sock.on('end', () => finish(null))
    sock.on('error', (e) =>
      finish(new BlkdebugConfigError(path, 0, `Cannot read config file: ${errnoText(errorCode(e))}`)),
    )
  })
}

/**
 * The config's text (latin1, as qemu's bytes), at most `limit` + 1 bytes of it: more than `limit`
 * means the file is too large.
 */
async function readText(path: string, limit: number, signal?: AbortSignal): Promise<string> {
  let fd: number
  try {
    fd = openSync(fsPath(path), fsc.O_RDONLY | fsc.O_NONBLOCK)
  } catch (e) {
    throw new BlkdebugConfigError(path, 0, `Could not read blkdebug config file: ${errnoText(errorCode(e))}`)
  }
  let streamed = false
  try {
    const st = fstatSync(fd)
    // fopen() of a directory succeeds in qemu; its first read fails with EISDIR
    if (st.isDirectory())
      throw new BlkdebugConfigError(path, 0, `Cannot read config file: ${errnoText('EISDIR')}`)
    if (st.isFIFO() || st.isSocket()) {
      streamed = true // the socket owns the fd now
      return (await readStream(fd, path, limit + 1, signal)).toString('latin1')
    }
    return readNow(fd, path, limit + 1).toString('latin1')
  } finally {
    if (!streamed) closeSync(fd)
  }
}

/**
 * Reads and parses a config file, as blkdebug's read_config() does. A file larger than `limit`
 * bytes (default CONFIG_LIMIT) fails: with the first problem qemu would meet in it (`parse error`
 * for /dev/zero), else as too large. A FIFO is waited for on the event loop (`signal` ends the wait).
 */
export async function readBlkdebugConfig(
  path: string,
  opts: { limit?: number; signal?: AbortSignal } = {},
): Promise<ConfigRule[]> {
  const limit = opts.limit ?? CONFIG_LIMIT
  const text = await readText(path, limit, opts.signal)
  if (text.length <= limit) return parseBlkdebugConfig(text, path)
  // Too large. qemu reads a line (at most 1023 bytes) at a time and stops at the first bad one:
  // a problem in a whole line of what was read, or in a cut line already longer than qemu's line
  // buffer, is the one qemu reports; otherwise the file is refused for its size.
  const head = text.slice(0, limit)
  const lastLine = head.lastIndexOf('\n') + 1
  parseBlkdebugConfig(head.length - lastLine >= 1023 ? head : head.slice(0, lastLine), path)
  throw new BlkdebugConfigError(
    path,
    0,
    `Cannot read config file: ${errnoText('EFBIG')} (rawio reads at most ${limit} bytes)`,
  )
}
