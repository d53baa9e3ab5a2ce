// What the I/O commands share: qemu's request checks, error texts, buffers, timing and the report.
import type { Device } from '../device'
import { IoError } from '../errors'
import { binding } from '../native'
import type { Reporter } from '../report'
import { isInterlockFailure as isInterlockError } from '../safety/hooks'
import { type CommandStop, failErr, failOut } from './spec'
import type { SessionState } from './state'

/** BDRV_REQUEST_MAX_BYTES: the largest single request qemu's block layer takes. */
export const MAX_REQUEST = 2147483136
/** BDRV_SECTOR_SIZE */
export const SECTOR = 512
/** qemu-io's MISALIGN_OFFSET (-m). */
export const MISALIGN_OFFSET = 16

/** strerror(3) for an errno, as qemu-io prints it. */
export function strerror(e: IoError): string {
  // rawio's own failures (a request stopped at a breakpoint nothing can resume) carry their text
  if (e.code === 'ERR_RAWIO_SUSPENDED') return e.description
  try {
    return binding().strerror(e.errno)
  } catch {
    return e.description
  }
}

/**
 * `<prefix>: <strerror>` on stdout, the way the I/O commands report a failed request; a write the
 * interlock refused is its own one line on stderr (`rawio: /dev/sdb contains ...; refusing to write`).
 */
export function ioFailure(prefix: string, e: unknown): CommandStop {
  if (isInterlockError(e)) return failErr(e.message, e.code)
  if (!(e instanceof IoError)) throw e
  return failOut(`${prefix}: ${strerror(e)}`, e.code)
}

/** The open image; the session checked there is one before running a command that needs it. */
export function deviceOf(session: SessionState): Device {
  if (!session.device) throw new Error('command needs an open image')
  return session.device
}

/** qemu_io_alloc: a buffer for the device, 16 bytes off alignment under -m, filled with `fill`. */
export function ioBuffer(session: SessionState, size: number, fill: number): Uint8Array {
  const buf = deviceOf(session).allocBuffer(size, session.misalign ? MISALIGN_OFFSET : 0)
  if (fill !== 0) buf.fill(fill)
  return buf
}

const noop = () => {}

/**
 * qemu-io's -r (qemu 8.0, blk_register_buf): the command's own buffer joins the ring's fixed buffers
 * for its request (Device.registerBuffer); returns the release, to call once the request settled.
 * The buffer must be one the command allocated and gives to no one while it is registered.
 */
export function registerIo(session: SessionState, buf: Uint8Array | null, register: boolean): () => void {
  if (!register || !buf) return noop
  return deviceOf(session).registerBuffer(buf).release
}

/** The offset of the first byte that differs from `pattern`, or -1. */
export function firstMismatch(data: Uint8Array, pattern: number): number {
  for (let i = 0; i < data.length; i++) if (data[i] !== pattern) return i
  return -1
}

export const sectorAligned = (what: 'offset' | 'count', value: number) =>
  value % SECTOR === 0 ? null : `${value} is not a sector-aligned value for '${what}'`

/** The outcome of one read, write or discard, as print_report shows it. */
export interface IoOutcome {
  command: string
  op: 'read' | 'wrote' | 'discard'
  offset: number
  count: number
  total: number
  ops: number
  ns: number
  csv: boolean
  quiet: boolean
  /** -v: the data to dump before the report. */
  dump?: Uint8Array
  /** "Pattern verification failed ..." (stdout); the command then counts as failed. */
  mismatch?: string
  failed?: boolean
  data?: Uint8Array
}

/** The one report of the I/O commands: mismatch line, then (unless -q) dump and statistics. */
export function reportIo(res: IoOutcome, out: Reporter): void {
  if (res.mismatch) out.info(res.mismatch)
  if (out.mode === 'json') {
    const extra: Record<string, unknown> = { command: res.command, ok: !res.failed }
    if (res.mismatch) extra.error = res.mismatch
    // -v: the bytes the human dump shows, as hex (two digits a byte, from `offset`).
    if (res.dump)
      extra.dump = Buffer.from(res.dump.buffer, res.dump.byteOffset, res.dump.byteLength).toString('hex')
    out.io(res.op, res, { extra })
    return
  }
  if (res.quiet) return
  if (res.dump) out.hexdump(res.dump, res.offset)
  out.io(res.op, res, { csv: res.csv })
}
