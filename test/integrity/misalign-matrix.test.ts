// The misalignment regression matrix: offsets × lengths × buffer offsets × cache modes × engines.
// Auto mode must always give the right data (checked against a model of the whole target); strict
// mode must give exactly the kernel's verdict, as predicted from the align sweep's findings.
import { afterAll, describe, expect, it } from 'vitest'
import { type CacheMode, Device } from '../../lib/device'
import { IoError } from '../../lib/errors'
import { type Dimension, pageSize } from '../../lib/integrity/align-probe'
import { type AlignTable, alignSweep } from '../../lib/integrity/align-sweep'
import { cleanupTmp, detachAll } from '../helpers/loop'
import { preadBehind, randomBytes, rng, usableTargets } from './targets'

afterAll(cleanupTmp)

const offsets = [0, 1, 511, 512, 4095]
const lengths = [1, 511, 512, 4097]
const bufferOffsets = [0, 16, 511]
const caches: CacheMode[] = ['none', 'writeback']
const engines = ['io_uring', 'threads'] as const
const size = 1 << 20
const scratchOffset = 512 << 10

/** The sweep's findings; pageMemory is null when a block cannot sit inside one page. */
type Rules = Record<Exclude<Dimension, 'pageMemory'>, number> & { pageMemory: number | null }

function rules(t: AlignTable, op: 'read' | 'write'): Rules {
  const get = (d: Dimension) => {
    const f = t.rows.find((r) => r.dimension === d)?.[op]
    if (f === null && d === 'pageMemory') return null
    if (!f?.min || !f.consistent) throw new Error(`the sweep found no clear ${op} ${d} rule`)
    return f.min
  }
  return {
    offset: get('offset') as number,
    length: get('length') as number,
    memory: get('memory') as number,
    pageMemory: get('pageMemory'),
  }
}

/** What the kernel will say to one O_DIRECT request, from the sweep's findings. */
function predict(r: Rules, offset: number, length: number, bufferOffset: number): 'ok' | 'EINVAL' {
  // allocBuffer places the buffer bufferOffset bytes past a page (or larger) boundary.
  const inPage = bufferOffset + length <= pageSize
  const memOk =
    bufferOffset % r.memory === 0 || (inPage && r.pageMemory !== null && bufferOffset % r.pageMemory === 0)
  return offset % r.offset === 0 && length % r.length === 0 && memOk ? 'ok' : 'EINVAL'
}

async function verdict(io: () => Promise<unknown>): Promise<string> {
  try {
    await io()
    return 'ok'
  } catch (e) {
    if (e instanceof IoError) return e.code
    throw e
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(
    Buffer.from(b.buffer, b.byteOffset, b.byteLength),
  )
}

for (const spec of usableTargets('the misalignment matrix')) {
  describe(`misalignment matrix: ${spec.name}`, () => {
    const model = randomBytes(size, rng(size))
    const path = spec.make(size)
    let readRules: Rules
    let writeRules: Rules
    const next = rng(99)

    it('first sweeps the alignment rules', async () => {
      // Write the model first (the target starts as zeroes), with plain buffered I/O.
      const seed = await Device.open(path, { cache: 'writeback' })
      await seed.write(0, model)
      await seed.close()
      const t = await alignSweep(path, { write: true, scratchOffset, cost: false })
      readRules = rules(t, 'read')
      writeRules = rules(t, 'write')
      expect(t.claimsHold).toBe(true)
    })

    for (const cache of caches) {
      for (const engine of engines) {
        it(`cache=${cache} engine=${engine}: auto is always right, strict is the kernel's verdict`, async () => {
          const auto = await Device.open(path, { cache, engine, align: 'auto' })
          const strict = await Device.open(path, { cache, engine, align: 'strict' })
          const direct = auto.direct
          const failures: string[] = []
          try {
            expect(auto.engine).toBe(engine)
            for (const off of offsets) {
              for (const len of lengths) {
                for (const bo of bufferOffsets) {
                  const at = `off=${off} len=${len} buf+${bo}`
                  // auto: write new bytes, read them back, and check the neighbours were kept
                  const data = randomBytes(len, next)
                  const wbuf = auto.allocBuffer(len, bo)
                  wbuf.set(data)
                  await auto.writev(off, [wbuf])
                  model.set(data, off)
                  const rbuf = auto.allocBuffer(len, bo)
                  await auto.readv(off, [rbuf])
                  if (!same(rbuf, model.subarray(off, off + len))) failures.push(`auto read ${at}`)
                  const around = (await auto.read(0, 16384)).data
                  if (!same(around, model.subarray(0, 16384))) failures.push(`auto write clobbered ${at}`)

                  // strict: the kernel's verdict, and the right data whenever it says yes
                  const sr = strict.allocBuffer(len, bo)
                  const want = direct ? predict(readRules, off, len, bo) : 'ok'
                  const got = await verdict(() => strict.readv(off, [sr]))
                  if (got !== want) failures.push(`strict read ${at}: ${got}, expected ${want}`)
                  if (got === 'ok' && !same(sr, model.subarray(off, off + len)))
                    failures.push(`strict data ${at}`)
                  const sdata = randomBytes(len, next)
                  const sw = strict.allocBuffer(len, bo)
                  sw.set(sdata)
                  const wantW = direct ? predict(writeRules, off, len, bo) : 'ok'
                  const gotW = await verdict(() => strict.writev(off, [sw]))
                  if (gotW !== wantW) failures.push(`strict write ${at}: ${gotW}, expected ${wantW}`)
                  if (gotW === 'ok') model.set(sdata, off)
                }
              }
            }
          } finally {
            await strict.close()
            await auto.close()
          }
          expect(failures).toEqual([])
          expect(same(preadBehind(path, 0, size), model)).toBe(true)
        })
      }
    }
  })
}

describe('auto mode at the unaligned end of a file', () => {
  it('reads and writes the last bytes and keeps the size', async () => {
    const { tmpFile } = await import('../helpers/loop.js')
    const { statSync } = await import('node:fs')
    const n = (64 << 10) + 100
    const content = randomBytes(n, rng(5))
    const file = tmpFile(n, content)
    for (const engine of engines) {
      const dev = await Device.open(file, { cache: 'none', engine, align: 'auto' })
      try {
        const tail = await dev.read(n - 50, 50)
        expect(same(tail.data, content.subarray(n - 50))).toBe(true)
        const fresh = randomBytes(30, rng(6))
        await dev.write(n - 40, fresh)
        content.set(fresh, n - 40)
      } finally {
        await dev.close()
      }
      expect(statSync(file).size).toBe(n)
      expect(same(preadBehind(file, 0, n), content)).toBe(true)
    }
  })
})

afterAll(detachAll)
