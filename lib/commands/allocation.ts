// alloc and map (qemu-io-cmds.c alloc_f, map_f), in qemu-io's line formats but with the real data and
// holes of the target (SEEK_DATA/SEEK_HOLE), where qemu-io calls every byte of a raw image allocated.
import type { Extent } from '../device'
import { IoError } from '../errors'
import { hex, int } from '../printf'
import { cvtstr } from '../units'
import { deviceOf, SECTOR, strerror } from './io'
import { imageLength, mapRange } from './sectors'
import { defineCommand, failOut, failReport, num } from './spec'

/** Bytes of data in `extents` (which cover [offset, offset + count) clipped to the image). */
export function allocatedBytes(extents: readonly Extent[]): number {
  return extents.reduce((sum, e) => sum + (e.data ? e.length : 0), 0)
}

/** alloc's line: `sum/count bytes allocated at offset <cvtstr(offset)>`. */
export function allocLine(allocated: number, count: number, offset: number): string {
  return `${int(allocated)}/${int(count)} bytes allocated at offset ${cvtstr(offset)}`
}

/** One map line: `<size> (0x<size>) bytes [not] allocated at offset <off> (0x<off>)`. */
export function mapLine(e: Extent): string {
  const status = e.data ? '    allocated' : 'not allocated'
  return `${cvtstr(e.length)} (0x${hex(e.length)}) bytes ${status} at offset ${cvtstr(e.offset)} (0x${hex(e.offset)})`
}

export const alloc = defineCommand({
  name: 'alloc',
  alt: 'a',
  argmin: 1,
  argmax: 2,
  args: 'offset [count]',
  oneline: 'checks if offset is allocated in the file',
  parse({ operands }, ctx) {
    const offset = num(operands[0], ctx)
    const count = operands.length === 2 ? num(operands[1], ctx) : SECTOR
    return { offset, count }
  },
  async execute({ session }, req) {
    const dev = deviceOf(session)
    try {
      await dev.length()
      const size = imageLength(dev)
      // qemu stops where the image ends: the count shrinks to what exists.
      const count = req.offset >= size ? 0 : Math.min(req.count, size - req.offset)
      const extents = count > 0 ? await mapRange(dev, req.offset, count) : []
      return { offset: req.offset, count, allocated: allocatedBytes(extents), extents }
    } catch (e) {
      if (!(e instanceof IoError)) throw e
      throw failOut(`is_allocated failed: ${strerror(e)}`, e.code)
    }
  },
  report(res, out) {
    out.info(allocLine(res.allocated, res.count, res.offset))
    out.result({ command: 'alloc', ok: true, offset: res.offset, count: res.count, allocated: res.allocated })
  },
})

export const map = defineCommand({
  name: 'map',
  argmin: 0,
  argmax: 0,
  args: '',
  oneline: 'prints the allocated areas of a file',
  parse: () => null,
  async execute({ session }) {
    const dev = deviceOf(session)
    let size: number
    try {
      await dev.length()
      size = imageLength(dev)
    } catch (e) {
      if (!(e instanceof IoError)) throw e
      throw failReport(`Failed to query image length: ${strerror(e)}`, e.code)
    }
    try {
      return { extents: size > 0 ? await mapRange(dev, 0, size) : [] }
    } catch (e) {
      if (!(e instanceof IoError)) throw e
      throw failReport(`Failed to get allocation status: ${strerror(e)}`, e.code)
    }
  },
  report(res, out) {
    for (const e of res.extents) out.info(mapLine(e))
    out.result({ command: 'map', ok: true, extents: res.extents })
  },
})
