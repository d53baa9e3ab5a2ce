// Who uses a block device, as /sys and /proc tell: its partitions, their holders
// (device-mapper, md, bcache...), mounts and swaps, matched by major:minor.
import { readdirSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { basename, join } from 'node:path'
import { type MountEntry, parseMountinfo, parseSwaps, splitDev } from './proc-parse'

export interface BlockNode {
  /** Kernel name: 'loop3', 'loop3p1', 'sda'. */
  name: string
  /** 'major:minor'. */
  dev: string
}

export interface BlockUsage {
  self: BlockNode
  isPartition: boolean
  partitions: BlockNode[]
  /** Holders of the device or of one of its partitions. */
  holders: { of: BlockNode; holder: string }[]
  mounts: { of: BlockNode; mount: MountEntry }[]
  swaps: { of: BlockNode; path: string }[]
}

export interface ProcSources {
  /** Root of sysfs (tests point it at a fixture tree). */
  sys?: string
  mountinfo?: string
  swaps?: string
}

function readText(path: string): string | null {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    return null
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir)
  } catch {
    return []
  }
}

/** The device number of a block special file, or null (not a block device, or gone). */
function rdevOf(path: string): string | null {
  try {
    const st = statSync(path, { bigint: true })
    if (!st.isBlockDevice()) return null
    const { major, minor } = splitDev(st.rdev)
    return `${major}:${minor}`
  } catch {
    return null
  }
}

/** Describes a holder by its kernel name: dm-0 is device-mapper, md0 is md RAID. */
export function holderKind(name: string): string {
  if (name.startsWith('dm-')) return 'device-mapper'
  if (name.startsWith('md')) return 'md RAID'
  if (name.startsWith('bcache')) return 'bcache'
  if (name.startsWith('drbd')) return 'DRBD'
  return 'another block device'
}

/** Everything that uses the block device major:minor (or its partitions). */
export function blockUsage(major: number, minor: number, src: ProcSources = {}): BlockUsage {
  const sys = src.sys ?? '/sys'
  const devStr = `${major}:${minor}`
  let dir: string
  try {
    dir = realpathSync(join(sys, 'dev/block', devStr))
  } catch {
    dir = ''
  }
  const self: BlockNode = { name: dir ? basename(dir) : devStr, dev: devStr }
  const isPartition = dir !== '' && readText(join(dir, 'partition')) !== null
  const partitions: BlockNode[] = []
  if (dir && !isPartition) {
    for (const entry of list(dir)) {
      if (readText(join(dir, entry, 'partition')) === null) continue
      const dev = readText(join(dir, entry, 'dev'))?.trim()
      if (dev) partitions.push({ name: entry, dev })
    }
  }
  const nodes = [self, ...partitions]
  const byDev = new Map(nodes.map((n) => [n.dev, n]))

  const holders: BlockUsage['holders'] = []
  if (dir) {
    for (const n of nodes) {
      const hdir = n === self ? join(dir, 'holders') : join(dir, n.name, 'holders')
      for (const holder of list(hdir)) holders.push({ of: n, holder })
    }
  }

  const mounts: BlockUsage['mounts'] = []
  const mountinfo = readText(src.mountinfo ?? '/proc/self/mountinfo') ?? ''
  for (const m of parseMountinfo(mountinfo)) {
    // By st_dev; and by the source path, for filesystems (btrfs) whose st_dev is anonymous.
    let of = byDev.get(m.dev)
    if (!of && m.source.startsWith('/dev/')) {
      const rdev = rdevOf(m.source)
      if (rdev) of = byDev.get(rdev)
    }
    if (of) mounts.push({ of, mount: m })
  }

  const swaps: BlockUsage['swaps'] = []
  for (const s of parseSwaps(readText(src.swaps ?? '/proc/swaps') ?? '')) {
    const rdev = rdevOf(s.path)
    const of = rdev ? byDev.get(rdev) : undefined
    if (of) swaps.push({ of, path: s.path })
  }
  return { self, isPartition, partitions, holders, mounts, swaps }
}
