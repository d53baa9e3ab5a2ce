// Opening a target under blkdebug: `blkdebug:CONFIG:PATH` (CONFIG may be empty), or a path with
// options. lib/blkdebug/register.ts makes Device.open send blkdebug: names here; this module is
// loaded only for them. The layer is a driver stacked over the file driver (driver.ts).
import { Device, type DeviceHooks, type OpenOptions } from '../device'
import { BlkdebugConfigError, type ConfigRule, parseBlkdebugConfig, parseBlkdebugFilename } from './config'
import { readBlkdebugConfig } from './config-file'
import { BlkdebugDriver } from './driver'
import { BlkdebugLayer } from './layer'
import { type BlkdebugLimits, parseLimitOptions, validateLimits } from './limits'

export interface BlkdebugOptions {
  /** Config file path (the CONFIG of blkdebug:CONFIG:PATH). */
  config?: string
  /** Config text, parsed as a file would be (`configName` names it in errors). */
  configText?: string
  configName?: string
  /** Fake device limits: { align: 4096, maxTransfer: 65536 } or qemu's keys { 'max-transfer': '64k' }. */
  limits?: BlkdebugLimits | Record<string, string | number>
  /**
   * Pad writes to the device's O_DIRECT alignment in the layer, as qemu's blkdebug does with `align`
   * set, raising pwritev_rmw_* in qemu's order (default false: in qemu that padding happens below
   * blkdebug, in the file driver, and raises nothing blkdebug sees).
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
  const rules: ConfigRule[] = config ? await readBlkdebugConfig(config, { signal: opts.signal }) : []
  if (bd.configText !== undefined)
    rules.push(...parseBlkdebugConfig(bd.configText, bd.configName ?? 'config'))
  // qemu opens the image after reading the config: an empty image path is the file driver's error
  if (image === '') throw new BlkdebugConfigError('', 0, "The 'file' block driver requires a file name")
  const limits = parseLimitOptions({ ...bd.limits })
  const layer = new BlkdebugLayer(rules)
  const ours: DeviceHooks = {
    wrapDriver: (lower, dev) =>
      new BlkdebugDriver(lower, dev, layer, limits, { padToDevice: !!bd.deviceRmwEvents }),
  }
  const { blkdebug: _, ...deviceOpts } = opts
  const dev = await Device.open(image, { ...deviceOpts, hooks: composeHooks(ours, opts.hooks) })
  try {
    validateLimits(limits, dev.offsetAlign)
  } catch (e) {
    await dev.close()
    throw e
  }
  layers.set(dev, layer)
  layer.raise('none')
  return dev
}

/** Ours innermost (next to the file driver, where qemu's blkdebug sits), the caller's around it. */
export function composeHooks(ours: DeviceHooks, theirs?: DeviceHooks): DeviceHooks {
  if (!theirs) return ours
  const wrapOurs = ours.wrapDriver
  const wrapTheirs = theirs.wrapDriver
  return {
    wrapDriver: (lower, dev) => {
      const inner = wrapOurs ? wrapOurs(lower, dev) : lower
      return wrapTheirs ? wrapTheirs(inner, dev) : inner
    },
    beforeFirstWrite: theirs.beforeFirstWrite,
  }
}
