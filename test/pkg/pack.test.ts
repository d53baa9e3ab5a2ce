// The npm package as a user gets it: `npm pack` (its prepack builds the man page, completion and any
// stale prebuild, and fails without them), then an install of the tarball into an empty directory
// with --ignore-scripts (pnpm's default: nothing is compiled), then `npx rawio -V`, a require, an
// ESM import, and TypeScript consumers (CommonJS and ESM) compiled with tsc --strict.
import { execFile, spawnSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const ROOT = resolve(__dirname, '../..')
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc')
const check = spawnSync(process.execPath, [join(ROOT, 'scripts/check-prebuilds.js')], { encoding: 'utf8' })
const noPrebuilds = check.status === 0 ? null : `the prebuilds are missing or stale (${check.stderr.trim()})`
const noNpm = spawnSync('npm', ['--version']).status === 0 ? null : 'no npm on PATH'
const skip = noNpm ?? noPrebuilds
if (skip) console.warn(`skipping the package tests: ${skip}; npm run prebuilds makes them`)

let work = ''
let app = ''
let tarball = ''
/** Runs a program without blocking the test worker (npm pack and tsc take a while). */
const sh = (cmd: string, args: string[], cwd: string) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
    execFile(cmd, args, { cwd, encoding: 'utf8', maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      const status = err ? (typeof err.code === 'number' ? err.code : 1) : 0
      done({ status, stdout: stdout ?? '', stderr: stderr ?? '' })
    })
  })

beforeAll(async () => {
  if (skip) return
  work = mkdtempSync(join(tmpdir(), 'rawio-pack-'))
  const packed = await sh('npm', ['pack', '--silent', '--pack-destination', work], ROOT)
  if (packed.status !== 0) throw new Error(`npm pack failed:\n${packed.stderr}`)
  tarball = join(work, readdirSync(work).find((f) => f.endsWith('.tgz')) as string)
  app = join(work, 'app')
  mkdirSync(app)
  writeFileSync(join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }))
  const inst = await sh(
    'npm',
    ['install', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline', tarball],
    app,
  )
  if (inst.status !== 0) throw new Error(`npm install of the tarball failed:\n${inst.stderr}`)
}, 600_000)
afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true })
})

describe.skipIf(!!skip)('the packed tarball, installed with --ignore-scripts', () => {
  it('holds the prebuilds, the man page, the completion, docs, LICENSE and CHANGELOG; no tests', async () => {
    const list = (await sh('tar', ['-tzf', tarball], work)).stdout.split('\n')
    for (const f of [
      'package/prebuilds/linux-x64/rawio.glibc.node',
      'package/prebuilds/linux-arm64/rawio.glibc.node',
      'package/man/rawio.1',
      'package/completion/rawio.bash',
      'package/docs/cli.md',
      'package/LICENSE',
      'package/CHANGELOG.md',
      'package/README.md',
      'package/dist/lib/index.d.ts',
      'package/binding.gyp',
      'package/scripts/probe-liburing.js',
    ]) {
      expect(list).toContain(f)
    }
    expect(list.filter((f) => /^package\/(test|dist\/test|build)\//.test(f))).toEqual([])
  })

  it('npx rawio -V: the prebuild is in use, exit 0', async () => {
    const r = await sh('npx', ['--no-install', 'rawio', '-V'], app)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^rawio version \d+\.\d+\.\d+ \(qemu-io 7\.2 command language\)\n/)
    expect(r.stdout).toContain(
      `addon: prebuild ${join(app, 'node_modules/rawio/prebuilds/linux-x64/rawio.glibc.node')}`,
    )
  })

  it('rawio -c from the installed package: the start-up cache is made there, then used', async () => {
    const list = (await sh('tar', ['-tzf', tarball], work)).stdout.split('\n')
    expect(list.filter((f) => f.includes('.cli-cache'))).toEqual([])
    const img = join(work, 'img')
    writeFileSync(img, Buffer.alloc(1 << 20))
    const bin = join(app, 'node_modules/.bin/rawio')
    for (let run = 0; run < 2; run++) {
      const r = await sh(bin, ['-f', 'raw', '-c', 'write -P 9 0 4k', '-c', 'read -P 9 0 4k', img], app)
      expect(r).toMatchObject({ status: 0, stderr: '' })
      expect(r.stdout).toMatch(/^wrote 4096\/4096 bytes at offset 0\n.*\nread 4096\/4096 bytes at offset 0\n/)
    }
    const cache = join(app, 'node_modules/rawio/dist/.cli-cache')
    expect(readdirSync(cache)).toEqual([`${process.version}-${process.arch}.pack`])
  })

  it('require() and an ESM import see the same API', async () => {
    const names = "['Device','Session','Reporter','IoError','capabilities','engines','checkTarget','bench']"
    const cjs = await sh(
      process.execPath,
      ['-e', `const r = require('rawio'); console.log(${names}.map((n) => typeof r[n]).join(' '))`],
      app,
    )
    expect(cjs).toMatchObject({
      status: 0,
      stdout: 'function function function function function function function function\n',
    })
    const esm = await sh(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `import * as r from 'rawio'; import { Device } from 'rawio'; console.log(typeof Device, ${names}.map((n) => typeof r[n]).join(' '))`,
      ],
      app,
    )
    expect(esm).toMatchObject({
      status: 0,
      stdout: 'function function function function function function function function function\n',
    })
    const sub = await sh(
      process.execPath,
      ['-e', "console.log(typeof require('rawio/bench').parseBenchArgs, require('rawio/package.json').name)"],
      app,
    )
    expect(sub.stdout).toBe('function rawio\n')
    const closed = await sh(process.execPath, ['-e', "require('rawio/dist/lib/device.js')"], app)
    expect(closed.status).toBe(1)
    expect(closed.stderr).toContain('ERR_PACKAGE_PATH_NOT_EXPORTED')
  })

  it('TypeScript consumers (CommonJS and ESM) compile with tsc --strict', async () => {
    const code = `import { Device, Session, Reporter, stringSink, capabilities, type Capabilities, type Geometry, type IoResult, type BenchResult } from 'rawio'
export async function use(path: string): Promise<number> {
  const caps: Capabilities = capabilities()
  const dev = await Device.open(path, { cache: 'none', engine: 'auto' })
  const g: Geometry = dev.geometry
  const w: IoResult = await dev.write(0, dev.allocBuffer(g.logicalBlockSize))
  await dev.close()
  const sink = stringSink()
  const session = new Session({ reporter: new Reporter(sink, 'human') })
  await session.run('help')
  const r: BenchResult | null = null
  return (caps.loaded ? 1 : 0) + w.bytes + sink.stdout.length + (r === null ? 0 : 1)
}
`
    writeFileSync(join(app, 'consumer.ts'), code)
    writeFileSync(join(app, 'consumer.mts'), code)
    const args = [
      '--strict',
      '--noEmit',
      '--module',
      'node16',
      '--moduleResolution',
      'node16',
      '--target',
      'es2022',
    ]
    const types = ['--typeRoots', join(ROOT, 'node_modules/@types'), '--types', 'node']
    for (const f of ['consumer.ts', 'consumer.mts']) {
      const r = await sh(process.execPath, [TSC, ...args, ...types, f], app)
      expect({ file: f, status: r.status, out: r.stdout }).toEqual({ file: f, status: 0, out: '' })
    }
  }, 300_000)
})
