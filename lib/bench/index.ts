// The bench API surface (for lib/index.ts to re-export); loading it adds Device.bench().
import './device-bench'

export type { BenchEngine, BenchPhase, RwMode } from './binding'
export { runBenchCli } from './cli'
export { runBenchCommand } from './command'
export { type ResolvedJob, resolveJob, type TargetInfo } from './job'
export { benchUsage, type JobOptions, jobOptionTable, type OutputOptions, parseBenchArgs } from './options'
export type { BenchProgress } from './progress'
export { csvFields } from './report'
export { formatReports, type ReportItem, reporterFor } from './report-set'
export { type BenchResult, benchSchema, type JobSummary, type VerifySummary, verifyFailed } from './result'
export { type BenchFailure, BenchRun, bench, probeTarget, startBench } from './run'
export { type DirSummary, fioPercentiles, type LatencySummary, type TimeSeries } from './stats'
