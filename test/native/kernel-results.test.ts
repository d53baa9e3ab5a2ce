// What the kernel said reaches the caller: the bytes really transferred (a read that met EOF
// because the file shrank under the Device reports what it read and is zero-filled beyond), and
// the engine's own submit-to-completion time, which is also the command layer's report time.
import { truncateSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { Session } from '../../lib/commands/session'
import type { BlockDriver } from '../../lib/driver'
import type { FileDriver } from '../../lib/file-driver'
import { type CacheMode, Device } from '../../lib/index'
import type { NativeResult } from '../../lib/native'
import { Reporter, stringSink } from '../../lib/report'
import { Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const engineList = (['io_uring', 'threads'] as const).filter(
  (e) => e === 'threads' || !skipReason(uringUnavailable(), 'io_uring result tests'),
)
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

describe.each(engineList)('engine %s', (engine) => {
  it.each(['none', 'writeback'] as CacheMode[])(
    'cache=%s: a read that meets EOF reports the bytes read',
    async (cache) => {
      const file = scratch.file(`eof-${engine}-${cache}.img`, 1 << 20, 0xab)
      const dev = await Device.open(file, { cache, engine })
      try {
        truncateSync(file, 50000) // another process shrinks it: the Device still believes 1 MiB
        const buf = dev.allocBuffer(8192).fill(0xee)
        const r = await dev.readv(45056, [buf])
        expect(r.bytes).toBe(50000 - 45056)
        expect(r.ns).toBeGreaterThan(0)
        expect(buf.subarray(0, r.bytes).every((b) => b === 0xab)).toBe(true)
        expect(buf.subarray(r.bytes).every((b) => b === 0)).toBe(true)

        const parts = [dev.allocBuffer(4096).fill(0xee), dev.allocBuffer(4096).fill(0xee)]
        expect((await dev.readv(49152, parts)).bytes).toBe(50000 - 49152)
        expect(parts[0].subarray(0, 848).every((b) => b === 0xab)).toBe(true)
        expect(parts[0].subarray(848).every((b) => b === 0) && parts[1].every((b) => b === 0)).toBe(true)

        // wholly past the new end, inside the old size: nothing read, all zeroes, no error
        const past = await dev.read(65536, 4096)
        expect(past.bytes).toBe(0)
        expect(past.data.every((b) => b === 0)).toBe(true)

        // unaligned under O_DIRECT (the bounce path): the caller's part of what was read
        const odd = await dev.read(49000, 2000)
        expect(odd.bytes).toBe(1000)
        expect(odd.data.subarray(0, 1000).every((b) => b === 0xab)).toBe(true)
        expect(odd.data.subarray(1000).every((b) => b === 0)).toBe(true)

        const w = await dev.write(0, dev.allocBuffer(4096).fill(1))
        expect(w.bytes).toBe(4096)
        expect(w.ns).toBeGreaterThan(0)
      } finally {
        await dev.close()
      }
    },
  )
})

describe('one clock', () => {
  it.each(['', 'blkdebug::'])(
    '%sFILE: the report time of each command is the sum of the native times',
    async (prefix) => {
      const file = scratch.file(`clock${prefix ? '-blkdebug' : ''}.img`, 1 << 20, 0)
      const seen: NativeResult[] = []
      const record = (p: Promise<NativeResult>) =>
        p.then((r) => {
          seen.push(r)
          return r
        })
      // Every request the file driver (at the bottom of the stack) sends to the addon, recorded at
      // the addon's door.
      const wrapDriver = (top: BlockDriver) => {
        let d = top as BlockDriver & { lower?: BlockDriver }
        while (d.lower) d = d.lower
        const n = (d as FileDriver).native
        const at = <K extends 'read' | 'write' | 'space'>(k: K) => {
          const f = n[k].bind(n) as (...a: unknown[]) => Promise<NativeResult>
          Object.defineProperty(n, k, { value: (...a: unknown[]) => record(f(...a)) })
        }
        at('read')
        at('write')
        at('space')
        return top
      }
      const sink = stringSink()
      const session = new Session({ reporter: new Reporter(sink, 'json'), hooks: { wrapDriver } })
      expect((await session.run(`open ${prefix}${file}`)).ok).toBe(true)
      const reported: number[] = []
      const sums: number[] = []
      const commands = [
        ['read 0 64k'],
        ['write 4k 8k'],
        ['write -z 64k 64k'],
        ['writev 8k 4k 4k'],
        ['read 4095 2'],
        ['write -f 0 4k'],
        ['discard 128k 64k'],
        ['aio_write 8k 4k', 'aio_flush'],
        ['aio_read 8k 4k', 'aio_flush'],
      ]
      for (const lines of commands) {
        seen.length = 0
        sink.stdout = ''
        for (const line of lines) {
          const res = await session.run(line)
          expect(res.ok, `${line}: ${sink.stdout} ${sink.stderr}`).toBe(true)
        }
        const records = sink.stdout
          .trim()
          .split('\n')
          .map((l) => JSON.parse(l))
          .filter((r) => r.ns !== undefined)
        expect(records.length, lines.join('; ')).toBe(1)
        reported.push(records[0].ns)
        sums.push(seen.reduce((a, r) => a + r.ns, 0))
      }
      await session.run('close')
      expect(reported).toEqual(sums)
      expect(sums.every((n) => n > 0)).toBe(true)
    },
  )
})
