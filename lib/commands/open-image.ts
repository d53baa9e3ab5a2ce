// Opening an image as qemu-io's openfile() does, with its checks in its order and its messages
// ("can't open device X: ..."), then rawio's image lock.
import { statSync } from 'node:fs'
import '../blkdebug/register'
import { type CacheMode, cacheModes } from '../cache-modes'
import { type AlignMode, Device, type DeviceHooks, type EngineChoice } from '../device'
import { IoError, lockError } from '../errors'
import { fsPath } from '../paths'
import { parseSize } from '../units'
import { parseBool, parseDiscardMode, QEMU_FORMATS, RAWIO_FORMATS } from './image-options'
import { SECTOR, strerror } from './io'
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

const SIZE_HINT =
  'Optional suffix k, M, G, T, P or E means kilo-, mega-, giga-, tera-, peta-\nand exabytes, respectively.'

/** QEMU_OPT_SIZE: a size (qemu_strtosz), else qemu's two-line message. */
function optSize(key: string, value: string, prefix: string): number {
  try {
    return parseSize(value)
  } catch {
    throw failErr(
      `${PROGRAM}: ${prefix}Parameter '${key}' expects a non-negative number below 2^64\n${SIZE_HINT}`,
    )
  }
}

/**
 * What bdrv_open does with an option dictionary (--image-opts, `open -o`), over the flags the
 * command line or the command gave (`base`): the raw format's options (offset, size), the block
 * layer's (read-only, cache.*, discard, force-share, driver), the protocol's under `file.` (driver,
 * filename, locking, aio), each with qemu's message when it is wrong; anything else is refused as
 * qemu refuses an option a driver does not have. `forceShareFlag`: -U was given.
 */
export function applyOpenOptions(
  base: ImageOptions,
  kv: ReadonlyMap<string, string>,
  path: string | null,
  forceShareFlag = base.forceShare,
): ImageOptions {
  const opts: ImageOptions = { ...base }
  let direct = cacheModes[opts.cache].direct
  let noFlush = cacheModes[opts.cache].ignoreFlush
  const writethrough = cacheModes[opts.cache].writethrough
  const prefix = `can't open${path === null ? '' : ` device ${path}`}: `
  const format = kv.get('driver') ?? opts.format ?? 'raw'
  // driver=file/host_device opens the protocol itself: its options have no `file.` prefix.
  const isProtocol = format === 'file' || format === 'host_device'
  const protocol = isProtocol ? format : (kv.get('file.driver') ?? 'file')
  let readOnly: boolean | undefined
  for (const [key, value] of kv) {
    const own = isProtocol ? key : key.startsWith('file.') ? key.slice(5) : null
    if (own !== null) {
      switch (own) {
        case 'driver':
          if (isProtocol) break
          if (!QEMU_FORMATS.has(value)) throw cantOpen(path, `Unknown driver '${value}'`)
          opts.protocol = value
          continue
        case 'filename':
          continue
        case 'locking':
          if (!['on', 'off', 'auto'].includes(value))
            throw cantOpen(path, `invalid parameter value: ${value}`)
          opts.locking = value !== 'off'
          continue
        case 'aio':
          if (!['threads', 'native', 'io_uring'].includes(value))
            throw cantOpen(path, `invalid parameter value: ${value}`)
          opts.aio = value as ImageOptions['aio']
          continue
      }
      if (!isProtocol || !BLOCK_OPTIONS.has(key))
        throw cantOpen(path, `Block protocol '${protocol}' doesn't support the option '${own}'`)
    }
    switch (key) {
      case 'driver':
        opts.format = value
        break
      case 'read-only':
        readOnly = parseBool(key, value, prefix)
        break
      case 'cache.direct':
        direct = parseBool(key, value, prefix)
        break
      case 'cache.no-flush':
        noFlush = parseBool(key, value, prefix)
        break
      case 'discard':
        if (!['on', 'off', 'unmap', 'ignore'].includes(value)) throw cantOpen(path, 'Invalid discard option')
        opts.discard = parseDiscardMode(value)
        break
      case 'force-share':
        opts.forceShare = parseBool(key, value, prefix)
        if (forceShareFlag && !opts.forceShare) throw failReport('-U conflicts with image options')
        break
      case 'file':
        // a node reference; qemu names no device in this message
        throw cantOpen(null, `Cannot find device='${value}' nor node-name='${value}'`)
      case 'offset':
      case 'size':
        if (isProtocol) throw cantOpen(path, `Block protocol '${format}' doesn't support the option '${key}'`)
        opts[key] = optSize(key, value, prefix)
        break
      default:
        if (!isProtocol) throw cantOpen(path, `Block format '${format}' does not support the option '${key}'`)
    }
  }
  // read-only=on on a node the command opens for writing: qemu cannot get the write permission.
  if (readOnly === true && !base.readOnly) throw cantOpen(path, 'Block node is read-only')
  if (readOnly !== undefined) opts.readOnly = readOnly
  opts.cache = cacheFrom(direct, noFlush, writethrough)
  return opts
}

/** --image-opts: the image and its path from the option dictionary alone (qemu-io's openfile(NULL)). */
export function imageFromOptions(
  base: ImageOptions,
  kv: ReadonlyMap<string, string>,
): { image: ImageOptions; path: string } {
  const image = applyOpenOptions(base, kv, null)
  const path = kv.get('file.filename') ?? kv.get('filename')
  if (path === undefined)
    throw failReport(
      kv.has('driver')
        ? `can't open: A block device must be specified for "file"`
        : `can't open: Must specify either driver or file`,
    )
  return { image, path }
}

/** The block layer's own options (qemu's bdrv_runtime_opts and BlockBackend's), valid at any node. */
const BLOCK_OPTIONS = new Set([
  'driver',
  'read-only',
  'cache.direct',
  'cache.no-flush',
  'discard',
  'force-share',
])

/**
 * bdrv_find_protocol's prefix: `file:PATH` and `host_device:PATH` name the protocol and the path
 * (a path with a '/' before its first ':' has no prefix).
 */
export function protocolPrefix(name: string): { protocol: 'file' | 'host_device'; path: string } | null {
  const m = /^(file|host_device):/.exec(name)
  return m ? { protocol: m[1] as 'file' | 'host_device', path: name.slice(m[0].length) } : null
}

/**
 * Opens `name` (a path, `file:PATH`, `host_device:PATH`, or a registered prefix such as blkdebug:);
 * throws CommandStop with qemu's text. The caller owns the returned Device.
 */
export async function openDevice(
  name: string,
  image: ImageOptions,
  env: DeviceEnv,
  /** How messages name the image: null for --image-opts (qemu: "can't open: ..."). */
  label: string | null = name,
): Promise<Device> {
  // Only a file name given as such has a protocol prefix; file.filename= is a path as it stands.
  const prefixed = label === null ? null : protocolPrefix(name)
  const path = prefixed?.path ?? name
  const opts = prefixed ? { ...image, protocol: image.protocol ?? prefixed.protocol } : image
  const format = opts.format
  if (format !== undefined && !QEMU_FORMATS.has(format)) throw cantOpen(label, `Unknown driver '${format}'`)
  if (opts.forceShare && !opts.readOnly) {
    throw cantOpen(label, 'force-share=on can only be used with read-only images')
  }
  const kindError = targetKindError(path, opts)
  if (kindError) throw cantOpen(label, kindError.text, kindError.code)
  const engine: EngineChoice =
    opts.aio === 'threads'
      ? 'threads'
      : opts.aio === 'io_uring'
        ? 'io_uring'
        : opts.aio === 'native' || opts.nativeAio
          ? 'libaio'
          : env.engine
  const window =
    opts.offset !== undefined || opts.size !== undefined
      ? { offset: opts.offset ?? 0, size: opts.size }
      : undefined
  let dev: Device
  try {
    dev = await Device.open(path, {
      readOnly: opts.readOnly,
      cache: opts.cache,
      engine,
      align: env.align,
      hooks: env.hooks,
      signal: env.signal,
      window,
      bounds: 'sectors', // qemu's view: the image is a whole number of sectors
    })
  } catch (e) {
    if (e instanceof IoError) throw cantOpen(label, `Could not open '${path}': ${strerror(e)}`, e.code)
    throw cantOpen(label, openProblem(e), 'ERR_RAWIO_OPEN')
  }
  try {
    checkOpened(label, path, dev, opts)
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
    st = statSync(fsPath(path))
  } catch {
    return null // the open says why (ENOENT, EACCES, ...)
  }
  if (st.isFile() || st.isBlockDevice()) return null
  const protocol = protocolOf(opts)
  const notRegular = { text: `'file' driver requires '${path}' to be a regular file`, code: 'EINVAL' }
  if (st.isDirectory())
    return opts.readOnly ? notRegular : { text: `Could not open '${path}': Is a directory`, code: 'EISDIR' }
  if (st.isCharacterDevice() && protocol !== 'file') {
    return {
      text: `'${path}' is a character device; ${PROGRAM} opens regular files and block devices only`,
      code: 'ENODEV',
    }
  }
  if (protocol === 'host_device' && !st.isCharacterDevice())
    return {
      text: `'host_device' driver requires '${path}' to be either a character or block device`,
      code: 'EINVAL',
    }
  return notRegular
}

/** The protocol: driver=file|host_device itself, or file.driver= (a file: prefix) under raw. */
function protocolOf(opts: ImageOptions): string | undefined {
  return opts.format === 'file' || opts.format === 'host_device' ? opts.format : opts.protocol
}

function checkOpened(label: string | null, path: string, dev: Device, opts: ImageOptions): void {
  const format = opts.format
  if ((opts.aio === 'native' || opts.nativeAio) && !dev.direct) {
    throw cantOpen(
      label,
      'aio=native was specified, but it requires cache.direct=on, which was not specified.',
    )
  }
  if (format !== undefined && !RAWIO_FORMATS.has(format)) {
    throw cantOpen(
      label,
      `${PROGRAM} opens raw images only; the '${format}' format is not supported`,
      'ENOTSUP',
    )
  }
  const protocol = protocolOf(opts)
  if (protocol !== undefined && !RAWIO_FORMATS.has(protocol)) {
    throw cantOpen(
      label,
      `${PROGRAM} opens files and block devices only; the '${protocol}' protocol is not supported`,
      'ENOTSUP',
    )
  }
  if (protocol === 'host_device' && !dev.isBlockDevice) {
    throw cantOpen(label, `'host_device' driver requires '${path}' to be either a character or block device`)
  }
  if (protocol === 'file' && dev.isBlockDevice) {
    throw cantOpen(label, `'file' driver requires '${path}' to be a regular file`)
  }
  const perm = opts.readOnly ? null : writePermissionError(dev, dev.direct)
  if (perm) throw cantOpen(label, perm, 'EPERM')
  const kind = opts.readOnly ? 'read' : 'write'
  if (!opts.forceShare && opts.locking !== false && !dev.lockImage(kind)) {
    const e = lockError(label ?? path, kind)
    throw failErr(`${PROGRAM}: can't open${label === null ? '' : ` device ${label}`}: ${e.message}`, e.code)
  }
}

/**
 * qemu's permission check for a writer (bdrv_node_refresh_perm): without 'resize', the image (in
 * whole sectors) must be a multiple of the request alignment, which O_DIRECT makes the target's
 * (e.g. a 1 MiB + 512 file on a filesystem of 4 KiB blocks). Null when writing is allowed.
 */
export function writePermissionError(dev: Device, direct: boolean): string | null {
  const align = direct ? dev.geometry.dioOffsetAlign || dev.geometry.logicalBlockSize : 1
  // the protocol node's size (a raw window's own size is not checked: qemu's raw node aligns to 1)
  if (align <= 1 || (Math.ceil(dev.targetSize / SECTOR) * SECTOR) % align === 0) return null
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
