// Opens a device, runs a test body on it and closes it, whatever the body threw.
import { Device, type OpenOptions } from '../../lib/index'

export async function withDevice<T>(
  path: string,
  opts: OpenOptions,
  fn: (dev: Device) => Promise<T>,
): Promise<T> {
  const dev = await Device.open(path, opts)
  try {
    return await fn(dev)
  } finally {
    await dev.close()
  }
}
