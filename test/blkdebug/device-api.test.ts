// The library side: Device.open('blkdebug:...'), the async controls, what reaches the target, and
// living with the caller's own hooks.
import { readFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { blkdebugOf, openBlkdebug } from '../../lib/blkdebug'
import type { DeviceHooks } from '../../lib/device'
import { StackedDriver, type WriteFlags } from '../../lib/driver'
import { Device, IoError } from '../../lib/index'
import { BlkdebugScratch, conf } from './helpers/scratch'

const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())

const bytes = (n: number, v: number) => new Uint8Array(n).fill(v)
const settled = async (p: Promise<unknown>) => {
  let done = false
  p.then(
    () => (done = true),
    () => (done = true),
  )
  await new Promise((r) => setImmediate(r))
  return done
}

describe('Device.open with a blkdebug: filename', () => {
  it('installs nothing for a plain path', async () => {
    const dev = await Device.open(scratch.image())
    expect(blkdebugOf(dev)).toBeUndefined()
    await dev.close()
  })

  it('opens with an empty config, and reports open errors with qemu texts', async () => {
    const img = scratch.image()
    const dev = await Device.open(`blkdebug::${img}`)
    expect(blkdebugOf(dev)?.idle).toBe(true)
    await dev.close()
    await expect(Device.open(`blkdebug:${img}`)).rejects.toThrow(
      'blkdebug requires both config file and image path',
    )
    await expect(Device.open(`blkdebug:${scratch.dir}/none.conf:${img}`)).rejects.toThrow(
      'Could not read blkdebug config file: No such file or directory',
    )
    const bad = scratch.config('[inject-error]\nevent = "read_aio"\nerrno = "x"\n')
    await expect(Device.open(`blkdebug:${bad}:${img}`)).rejects.toThrow(
      `${bad}:3: Parameter 'errno' expects a number`,
    )
    await expect(openBlkdebug(`blkdebug::${img}`, { blkdebug: { limits: { align: 4097 } } })).rejects.toThrow(
      'Cannot meet constraints with align 4097',
    )
  })

  it('a failed request leaves the target untouched, for every kind of request', async () => {
    const img = scratch.image(1 << 20, 0x11)
    const cfg = scratch.config(conf(['inject-error', { event: 'none', errno: 28 }]))
    const dev = await Device.open(`blkdebug:${cfg}:${img}`, { cache: 'writeback' })
    const failed = (p: Promise<unknown>) => expect(p).rejects.toMatchObject({ code: 'ENOSPC', errno: 28 })
    await failed(dev.write(0, bytes(4096, 0x22)))
    await failed(dev.writev(4096, [bytes(512, 0x33), bytes(512, 0x44)], { fua: true }))
    await failed(dev.writeZeroes(8192, 4096))
    await failed(dev.writeZeroes(12288, 4096, { mayUnmap: true }))
    await failed(dev.discard(16384, 4096))
    await failed(dev.read(0, 4096))
    await dev.close()
    expect(readFileSync(img).every((b) => b === 0x11)).toBe(true)
  })

  it('the injected error is an IoError with errno, syscall, range and strerror text', async () => {
    const img = scratch.image()
    const cfg = scratch.config(conf(['inject-error', { event: 'write_aio', errno: 1234 }]))
    const dev = await Device.open(`blkdebug:${cfg}:${img}`)
    const e = await dev.write(512, bytes(512, 1)).catch((x) => x)
    expect(e).toBeInstanceOf(IoError)
    expect(e).toMatchObject({
      errno: 1234,
      syscall: 'pwritev',
      offset: 512,
      length: 512,
      description: 'Unknown error 1234',
    })
    await dev.close()
  })
})

describe('the other request kinds', () => {
  it('block-status rules fail map() (SEEK_DATA/SEEK_HOLE), not reads', async () => {
    const img = scratch.image()
    const cfg = scratch.config(conf(['inject-error', { event: 'none', iotype: 'block-status', errno: 61 }]))
    const dev = await Device.open(`blkdebug:${cfg}:${img}`)
    await expect(dev.map()).rejects.toMatchObject({ code: 'ENODATA', syscall: 'lseek' })
    await expect(dev.read(0, 4096)).resolves.toMatchObject({ bytes: 4096 })
    await dev.close()
  })

  it('deviceRmwEvents: writes padded to the O_DIRECT alignment in the layer raise pwritev_rmw_* (rawio extension)', async () => {
    const img = scratch.image()
    const dev = await openBlkdebug(`blkdebug::${img}`, { cache: 'none', blkdebug: { deviceRmwEvents: true } })
    const events: string[] = []
    blkdebugOf(dev)?.trace((e) => events.push(e))
    await dev.write(1, bytes(100, 3))
    await dev.close()
    // as qemu's blkdebug with align=4096 (see the events table of docs/blkdebug.md)
    expect(events).toEqual([
      'write_aio',
      'pwritev_rmw_head',
      'pwritev_rmw_tail',
      'pwritev_rmw_after_head',
      'pwritev_rmw_after_tail',
      'pwritev',
      'pwritev_done',
    ])
    expect(readFileSync(img).subarray(0, 102)).toEqual(Buffer.from([0, ...bytes(100, 3), 0]))
  })
})

describe('breakpoints through the library', () => {
  it('a later read completes while a write is suspended; the write lands after resume', async () => {
    const img = scratch.image()
    const dev = await Device.open(`blkdebug::${img}`)
    const bd = blkdebugOf(dev)!
    const lines: string[] = []
    bd.onMessage((l) => lines.push(l))
    await bd.break('write_aio', 'A')
    const write = dev.write(0, bytes(4096, 0x5a))
    await bd.waitBreak('A', { timeoutMs: 2000 })
    expect(lines).toEqual(["blkdebug: Suspended request 'A'"])
    const read = await dev.read(0, 4096)
    expect(read.data.every((b) => b === 0)).toBe(true)
    expect(await settled(write)).toBe(false)
    expect(readFileSync(img)[0]).toBe(0)
    await bd.resume('A')
    await write
    expect(readFileSync(img)[0]).toBe(0x5a)
    expect(lines).toEqual(["blkdebug: Suspended request 'A'", "blkdebug: Resuming request 'A'"])
    await dev.close()
  })

  it('removeBreak resumes several requests; close never hangs on a suspended one', async () => {
    const img = scratch.image()
    const dev = await Device.open(`blkdebug::${img}`, { cache: 'none' })
    const bd = blkdebugOf(dev)!
    let stops = 0
    const both = new Promise<void>((r) => bd.onMessage(() => ++stops === 2 && r()))
    await bd.break('write_aio', 'W')
    const a = dev.write(0, dev.allocBuffer(4096).fill(1))
    await bd.break('write_aio', 'W')
    // unaligned under O_DIRECT: the Device's read-modify-write runs first (unseen, as qemu's file driver)
    const b = dev.write(8193, bytes(100, 2))
    await both
    expect(await bd.removeBreak('W')).toEqual({ removed: 0, resumed: 2 })
    await Promise.all([a, b])
    await bd.break('read_aio', 'R')
    const r = dev.read(0, 4096)
    await bd.waitBreak('R')
    await dev.close() // resumes R first
    await r
    const data = readFileSync(img)
    expect([data[0], data[8192], data[8193], data[8292], data[8293]]).toEqual([1, 0, 2, 2, 0])
  })
})

describe("with the caller's hooks", () => {
  it("composes: the caller's wrapper sits above blkdebug, its gate runs at the first write to reach the target", async () => {
    const img = scratch.image()
    const cfg = scratch.config(conf(['inject-error', { event: 'write_aio', errno: 5, once: 'on' }]))
    const seen: string[] = []
    const hooks: DeviceHooks = {
      wrapDriver: (lower) =>
        new (class extends StackedDriver {
          override writev(o: number, b: Uint8Array[], f: WriteFlags) {
            seen.push(`write ${o}`)
            return lower.writev(o, b, f)
          }
        })(lower),
      beforeFirstWrite: async () => void seen.push('gate'),
    }
    const dev = await Device.open(`blkdebug:${cfg}:${img}`, { hooks })
    await expect(dev.write(0, bytes(512, 9))).rejects.toMatchObject({ code: 'EIO' })
    await dev.write(512, bytes(512, 9))
    await dev.close()
    // the gate guards the target: it runs when the first write reaches it (write 0 never did)
    expect(seen).toEqual(['write 0', 'write 512', 'gate'])
    const data = readFileSync(img)
    expect([data[0], data[512]]).toEqual([0, 9])
  })
})
