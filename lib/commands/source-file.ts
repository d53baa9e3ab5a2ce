// write -s source_file: qemu_io_alloc_from_file fills the buffer from a file, cyclically when the file
// is shorter than the request. Failures are perror(3) lines on stderr. The source is opened
// without blocking (O_NONBLOCK), so a FIFO can never hold the process deaf to signals.
import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs'
import { binding } from '../native'
import { fsPath } from '../paths'
import { ioBuffer } from './io'
import { type CommandStop, failErr } from './spec'
import type { SessionState } from './state'

function perror(file: string, e: unknown): CommandStop {
  const err = e as NodeJS.ErrnoException
  if (typeof err?.errno !== 'number') throw e
  let text: string
  try {
    text = binding().strerror(-err.errno)
  } catch {
    text = err.code ?? 'error'
  }
  return failErr(`${file}: ${text}`, err.code ?? 'EIO')
}

/**
 * Opens without blocking: a FIFO with no writer would otherwise hold the main thread in open(2),
 * deaf to SIGINT and SIGTERM. FIFOs and sockets are refused (what they give is not a pattern one can
 * write twice); files and devices are read with O_NONBLOCK, so a read never waits either.
 */
function openSource(file: string): number {
  let fd: number
  try {
    fd = openSync(fsPath(file), constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY)
  } catch (e) {
    throw perror(file, e)
  }
  const st = fstatSync(fd)
  if (st.isFIFO() || st.isSocket()) {
    closeSync(fd)
    throw failErr(`${file}: ${st.isFIFO() ? 'a FIFO' : 'a socket'}, not a regular file or device`, 'EINVAL')
  }
  return fd
}

export function bufferFromFile(session: SessionState, len: number, file: string): Uint8Array {
  const fd = openSource(file)
  const buf = ioBuffer(session, len, 0)
  let got = 0
  try {
    while (got < len) {
      const n = readSync(fd, buf, got, len - got, null)
      if (n === 0) break
      got += n
    }
  } catch (e) {
    throw perror(file, e)
  } finally {
    closeSync(fd)
  }
  if (got === 0) throw failErr(`${file}: file is empty`)
  for (let p = got; p < len; p += got) buf.copyWithin(p, 0, Math.min(got, len - p))
  return buf
}
