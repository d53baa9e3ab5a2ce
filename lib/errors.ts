// Typed errors. IoError is handed to the addon at load, so native failures arrive as
// real instances carrying errno, syscall, offset, length and path.
import { constants } from 'node:os'
import { getSystemErrorMap } from 'node:util'

export interface IoErrorProps {
  code: string
  errno: number
  syscall: string
  /** strerror(3) text; defaults to detail, else the C library's text for errno. */
  description?: string
  /** Words for what errno alone would not say; they replace the errno text in the message. */
  detail?: string
  offset?: number
  length?: number
  path?: string
  /** The layer that made the error (e.g. 'blkdebug'), appended to the message as `[source]`. */
  source?: string
  /** Only for text in another tool's exact words (qemu's lock refusal): used as the message as is. */
  message?: string
}

/** libuv's short text for errno ("i/o error"), as Node's SystemError messages use. */
function uvText(errno: number): string | undefined {
  return getSystemErrorMap().get(-errno)?.[1]
}

/**
 * The one formatter of I/O error text, like Node's SystemError:
 * `EIO: i/o error, pwritev (offset 1048576, 4096 bytes) '/dev/loop3'`.
 */
export function ioErrorMessage(p: IoErrorProps): string {
  let message = `${p.code}: ${p.detail ?? uvText(p.errno) ?? p.description ?? p.code}, ${p.syscall}`
  if (p.offset !== undefined && p.length !== undefined) message += ` (offset ${p.offset}, ${p.length} bytes)`
  if (p.path) message += ` '${p.path}'`
  if (p.source) message += ` [${p.source}]`
  return message
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

  /** Made by the addon (native/napi/errors.cc) and by TypeScript alike: the message is built here. */
  constructor(props: IoErrorProps) {
    super(props.message ?? ioErrorMessage(props))
    this.name = 'IoError'
    this.code = props.code
    this.errno = props.errno
    this.syscall = props.syscall
    this.description = props.description ?? props.detail ?? strerror?.(props.errno) ?? props.code
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

export interface ErrorSite {
  offset?: number
  length?: number
  path?: string
  detail?: string
}

/** Builds an IoError in TS for a check done before the kernel (past-the-end, ...). */
export function ioError(code: keyof typeof constants.errno, syscall: string, site: ErrorSite = {}): IoError {
  return new IoError({ code, errno: constants.errno[code], syscall, ...site })
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
