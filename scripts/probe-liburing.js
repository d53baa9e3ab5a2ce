#!/usr/bin/env node
// Probes what the installed liburing provides, as autoconf would: each capability rawio uses is a
// small program compiled and linked against liburing with the compiler the addon is built with
// ($CXX, so a cross build probes the target's liburing). binding.gyp and CMakeLists.txt both ask it.
//
//   node scripts/probe-liburing.js [json|defines|libraries|include-dirs] [cmake]
//
// Environment:
//   CXX                     the compiler (default c++)
//   RAWIO_LIBURING_PREFIX   use <prefix>/include and <prefix>/lib/liburing.a instead of the system's
//   RAWIO_NO_URING=1        build without io_uring (the probe still runs, and says so)
//   RAWIO_PORTABLE=1        a prebuild: liburing must link statically; fail instead of falling back

const { spawn, spawnSync } = require('node:child_process')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')

/** Why the io_uring engine is not built: RAWIO_URING_MISSING=<code> (native/util/build_info.cc). */
const MISSING = { header: 1, library: 2, old: 3, disabled: 4 }

/** The functions and flags every io_uring path of rawio uses: liburing 2.0 and later. */
const BASE = `
  struct io_uring ring;
  struct io_uring_params p = {};
  p.flags = IORING_SETUP_CQSIZE | IORING_SETUP_R_DISABLED;
  if (io_uring_queue_init_params(4, &ring, &p) < 0) return 1;
  io_uring_enable_rings(&ring);
  io_uring_register_eventfd(&ring, 0);
  struct io_uring_probe* pr = io_uring_get_probe_ring(&ring);
  if (pr) { io_uring_opcode_supported(pr, IORING_OP_FALLOCATE); io_uring_free_probe(pr); }
  struct io_uring_sqe* sqe = io_uring_get_sqe(&ring);
  io_uring_prep_fallocate(sqe, 0, 0, 0, 0);
  io_uring_prep_fsync(sqe, 0, IORING_FSYNC_DATASYNC);
  io_uring_prep_read_fixed(sqe, 0, nullptr, 0, 0, 0);
  io_uring_sqring_wait(&ring);
  io_uring_submit_and_wait(&ring, 1);
  io_uring_queue_exit(&ring);`

/** One macro per capability; the names are what native/ guards code with. */
const FEATURES = [
  {
    macro: 'RAWIO_URING_SETUP_SINGLE_ISSUER',
    name: 'SINGLE_ISSUER',
    body: 'unsigned f = IORING_SETUP_SINGLE_ISSUER; (void)f;',
  },
  {
    macro: 'RAWIO_URING_SETUP_DEFER_TASKRUN',
    name: 'DEFER_TASKRUN',
    body: 'unsigned f = IORING_SETUP_DEFER_TASKRUN; (void)f;',
  },
  {
    macro: 'RAWIO_URING_SETUP_COOP_TASKRUN',
    name: 'COOP_TASKRUN',
    body: 'unsigned f = IORING_SETUP_COOP_TASKRUN; (void)f;',
  },
  {
    macro: 'RAWIO_URING_OP_URING_CMD',
    name: 'URING_CMD',
    // What the block discard path sets: the opcode, the command and its third address.
    body: 'struct io_uring_sqe s = {}; s.opcode = IORING_OP_URING_CMD; s.cmd_op = 0; s.addr3 = 0; (void)s;',
  },
  {
    macro: 'RAWIO_URING_SUBMIT_AND_GET_EVENTS',
    name: 'submit_and_get_events',
    body: 'struct io_uring ring; io_uring_queue_init(4, &ring, 0); io_uring_submit_and_get_events(&ring);',
  },
  {
    // A sparse fixed-buffer table filled one slot at a time (qemu-io's -r): liburing 2.1.
    macro: 'RAWIO_URING_REGISTER_BUFFERS_UPDATE',
    name: 'register_buffers_update',
    body: `struct io_uring ring; io_uring_queue_init(4, &ring, 0); struct iovec v = {};
  io_uring_register_buffers_tags(&ring, &v, nullptr, 1);
  io_uring_register_buffers_update_tag(&ring, 0, &v, nullptr, 1);`,
  },
]

const program = (body) => `#include <liburing.h>\nint main() {\n${body}\n  return 0;\n}\n`

function compiler() {
  return (process.env.CXX || 'c++').split(/\s+/).filter(Boolean)
}

/** Compiles and links src with extra arguments; resolves with { ok, log }. */
function tryBuild(dir, name, src, args) {
  const file = path.join(dir, `${name}.cc`)
  fs.writeFileSync(file, src)
  const [cc, ...ccArgs] = compiler()
  const argv = [...ccArgs, '-std=c++17', '-D_GNU_SOURCE', file, '-o', path.join(dir, name), ...args]
  return new Promise((resolve) => {
    let log = ''
    const child = spawn(cc, argv, { stdio: ['ignore', 'pipe', 'pipe'] })
    child.stdout.on('data', (d) => (log += d))
    child.stderr.on('data', (d) => (log += d))
    child.on('error', (e) => resolve({ ok: false, log: String(e) }))
    child.on('close', (code) => resolve({ ok: code === 0, log }))
  })
}

/** Where the static library is: the prefix's, or the one the compiler finds (multiarch aware). */
function staticLibrary(prefix) {
  if (prefix) {
    const p = path.join(prefix, 'lib', 'liburing.a')
    return fs.existsSync(p) ? p : null
  }
  const [cc, ...ccArgs] = compiler()
  const r = spawnSync(cc, [...ccArgs, '-print-file-name=liburing.a'], { encoding: 'utf8' })
  const p = (r.stdout || '').trim()
  return path.isAbsolute(p) && fs.existsSync(p) ? path.normalize(p) : null
}

/** liburing's version from its pkg-config file next to the library (liburing < 2.4 has no macro). */
function version(lib, prefix) {
  const dirs = []
  if (lib) dirs.push(path.join(path.dirname(lib), 'pkgconfig'))
  if (prefix) dirs.push(path.join(prefix, 'lib', 'pkgconfig'))
  for (const d of dirs) {
    try {
      const m = /^Version:\s*(\d+)\.(\d+)/m.exec(fs.readFileSync(path.join(d, 'liburing.pc'), 'utf8'))
      if (m) return { major: Number(m[1]), minor: Number(m[2]) }
    } catch {
      // no .pc there
    }
  }
  return null
}

async function probe() {
  const prefix = process.env.RAWIO_LIBURING_PREFIX ? path.resolve(process.env.RAWIO_LIBURING_PREFIX) : ''
  const mustBeStatic = process.env.RAWIO_PORTABLE === '1'
  const out = {
    compiler: compiler().join(' '),
    prefix: prefix || null,
    have: false,
    missing: null,
    reason: null,
    version: null,
    libraries: [],
    includeDirs: prefix ? [path.join(prefix, 'include')] : [],
    features: {},
  }
  for (const f of FEATURES) out.features[f.name] = false
  if (process.env.RAWIO_NO_URING === '1') {
    out.missing = 'disabled'
    out.reason = 'RAWIO_NO_URING=1 was set at build time'
    return out
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rawio-probe-'))
  try {
    const inc = out.includeDirs.map((d) => `-I${d}`)
    const header = await tryBuild(dir, 'header', '#include <liburing.h>\nint main() { return 0; }\n', [
      ...inc,
      '-c',
    ])
    if (!header.ok) {
      out.missing = 'header'
      out.reason = 'liburing.h not found'
      return out
    }
    const lib = staticLibrary(prefix)
    const candidates = lib ? [[lib]] : []
    if (!mustBeStatic && !prefix) candidates.push(['-luring'])
    let linked = null
    let log = ''
    for (const libs of candidates) {
      const r = await tryBuild(dir, 'base', program(BASE), [...inc, ...libs])
      if (r.ok) {
        linked = libs
        break
      }
      log = r.log
    }
    out.version = version(lib, prefix)
    if (!linked) {
      const old = /not declared|undeclared|was not declared|has no member/.test(log)
      out.missing = candidates.length === 0 ? 'library' : old ? 'old' : 'library'
      out.reason =
        candidates.length === 0
          ? 'liburing.a not found (a static liburing is needed)'
          : old
            ? 'liburing is older than 2.0'
            : 'liburing does not link'
      if (mustBeStatic) {
        throw new Error(`probe-liburing: a prebuild needs a static liburing 2.0+: ${out.reason}\n${log}`)
      }
      return out
    }
    out.have = true
    out.libraries = linked
    const results = await Promise.all(
      FEATURES.map((f, i) => tryBuild(dir, `f${i}`, program(f.body), [...inc, ...linked])),
    )
    FEATURES.forEach((f, i) => {
      out.features[f.name] = results[i].ok
    })
    return out
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

function defines(r) {
  const d = ['RAWIO_URING_PROBED']
  if (r.have) {
    d.push('RAWIO_HAVE_URING')
    for (const f of FEATURES) if (r.features[f.name]) d.push(f.macro)
  } else {
    d.push(`RAWIO_URING_MISSING=${MISSING[r.missing]}`)
  }
  if (r.version) {
    d.push(
      `RAWIO_LIBURING_VERSION_MAJOR=${r.version.major}`,
      `RAWIO_LIBURING_VERSION_MINOR=${r.version.minor}`,
    )
  }
  return d
}

async function main() {
  const mode = process.argv[2] || 'json'
  const sep = process.argv[3] === 'cmake' ? ';' : ' ' // gyp splits on spaces (<!@), CMake on ';'
  const r = await probe()
  const text = {
    json: () => JSON.stringify({ ...r, defines: defines(r) }, null, 2),
    defines: () => defines(r).join(sep),
    libraries: () => r.libraries.join(sep),
    'include-dirs': () => r.includeDirs.join(sep),
  }[mode]
  if (!text) throw new Error(`probe-liburing: unknown mode ${mode}`)
  process.stdout.write(text())
}

module.exports = { probe, defines, FEATURES }

if (require.main === module) {
  main().catch((e) => {
    process.stderr.write(`${e.message}\n`)
    process.exit(1)
  })
}
