// info (qemu-io-cmds.c info_f): qemu-io's lines for a raw image, then rawio's device geometry.
import type { Device } from '../device'
import { deviceOf } from './io'
import { defineCommand } from './spec'

/** qemu's format_name then protocol_name lines: the raw driver has no protocol name, file-posix has both. */
export function formatLines(format: string | undefined): string[] {
  const driver = format ?? 'raw'
  return driver === 'raw' ? ['format name: raw'] : [`format name: ${driver}`, `format name: ${driver}`]
}

const yesNo = (b: boolean | null) => (b === null ? 'unknown' : b ? 'yes' : 'no')

/** The geometry block: a header line and indented `name: value` lines (what rawio adds to qemu-io's info). */
export function geometryLines(dev: Device): string[] {
  const g = dev.geometry
  const i = dev.info()
  return [
    `rawio device: ${dev.path}`,
    `  kind: ${g.kind === 'block' ? 'block device' : 'regular file'}`,
    `  size: ${g.size} bytes`,
    `  engine: ${i.engine}`,
    `  cache mode: ${dev.cache} (O_DIRECT ${dev.direct ? 'on' : 'off'})`,
    `  read-only: ${yesNo(dev.readOnly)}`,
    `  alignment mode: ${dev.align}`,
    `  logical block size: ${g.logicalBlockSize}`,
    `  physical block size: ${g.physicalBlockSize}`,
    `  direct I/O memory alignment: ${g.dioMemAlign} (${g.dioAlignSource})`,
    `  direct I/O offset alignment: ${g.dioOffsetAlign}`,
    `  minimum I/O size: ${g.minIo}`,
    `  optimal I/O size: ${g.optIo}`,
    `  maximum transfer: ${g.maxTransfer}`,
    `  discard granularity: ${g.discardGranularity}`,
    `  discard maximum: ${g.discardMax}`,
    `  write zeroes maximum: ${g.writeZeroesMax}`,
    `  rotational: ${yesNo(g.rotational)}`,
    `  zoned: ${g.zoned}`,
    `  filesystem block size: ${g.fsBlockSize}`,
  ]
}

export const info = defineCommand({
  name: 'info',
  alt: 'i',
  argmin: 0,
  argmax: 0,
  oneline: 'prints information about the current file',
  parse: () => null,
  async execute({ session }) {
    const dev = deviceOf(session)
    await dev.length()
    return { format: session.image?.format, dev }
  },
  report({ format, dev }, out) {
    for (const line of formatLines(format)) out.info(line)
    out.info('cluster size: 0 bytes')
    out.info('vm state offset: 0 bytes')
    for (const line of geometryLines(dev)) out.info(line)
    out.result({ command: 'info', ok: true, format: format ?? 'raw', ...dev.info(), geometry: dev.geometry })
  },
})
