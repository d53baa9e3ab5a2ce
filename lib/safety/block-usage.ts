// Who uses a block device, as /sys and /proc tell: its partitions, their holders
// (device-mapper, md, bcache...), mounts (in every mount namespace) and swaps, matched by major:minor.
import { readdirSync, readFileSync, readlinkSync, realpathSync, statSync } from 'node:fs'
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
  /** `pid`: the mount is in another mount namespace, the one of that process. */
  mounts: { of: BlockNode; mount: MountEntry; pid?: number }[]
  swaps: { of: BlockNode; path: string }[]
}

export interface ProcSources {
  /** Root of sysfs (tests point it at a fixture tree). */
  sys?: string
  /** One mountinfo file to read instead of every mount namespace's (tests). */
  mountinfo?: string
  /** Root of procfs, for the mount namespaces of every process (default /proc). */
  proc?: string
  swaps?: string
}

/** A mount table as one mount namespace sees it; `pid` is a process in it (null: this process's). */
export interface MountTable {
  pid: number | null
  text: string
}

/**
 * The mount tables of every mount namespace on the system: this process's own, then one per other
 * namespace (found through /proc/PID/ns/mnt of every process, each namespace read once through one
 * of its processes). A mount made in a private namespace (`unshare -m`) is invisible in ours, and
 * writing under it corrupts that filesystem just the same.
 */
export function mountTables(proc = '/proc'): MountTable[] {
  const nsOf = (pid: string) => {
    try {
      return readlinkSync(join(proc, pid, 'ns/mnt'))
    } catch {
      return null
    }
  }
  const seen = new Set<string>()
  const own = nsOf('self')
  if (own) seen.add(own)
  const tables: MountTable[] = [{ pid: null, text: readText(join(proc, 'self/mountinfo')) ?? '' }]
  for (const pid of list(proc)) {
    if (!/^\d+$/.test(pid)) continue
    const ns = nsOf(pid)
    if (ns === null || seen.has(ns)) continue
    const text = readText(join(proc, pid, 'mountinfo'))
    // A process that exited meanwhile: its namespace is met again through another process, or gone.
    if (text === null) continue
    seen.add(ns)
    tables.push({ pid: Number(pid), text })
  }
  return tables
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
  const tables =
    src.mountinfo !== undefined
      ? [{ pid: null, text: readText(src.mountinfo) ?? '' }]
      : mountTables(src.proc ?? '/proc')
  for (const table of tables) {
    for (const m of parseMountinfo(table.text)) {
      // By st_dev; and by the source path, for filesystems (btrfs) whose st_dev is anonymous.
      let of = byDev.get(m.dev)
      if (!of && m.source.startsWith('/dev/')) {
        const rdev = rdevOf(m.source)
        if (rdev) of = byDev.get(rdev)
      }
      if (of) mounts.push(table.pid === null ? { of, mount: m } : { of, mount: m, pid: table.pid })
    }
  }

  const swaps: BlockUsage['swaps'] = []
  for (const s of parseSwaps(readText(src.swaps ?? '/proc/swaps') ?? '')) {
    const rdev = rdevOf(s.path)
    const of = rdev ? byDev.get(rdev) : undefined
    if (of) swaps.push({ of, path: s.path })
  }
  return { self, isPartition, partitions, holders, mounts, swaps }
}
