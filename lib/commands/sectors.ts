// qemu sees an image in whole 512-byte sectors: a 60000-byte file is 60416 bytes long to it
// (bdrv_getlength rounds up). The session opens its Device with `bounds: 'sectors'`, so the Device's
// one past-end check and the addon's EOF handling give that view (reads of the last partial sector
// past EOF return zeroes); writes there extend the file (growFor).
import type { Device, Extent, IoResult } from '../device'

/** bdrv_getlength: the size rounded up to whole sectors (the Device's `end` in the session). */
export function imageLength(dev: Device): number {
  return dev.end
}

/** Reads [offset, ...) into `parts`; an empty request is checked and timed by the Device alone. */
export async function readParts(dev: Device, offset: number, parts: Uint8Array[]): Promise<IoResult> {
  return parts.length === 0 ? dev.read(offset, 0) : dev.readv(offset, parts)
}

/** Writes `parts` at offset; an empty request is checked and timed by the Device alone. */
export async function writeParts(
  dev: Device,
  offset: number,
  parts: Uint8Array[],
  fua: boolean,
): Promise<IoResult> {
  return parts.length === 0 ? dev.write(offset, new Uint8Array(0)) : dev.writev(offset, parts, { fua })
}

/** Before a write that ends in the last partial sector: the file grows, as pwrite past EOF grows it. */
export async function growFor(dev: Device, end: number): Promise<number> {
  if (!dev.isBlockDevice && end > dev.size) return (await dev.truncate(end)).ns
  return 0
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
