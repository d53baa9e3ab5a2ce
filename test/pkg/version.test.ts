// `rawio -V` as a capability report: the version line qemu-io's users know stays first; then the
// engines, the addon file in use, the build's io_uring features (each missing one with its reason)
// and libblkid; exit status 1 when no addon loads. Real processes (bin/rawio.js: build dist/ first).
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { describe, expect, it } from 'vitest'
import type { Capabilities } from '../../lib/capabilities'
import { capabilityLines } from '../../lib/cli/version'

const ROOT = resolve(__dirname, '../..')
const BIN = join(ROOT, 'bin/rawio.js')
const VERSION_LINE = 'rawio version 0.1.0 (qemu-io 7.2 command language)'

function rawio(args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

const names = [
  'SINGLE_ISSUER',
  'DEFER_TASKRUN',
  'COOP_TASKRUN',
  'URING_CMD',
  'submit_and_get_events',
  'register_buffers_update',
] as const

function loaded(over: Partial<Extract<Capabilities, { loaded: true }>> = {}): Capabilities {
  return {
    loaded: true,
    addon: { kind: 'prebuild', path: '/p/prebuilds/linux-x64/rawio.glibc.node' },
    engines: { io_uring: true, ioUringBuilt: true, threads: true },
    build: {
      uring: { built: true, liburing: '2.3', features: names.map((name) => ({ name, built: true })) },
      compiler: '12.2.0',
      staticCxx: true,
    },
    blkid: { available: true, library: 'libblkid.so.1', version: '2.38.1' },
    ...over,
  }
}

describe('capabilityLines (pure)', () => {
  it('a full build', () => {
    expect(capabilityLines(loaded())).toEqual([
      'engines: io_uring, threads',
      'addon: prebuild /p/prebuilds/linux-x64/rawio.glibc.node (libstdc++ static, gcc 12.2.0)',
      'io_uring: built with liburing 2.3; features: SINGLE_ISSUER DEFER_TASKRUN COOP_TASKRUN URING_CMD submit_and_get_events register_buffers_update',
      'libblkid: 2.38.1 (libblkid.so.1): signature check active',
    ])
  })

  it('liburing 2.1: each missing feature with its reason', () => {
    // 2.1 has the buffer table updates (io_uring_register_buffers_update_tag), nothing later
    const features = names.map((name) =>
      name === 'register_buffers_update'
        ? { name, built: true }
        : { name, built: false, reason: `built with liburing 2.1: no ${name}` },
    )
    const c = loaded({
      build: { uring: { built: true, liburing: '2.1', features }, staticCxx: false },
    })
    expect(capabilityLines(c).slice(2)).toEqual([
      'io_uring: built with liburing 2.1; features: register_buffers_update',
      'io_uring: built with liburing 2.1: no SINGLE_ISSUER',
      'io_uring: built with liburing 2.1: no DEFER_TASKRUN',
      'io_uring: built with liburing 2.1: no COOP_TASKRUN',
      'io_uring: built with liburing 2.1: no URING_CMD',
      'io_uring: built with liburing 2.1: no submit_and_get_events',
      'libblkid: 2.38.1 (libblkid.so.1): signature check active',
    ])
  })

  it('no liburing at build time, no libblkid at run time', () => {
    const c = loaded({
      engines: {
        io_uring: false,
        ioUringBuilt: false,
        threads: true,
        ioUringReason: 'rawio was built without liburing',
      },
      build: {
        uring: {
          built: false,
          liburing: null,
          reason: 'liburing.h was not found at build time',
          features: [],
        },
        staticCxx: false,
      },
      blkid: { available: false, reason: 'libblkid.so.1: cannot open shared object file' },
    })
    expect(capabilityLines(c)).toEqual([
      'engines: io_uring unavailable (rawio was built without liburing), threads',
      'addon: prebuild /p/prebuilds/linux-x64/rawio.glibc.node',
      'io_uring: not built: liburing.h was not found at build time',
      'libblkid: not loaded (libblkid.so.1: cannot open shared object file): signature check inactive, ' +
        'block-device writes are refused unless --force',
    ])
  })
})

describe('rawio -V as a process', () => {
  it('this build: version line first, then the report, exit 0', () => {
    const r = rawio(['-V'])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    const lines = r.stdout.split('\n')
    expect(lines[0]).toBe(VERSION_LINE)
    expect(lines[1]).toMatch(/^engines: (io_uring|io_uring unavailable \(.+\)), threads(, libaio)?$/)
    expect(lines[2]).toMatch(/^addon: (local build|prebuild|RAWIO_ADDON) \/.+\.node/)
    expect(lines.some((l) => /^io_uring: (built with liburing|not built)/.test(l))).toBe(true)
    expect(lines.at(-2)).toMatch(/^libblkid: /)
  })

  it('libblkid missing at run time: says so, how to install it, and that writes need --force', () => {
    const r = rawio(['-V'], { RAWIO_LIBBLKID: 'libblkid-missing.so.1' })
    expect(r.status).toBe(0)
    expect(r.stdout).toContain(
      'libblkid: not loaded (libblkid-missing.so.1: cannot open shared object file: No such file or directory; ' +
        'install libblkid (Debian/Ubuntu: apt-get install libblkid1;',
    )
    expect(r.stdout).toContain('signature check inactive, block-device writes are refused unless --force\n')
  })

  it('no addon can be loaded: exit 1, the version line kept, how to fix on stderr, no stack trace', () => {
    const r = rawio(['-V'], { RAWIO_ADDON: '/nonexistent/rawio.node' })
    expect(r.status).toBe(1)
    expect(r.stdout).toBe(
      `${VERSION_LINE}\nengines: none (rawio: could not load the native addon (Cannot find module '/nonexistent/rawio.node').)\n`,
    )
    expect(r.stderr).toContain('npm rebuild rawio')
    expect(r.stderr).not.toMatch(/\n\s+at |Require stack/)
  })
})
