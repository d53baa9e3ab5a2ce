// The prebuilt addons the package ships (scripts/prebuild.sh): each needs no glibc symbol newer
// than 2.28 (objdump -T), links liburing and libstdc++ statically, and works: the x64 one loads in
// this Node from a package directory without build/ (as an install with --ignore-scripts has it);
// the arm64 one runs under qemu-aarch64 with Debian's arm64 Node.js (scripts/arm64-node.sh):
// rawio -V, then a write and a read on a file whose bytes are checked from here.
import { execFile, spawnSync } from 'node:child_process'
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')
// biome-ignore lint/suspicious/noExplicitAny: a CommonJS script without types
const checker: any = require(join(ROOT, 'scripts/check-prebuilds.js'))
const ARM64_NODE = process.env.RAWIO_ARM64_NODE ?? '/tmp/rawio-arm64-node'
const haveObjdump = spawnSync('objdump', ['--version']).status === 0
const qemu = ['qemu-aarch64-static', 'qemu-aarch64'].find((q) => spawnSync(q, ['--version']).status === 0)

function skipWhy(arch: 'x64' | 'arm64'): string | null {
  if (!checker.prebuildFile(arch)) return `no prebuilds/linux-${arch} (npm run prebuilds builds it)`
  if (!haveObjdump) return 'no objdump (binutils)'
  const stale = (checker.check(arch) as string[]).find((p) => p.includes('older than native/'))
  return stale ? `${stale} (a developer build; CI builds them first)` : null
}
const why = { x64: skipWhy('x64'), arm64: skipWhy('arm64') }
for (const [arch, w] of Object.entries(why)) if (w) console.warn(`skipping the ${arch} prebuild tests: ${w}`)

const work = mkdtempSync(join(tmpdir(), 'rawio-prebuilds-'))
afterAll(() => rmSync(work, { recursive: true, force: true }))

/** A package directory as npm installs it: the files it ships, no build/, node-gyp-build beside it. */
function stage(name: string): string {
  const dir = join(work, name)
  mkdirSync(join(dir, 'node_modules'), { recursive: true })
  for (const f of ['package.json', 'dist', 'bin', 'prebuilds'])
    cpSync(join(ROOT, f), join(dir, f), { recursive: true })
  symlinkSync(join(ROOT, 'node_modules/node-gyp-build'), join(dir, 'node_modules/node-gyp-build'))
  return dir
}

describe.each(['x64', 'arm64'] as const)('prebuilds/linux-%s', (arch) => {
  it.skipIf(!!why[arch])('needs glibc 2.28 at most; liburing and libstdc++ are linked in', () => {
    const versions: Map<string, string> = checker.glibcVersions(checker.prebuildFile(arch))
    const newest = [...new Set(versions.values())].sort((a, b) =>
      a.localeCompare(b, 'en', { numeric: true }) > 0 ? -1 : 1,
    )
    console.log(`linux-${arch}: glibc versions needed: ${newest.join(' ')}`)
    expect(checker.check(arch)).toEqual([])
    expect(newest[0]).toBe(checker.GLIBC_MAX)
  })
})

describe.skipIf(!!why.x64 || process.arch !== 'x64')(
  'the x64 prebuild, loaded as an installed package',
  () => {
    it('rawio -V names the prebuild; a write and a read on a file', () => {
      const dir = stage('x64')
      const run = (args: string[]) =>
        spawnSync(process.execPath, [join(dir, 'bin/rawio.js'), ...args], { encoding: 'utf8' })
      const v = run(['-V'])
      expect(v.status).toBe(0)
      expect(v.stdout).toContain(
        `addon: prebuild ${join(dir, 'prebuilds/linux-x64/rawio.glibc.node')} (libstdc++ static`,
      )
      expect(v.stdout).toMatch(/^io_uring: built with liburing \d+\.\d+; features: /m)
      const img = join(work, 'x64.img')
      writeFileSync(img, Buffer.alloc(1 << 20))
      const r = run(['-n', '-c', 'write -q -P 0xab 4k 64k', '-c', 'read -q -P 0xab 4k 64k', img])
      expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' })
      const data = readFileSync(img)
      expect(data.subarray(4096, 4096 + 65536).every((b) => b === 0xab)).toBe(true)
      expect(data.subarray(0, 4096).every((b) => b === 0)).toBe(true)
    })
  },
)

const noArm64Run =
  why.arm64 ??
  (!qemu ? 'no qemu-aarch64 (apt-get install qemu-user-static)' : null) ??
  (!existsSync(join(ARM64_NODE, 'usr/bin/node'))
    ? `no arm64 Node.js in ${ARM64_NODE} (bash scripts/arm64-node.sh)`
    : null)
if (noArm64Run && !why.arm64) console.warn(`skipping the arm64 qemu smoke test: ${noArm64Run}`)

describe.skipIf(!!noArm64Run)('the arm64 prebuild under qemu-aarch64', () => {
  /** Debian's arm64 node under qemu, without blocking the test worker (each run takes seconds). */
  const node = (args: string[]) =>
    new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const argv = [
        '-L',
        ARM64_NODE,
        '-E',
        `LD_LIBRARY_PATH=${ARM64_NODE}/lib/aarch64-linux-gnu:${ARM64_NODE}/usr/lib/aarch64-linux-gnu`,
        join(ARM64_NODE, 'usr/bin/node'),
        ...args,
      ]
      execFile(qemu as string, argv, { encoding: 'utf8', timeout: 120_000 }, (err, stdout, stderr) => {
        done({ status: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr })
      })
    })

  it('rawio -V, then a write and a read on a file, bytes checked', async () => {
    const dir = stage('arm64')
    const v = await node([join(dir, 'bin/rawio.js'), '-V'])
    console.log(v.stdout)
    expect(v.status).toBe(0)
    expect(v.stdout).toContain(`addon: prebuild ${join(dir, 'prebuilds/linux-arm64/rawio.glibc.node')}`)
    // qemu-user does not implement io_uring_setup: the threads engine runs.
    expect(v.stdout).toMatch(/^engines: (io_uring|io_uring unavailable \(.+\)), threads$/m)
    expect(v.stdout).toMatch(/^libblkid: [\d.]+ \(libblkid\.so\.1\): signature check active$/m)
    const img = join(work, 'arm64.img')
    writeFileSync(img, Buffer.alloc(1 << 20))
    const r = await node([
      join(dir, 'bin/rawio.js'),
      '-n',
      '-c',
      'write -q -P 0xcd 64k 128k',
      '-c',
      'read -q -P 0xcd 64k 128k',
      img,
    ])
    expect({ status: r.status, stdout: r.stdout, stderr: r.stderr }).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    })
    const data = readFileSync(img)
    expect(data.subarray(65536, 65536 + 131072).every((b) => b === 0xcd)).toBe(true)
    expect(data.subarray(0, 65536).every((b) => b === 0)).toBe(true)
  }, 300_000)
})
