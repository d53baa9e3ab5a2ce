// Typed errors. IoError is handed to the addon at load, so native failures arrive as
// real instances carrying errno, syscall, offset, length and path.
import { constants } from 'node:os'
import { getSystemErrorName } from 'node:util'

export interface IoErrorProps {
  message: string
  code: string
  errno: number
  syscall: string
  description?: string
  offset?: number
  length?: number
  path?: string
}

export class IoError extends Error {
  readonly code: string
  readonly errno: number
  readonly syscall: string
  /** strerror(3) text, e.g. "Input/output error": what qemu-io prints. */
  readonly description: string
  readonly offset?: number
  readonly length?: number
  readonly path?: string

  constructor(props: IoErrorProps) {
    super(props.message)
    this.name = 'IoError'
    this.code = props.code
    this.errno = props.errno
    this.syscall = props.syscall
    this.description = props.description ?? props.code
    if (props.offset !== undefined) this.offset = props.offset
    if (props.length !== undefined) this.length = props.length
    if (props.path !== undefined) this.path = props.path
  }
}

/** A mistake in how rawio was called: bad option, bad number, conflicting flags. */
export class UsageError extends Error {
  readonly code: string
  constructor(message: string, code = 'ERR_RAWIO_USAGE') {
    super(message)
    this.name = 'UsageError'
    this.code = code
  }
}

let strerror: ((errno: number) => string) | undefined

/** Lets the loader provide the C library's strerror(3) texts. */
export function setStrerror(fn: (errno: number) => string): void {
  strerror = fn
}

export function errnoOf(code: keyof typeof constants.errno): number {
  return constants.errno[code]
}

export interface ErrorSite {
  offset?: number
  length?: number
  path?: string
  detail?: string
}

/** Builds an IoError in TS for a check done before the kernel (past-the-end, ...). */
export function ioError(code: keyof typeof constants.errno, syscall: string, site: ErrorSite = {}): IoError {
  const errno = constants.errno[code]
  const description = site.detail ?? strerror?.(errno) ?? getSystemErrorName(-errno)
  let message = `${code}: ${description}, ${syscall}`
  if (site.offset !== undefined && site.length !== undefined)
    message += ` (offset ${site.offset}, ${site.length} bytes)`
  if (site.path) message += ` '${site.path}'`
  return new IoError({ message, code, errno, syscall, description, ...site })
}

export function isIoError(e: unknown): e is IoError {
  return e instanceof IoError
}

/**
 * qemu's image-lock refusal (raw_check_lock_bytes): another process holds a conflicting lock. The
 * message is qemu's two lines, `Failed to get "write" lock` and `Is another process using the image
 * [PATH]?`; a reader's lock is qemu's "consistent read".
 */
export function lockError(path: string, kind: 'read' | 'write'): IoError {
  const what = kind === 'read' ? 'consistent read' : 'write'
  const description = `Failed to get "${what}" lock\nIs another process using the image [${path}]?`
  return new IoError({
    message: description,
    code: 'EAGAIN',
    errno: constants.errno.EAGAIN,
    syscall: 'fcntl(F_OFD_SETLK)',
    description,
    path,
  })
}
