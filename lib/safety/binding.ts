// The native surface of the write interlock (native/safety): its types, which lib/native.ts's
// Binding uses for `safety`, and the accessor.
import type { BlkidReport } from '../capabilities'
import { binding } from '../native'

/** An errno name ('EBUSY'), or null for success. */
export type ErrnoName = string | null

export interface NativeSignature {
  chain: 'superblocks' | 'partitions'
  /** TYPE (ext4, swap, LVM2_member, linux_raid_member, crypto_LUKS...) or PTTYPE (dos, gpt...). */
  type: string
  /** USAGE for superblocks: filesystem, raid, crypto, other. */
  usage?: string
  /** UUID, or PTUUID for a partition table. */
  uuid?: string
  label?: string
  version?: string
}

export interface NativeSignatureReport {
  /** Built with libblkid. */
  available: boolean
  /** Why the probe could not run (null when it ran). */
  error: ErrnoName
  reason?: string
  /** Several superblocks claim the device (blkid_do_safeprobe returned -2). */
  ambivalent: boolean
  found: NativeSignature[]
}

export interface NativeTargetReport {
  /** stat(2) failure, or null. */
  statError: ErrnoName
  isBlock: boolean
  major: number
  minor: number
  /** Result of a trial O_EXCL open: 'EBUSY' when another holder claims the device; undefined when not tried. */
  exclusiveError?: ErrnoName
  /** Present when asked for, on block devices. */
  signatures?: NativeSignatureReport
}

export interface InspectOptions {
  /** Try an O_EXCL open (default true). Off when we hold the device with O_EXCL ourselves. */
  exclusive?: boolean
  /** Read signatures with libblkid (default true). */
  signatures?: boolean
}

export interface NativeSafety {
  inspect(path: string, opts?: InspectOptions): Promise<NativeTargetReport>
  blkid: BlkidReport
}

/** The addon with its safety probes; a clear error if the loaded build predates them. */
export function safetyBinding(): NativeSafety {
  const b = binding()
  if (!b.safety) {
    throw new Error('rawio: the loaded native addon has no safety probes; rebuild it (npm rebuild)')
  }
  return b.safety
}
