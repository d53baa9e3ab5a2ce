// Opening an image as qemu-io's openfile() does, with its checks in its order and its messages
// ("can't open device X: ..."), then rawio's image lock.
import { statSync } from 'node:fs'
import '../blkdebug/register'
import { type CacheMode, cacheModes } from '../cache-modes'
import { type AlignMode, Device, type DeviceHooks, type EngineChoice } from '../device'
import { IoError, lockError } from '../errors'
import { parseAioMode, parseBool, parseDiscardMode, QEMU_FORMATS, RAWIO_FORMATS } from './image-options'
import { strerror } from './io'
import { imageLength } from './sectors'
import { type CommandStop, failErr, failReport, PROGRAM } from './spec'
import type { ImageOptions } from './state'

export interface DeviceEnv {
  engine: EngineChoice
  align: AlignMode
  /** What sits in the request path or guards it: the write interlock, fault injection. */
  hooks?: DeviceHooks
  /** Ends an open that waits (a FIFO blkdebug config). */
  signal?: AbortSignal
}

const cantOpen = (path: string | null, why: string, code = 'EINVAL'): CommandStop =>
  failReport(`can't open${path === null ? '' : ` device ${path}`}: ${why}`, code)

/** The cache mode that cache.direct / cache.no-flush / writethrough together describe. */
export function cacheFrom(direct: boolean, noFlush: boolean, writethrough: boolean): CacheMode {
  if (noFlush) return 'unsafe'
  if (direct) return writethrough ? 'directsync' : 'none'
  return writethrough ? 'writethrough' : 'writeback'
}

/** Applies `open -o` options to the command's flags; unknown keys fail as qemu's raw driver says. */
export function applyOpenOptions(
  base: ImageOptions,
  kv: ReadonlyMap<string, string>,
  path: string | null,
): ImageOptions {
  const opts = { ...base }
  let direct = cacheModes[opts.cache].direct
  let noFlush = cacheModes[opts.cache].ignoreFlush
  const writethrough = cacheModes[opts.cache].writethrough
  const prefix = `can't open${path === null ? '' : ` device ${path}`}: `
  for (const [key, value] of kv) {
    switch (key) {
      case 'driver':
        opts.format = value
        break
      case 'read-only':
        if (parseBool(key, value, prefix) && !base.readOnly) throw cantOpen(path, 'Block node is read-only')
        break
      case 'cache.direct':
        direct = parseBool(key, value, prefix)
        break
      case 'cache.no-flush':
        noFlush = parseBool(key, value, prefix)
        break
      case 'discard':
        opts.discard = parseDiscardMode(value)
        break
      case 'aio':
        opts.aio = parseAioMode(value)
        break
      case 'force-share':
        opts.forceShare = parseBool(key, value, prefix)
        break
      case 'file.locking':
      case 'file.filename':
      case 'filename':
        break
      default:
        throw cantOpen(path, `Block format '${opts.format ?? 'raw'}' does not support the option '${key}'`)
    }
  }
  opts.cache = cacheFrom(direct, noFlush, writethrough)
  return opts
}

/** Opens `path`; throws CommandStop with qemu's text. The caller owns the returned Device. */
export async function openDevice(path: string, opts: ImageOptions, env: DeviceEnv): Promise<Device> {
  const format = opts.format
  if (format !== undefined && !QEMU_FORMATS.has(format)) throw cantOpen(path, `Unknown driver '${format}'`)
  if (opts.forceShare && !opts.readOnly) {
    throw cantOpen(path, 'force-share=on can only be used with read-only images')
  }
  const kindError = targetKindError(path, opts)
  if (kindError) throw cantOpen(path, kindError.text, kindError.code)
  const engine: EngineChoice =
    opts.aio === 'threads'
      ? 'threads'
      : opts.aio === 'io_uring' || opts.aio === 'native'
        ? 'io_uring'
        : env.engine
  let dev: Device
  try {
    dev = await Device.open(path, {
      readOnly: opts.readOnly,
      cache: opts.cache,
      engine,
      align: env.align,
      hooks: env.hooks,
      signal: env.signal,
    })
  } catch (e) {
    if (e instanceof IoError) throw cantOpen(path, `Could not open '${path}': ${strerror(e)}`, e.code)
    throw cantOpen(path, openProblem(e), 'ERR_RAWIO_OPEN')
  }
  try {
    checkOpened(path, dev, opts)
  } catch (e) {
    await dev.close()
    throw e
  }
  return dev
}

/**
 * What failed an open that is not an IoError. A blkdebug config problem at no line (the file cannot
 * be read, the filename lacks a part) is qemu's text alone: the device name already names the file.
 */
function openProblem(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const c = e as Error & { code?: string; line?: number; text?: string }
  if (c.code === 'ERR_RAWIO_BLKDEBUG_CONFIG' && c.line === 0 && c.text) return c.text
  return e.message
}

/**
 * A target that is neither a regular file nor a block device fails as file-posix fails it: a
 * directory with EISDIR when opened for writing, else (and a FIFO or a socket) "'file' driver requires
 * X to be a regular file". A character device, which qemu would open as a host_device, is refused
 * with rawio's own words: rawio does I/O on regular files and block devices only.
 */
function targetKindError(path: string, opts: ImageOptions): { text: string; code: string } | null {
  let st: ReturnType<typeof statSync>
  try {
    st = statSync(path)
  } catch {
    return null // the open says why (ENOENT, EACCES, ...)
  }
  if (st.isFile() || st.isBlockDevice()) return null
  const notRegular = { text: `'file' driver requires '${path}' to be a regular file`, code: 'EINVAL' }
  if (st.isDirectory())
    return opts.readOnly ? notRegular : { text: `Could not open '${path}': Is a directory`, code: 'EISDIR' }
  if (st.isCharacterDevice() && opts.format !== 'file') {
    return {
      text: `'${path}' is a character device; ${PROGRAM} opens regular files and block devices only`,
      code: 'ENODEV',
    }
  }
  if (opts.format === 'host_device' && !st.isCharacterDevice())
    return {
      text: `'host_device' driver requires '${path}' to be either a character or block device`,
      code: 'EINVAL',
    }
  return notRegular
}

function checkOpened(path: string, dev: Device, opts: ImageOptions): void {
  const format = opts.format
  if ((opts.aio === 'native' || opts.nativeAio) && !dev.direct) {
    throw cantOpen(
      path,
      'aio=native was specified, but it requires cache.direct=on, which was not specified.',
    )
  }
  if (format !== undefined && !RAWIO_FORMATS.has(format)) {
    throw cantOpen(
      path,
      `${PROGRAM} opens raw images only; the '${format}' format is not supported`,
      'ENOTSUP',
    )
  }
  if (format === 'host_device' && !dev.isBlockDevice) {
    throw cantOpen(path, `'host_device' driver requires '${path}' to be either a character or block device`)
  }
  if (format === 'file' && dev.isBlockDevice) {
    throw cantOpen(path, `'file' driver requires '${path}' to be a regular file`)
  }
  const perm = opts.readOnly ? null : writePermissionError(dev, dev.direct)
  if (perm) throw cantOpen(path, perm, 'EPERM')
  if (!opts.forceShare && !dev.lockImage(opts.readOnly ? 'read' : 'write')) {
    const e = lockError(path, opts.readOnly ? 'read' : 'write')
    throw failErr(`${PROGRAM}: can't open device ${path}: ${e.message}`, e.code)
  }
}

/**
 * qemu's permission check for a writer (bdrv_node_refresh_perm): without 'resize', the image (in
 * whole sectors) must be a multiple of the request alignment, which O_DIRECT makes the target's
 * (e.g. a 1 MiB + 512 file on a filesystem of 4 KiB blocks). Null when writing is allowed.
 */
export function writePermissionError(dev: Device, direct: boolean): string | null {
  const align = direct ? dev.geometry.dioOffsetAlign || dev.geometry.logicalBlockSize : 1
  if (align <= 1 || imageLength(dev) % align === 0) return null
  return "Cannot get 'write' permission without 'resize': Image size is not a multiple of request alignment"
}

/** reopen's lock change: a writer needs the write lock, a reader keeps a read lock. */
export function relock(dev: Device, readOnly: boolean, forceShare: boolean): void {
  if (forceShare) return
  if (!dev.lockImage(readOnly ? 'read' : 'write')) {
    const e = lockError(dev.path, readOnly ? 'read' : 'write')
    throw failReport(e.message, e.code)
  }
}
