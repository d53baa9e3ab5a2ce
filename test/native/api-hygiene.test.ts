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
    await expect(Device.open(image, null as never)).rejects.toThrow(TypeError)
    await expect(new Session().run(null as never)).rejects.toThrow(TypeError)
    expect(() => new Session(null as never)).toThrow(TypeError)
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

describe.skipIf(skipReason(uringUnavailable(), 'io_uring EMFILE test'))('io_uring setup failure', () => {
  it('EMFILE is reported as EMFILE, not ENOTSUP', () => {
    // A child uses up its descriptors but one: the open takes it, io_uring_setup finds none left.
    const addon = process.env.RAWIO_ADDON ?? resolve(__dirname, '../../build/Release/rawio.node')
    const script = `
      const fs = require('node:fs')
      const { NativeDevice } = require(${JSON.stringify(addon)})
      const fds = []
      try { for (;;) fds.push(fs.openSync('/dev/null', 'r')) } catch {}
      fs.closeSync(fds.pop())
      try { new NativeDevice(${JSON.stringify(image)}, { engine: 'io_uring' }); console.log('opened') }
      catch (e) { console.log(e.code + ' ' + e.message) }`
    const r = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' })
    expect(r.stdout.trim(), r.stderr).toMatch(/^EMFILE .*io_uring_setup/)
  })
})
