// The write interlock: before the first write, discard, write-zeroes or truncate on a block
// device, refuse when it (or a partition of it) is mounted or in use as swap (nothing overrides
// that), when another holder claims it, or when it carries a signature (force overrides those).
// Regular files are exempt. Reads never reach this gate.
import type { Device, DeviceHooks } from '../device'
import { ioError } from '../errors'
import { type NativeSignature, type NativeTargetReport, safetyBinding } from './binding'
import { type BlockUsage, blockUsage, holderKind, type ProcSources } from './block-usage'

export { combineHooks } from './hooks'

export type FindingKind =
  | 'mounted'
  | 'swap'
  | 'holder'
  | 'exclusive'
  | 'signature'
  | 'partition-table'
  | 'unverified'

/** The kind of refusal, as InterlockError.reason carries it. */
export type InterlockReason = 'mounted' | 'swap' | 'held' | 'signature' | 'unverified'

export interface Policy {
  reason: InterlockReason
  /** false: nothing but the user (umount, swapoff) clears it. */
  overridable: boolean
  /** Lower is more severe; the refusal names the most severe finding. */
  rank: number
}

/** The policy, as data: which finding refuses how, and what overrides it. */
export const interlockPolicy: Readonly<Record<FindingKind, Policy>> = {
  mounted: { reason: 'mounted', overridable: false, rank: 0 },
  // Writing under active swap corrupts the memory of running processes: like a mount, only
  // swapoff clears it.
  swap: { reason: 'swap', overridable: false, rank: 1 },
  holder: { reason: 'held', overridable: true, rank: 2 },
  exclusive: { reason: 'held', overridable: true, rank: 3 },
  signature: { reason: 'signature', overridable: true, rank: 4 },
  'partition-table': { reason: 'signature', overridable: true, rank: 4 },
  unverified: { reason: 'unverified', overridable: true, rank: 5 },
}

export interface Finding {
  kind: FindingKind
  overridable: boolean
  /** The device it was found on: the target, or one of its partitions (/dev/loop3p1). */
  device: string
  /** What was found, worded to follow the target's name: 'contains an ext4 filesystem (UUID ...)'. */
  text: string
  mountPoint?: string
  holder?: string
  signature?: NativeSignature
}

export interface CheckResult {
  /** True when a write may go ahead (nothing found, or only what `force` overrides). */
  ok: boolean
  path: string
  isBlockDevice: boolean
  /** Everything found, most severe first. */
  findings: Finding[]
  /** The findings that refuse the write (none when ok). */
  blocking: Finding[]
  /** Findings `force` overrode: the caller may warn about them. */
  overridden: Finding[]
}

export interface InterlockOptions {
  /** Override what can be overridden (signatures, other holders, an unverifiable device). */
  force?: boolean
  /** The advice in a refusal line for overridable findings (default 'Use --force to override.'). */
  overrideHint?: string
  /** Called when `force` let a write through despite findings (the CLI prints a warning). */
  onOverride?: (result: CheckResult) => void
}

export interface CheckOptions extends InterlockOptions {
  /** Where to probe, if not `path` itself (an open Device probes its own fd through /proc/self/fd). */
  probePath?: string
  /** We hold the device with O_EXCL ourselves: skip the trial O_EXCL open. */
  holdsExclusive?: boolean
  /** Where /sys and /proc live (tests). */
  sources?: ProcSources
}

/** A refused write: one line naming the device, what was found and how to override it. */
export class InterlockError extends Error {
  readonly code = 'ERR_RAWIO_INTERLOCK'
  readonly reason: InterlockReason
  readonly path: string
  /** False when nothing but the user (umount, swapoff) can clear it. */
  readonly overridable: boolean
  readonly findings: readonly Finding[]

  constructor(result: CheckResult, overrideHint = 'Use --force to override.') {
    super(refusalLine(result, overrideHint))
    this.name = 'InterlockError'
    const top = result.blocking[0]
    this.reason = interlockPolicy[top.kind].reason
    this.path = result.path
    this.overridable = result.blocking.every((f) => f.overridable)
    this.findings = result.findings
  }
}

export function isInterlockError(e: unknown): e is InterlockError {
  return e instanceof InterlockError
}

// 'an' before a vowel sound: ext4, and the spelled-out names (xfs, ntfs, f2fs, hfs, LVM, msdos).
const article = (word: string) => (/^([aeiou]|x|nt|f2|hfs|nilfs|lvm|ms)/i.test(word) ? 'an' : 'a')

/** 'an ext4 filesystem', 'a dos partition table', 'an LVM physical volume (LVM2_member)'... */
export function describeSignature(s: NativeSignature): string {
  if (s.chain === 'partitions') return `${article(s.type)} ${s.type} partition table`
  if (s.type === 'swap') return 'a swap signature'
  if (s.type === 'LVM2_member') return 'an LVM physical volume (LVM2_member)'
  if (s.type === 'linux_raid_member') return 'a Linux RAID member (linux_raid_member)'
  switch (s.usage) {
    case 'filesystem':
      return `${article(s.type)} ${s.type} filesystem`
    case 'raid':
      return `${article(s.type)} ${s.type} RAID signature`
    case 'crypto':
      return `an encrypted volume (${s.type})`
    default:
      return `${article(s.type)} ${s.type} signature`
  }
}

function signatureDetails(s: NativeSignature): string {
  const parts: string[] = []
  if (s.uuid) parts.push(`${s.chain === 'partitions' ? 'PTUUID' : 'UUID'} ${s.uuid}`)
  if (s.label) parts.push(`LABEL ${JSON.stringify(s.label)}`)
  return parts.length ? ` (${parts.join(', ')})` : ''
}

function refusalLine(result: CheckResult, overrideHint: string): string {
  const top = result.blocking[0]
  let what = top.text
  if (top.kind === 'signature' || top.kind === 'partition-table') {
    // All signatures of the same device in one sentence.
    const sigs = result.blocking.filter(
      (f) => (f.kind === 'signature' || f.kind === 'partition-table') && f.device === top.device,
    )
    what = `contains ${sigs.map((f) => f.text.replace(/^contains /, '')).join(' and ')}`
  }
  const subject = top.device === result.path ? result.path : `${result.path} (partition ${top.device})`
  const advice =
    top.kind === 'mounted'
      ? 'Unmount it first (--force does not override this).'
      : top.kind === 'swap'
        ? 'Run swapoff first (--force does not override this).'
        : overrideHint
  return `rawio: ${subject} ${what}; refusing to write. ${advice}`
}

function finding(kind: FindingKind, device: string, text: string, extra: Partial<Finding> = {}): Finding {
  return { kind, overridable: interlockPolicy[kind].overridable, device, text, ...extra }
}

/** Turns what the kernel and libblkid said into findings (pure: tested without devices). */
export function findingsOf(path: string, report: NativeTargetReport, usage: BlockUsage): Finding[] {
  const out: Finding[] = []
  const devName = (n: { name: string }) => (n === usage.self ? path : `/dev/${n.name.replace(/!/g, '/')}`)
  // A mount seen in our own namespace says it all; other namespaces' mounts of the same device (a
  // container's view of it, say) are named only when ours has none.
  const seenHere = new Set(usage.mounts.filter((m) => m.pid === undefined).map((m) => m.of))
  for (const { of, mount, pid } of usage.mounts) {
    if (pid !== undefined && seenHere.has(of)) continue
    const where = pid === undefined ? '' : ` (in the mount namespace of process ${pid})`
    out.push(
      finding('mounted', devName(of), `is mounted on ${mount.mountPoint}${where}`, {
        mountPoint: mount.mountPoint,
      }),
    )
  }
  for (const { of } of usage.swaps) out.push(finding('swap', devName(of), 'is in use as swap'))
  for (const { of, holder } of usage.holders) {
    out.push(finding('holder', devName(of), `is held by ${holder} (${holderKind(holder)})`, { holder }))
  }
  // A mount, a swap or a holder claims the device itself, so the trial open tells nothing new then.
  const explained = out.some((f) => f.device === path)
  if (report.exclusiveError === 'EBUSY' && !explained) {
    out.push(
      finding('exclusive', path, 'is open exclusively by another program (an O_EXCL open fails with EBUSY)'),
    )
  } else if (report.exclusiveError && report.exclusiveError !== 'EBUSY') {
    out.push(
      finding(
        'unverified',
        path,
        `cannot be checked for other users (O_EXCL open: ${report.exclusiveError})`,
      ),
    )
  }
  const sig = report.signatures
  if (sig) {
    if (!sig.available || sig.error) {
      const why = sig.reason ?? sig.error ?? 'unknown error'
      out.push(finding('unverified', path, `cannot be checked for signatures (${why})`))
    }
    for (const s of sig.found) {
      const kind = s.chain === 'partitions' ? 'partition-table' : 'signature'
      out.push(
        finding(kind, path, `contains ${describeSignature(s)}${signatureDetails(s)}`, { signature: s }),
      )
    }
  }
  return out.sort((a, b) => interlockPolicy[a.kind].rank - interlockPolicy[b.kind].rank)
}

/**
 * Checks a target the way the interlock does before a write. Regular files pass (image locking
 * is their guard). Throws an IoError when the target cannot be found at all.
 */
export async function checkTarget(path: string, opts: CheckOptions = {}): Promise<CheckResult> {
  if (typeof path !== 'string' || path === '') throw new TypeError('path must be a non-empty string')
  const safety = safetyBinding()
  const report = await safety.inspect(opts.probePath ?? path, { exclusive: !opts.holdsExclusive })
  if (report.statError) {
    throw ioError(report.statError as Parameters<typeof ioError>[0], 'stat', { path })
  }
  if (!report.isBlock)
    return { ok: true, path, isBlockDevice: false, findings: [], blocking: [], overridden: [] }
  const usage = blockUsage(report.major, report.minor, opts.sources)
  const findings = findingsOf(path, report, usage)
  const force = !!opts.force
  const blocking = findings.filter((f) => !(force && f.overridable))
  const overridden = findings.filter((f) => force && f.overridable)
  return { ok: blocking.length === 0, path, isBlockDevice: true, findings, blocking, overridden }
}

/** Runs the interlock for an open Device: throws InterlockError to refuse. */
export async function guardDevice(dev: Device, opts: InterlockOptions = {}): Promise<void> {
  // Device calls its gate from its constructor: let it finish before we look at it.
  await Promise.resolve()
  if (!dev.isBlockDevice) return
  const info = dev.info()
  // Probe the very device we opened (its fd), not whatever the path names by now.
  const probePath = info.open && info.fd >= 0 ? `/proc/self/fd/${info.fd}` : dev.path
  const result = await checkTarget(dev.path, { ...opts, probePath, holdsExclusive: info.exclusive })
  if (!result.ok) throw new InterlockError(result, opts.overrideHint)
  if (result.overridden.length > 0) opts.onOverride?.(result)
}

/** Hooks for Device.open(path, {hooks}) that put the interlock before the first write. */
export function interlockHooks(opts: InterlockOptions = {}): DeviceHooks {
  return { beforeFirstWrite: (dev) => guardDevice(dev, opts) }
}
