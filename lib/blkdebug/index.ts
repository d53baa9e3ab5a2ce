// Fault injection and request breakpoints (qemu's blkdebug) for rawio: the public surface. Loading
// it registers the blkdebug: opener with Device.open.
import './register'

export {
  type BlkdebugCommand,
  type BlkdebugCommandResult,
  blkdebugCommands,
  breakCommand,
  parseTimeout,
  removeBreakCommand,
  resumeCommand,
  waitBreakCommand,
} from './commands'
export {
  BlkdebugConfigError,
  type ConfigRule,
  type InjectErrorRule,
  parseBlkdebugConfig,
  parseBlkdebugFilename,
  type SetStateRule,
} from './config'
export { CONFIG_LIMIT, readBlkdebugConfig } from './config-file'
export { BlkdebugDriver, type BlkdebugDriverOptions } from './driver'
export { BLKDEBUG_EVENTS, type BlkdebugEvent, IO_TYPES, type IoType, RAW_PATH_EVENTS } from './events'
export { BlkdebugError, BlkdebugLayer, type WaitBreakOptions } from './layer'
export {
  type BlkdebugLimits,
  BlkdebugOptionError,
  LIMIT_OPTIONS,
  parseLimitOptions,
  validateLimits,
} from './limits'
export { type BlkdebugOpenOptions, type BlkdebugOptions, blkdebugOf, openBlkdebug } from './open'
