// qemu sees an image in whole 512-byte sectors: a 60000-byte file is 60416 bytes long to it
// (bdrv_getlength rounds up). Reads of that last partial sector past EOF return zeroes, and writes
// there extend the file. These helpers give rawio the same view on top of the Device.
import type { Device, Extent } from '../device'
import { SECTOR } from './io'

/** bdrv_getlength: the size rounded up to whole sectors. */
export function imageLength(dev: Device): number {
  return Math.ceil(dev.size / SECTOR) * SECTOR
}

/** Reads [offset, offset + whole.length) into `parts` (views of `whole`); bytes past EOF are zero. */
export async function readParts(
  dev: Device,
  offset: number,
  whole: Uint8Array,
  parts: Uint8Array[],
): Promise<void> {
  if (whole.length === 0) return
  const inFile = Math.max(0, Math.min(whole.length, dev.size - offset))
  if (inFile === whole.length) {
    if (parts.length > 0) await dev.readv(offset, parts)
    return
  }
  whole.fill(0, inFile)
  if (inFile > 0) await dev.readv(offset, [whole.subarray(0, inFile)])
}

/** Before a write that ends in the last partial sector: the file grows, as pwrite past EOF grows it. */
export async function growFor(dev: Device, end: number): Promise<void> {
  if (!dev.isBlockDevice && end > dev.size) await dev.truncate(end)
}

/** The part of [offset, offset + bytes) that lies inside the file (discard has nothing to do past EOF). */
export function clipToFile(dev: Device, offset: number, bytes: number): number {
  return Math.max(0, Math.min(bytes, dev.size - offset))
}

/** Extents up to the sector-rounded end: the tail past EOF counts as the last byte's kind. */
export async function mapRange(dev: Device, offset: number, length: number): Promise<Extent[]> {
  const inFile = clipToFile(dev, offset, length)
  const extents = inFile > 0 ? await dev.map(offset, inFile) : []
  const tail = length - inFile
  if (tail > 0) {
    const last = extents[extents.length - 1]
    if (last) last.length += tail
    else extents.push({ offset: offset + inFile, length: tail, data: true })
  }
  return extents
}
