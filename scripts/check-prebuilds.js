#!/usr/bin/env node
// Fails (exit 1) unless every prebuild the package ships is there, is built for its architecture,
// is not older than the native sources, and needs no glibc symbol newer than GLIBC_MAX.
// `npm pack` runs it (prepack), so a tarball without a prebuild cannot be made.
//   node scripts/check-prebuilds.js [x64] [arm64]   (default: both)

const { spawnSync } = require('node:child_process')
const fs = require('node:fs')
const path = require('node:path')

const ROOT = path.join(__dirname, '..')
/** The floor of Node.js 20's own Linux binaries; README.md states it. */
const GLIBC_MAX = '2.28'
const MACHINE = { x64: 62, arm64: 183 } // ELF e_machine: EM_X86_64, EM_AARCH64

const cmp = (a, b) => {
  const x = a.split('.').map(Number)
  const y = b.split('.').map(Number)
  for (let i = 0; i < Math.max(x.length, y.length); i++)
    if ((x[i] ?? 0) !== (y[i] ?? 0)) return (x[i] ?? 0) - (y[i] ?? 0)
  return 0
}

/** The file node-gyp-build would load for linux-<arch> with glibc, or null. */
function prebuildFile(arch) {
  const dir = path.join(ROOT, 'prebuilds', `linux-${arch}`)
  if (!fs.existsSync(dir)) return null
  const f = fs
    .readdirSync(dir)
    .find((n) => /\.napi\b.*\.glibc\.node$|\.glibc\.napi\.node$/.test(n) || n.endsWith('.glibc.node'))
  return f ? path.join(dir, f) : null
}

/** GLIBC_x.y versions the file's dynamic symbols need (objdump -T). */
function glibcVersions(file) {
  const r = spawnSync('objdump', ['-T', file], { encoding: 'utf8' })
  if (r.status !== 0) throw new Error(`objdump -T ${file} failed: ${r.stderr || r.error}`)
  const out = new Map()
  for (const line of r.stdout.split('\n')) {
    const m = /\(?GLIBC_(\d+(?:\.\d+)+)\)?\s+(\S+)\s*$/.exec(line)
    if (m) out.set(m[2], m[1])
  }
  return out
}

function newestSource() {
  let newest = 0
  const walk = (d) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name)
      if (e.isDirectory()) walk(p)
      else newest = Math.max(newest, fs.statSync(p).mtimeMs)
    }
  }
  walk(path.join(ROOT, 'native'))
  for (const f of ['binding.gyp', 'scripts/probe-liburing.js'])
    newest = Math.max(newest, fs.statSync(path.join(ROOT, f)).mtimeMs)
  return newest
}

function check(arch) {
  const file = prebuildFile(arch)
  if (!file) return [`prebuilds/linux-${arch}: missing (run: npm run prebuilds)`]
  const problems = []
  const elf = fs.readFileSync(file).subarray(0, 20)
  if (elf.readUInt16LE(18) !== MACHINE[arch]) problems.push(`${file}: not an ${arch} ELF file`)
  if (fs.statSync(file).mtimeMs < newestSource())
    problems.push(`${file}: older than native/ (run: npm run prebuilds)`)
  const versions = glibcVersions(file)
  const over = [...versions].filter(([, v]) => cmp(v, GLIBC_MAX) > 0)
  for (const [sym, v] of over) problems.push(`${file}: needs ${sym}@GLIBC_${v}, newer than ${GLIBC_MAX}`)
  const dyn = spawnSync('objdump', ['-p', file], { encoding: 'utf8' }).stdout
  for (const lib of ['liburing', 'libstdc++']) {
    if (dyn.includes(`NEEDED               ${lib}`)) problems.push(`${file}: links ${lib} dynamically`)
  }
  return problems
}

module.exports = { check, glibcVersions, prebuildFile, GLIBC_MAX }

if (require.main === module) {
  const archs = process.argv.slice(2)
  const problems = (archs.length ? archs : ['x64', 'arm64']).flatMap(check)
  if (problems.length) {
    process.stderr.write(`check-prebuilds: ${problems.join('\ncheck-prebuilds: ')}\n`)
    process.exit(1)
  }
  process.stdout.write('check-prebuilds: ok\n')
}
