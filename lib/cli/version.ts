// `rawio -V`: the version line qemu-io prints (kept first), then what this installation can do:
// engines, the addon in use, io_uring features of the build and libblkid. Exit status 1 when no
// native addon can be loaded, so that an install that cannot work says so.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { type Capabilities, capabilities } from '../capabilities'

export const QEMU_IO_VERSION = '7.2'

export interface VersionReport {
  out: string
  err: string
  status: number
}

function packageVersion(root: string): string {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version
  } catch {
    return 'unknown'
  }
}

/** The lines after the version line (pure: tested on hand-made reports). */
export function capabilityLines(c: Capabilities): string[] {
  if (!c.loaded) return [`engines: none (${c.error.split('\n')[0]})`]
  const e = c.engines
  const lines = [
    `engines: ${e.io_uring ? 'io_uring' : `io_uring unavailable (${e.ioUringReason ?? 'unknown'})`}, threads${e.libaio ? ', libaio' : ''}`,
  ]
  const b = c.build
  const how = b ? [b.staticCxx ? 'libstdc++ static' : '', b.compiler ? `gcc ${b.compiler}` : ''] : []
  const detail = how.filter(Boolean).join(', ')
  lines.push(`addon: ${c.addon.kind} ${c.addon.path}${detail ? ` (${detail})` : ''}`)
  if (b) {
    const u = b.uring
    if (!u.built) {
      lines.push(`io_uring: not built: ${u.reason ?? 'unknown reason'}`)
    } else {
      const version = u.liburing ? `liburing ${u.liburing}` : 'liburing of unknown version'
      const have = u.features.filter((f) => f.built).map((f) => f.name)
      lines.push(
        `io_uring: built with ${version}; features: ${have.length ? have.join(' ') : 'none beyond 2.0'}`,
      )
      for (const f of u.features) if (!f.built) lines.push(`io_uring: ${f.reason ?? `no ${f.name}`}`)
    }
  }
  const k = c.blkid
  if (k?.available) {
    lines.push(
      `libblkid: ${k.version ?? 'unknown version'} (${k.library ?? 'libblkid.so.1'}): signature check active`,
    )
  } else {
    lines.push(
      `libblkid: not loaded (${k?.reason ?? 'this addon has no signature check'}): signature check ` +
        'inactive, block-device writes are refused unless --force',
    )
  }
  return lines
}

export function versionReport(root: string, prog = 'rawio'): VersionReport {
  const head = `${prog} version ${packageVersion(root)} (qemu-io ${QEMU_IO_VERSION} command language)`
  const c = capabilities()
  const out = `${[head, ...capabilityLines(c)].join('\n')}\n`
  if (c.loaded) return { out, err: '', status: 0 }
  return { out, err: `${c.error}\n`, status: 1 }
}
