// scripts/probe-liburing.js against real liburing releases: the sources of 2.1 and 2.3 under
// test/fixtures are compiled (scripts/build-liburing.sh) into throwaway prefixes, and the probe must
// find exactly the capabilities each release has. The addon built against each runs the native
// tests in scripts/uring-matrix.sh (a step of .ci/run).
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')
const PROBE = join(ROOT, 'scripts/probe-liburing.js')
const ALL = [
  'RAWIO_URING_SETUP_SINGLE_ISSUER',
  'RAWIO_URING_SETUP_DEFER_TASKRUN',
  'RAWIO_URING_SETUP_COOP_TASKRUN',
  'RAWIO_URING_OP_URING_CMD',
  'RAWIO_URING_SUBMIT_AND_GET_EVENTS',
  'RAWIO_URING_REGISTER_BUFFERS_UPDATE',
]

const cc = spawnSync('cc', ['--version']).status === 0 && spawnSync('c++', ['--version']).status === 0
const noCompiler = cc ? null : 'no C/C++ compiler (cc, c++) on PATH'
if (noCompiler) console.warn(`skipping the liburing probe tests: ${noCompiler}`)

function probe(mode: string, env: Record<string, string> = {}) {
  const r = spawnSync(process.execPath, [PROBE, mode], { encoding: 'utf8', env: { ...process.env, ...env } })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

let work = ''
const prefix = (v: string) => join(work, `liburing-${v}`)

beforeAll(() => {
  if (noCompiler) return
  work = mkdtempSync(join(tmpdir(), 'rawio-liburing-'))
  for (const v of ['2.1', '2.3']) {
    const r = spawnSync(
      'bash',
      [join(ROOT, 'scripts/build-liburing.sh'), join(ROOT, `test/fixtures/liburing-${v}`), prefix(v)],
      {
        encoding: 'utf8',
      },
    )
    if (r.status !== 0) throw new Error(`build-liburing ${v} failed:\n${r.stderr}`)
  }
}, 120_000)
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe.skipIf(!!noCompiler)('probe-liburing', () => {
  it('liburing 2.1 (Ubuntu 22.04): the engine and buffer table updates, none of the later capabilities', () => {
    const r = probe('defines', { RAWIO_LIBURING_PREFIX: prefix('2.1') })
    expect(r.status).toBe(0)
    expect(r.stdout.split(' ')).toEqual([
      'RAWIO_URING_PROBED',
      'RAWIO_HAVE_URING',
      'RAWIO_URING_REGISTER_BUFFERS_UPDATE',
      'RAWIO_LIBURING_VERSION_MAJOR=2',
      'RAWIO_LIBURING_VERSION_MINOR=1',
    ])
    expect(probe('include-dirs', { RAWIO_LIBURING_PREFIX: prefix('2.1') }).stdout).toBe(
      join(prefix('2.1'), 'include'),
    )
    expect(probe('libraries', { RAWIO_LIBURING_PREFIX: prefix('2.1') }).stdout).toBe(
      join(prefix('2.1'), 'lib/liburing.a'),
    )
  })

  it('liburing 2.3 (Debian 12): every capability', () => {
    const r = probe('defines', { RAWIO_LIBURING_PREFIX: prefix('2.3') })
    expect(r.stdout.split(' ')).toEqual([
      'RAWIO_URING_PROBED',
      'RAWIO_HAVE_URING',
      ...ALL,
      'RAWIO_LIBURING_VERSION_MAJOR=2',
      'RAWIO_LIBURING_VERSION_MINOR=3',
    ])
  })

  it('the JSON report names each capability', () => {
    const r = JSON.parse(probe('json', { RAWIO_LIBURING_PREFIX: prefix('2.1') }).stdout)
    expect(r).toMatchObject({
      have: true,
      version: { major: 2, minor: 1 },
      features: {
        SINGLE_ISSUER: false,
        DEFER_TASKRUN: false,
        COOP_TASKRUN: false,
        URING_CMD: false,
        submit_and_get_events: false,
        register_buffers_update: true,
      },
    })
  })

  it('a prefix without the library: no engine, and why (RAWIO_URING_MISSING=2)', () => {
    const empty = join(work, 'empty')
    const r = probe('json', { RAWIO_LIBURING_PREFIX: empty })
    expect(JSON.parse(r.stdout)).toMatchObject({ have: false, missing: 'library' })
    expect(probe('defines', { RAWIO_LIBURING_PREFIX: empty }).stdout).toBe(
      'RAWIO_URING_PROBED RAWIO_URING_MISSING=2',
    )
    expect(probe('libraries', { RAWIO_LIBURING_PREFIX: empty }).stdout).toBe('')
  })

  it('a prebuild (RAWIO_PORTABLE=1) fails instead of building without io_uring', () => {
    const r = probe('defines', { RAWIO_LIBURING_PREFIX: join(work, 'empty'), RAWIO_PORTABLE: '1' })
    expect(r.status).toBe(1)
    expect(r.stderr).toMatch(
      /^probe-liburing: a prebuild needs a static liburing 2\.0\+: liburing\.a not found/,
    )
  })

  it('RAWIO_NO_URING=1 builds without io_uring and says so (RAWIO_URING_MISSING=4)', () => {
    expect(probe('defines', { RAWIO_NO_URING: '1' }).stdout).toBe('RAWIO_URING_PROBED RAWIO_URING_MISSING=4')
  })

  it('CMake gets ;-separated lists', () => {
    const r = spawnSync(process.execPath, [PROBE, 'defines', 'cmake'], {
      encoding: 'utf8',
      env: { ...process.env, RAWIO_LIBURING_PREFIX: prefix('2.1') },
    })
    expect(r.stdout).toBe(
      'RAWIO_URING_PROBED;RAWIO_HAVE_URING;RAWIO_URING_REGISTER_BUFFERS_UPDATE;RAWIO_LIBURING_VERSION_MAJOR=2;RAWIO_LIBURING_VERSION_MINOR=1',
    )
  })
})
