// Opening a target under blkdebug: `blkdebug:CONFIG:PATH` (CONFIG may be empty), or a path with
// options. Device.open sends blkdebug: filenames here; nothing of this module is loaded otherwise.
import { cacheModes } from '../cache-modes'
import { Device, type DeviceHooks, type OpenOptions } from '../device'
import { type ConfigRule, parseBlkdebugConfig, parseBlkdebugFilename, readBlkdebugConfig } from './config'
import { isBlkdebugEvent } from './events'
import { BlkdebugLayer } from './layer'
import { type BlkdebugLimits, parseLimitOptions, validateLimits } from './limits'
import { type Intent, RequestPath } from './request-path'

export interface BlkdebugOptions {
  /** Config file path (the CONFIG of blkdebug:CONFIG:PATH). */
  config?: string
  /** Config text, parsed as a file would be (`configName` names it in errors). */
  configText?: string
  configName?: string
  /** Fake device limits: { align: 4096, maxTransfer: 65536 } or qemu's keys { 'max-transfer': '64k' }. */
  limits?: BlkdebugLimits | Record<string, string | number>
  /**
   * Raise pwritev_rmw_* for the Device's own O_DIRECT read-modify-write (default false: in qemu that
   * padding happens below blkdebug, in the file driver, and raises nothing blkdebug sees).
   */
  deviceRmwEvents?: boolean
}

export interface BlkdebugOpenOptions extends OpenOptions {
  blkdebug?: BlkdebugOptions
}

const layers = new WeakMap<Device, BlkdebugLayer>()

/** The blkdebug layer of a Device opened under it, else undefined. */
export function blkdebugOf(dev: Device): BlkdebugLayer | undefined {
  return layers.get(dev)
}

/**
 * Opens `filename` (blkdebug:CONFIG:PATH, or a plain path when `opts.blkdebug` is given) with the
 * debug layer in its request path. Throws BlkdebugConfigError (file:line: qemu's text) for a bad
 * config and BlkdebugOptionError for bad limits.
 */
export async function openBlkdebug(filename: string, opts: BlkdebugOpenOptions = {}): Promise<Device> {
  const bd = opts.blkdebug ?? {}
  let image = filename
  let config = bd.config ?? null
  if (filename.startsWith('blkdebug:')) {
    const parts = parseBlkdebugFilename(filename)
    image = parts.image
    config = parts.config ?? config
  }
  const rules: ConfigRule[] = config ? readBlkdebugConfig(config) : []
  if (bd.configText !== undefined)
    rules.push(...parseBlkdebugConfig(bd.configText, bd.configName ?? 'config'))
  const limits = parseLimitOptions({ ...bd.limits })
  const layer = new BlkdebugLayer(rules)
  let path: RequestPath | null = null
  const ours: DeviceHooks = {
    wrapNative: (native) => (path = new RequestPath(native, layer, limits)),
  }
  if (bd.deviceRmwEvents) ours.event = (name) => (isBlkdebugEvent(name) ? layer.raise(name) : undefined)
  const { blkdebug: _, ...deviceOpts } = opts
  const dev = await Device.open(image, { ...deviceOpts, hooks: composeHooks(ours, opts.hooks) })
  try {
    validateLimits(limits, dev.offsetAlign)
  } catch (e) {
    await dev.close()
    throw e
  }
  const rp = path as unknown as RequestPath
  rp.device = dev
  attach(dev, layer, rp)
  layers.set(dev, layer)
  layer.raise('none')
  return dev
}

/** Ours innermost (next to the addon, where qemu's blkdebug sits), the caller's around it. */
export function composeHooks(ours: DeviceHooks, theirs?: DeviceHooks): DeviceHooks {
  if (!theirs) return ours
  const wrapOurs = ours.wrapNative
  const wrapTheirs = theirs.wrapNative
  const a = ours.event
  const b = theirs.event
  return {
    wrapNative: (n) => {
      const inner = wrapOurs ? wrapOurs(n) : n
      return wrapTheirs ? wrapTheirs(inner) : inner
    },
    beforeFirstWrite: theirs.beforeFirstWrite,
    event:
      a && b
        ? async (name) => {
            await a(name)
            await b(name)
          }
        : (a ?? b),
  }
}

function byteLength(buffers: unknown): number {
  if (!Array.isArray(buffers)) return 0
  let n = 0
  for (const b of buffers) n += b instanceof Uint8Array ? b.byteLength : 0
  return n
}

/**
 * The image-level half of qemu's request path, on the Device's own methods: each call registers what
 * it is (a write, a discard, ...) so that the native requests it makes are told apart, and bumps the
 * image's write generation when it ends, after its writethrough flush, as bdrv_co_write_req_finish().
 */
function attach(dev: Device, layer: BlkdebugLayer, path: RequestPath): void {
  const within = <T>(
    kind: Intent['kind'],
    offset: number,
    length: number,
    fn: () => Promise<T>,
  ): Promise<T> => {
    const it: Intent = { kind, offset, length, started: false }
    path.intents.add(it)
    layer.track(1)
    let p: Promise<T>
    try {
      p = fn()
    } catch (e) {
      p = Promise.reject(e)
    }
    return p.finally(() => {
      path.intents.delete(it)
      if (!it.started) layer.track(-1)
      else if (kind !== 'read') layer.topGen++
    })
  }
  const readv = dev.readv.bind(dev)
  const writev = dev.writev.bind(dev)
  const discard = dev.discard.bind(dev)
  const writeZeroes = dev.writeZeroes.bind(dev)
  const truncate = dev.truncate.bind(dev)
  const flush = dev.flush.bind(dev)
  const close = dev.close.bind(dev)
  // reads register only while rules exist: the read path stays one call when nothing can happen
  dev.readv = (offset, buffers) =>
    layer.idle
      ? readv(offset, buffers)
      : within('read', offset, byteLength(buffers), () => readv(offset, buffers))
  dev.writev = (offset, buffers, o) =>
    within('write', offset, byteLength(buffers), () => writev(offset, buffers, o))
  dev.discard = (offset, length) => within('discard', offset, length, () => discard(offset, length))
  dev.writeZeroes = (offset, length, o) =>
    within('zeroes', offset, length, () => writeZeroes(offset, length, o))
  dev.truncate = (length) => within('truncate', length, 0, () => truncate(length))
  dev.flush = async () => {
    // cache=unsafe: the Device skips the flush, qemu still raises flush_to_os (and nothing else)
    if (cacheModes[dev.cache].ignoreFlush && !dev.readOnly) {
      layer.track(1)
      try {
        await layer.raise('flush_to_os')
      } finally {
        layer.track(-1)
      }
    }
    return flush()
  }
  dev.close = async () => {
    await layer.shutdown()
    return close()
  }
}
