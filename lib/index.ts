// The public API surface, and nothing else (loading it plugs blkdebug: names into Device.open).
import './blkdebug/register'

export * from './bench'
export type {
  DistributionKind,
  NativeBenchJob,
  NativeDepth,
  NativeDistribution,
  NativeVerifyResult,
  StampKind,
} from './bench/binding'
export type { BenchIo, BenchOutcome } from './bench/cli'
export type { BenchReporterSink, BenchSession } from './bench/command'
export type { ImageLocks } from './bench/image-lock'
export type { EngineAvailability } from './bench/job'
export type { LogJobOptions, LogPlan } from './bench/log-options'
export type {
  BenchArgs,
  OptionDef as BenchOptionDef,
  OutputFormat,
  Table as BenchOptionTable,
} from './bench/options'
export type { PreconditionSummary } from './bench/precondition'
export type { DirRate, ProgressStream } from './bench/progress'
export type { BenchReporter } from './bench/report'
export type { SetContext } from './bench/report-set'
export type { CpuSummary, SyncSummary } from './bench/result'
export type { BenchRunOptions } from './bench/run'
export type { Buckets, SeriesDir } from './bench/stats'
export type { SsMetric, SteadyStateSpec } from './bench/steady-state'
export { allocAligned, isAligned } from './buffers'
// Types the public signatures use, from the modules that declare them.
export type { CacheSemantics } from './cache-modes'
export { type CacheMode, cacheModes } from './cache-modes'
export {
  type BlkidReport,
  type BuildReport,
  type Capabilities,
  capabilities,
  type UringFeature,
} from './capabilities'
export { type CommandResult, Session, type SessionOptions } from './commands'
export type { AioJob, DiscardMode, ImageOptions } from './commands/state'
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
  type RegisteredBuffer,
  type WriteOptions,
  type ZeroOptions,
} from './device'
export { StackedDriver, type WriteFlags, type ZeroFlags } from './driver'
export { IoError, type IoErrorProps, UsageError } from './errors'
export type {
  AddonOrigin,
  Buffers,
  EngineReport,
  NativeDevice,
  NativeDeviceInfo,
  NativeGeometry,
  NativeOpenOptions,
  WaitEstimate,
  WaitInfo,
} from './native'
export { type RawWindow, RawWindowError } from './raw-window'
export { type IoReportOptions, type OutputMode, processSink, Reporter, type Sink, stringSink } from './report'
export * from './safety'
export type { ProcSources } from './safety/block-usage'
export type { Policy as InterlockPolicyEntry } from './safety/interlock'
export type { IoStats } from './units'

import { binding, type EngineReport } from './native'

/** Which engines this build and kernel can use. */
export function engines(): EngineReport {
  return binding().engines()
}
