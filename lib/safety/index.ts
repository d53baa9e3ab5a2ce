// The safety layer's public surface: the write interlock and the interrupt helper.
export type { NativeSignature } from './binding'
export { combineHooks, isInterlockFailure, lazyInterlockHooks } from './hooks'
export {
  type CheckOptions,
  type CheckResult,
  checkTarget,
  describeSignature,
  type Finding,
  type FindingKind,
  guardDevice,
  InterlockError,
  type InterlockOptions,
  type InterlockReason,
  interlockHooks,
  interlockPolicy,
  isInterlockError,
} from './interlock'
export {
  exitStatusFor,
  Interrupt,
  type InterruptOptions,
  installInterrupt,
  type StopCallback,
} from './interrupt'
