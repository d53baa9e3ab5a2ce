// The light half of the interlock, for the CLI's start path: hooks that load the
// interlock itself only when a first write needs it, and hook composition.
import type { Device, DeviceHooks } from '../device'
import type { InterlockError, InterlockOptions } from './interlock'

/** interlockHooks(), with lib/safety/interlock loaded at the first write, not at start-up. */
export function lazyInterlockHooks(opts: InterlockOptions = {}): DeviceHooks {
  return { beforeFirstWrite: async (dev: Device) => (await import('./interlock.js')).guardDevice(dev, opts) }
}

/** isInterlockError() without loading the interlock: its errors carry this code. */
export function isInterlockFailure(e: unknown): e is InterlockError {
  return e instanceof Error && (e as { code?: unknown }).code === 'ERR_RAWIO_INTERLOCK'
}

/**
 * Combines hook sets (e.g. fault injection and the interlock): driver wrappers nest in order
 * (the first innermost), gates run in order.
 */
export function combineHooks(...sets: (DeviceHooks | undefined)[]): DeviceHooks {
  const hooks = sets.filter((h): h is DeviceHooks => h !== undefined)
  const out: DeviceHooks = {}
  const wrappers = hooks.flatMap((h) => (h.wrapDriver ? [h.wrapDriver.bind(h)] : []))
  if (wrappers.length) out.wrapDriver = (lower, dev) => wrappers.reduce((acc, w) => w(acc, dev), lower)
  const gates = hooks.flatMap((h) => (h.beforeFirstWrite ? [h.beforeFirstWrite.bind(h)] : []))
  if (gates.length) {
    out.beforeFirstWrite = async (dev) => {
      for (const g of gates) await g(dev)
    }
  }
  return out
}
