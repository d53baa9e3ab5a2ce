// The light half of the interlock, for the CLI's start path: hooks that load the
// interlock itself only when a first write needs it, and hook composition.
import type { Device, DeviceHooks } from '../device'
import type { InterlockError, InterlockOptions } from './interlock'

/** interlockHooks(), with lib/safety/interlock loaded at the first write, not at start-up. */
export function lazyInterlockHooks(opts: InterlockOptions = {}): DeviceHooks {
  return { beforeFirstWrite: async (dev: Device) => (await import('./interlock')).guardDevice(dev, opts) }
}

/** isInterlockError() without loading the interlock: its errors carry this code. */
export function isInterlockFailure(e: unknown): e is InterlockError {
  return e instanceof Error && (e as { code?: unknown }).code === 'ERR_RAWIO_INTERLOCK'
}

/**
 * Combines hook sets (e.g. fault injection and the interlock): native wrappers nest in order,
 * gates run in order, events go to each.
 */
export function combineHooks(...sets: (DeviceHooks | undefined)[]): DeviceHooks {
  const hooks = sets.filter((h): h is DeviceHooks => h !== undefined)
  const out: DeviceHooks = {}
  const wrappers = hooks.flatMap((h) => (h.wrapNative ? [h.wrapNative.bind(h)] : []))
  if (wrappers.length) out.wrapNative = (n) => wrappers.reduce((acc, w) => w(acc), n)
  const gates = hooks.flatMap((h) => (h.beforeFirstWrite ? [h.beforeFirstWrite.bind(h)] : []))
  if (gates.length) {
    out.beforeFirstWrite = async (dev) => {
      for (const g of gates) await g(dev)
    }
  }
  const events = hooks.flatMap((h) => (h.event ? [h.event.bind(h)] : []))
  if (events.length) {
    out.event = async (name) => {
      for (const e of events) await e(name)
    }
  }
  return out
}
