// The public API surface, and nothing else (loading it plugs blkdebug: names into Device.open).
import './blkdebug/register'

export * from './bench'
export { allocAligned, isAligned } from './buffers'
export { type CacheMode, cacheModes } from './cache-modes'
export { type CommandResult, Session, type SessionOptions } from './commands'
export {
  type AlignMode,
  type BlockDriver,
  Device,
  type DeviceHooks,
  type DriverContext,
  type EngineChoice,
  type Extent,
  type Geometry,
  type IoResult,
  type OpenOptions,
  type ReadResult,
  type WriteOptions,
  type ZeroOptions,
} from './device'
export { StackedDriver, type WriteFlags, type ZeroFlags } from './driver'
export { IoError, UsageError } from './errors'
export type { EngineReport } from './native'
export * from './safety'

import { binding, type EngineReport } from './native'

/** Which engines this build and kernel can use. */
export function engines(): EngineReport {
  return binding().engines()
}
