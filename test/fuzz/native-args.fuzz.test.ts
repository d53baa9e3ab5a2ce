// Hostile arguments through the Device API and, behind it, the addon's own checks (the C++
// backstop): NaN, negatives, 2^63, fractions, detached buffers, short and odd views, huge iovec
// counts. Each must end in a TypeError, RangeError or IoError (never a crash, never another
// error), and nothing may change outside the range a call named: the file is compared byte for
// byte after every call.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/device'
import { IoError } from '../../lib/errors'
import { binding, type NativeDevice } from '../../lib/native'
import { Lab } from '../safety/fixtures'

const SIZE = 256 * 1024
const FILL = 0xa5

let lab: Lab
let file: string
let dev: Device
let native: NativeDevice
let model: Buffer

beforeAll(async () => {
  lab = new Lab('rawio-fuzz-')
  file = join(lab.dir, 'target.img')
  writeFileSync(file, Buffer.alloc(SIZE, FILL))
  model = Buffer.alloc(SIZE, FILL)
  // Buffered (writethrough): readFileSync sees every write at once through the page cache.
  dev = await Device.open(file, { engine: 'auto' })
  native = new (binding().NativeDevice)(file, { engine: 'threads' })
})
afterAll(async () => {
  await dev?.close()
  native?.close()
  lab?.cleanup()
})

const ALLOWED = [TypeError, RangeError, IoError]

function allowedError(e: unknown): boolean {
  return ALLOWED.some((c) => e instanceof c)
}

/** Runs a call that may throw synchronously or reject; returns 'ok' or the error. */
async function outcome(fn: () => unknown): Promise<'ok' | Error> {
  try {
    await fn()
    return 'ok'
  } catch (e) {
    if (!allowedError(e)) throw new Error(`unexpected ${String((e as Error)?.name)}: ${String(e)}`)
    return e as Error
  }
}

/** The file must equal the model, after the model took the call's own effect (if it succeeded). */
function expectFileIsModel(what: string): void {
  const now = readFileSync(file)
  expect(now.length, `${what}: size`).toBe(SIZE)
  if (Buffer.compare(now, model) !== 0) {
    let i = 0
    while (now[i] === model[i]) i++
    throw new Error(`${what}: byte ${i} changed to ${now[i]} (expected ${model[i]})`)
  }
}

const hostileNumber = fc.oneof(
  fc.constantFrom(
    Number.NaN,
    Number.POSITIVE_INFINITY,
    Number.NEGATIVE_INFINITY,
    -1,
    -0,
    -4096,
    0.5,
    4095.999,
    2 ** 63,
    2 ** 64,
    2 ** 53,
    2 ** 53 + 2,
    Number.MAX_SAFE_INTEGER,
    Number.MAX_VALUE,
    Number.MIN_VALUE,
    SIZE,
    SIZE - 1,
    SIZE + 4096,
  ),
  fc.constantFrom<unknown>('4096', '', null, undefined, {}, [], [4096], 4096n, true, { valueOf: () => 0 }),
  fc.double(),
  fc.integer({ min: -(2 ** 31), max: 2 ** 20 }),
)

/** Offsets and lengths that are valid (so writes happen) as often as hostile ones. */
const offsetArb = fc.oneof(fc.integer({ min: 0, max: SIZE }), hostileNumber)
const lengthArb = fc.oneof(fc.integer({ min: 0, max: 8192 }), hostileNumber)

type BufSpec =
  | { kind: 'u8'; len: number; fill: number }
  | { kind: 'detached'; len: number }
  | { kind: 'empty' }
  | { kind: 'sub'; len: number; off: number; fill: number }
  | { kind: 'u16'; len: number }
  | { kind: 'dataview'; len: number }
  | { kind: 'bogus'; value: unknown }

const bufSpec: fc.Arbitrary<BufSpec> = fc.oneof(
  fc.record({ kind: fc.constant('u8' as const), len: fc.integer({ min: 1, max: 8192 }), fill: fc.nat(255) }),
  fc.record({ kind: fc.constant('detached' as const), len: fc.integer({ min: 1, max: 4096 }) }),
  fc.constant({ kind: 'empty' as const }),
  fc.record({
    kind: fc.constant('sub' as const),
    len: fc.integer({ min: 0, max: 64 }),
    off: fc.integer({ min: 0, max: 64 }),
    fill: fc.nat(255),
  }),
  fc.record({ kind: fc.constant('u16' as const), len: fc.integer({ min: 1, max: 512 }) }),
  fc.record({ kind: fc.constant('dataview' as const), len: fc.integer({ min: 1, max: 512 }) }),
  fc.record({
    kind: fc.constant('bogus' as const),
    value: fc.constantFrom<unknown>('abc', 42, null, undefined, {}, [1, 2, 3], new ArrayBuffer(8)),
  }),
)

function makeBuf(s: BufSpec): unknown {
  switch (s.kind) {
    case 'u8':
      return new Uint8Array(s.len).fill(s.fill)
    case 'detached': {
      const b = new Uint8Array(s.len).fill(1)
      structuredClone(b.buffer, { transfer: [b.buffer] })
      return b
    }
    case 'empty':
      return new Uint8Array(0)
    case 'sub': {
      // A view shorter than its buffer, ending at (or before) the buffer's end.
      const b = new Uint8Array(s.off + s.len + 16).fill(s.fill)
      return b.subarray(s.off, s.off + s.len)
    }
    case 'u16':
      return new Uint16Array(s.len).fill(0x0101)
    case 'dataview':
      return new DataView(new ArrayBuffer(s.len))
    case 'bogus':
      return s.value
  }
}

/** Applies a successful write of `bufs` at `offset` to the model. */
function applyWrite(offset: number, bufs: unknown[]): void {
  let pos = offset
  for (const b of bufs) {
    const v = b as Uint8Array
    if (v.byteLength === 0) continue // write(off, empty-or-detached) is a 0-byte no-op
    Buffer.from(v.buffer, v.byteOffset, v.byteLength).copy(model, pos)
    pos += v.byteLength
  }
}

const valid = (o: unknown, n: unknown) =>
  typeof o === 'number' && typeof n === 'number' && Number.isSafeInteger(o) && Number.isSafeInteger(n)

describe('Device API under hostile arguments', () => {
  it('write/writev: typed errors, and writes land only where they were aimed', async () => {
    await fc.assert(
      fc.asyncProperty(
        offsetArb,
        fc.array(bufSpec, { minLength: 0, maxLength: 4 }),
        async (offset, specs) => {
          const bufs = specs.map(makeBuf)
          const r =
            bufs.length === 1 && Math.random() < 0.5
              ? await outcome(() => dev.write(offset as number, bufs[0] as Uint8Array))
              : await outcome(() => dev.writev(offset as number, bufs as Uint8Array[]))
          if (r === 'ok') applyWrite(offset as number, bufs)
          expectFileIsModel(`write at ${String(offset)} of ${JSON.stringify(specs)}`)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('read/readv: typed errors; reads fill only their buffers and never change the target', async () => {
    await fc.assert(
      fc.asyncProperty(
        offsetArb,
        lengthArb,
        fc.array(bufSpec, { minLength: 0, maxLength: 3 }),
        async (offset, length, specs) => {
          const r1 = await outcome(async () => {
            const got = await dev.read(offset as number, length as number)
            if (valid(offset, length)) {
              expect(
                Buffer.compare(
                  Buffer.from(got.data),
                  model.subarray(offset as number, (offset as number) + (length as number)),
                ),
              ).toBe(0)
            }
          })
          if (r1 !== 'ok') expect(r1).toSatisfy(allowedError)
          const bufs = specs.map(makeBuf)
          await outcome(async () => {
            await dev.readv(offset as number, bufs as Uint8Array[])
            let pos = offset as number
            for (const b of bufs as Uint8Array[]) {
              expect(
                Buffer.compare(
                  Buffer.from(b.buffer, b.byteOffset, b.byteLength),
                  model.subarray(pos, pos + b.byteLength),
                ),
              ).toBe(0)
              pos += b.byteLength
            }
          })
          expectFileIsModel('read')
        },
      ),
      { numRuns: 200 },
    )
  })

  it('discard/writeZeroes/truncate: typed errors; zeroes only in range; size never changes by accident', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('discard', 'writeZeroes', 'truncate'),
        offsetArb,
        lengthArb,
        async (op, offset, length) => {
          if (op === 'truncate') {
            // Only hostile lengths: a valid one would legitimately resize the target.
            if (typeof offset === 'number' && Number.isSafeInteger(offset) && offset >= 0) return
            expect(await outcome(() => dev.truncate(offset as number))).not.toBe('ok')
          } else {
            const r = await outcome(() =>
              op === 'discard'
                ? dev.discard(offset as number, length as number)
                : dev.writeZeroes(offset as number, length as number),
            )
            if (r === 'ok') model.fill(0, offset as number, (offset as number) + (length as number))
          }
          expectFileIsModel(`${op} ${String(offset)} ${String(length)}`)
        },
      ),
      { numRuns: 200 },
    )
  })

  it('huge and odd buffer lists: RangeError/TypeError, nothing written', async () => {
    // (the sparse list below is a deliberate hole)
    const b = new Uint8Array(1).fill(7)
    const lists: unknown[] = [
      [],
      new Array(1025).fill(b),
      new Array(100_000).fill(b),
      // biome-ignore lint/suspicious/noSparseArray: a hole in the list
      [b, , b],
      [b, 'x'],
      Object.assign([b], { length: 2 ** 32 - 1 }),
      'not a list',
      { length: 1, 0: b },
    ]
    for (const list of lists) {
      const r = await outcome(() => dev.writev(0, list as Uint8Array[]))
      expect(r).not.toBe('ok')
      expectFileIsModel('odd list')
    }
  })

  it('a path with a NUL byte is refused, not cut short', async () => {
    await expect(Device.open(`${file}\0/etc/passwd`)).rejects.toBeInstanceOf(TypeError)
  })
})

describe('the addon backstop (NativeDevice) under hostile arguments', () => {
  const ops = binding().ops
  it('read/write/space: only TypeError/RangeError/IoError, synchronously or as a rejection', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom('read', 'write', 'space'),
        fc.oneof(fc.array(bufSpec, { maxLength: 3 }), bufSpec),
        offsetArb,
        lengthArb,
        fc.constantFrom<unknown>(
          ops.flush,
          ops.fsync,
          ops.zeroRange,
          ops.punchHole,
          -1,
          99,
          1.5,
          Number.NaN,
          'x',
        ),
        async (call, specs, offset, length, op) => {
          const bufs = Array.isArray(specs) ? specs.map(makeBuf) : makeBuf(specs)
          const r = await outcome(() => {
            if (call === 'read') return native.read(bufs as Uint8Array, offset as number)
            if (call === 'write') return native.write(bufs as Uint8Array, offset as number, false)
            return native.space(op as number, offset as number, length as number)
          })
          if (r === 'ok' && call === 'write') {
            // No bounds check at this level (a file grows): apply what a pwritev does.
            const list = (Array.isArray(bufs) ? bufs : [bufs]) as Uint8Array[]
            const total = list.reduce((n, b) => n + b.byteLength, 0)
            if ((offset as number) + total > SIZE) {
              // Written past the end: put the file back (this level is not the API's bounds).
              const now = readFileSync(file)
              writeFileSync(file, now.subarray(0, SIZE))
              const inside = Math.max(0, SIZE - (offset as number))
              const flat = Buffer.concat(list.map((b) => Buffer.from(b.buffer, b.byteOffset, b.byteLength)))
              flat.subarray(0, inside).copy(model, offset as number)
            } else applyWrite(offset as number, list as unknown[])
          }
          if (r === 'ok' && call === 'space' && (op === ops.zeroRange || op === ops.punchHole)) {
            // space() takes a missing offset or length as 0 (flush has neither).
            const from = offset === undefined ? 0 : (offset as number)
            const end = Math.min(SIZE, from + (length === undefined ? 0 : (length as number)))
            if (from < end) model.fill(0, from, end)
          }
          expectFileIsModel(`native ${call}`)
        },
      ),
      { numRuns: 300 },
    )
  })

  it('constructor options: depth, engine, spinUs and path', () => {
    const Native = binding().NativeDevice
    const bad: [string, Record<string, unknown>][] = [
      [file, { depth: Number.NaN }],
      [file, { depth: -1 }],
      [file, { depth: 0 }],
      [file, { depth: 1e9 }],
      [file, { depth: 2 ** 63 }],
      [file, { depth: 'x' }],
      [file, { engine: 'bogus' }],
      [file, { engine: 7 }],
      [file, { spinUs: -1 }],
      [file, { spinUs: Number.POSITIVE_INFINITY }],
      ['', {}],
      [`${lab.dir}/missing`, {}],
    ]
    for (const [path, opts] of bad) {
      let err: unknown
      try {
        new Native(path, opts).close()
      } catch (e) {
        err = e
      }
      expect(err, JSON.stringify([path, opts])).toSatisfy(allowedError)
    }
  })

  // A getter in a buffer list can detach a buffer the addon already took the address of;
  // ReadBuffers checks every view again after the last getter ran.
  it('a buffer detached by a getter while the list is read is refused', async () => {
    const b0 = new Uint8Array(4096).fill(0x41)
    const b1 = new Uint8Array(4096).fill(0x42)
    let calls = 0
    // Kept alive until the write is done: the test must show the bug without committing it.
    let moved: ArrayBuffer | null = null
    const list: Uint8Array[] = [b0, b1]
    Object.defineProperty(list, 1, {
      get() {
        if (++calls === 2) moved = structuredClone(b0.buffer, { transfer: [b0.buffer] })
        return b1
      },
    })
    const before = readFileSync(file)
    let r: 'ok' | Error = 'ok'
    try {
      r = await outcome(() => dev.writev(0, list))
    } finally {
      if (r === 'ok') {
        writeFileSync(file, before) // put the target back for the other tests
      }
      expect(moved).not.toBeNull()
    }
    expect(r).toBeInstanceOf(TypeError)
  })
})
