// Issue 11 part 1: memory the kernel (or a pool thread) owns stays valid until the request
// completes, whatever user code does with its buffer meanwhile. The repro and its variants run in
// a child `node --expose-gc` (buffer-lifetime-child.ts) under a memory limit and a timeout, on every
// engine (io_uring, threads, libaio), on a file and on an O_DIRECT loop device: the child must
// exit 0 without a signal, no new array may see the kernel's writes, kept buffers hold the
// device's bytes and the disk holds exactly what every successful write was given. Before the
// fix the child died by SIGSEGV/SIGABRT or found other bytes on disk.
import { spawn, spawnSync } from 'node:child_process'
import { closeSync, fsyncSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { allocAligned, Device, isAligned } from '../../lib/index'
import { binding } from '../../lib/native'
import { bundleChild, childEnv } from '../helpers/child'
import { loopUnavailable, Scratch, skipReason, usableEngines } from '../helpers/targets'
import { BLOCK, DETACHED, KEPT, readPattern, writePattern } from './buffer-lifetime-child'

const engineList = usableEngines('buffer-lifetime tests')
const noLoop = loopUnavailable()
const underAsan = /libasan/.test(process.env.LD_PRELOAD ?? '')
const RSS_LIMIT = 3 * 1024 ** 3 // the child is killed above this (a runaway, not a pass)
const TIMEOUT_MS = 120_000
const BLOCKS = DETACHED + KEPT

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

let script = ''
beforeAll(() => {
  script = bundleChild('test/native/buffer-lifetime-child.ts', scratch.dir)
})

/** The V8 flag that gives Node 20 ArrayBuffer.prototype.transfer (later Nodes have it built in). */
const transferFlag: string[] | null = (() => {
  if (typeof (ArrayBuffer.prototype as { transfer?: unknown }).transfer === 'function') return []
  const probe = "process.exit(typeof ArrayBuffer.prototype.transfer === 'function' ? 0 : 1)"
  const r = spawnSync(process.execPath, ['--harmony-rab-gsab-transfer', '-e', probe])
  return r.status === 0 ? ['--harmony-rab-gsab-transfer'] : null
})()

interface ChildResult {
  code: number | null
  signal: NodeJS.Signals | null
  killed: string | null
  out: string
  err: string
}

/**
 * Runs the child under a memory limit: an address-space limit (prlimit; not under ASan, whose
 * shadow memory needs terabytes of address space) and an RSS watchdog, and a timeout.
 */
function runChild(
  args: string[],
  nodeFlags: string[] = [],
  env: NodeJS.ProcessEnv = {},
): Promise<ChildResult> {
  const node = [process.execPath, '--expose-gc', '--max-old-space-size=1024', ...nodeFlags, script, ...args]
  const [cmd, ...argv] = underAsan ? node : ['prlimit', '--as=4000000000', '--', ...node]
  const child = spawn(cmd, argv, {
    env: childEnv(env),
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  let out = ''
  let err = ''
  let killed: string | null = null
  child.stdout?.on('data', (d) => (out += d))
  child.stderr?.on('data', (d) => (err += d))
  const kill = (why: string) => {
    killed ??= why
    child.kill('SIGKILL')
  }
  const watchdog = setInterval(() => {
    try {
      const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1] ?? 0)
      if (kb * 1024 > RSS_LIMIT) kill(`RSS ${kb} kB over the limit`)
    } catch {
      // exited
    }
  }, 25)
  const timer = setTimeout(() => kill(`timeout ${TIMEOUT_MS} ms`), TIMEOUT_MS)
  return new Promise((resolve) => {
    child.once('close', (code, signal) => {
      clearInterval(watchdog)
      clearTimeout(timer)
      resolve({ code, signal, killed, out, err })
    })
  })
}

interface Summary {
  fallback: boolean
  settled: number
  detached: number
  copied: number
  refused: number
  autoMax: number
}

function expectClean(r: ChildResult): Summary {
  const why = `code ${r.code} signal ${r.signal} killed ${r.killed}\n${r.err.slice(-2000)}`
  expect(r.killed, why).toBeNull()
  expect(r.signal, why).toBeNull()
  expect(r.code, why).toBe(0)
  const summary = JSON.parse(r.out.trim().split('\n').pop() ?? '{}')
  expect(summary.ok).toBe(true)
  return summary
}

/**
 * The buffers user code let go of really lost their memory, except allocBuffer's (external)
 * ArrayBuffers, which Node marks untransferable: structuredClone and postMessage copy them
 * (Node 20) or refuse them with a DataCloneError (Node >= 21); ArrayBuffer.prototype.transfer
 * detaches them.
 */
function expectLetGo(s: Summary, way: string, kind: string, total: number): void {
  if (way === 'drop') expect(s.detached + s.copied + s.refused).toBe(0)
  else if (kind === 'user' || way === 'transfer') expect(s.detached).toBe(total)
  else expect(s.detached + s.copied + s.refused).toBe(total)
}

function expectBlocks(target: string, byte: (block: number) => number): void {
  const disk = readFileSync(target).subarray(0, BLOCKS * BLOCK)
  for (let i = 0; i < BLOCKS; i++) {
    const want = byte(i)
    const block = disk.subarray(i * BLOCK, (i + 1) * BLOCK)
    expect(
      block.every((x) => x === want),
      `block ${i} holds ${want}`,
    ).toBe(true)
  }
}

/** 1 MiB: block i holds readPattern(i). */
function readImage(): Buffer {
  const image = Buffer.alloc(1 << 20)
  for (let i = 0; i < BLOCKS; i++) image.fill(readPattern(i), i * BLOCK, (i + 1) * BLOCK)
  return image
}

/** Writes the read image back (synced: the child reads with O_DIRECT). */
function restore(target: string): void {
  const fd = openSync(target, 'r+')
  try {
    writeSync(fd, readImage(), 0, 1 << 20, 0)
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

function prefilled(name: string): string {
  const file = join(scratch.dir, name)
  writeFileSync(file, readImage())
  return file
}

const targets = ['file', 'loop-dio'] as const
const kinds = ['native', 'user'] as const

describe.each(engineList)('issue 11 repro, engine %s', (engine) => {
  describe.each(targets)('on a %s', (where) => {
    const skip = where === 'loop-dio' && skipReason(noLoop, 'the O_DIRECT loop device repro')
    let target = ''
    beforeAll(() => {
      if (skip) return
      const file = prefilled(`repro-${engine}-${where}.img`)
      target = where === 'file' ? file : scratch.loop(file, { directIo: true })
    })

    // Read first (the target holds readPattern), then write (which overwrites it).
    it.skipIf(skip).each(kinds)(
      'reads into %s buffers detached in flight (structuredClone transfer)',
      async (kind) => {
        const s = expectClean(await runChild([target, engine, 'read', 'clone', kind, '40']))
        expect(s.settled).toBe(40 * BLOCKS)
        expectLetGo(s, 'clone', kind, 40 * DETACHED)
        expectBlocks(target, readPattern)
      },
    )

    it.skipIf(skip).each(kinds)(
      'writes from %s buffers detached in flight: the disk holds them',
      async (kind) => {
        const s = expectClean(await runChild([target, engine, 'write', 'clone', kind, '40']))
        expect(s.settled).toBe(40 * BLOCKS)
        expectLetGo(s, 'clone', kind, 40 * DETACHED)
        expectBlocks(target, (i) => writePattern(39, i))
      },
    )
  })
})

// The holds are made in the addon before any engine sees the request: the repro runs on every
// engine, the other ways to let go on two of them (time).
const wayEngines = engineList.filter((e) => e !== 'libaio')

describe.each(wayEngines)('other ways to let go of a buffer in flight, engine %s', (engine) => {
  let target = ''
  beforeAll(() => {
    const file = prefilled(`ways-${engine}.img`)
    target = noLoop ? file : scratch.loop(file, { directIo: true })
  })
  const ways = ['transfer', 'worker', 'drop'] as const
  for (const way of ways) {
    const skip =
      way === 'transfer' && skipReason(transferFlag ? null : 'no ArrayBuffer.prototype.transfer', way)
    const flags = way === 'transfer' ? (transferFlag ?? []) : []
    it.skipIf(skip).each(kinds)(`${way}: reads into %s buffers`, async (kind) => {
      restore(target)
      const s = expectClean(await runChild([target, engine, 'read', way, kind, '4'], flags))
      expect(s.settled).toBe(4 * BLOCKS)
      expectLetGo(s, way, kind, 4 * DETACHED)
      expectBlocks(target, readPattern)
    })
    it.skipIf(skip).each(kinds)(`${way}: writes from %s buffers`, async (kind) => {
      const s = expectClean(await runChild([target, engine, 'write', way, kind, '4'], flags))
      expect(s.settled).toBe(4 * BLOCKS)
      expectLetGo(s, way, kind, 4 * DETACHED)
      expectBlocks(target, (i) => writePattern(3, i))
    })
  }
})

// A buffer in io_uring's fixed-buffer table on its own (hot: read 8 times first) is held by the
// table as well as by its request: whatever user code does to it, the kernel's memory stays valid.
describe.skipIf(!engineList.includes('io_uring'))('buffers registered on their own, let go in flight', () => {
  let target = ''
  beforeAll(() => {
    const file = prefilled('hot.img')
    target = noLoop ? file : scratch.loop(file, { directIo: true })
  })
  for (const way of ['clone', 'transfer', 'drop'] as const) {
    const skip =
      way === 'transfer' && skipReason(transferFlag ? null : 'no ArrayBuffer.prototype.transfer', way)
    const flags = way === 'transfer' ? (transferFlag ?? []) : []
    it.skipIf(skip)(`${way}: reads, then writes`, async () => {
      restore(target)
      const s = expectClean(await runChild([target, 'io_uring', 'read', way, 'native', '3', 'hot'], flags))
      expect(s.settled).toBe(3 * BLOCKS) // the warm-up reads are awaited one by one, not counted
      expect(s.autoMax).toBeGreaterThan(0)
      expectLetGo(s, way, 'native', 3 * DETACHED)
      expectBlocks(target, readPattern)
      const w = expectClean(await runChild([target, 'io_uring', 'write', way, 'native', '3', 'hot'], flags))
      expect(w.autoMax).toBeGreaterThan(0)
      expectBlocks(target, (i) => writePattern(2, i))
    })
  }
})

describe('where external buffers are refused (a V8 sandbox; forced by RAWIO_NO_EXTERNAL_BUFFERS=1)', () => {
  let target = ''
  beforeAll(() => {
    const file = prefilled('fallback.img')
    target = noLoop ? file : scratch.loop(file, { directIo: true })
  })
  const forced = { RAWIO_NO_EXTERNAL_BUFFERS: '1' }
  it.each(engineList)(
    'allocBuffer memory is V8 memory, placed exactly and bounced, engine %s',
    async (engine) => {
      restore(target)
      const r = expectClean(await runChild([target, engine, 'read', 'clone', 'native', '8'], [], forced))
      expect(r.fallback).toBe(true)
      expectLetGo(r, 'clone', 'user', 8 * DETACHED) // V8's buffers detach
      expectBlocks(target, readPattern)
      const w = expectClean(await runChild([target, engine, 'write', 'clone', 'native', '8'], [], forced))
      expect(w.fallback).toBe(true)
      expectBlocks(target, (i) => writePattern(7, i))
      const s = expectClean(await runChild(['-', engine, 'stamp', 'clone', 'native', '2'], [], forced))
      expect(s.fallback).toBe(true)
    },
  )
})

describe('the stamp codec on libuv pool threads', () => {
  it.each(['clone', 'worker', 'drop', 'transfer'] as const)(
    'fillAsync/classifyAsync with buffers let go (%s)',
    async (way) => {
      if (way === 'transfer' && skipReason(transferFlag ? null : 'no ArrayBuffer.prototype.transfer', way))
        return
      const flags = way === 'transfer' ? (transferFlag ?? []) : []
      for (const kind of kinds) {
        const s = expectClean(await runChild(['-', 'threads', 'stamp', way, kind, '6'], flags))
        expect(s.settled).toBe(6 * 64)
        expectLetGo(s, way, kind, 6 * 32)
      }
    },
  )
})

describe('buffers detached at submit', () => {
  let file = ''
  beforeAll(() => {
    file = scratch.file('detached.img', 1 << 20, 0x5a)
  })
  // A V8-owned buffer: allocBuffer's cannot be detached by structuredClone (see expectLetGo); the
  // children above submit detached allocBuffer memory (ArrayBuffer.prototype.transfer) too.
  const detached = (n = BLOCK) => {
    const b = new Uint8Array(n)
    structuredClone(b.buffer, { transfer: [b.buffer] })
    expect(b.byteLength).toBe(0)
    return b
  }

  it.each(engineList)('are a TypeError from Device (library check), engine %s', async (engine) => {
    const dev = await Device.open(file, { engine, cache: 'none' })
    try {
      await expect(dev.readv(0, [detached()])).rejects.toThrow(TypeError)
      await expect(dev.readv(0, [dev.allocBuffer(BLOCK), detached()])).rejects.toThrow('buffer is detached')
      await expect(dev.writev(0, [detached()])).rejects.toThrow(TypeError)
      await expect(dev.write(0, detached())).rejects.toThrow('buffer is detached')
      expect(dev.info().inFlight).toBe(0)
    } finally {
      await dev.close()
    }
  })

  it.each(engineList)('are a TypeError from the addon (its backstop), engine %s', async (engine) => {
    const native = new (binding().NativeDevice)(file, { engine })
    try {
      expect(() => native.read(detached(), 0)).toThrow(new TypeError('buffer is detached'))
      expect(() => native.write([allocAligned(BLOCK), detached()], 0, false)).toThrow(TypeError)
      // A getter on the list detaches a view read before it: that view was already held (its
      // bytes will not come back to it), the request runs on memory that stays valid.
      const first = new Uint8Array(BLOCK)
      const list = [first, allocAligned(BLOCK)]
      Object.defineProperty(list, 1, {
        get() {
          structuredClone(first.buffer, { transfer: [first.buffer] })
          return allocAligned(BLOCK)
        },
      })
      await native.read(list, 0)
      expect(native.info().inFlight).toBe(0)
    } finally {
      native.close()
    }
  })

  it('is a TypeError from the stamp codec', async () => {
    const { stamp } = binding()
    expect(() => stamp.fillAsync(detached(), 0, 1, 1, BLOCK, 1n)).toThrow(new TypeError('buffer is detached'))
    expect(() => stamp.classifyAsync(detached(), 0, 1, 1, BLOCK)).toThrow(new TypeError('buffer is detached'))
  })
})

describe('what the addon accepts besides allocBuffer memory (bounced through native memory)', () => {
  let file = ''
  beforeAll(() => {
    file = prefilled('views.img')
  })

  it.each(engineList)(
    'DataView, Buffer, SharedArrayBuffer and odd typed arrays, engine %s',
    async (engine) => {
      const native = new (binding().NativeDevice)(file, { engine })
      try {
        const sab = new Uint8Array(new SharedArrayBuffer(BLOCK))
        await native.read(sab, 0)
        expect(sab.every((x) => x === readPattern(0))).toBe(true)
        const dv = new DataView(new ArrayBuffer(BLOCK + 3), 3)
        await native.read(dv as unknown as Uint8Array, BLOCK)
        expect(dv.getUint8(0)).toBe(readPattern(1))
        expect(dv.getUint8(BLOCK - 1)).toBe(readPattern(1))
        const u32 = new Uint32Array(BLOCK / 4)
        await native.read(u32 as unknown as Uint8Array, 2 * BLOCK)
        expect(u32[7]).toBe(readPattern(2) * 0x01010101)
        const buf = Buffer.alloc(BLOCK, 0x42)
        await native.write(buf, 3 * BLOCK, false)
        expect(
          readFileSync(file)
            .subarray(3 * BLOCK, 4 * BLOCK)
            .every((x) => x === 0x42),
        ).toBe(true)
      } finally {
        native.close()
      }
    },
  )

  it('a bounced buffer keeps its misalignment: O_DIRECT refuses it as it would the original', async () => {
    const dev = await Device.open(file, { cache: 'none', align: 'strict' })
    try {
      const odd = new Uint8Array(new ArrayBuffer(2 * BLOCK), 1, BLOCK) // a V8 buffer, 1 byte off
      expect(isAligned(odd, 512)).toBe(false)
      await expect(dev.readv(0, [odd])).rejects.toMatchObject({ code: 'EINVAL' })
      const misaligned = dev.allocBuffer(BLOCK, 1) // native memory, exactly 1 byte off
      await expect(dev.readv(0, [misaligned])).rejects.toMatchObject({ code: 'EINVAL' })
    } finally {
      await dev.close()
    }
  })
})

describe('allocAligned / Device.allocBuffer (native memory)', () => {
  it('is zeroed, exactly as long as asked, and on (or exactly misalign bytes past) the boundary', () => {
    for (const [size, align, misalign] of [
      [4096, 4096, 0],
      [1, 512, 0],
      [65536, 65536, 0],
      [4096, 4096, 1],
      [4096, 4096, 511],
      [100, 8, 3],
      [0, 4096, 0],
    ]) {
      const b = allocAligned(size, align, misalign)
      expect(b.byteLength).toBe(size)
      expect(b.every((x) => x === 0)).toBe(true)
      if (size === 0) continue
      expect(b.buffer.byteLength).toBe(size) // the ArrayBuffer is the view: no hidden slack
      expect(binding().alignOffset(b, align)).toBe(misalign)
      expect(isAligned(b, align)).toBe(misalign === 0)
    }
  })

  it('refuses a misalignment that is not below the alignment, and bad sizes', () => {
    expect(() => allocAligned(4096, 4096, 4096)).toThrow(RangeError)
    expect(() => allocAligned(4096, 4096, 1e9)).toThrow(RangeError)
    expect(() => allocAligned(-1)).toThrow(RangeError)
    expect(() => allocAligned(4096, 3)).toThrow(RangeError)
  })
})
