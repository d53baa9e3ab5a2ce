// What reached a block device, from /sys/block/NAME/stat (Documentation/block/stat.rst): read
// and write requests completed and their sectors. Loop devices we attach get nomerges=2, so one
// request sent is one request counted.
import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { basename } from 'node:path'

export interface DiskCounters {
  reads: number
  readBytes: number
  writes: number
  writeBytes: number
}

export function diskCounters(dev: string): DiskCounters {
  const f = readFileSync(`/sys/block/${basename(dev)}/stat`, 'utf8')
    .trim()
    .split(/\s+/)
    .map(Number)
  return { reads: f[0], readBytes: f[2] * 512, writes: f[4], writeBytes: f[6] * 512 }
}

export function diskDelta(before: DiskCounters, after: DiskCounters): DiskCounters {
  return {
    reads: after.reads - before.reads,
    readBytes: after.readBytes - before.readBytes,
    writes: after.writes - before.writes,
    writeBytes: after.writeBytes - before.writeBytes,
  }
}

/** No merging on this (our own) loop device, and udev's probe of the new device finished. */
export function quietLoop(dev: string): void {
  writeFileSync(`/sys/block/${basename(dev)}/queue/nomerges`, '2')
  try {
    execFileSync('udevadm', ['settle', '--timeout=10'], { stdio: 'ignore' })
  } catch {
    // no udev here: nothing probes the device either
  }
}

/** Counters around fn, once the device is quiet before it. */
export async function countAround<T>(
  dev: string,
  fn: () => Promise<T>,
): Promise<{ value: T; delta: DiskCounters }> {
  const before = diskCounters(dev)
  const value = await fn()
  return { value, delta: diskDelta(before, diskCounters(dev)) }
}
