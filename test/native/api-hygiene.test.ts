// The library's mistakes found by fuzzing the API: each is one clear TypeError/RangeError or IoError,
// never "Cannot read properties of null", never a stack from inside the addon.
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Session } from '../../lib/commands/session'
import { Device, IoError } from '../../lib/index'
import { Scratch, skipReason, uringUnavailable } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())
const image = scratch.file('hygiene.img', 1 << 20, 0x11)

describe('argument mistakes', () => {
  it('null options are a TypeError', async () => {
    // a TypeError saying what is wrong, not "Cannot read properties of null" from inside
    await expect(Device.open(image, null as never)).rejects.toThrow(/^options must be an object$/)
    await expect(Device.open(image, 5 as never)).rejects.toThrow(TypeError)
    await expect(new Session().run(null as never)).rejects.toThrow(/^a command line must be a string/)
    expect(() => new Session(null as never)).toThrow(/^options must be an object$/)
  })

  it('a SharedArrayBuffer view, a huge misalignment, a bogus lock kind, a non-boolean readOnly', async () => {
    const dev = await Device.open(image, { cache: 'none' })
    try {
      const shared = new Uint8Array(new SharedArrayBuffer(4096))
      await expect(dev.readv(0, [shared])).rejects.toThrow(/SharedArrayBuffer/)
      await expect(dev.write(0, shared)).rejects.toThrow(TypeError)
      expect(() => dev.allocBuffer(4096, 1e9)).toThrow(RangeError)
      expect(() => dev.allocBuffer(4096, 4096)).toThrow(RangeError)
      expect(dev.allocBuffer(4096, 4095).byteLength).toBe(4096)
      expect(() => dev.lockImage('bogus' as never)).toThrow(TypeError)
      await expect(dev.reopen({ readOnly: 5 as never })).rejects.toThrow(TypeError)
      await expect(dev.reopen(null as never)).rejects.toThrow(TypeError)
      await expect(Device.open(image, { readOnly: 1 as never })).rejects.toThrow(TypeError)
      expect(dev.readOnly).toBe(false)
    } finally {
      await dev.close()
    }
  })
})

describe('after close()', () => {
  it('every call says the device is closed', async () => {
    const dev = await Device.open(image)
    await dev.close()
    await dev.close() // twice is fine
    const closed = (e: unknown) =>
      e instanceof IoError && e.code === 'EBADF' && /device is closed/.test(e.message)
    const calls: [string, () => unknown][] = [
      ['read', () => dev.read(0, 512)],
      ['readv', () => dev.readv(0, [new Uint8Array(512)])],
      ['write', () => dev.write(0, new Uint8Array(512))],
      ['writev', () => dev.writev(0, [new Uint8Array(512)])],
      ['flush', () => dev.flush()],
      ['discard', () => dev.discard(0, 512)],
      ['writeZeroes', () => dev.writeZeroes(0, 512)],
      ['truncate', () => dev.truncate(4096)],
      ['map', () => dev.map()],
      ['length', () => dev.length()],
      ['reopen', () => dev.reopen({ cache: 'none' })],
      ['bench', () => dev.bench({ runtime: 1 } as never)],
      ['lockImage', () => dev.lockImage('read')],
      ['allocBuffer', () => dev.allocBuffer(512)],
    ]
    for (const [name, call] of calls) {
      let error: unknown
      try {
        await call()
      } catch (e) {
        error = e
      }
      expect(closed(error), `${name}: ${error}`).toBe(true)
    }
  })
})

const havePrlimit = spawnSync('prlimit', ['--version']).status === 0
if (!havePrlimit) console.warn('api-hygiene: EMFILE tests skipped, prlimit (util-linux) is not installed')
// UBSan checks a virtual call's object by reading its memory through a pipe: in a child that has
// used up every descriptor it cannot, and reports valid objects as "invalid vptr" (seen in CI's
// ASan/UBSan run). The plain build runs these tests; the sanitizer run cannot.
const sanitized = /libasan|libubsan/.test(process.env.LD_PRELOAD ?? '')
if (sanitized)
  console.warn(
    'api-hygiene: EMFILE tests skipped under ASan/UBSan: the sanitizer needs a free descriptor to check objects',
  )

describe.skipIf(skipReason(uringUnavailable(), 'io_uring EMFILE test') || !havePrlimit || sanitized)(
  'io_uring setup out of descriptors',
  () => {
    // A child with a small RLIMIT_NOFILE uses up its descriptors but one: the open of the target
    // takes it and io_uring_setup finds none left. Nothing else in the child opens files between
    // the two (no NODE_OPTIONS preloads), so the outcome does not depend on timing.
    const dist = resolve(__dirname, '../../dist/lib')
    const child = (probeFirst: boolean, engine: string) => `
      const fs = require('node:fs')
      const { Device } = require(${JSON.stringify(`${dist}/index.js`)})
      const { binding } = require(${JSON.stringify(`${dist}/native.js`)})
      ;(async () => {
        binding() // the addon is loaded (that opens files); io_uring is not probed yet
        if (${probeFirst}) await (await Device.open(${JSON.stringify(image)}, { engine: 'io_uring' })).close()
        const fds = []
        try { for (;;) fds.push(fs.openSync('/dev/null', 'r')) } catch (e) { if (e.code !== 'EMFILE') throw e }
        fs.closeSync(fds.pop())
        // Device.open reaches the addon synchronously: nothing runs between the close and the open.
        const opened = Device.open(${JSON.stringify(image)}, { engine: '${engine}' })
        for (const fd of fds) fs.closeSync(fd)
        try { await (await opened).close(); console.log('opened') }
        catch (e) { console.log(e.code + ' ' + e.syscall + ': ' + e.message) }
      })()`
    const run = (probeFirst: boolean, engine = 'io_uring') => {
      const env = { ...process.env }
      delete env.NODE_OPTIONS
      const r = spawnSync(
        'prlimit',
        ['--nofile=256:256', process.execPath, '-e', child(probeFirst, engine)],
        {
          encoding: 'utf8',
          env,
        },
      )
      return `${r.stdout.trim()}${r.stderr}`
    }
    it('EMFILE in the first probe is EMFILE, not ENOTSUP', () => {
      expect(run(false)).toMatch(/^EMFILE io_uring_setup: .*Too many open files/)
    })
    it('EMFILE in the ring setup after a good probe is EMFILE, not ENOTSUP', () => {
      expect(run(true)).toMatch(/^EMFILE io_uring_setup: .*Too many open files/)
    })
    it("engine 'auto' reports the ring's EMFILE (the thread pool would need a descriptor too)", () => {
      expect(run(true, 'auto')).toMatch(/^EMFILE io_uring_setup: .*Too many open files/)
    })
  },
)
