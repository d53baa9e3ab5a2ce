// fio's disk_util: the I/O counters of the disk under the target (/sys/block/NAME/stat),
// read before and after the run; their difference is what fio reports. A partition counts
// as its disk (as fio does); a target on a filesystem without a block device (tmpfs) has none.
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import type { DiskUtil } from './fio-json'

export interface DiskSnapshot {
  name: string
  statPath: string
  /** /sys/block/NAME/stat fields (Documentation/block/stat.rst). */
  fields: number[]
  atMs: number
}

/** The sysfs directory of the disk holding `path`, or null. */
export function diskOf(path: string): { name: string; statPath: string } | null {
  try {
    const st = statSync(path)
    const dev = st.isBlockDevice() ? st.rdev : st.dev
    const major = Math.floor(dev / 256) & 0xfff
    const minor = (dev & 0xff) | ((Math.floor(dev / 4096) & 0xfff00) >>> 0)
    if (major === 0) return null // no block device (tmpfs, overlay, ...)
    let dir = realpathSync(`/sys/dev/block/${major}:${minor}`)
    if (existsSync(join(dir, 'partition'))) dir = dirname(dir)
    const statPath = join(dir, 'stat')
    return existsSync(statPath) ? { name: basename(dir), statPath } : null
  } catch {
    return null
  }
}

export function snapshotDisk(path: string): DiskSnapshot | null {
  const d = diskOf(path)
  if (!d) return null
  try {
    const fields = readFileSync(d.statPath, 'utf8').trim().split(/\s+/).map(Number)
    return { ...d, fields, atMs: Date.now() }
  } catch {
    return null
  }
}

/** The same disk's counters now. */
export function readDiskAgain(before: DiskSnapshot): DiskSnapshot | null {
  try {
    const fields = readFileSync(before.statPath, 'utf8').trim().split(/\s+/).map(Number)
    return { ...before, fields, atMs: Date.now() }
  } catch {
    return null
  }
}

/** fio's disk_util entry from two snapshots of the same disk. */
export function diskUtilBetween(before: DiskSnapshot, after: DiskSnapshot): DiskUtil {
  const delta = (i: number) => Math.max(0, (after.fields[i] ?? 0) - (before.fields[i] ?? 0))
  const ms = after.atMs - before.atMs
  return {
    name: before.name,
    read_ios: delta(0),
    write_ios: delta(4),
    read_merges: delta(1),
    write_merges: delta(5),
    read_ticks: delta(3),
    write_ticks: delta(7),
    in_queue: delta(10),
    util: ms > 0 ? Math.min(100, (100 * delta(9)) / ms) : 0,
  }
}
