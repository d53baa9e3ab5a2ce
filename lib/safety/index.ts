// The safety layer's public surface: the write interlock and the interrupt helper.
export type { NativeSignature } from './binding'
export {
  type CheckOptions,
  type CheckResult,
  checkTarget,
  combineHooks,
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
