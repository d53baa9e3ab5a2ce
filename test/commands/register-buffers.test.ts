// qemu-io 8.0's -r (register the I/O buffer) on read, readv, write, writev, aio_read and aio_write.
// On io_uring the command's buffer really joins the ring's fixed buffers: the Device's counters
// (info().fixedIo, registeredBuffers) prove that the requests ran as READ_FIXED/WRITE_FIXED (and
// READV_FIXED/WRITEV_FIXED where the kernel has them) and that every registration ended with its
// command. The output is qemu-io's for the same command without -r (qemu-io 7.2 has no -r), on a
// file and on a loop device under O_DIRECT; the thread engine accepts -r and registers nothing.
import { readFileSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { Session } from '../../lib/commands/session'
import { defaultImageOptions, type ImageOptions } from '../../lib/commands/state'
import type { Device } from '../../lib/device'
import { type BlockDriver, StackedDriver } from '../../lib/driver'
import { Reporter, stringSink } from '../../lib/report'
import { loopUnavailable, Scratch, skipReason, uringUnavailable } from '../helpers/targets'
import { noQemu, qemuIo, rawio } from '../helpers/vs-qemu'
import { stop } from './helpers'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())
const noUring = uringUnavailable()

function patterned(name: string, size: number): string {
  const path = scratch.file(name, size)
  const b = Buffer.alloc(size)
  for (let i = 0; i < size; i++) b[i] = (i * 13) & 255
  writeFileSync(path, b)
  return path
}

/** Sees every read and write reach the file driver, with how many buffers were registered then. */
class Spy extends StackedDriver {
  readonly seen: number[] = []
  constructor(lower: BlockDriver) {
    super(lower)
  }
  override readv(offset: number, buffers: Uint8Array[]) {
    this.seen.push(this.lower.info().registeredBuffers)
    return super.readv(offset, buffers)
  }
  override writev(offset: number, buffers: Uint8Array[], flags: object) {
    this.seen.push(this.lower.info().registeredBuffers)
    return super.writev(offset, buffers, flags)
  }
}

interface SpySession {
  session: Session
  sink: ReturnType<typeof stringSink>
  spy: () => Spy
  dev: () => Device
}

async function spySession(
  path: string,
  image: Partial<ImageOptions> = {},
  misalign = false,
): Promise<SpySession> {
  const sink = stringSink()
  let spy: Spy | null = null
  const session = new Session({
    reporter: new Reporter(sink),
    misalign,
    hooks: { wrapDriver: (file) => (spy = new Spy(file)) },
    raise: (sig) => {
      throw new Error(`raise(${sig}) in a test`)
    },
  })
  await session.openImage(path, { ...defaultImageOptions, ...image })
  return {
    session,
    sink,
    spy: () => spy ?? (null as never),
    dev: () => session.device ?? (null as never),
  }
}

/**
 * Runs a line: the requests it ran fixed, how many buffers were registered when each of its requests
 * reached the driver, and how many are registered after it.
 */
async function counted(t: SpySession, line: string) {
  const before = t.dev().info().fixedIo
  const seen = t.spy().seen.length
  t.sink.stdout = ''
  t.sink.stderr = ''
  const r = await t.session.run(line)
  expect(r.ok, `${line}: ${t.sink.stdout}${t.sink.stderr}`).toBe(true)
  expect(t.sink.stdout).not.toMatch(/failed|invalid option/)
  return {
    fixed: t.dev().info().fixedIo - before,
    during: t.spy().seen.slice(seen),
    after: t.dev().info().registeredBuffers,
  }
}

describe('qemu-io 8.0 -r: the checks and messages of qemu-io-cmds.c', () => {
  it('write -z, aio_write -z and read -b refuse it with qemu 8.0 words', async () => {
    expect(await stop('write -z -r 0 512')).toEqual([
      { stream: 'out', text: 'cannot combine zero write with registered I/O buffer' },
    ])
    expect(await stop('aio_write -z -r 0 512')).toEqual([
      { stream: 'out', text: 'cannot combine zero write with registered I/O buffer' },
    ])
    expect(await stop('read -b -r 0 512')).toEqual([
      { stream: 'out', text: 'I/O buffer registration is not supported when reading from vmstate' },
    ])
    // qemu checks vmstate alignment first, and -u before -z -r
    expect((await stop('read -b -r 1 512'))[0].text).toBe("1 is not a sector-aligned value for 'offset'")
    expect((await stop('aio_write -u -r 0 512'))[0].text).toBe('-u requires -z to be specified')
  })
})

describe.skipIf(skipReason(noUring, '-r on io_uring'))('-r on io_uring: fixed buffers', () => {
  it('on a file: registered while its request runs, run fixed, released with it', async () => {
    const t = await spySession(patterned('fixed.img', 1 << 20))
    try {
      expect(t.dev().engine).toBe('io_uring')
      const vec = t.dev().info().fixedVectored ? 1 : 0
      const one = { fixed: 1, during: [1], after: 0 }
      expect(await counted(t, 'write -r -P 0x11 0 64k')).toEqual(one)
      expect(await counted(t, 'read -r -P 0x11 0 64k')).toEqual(one)
      expect(await counted(t, 'r -r -v 100 40')).toEqual(one)
      expect(await counted(t, 'write -r -s /etc/hostname 64k 4k')).toEqual(one)
      // one buffer split in three: READV_FIXED/WRITEV_FIXED (Linux 6.15+), else READV/WRITEV
      expect(await counted(t, 'writev -r -P 0x22 128k 4k 8k 512')).toEqual({ ...one, fixed: vec })
      expect(await counted(t, 'readv -r -P 0x22 128k 4k 8k 512')).toEqual({ ...one, fixed: vec })
      expect(await counted(t, 'readv -r -P 0x22 128k 4k')).toEqual(one)
      // without -r nothing is registered and nothing runs fixed
      const none = { fixed: 0, during: [0], after: 0 }
      expect(await counted(t, 'read -P 0x11 0 64k')).toEqual(none)
      expect(await counted(t, 'write -P 0x11 0 64k')).toEqual(none)
      expect(await counted(t, 'readv -P 0x11 0 4k 4k')).toEqual(none)
      // aio: registered while in flight, released when the request settles (qemu's aio_*_done)
      const before = t.dev().info().fixedIo
      expect((await t.session.run('aio_write -r -P 0x33 256k 4k 4k')).ok).toBe(true)
      expect((await t.session.run('aio_read -r -P 0x11 0 4k')).ok).toBe(true)
      expect(
        t
          .spy()
          .seen.slice(-2)
          .every((n) => n >= 1),
      ).toBe(true)
      expect((await t.session.run('aio_flush')).ok).toBe(true)
      expect(t.sink.stdout).not.toMatch(/failed/)
      expect(t.dev().info().registeredBuffers).toBe(0)
      expect(t.dev().info().fixedIo - before).toBe(1 + vec)
      expect(await counted(t, 'read -r -P 0x33 256k 8k')).toEqual(one)
      // a request that fails before any I/O releases its buffer too
      t.sink.stdout = ''
      expect((await t.session.run('read -r 2M 4k')).ok).toBe(false)
      expect(t.sink.stdout).toBe('read failed: Input/output error\n')
      expect(t.dev().info().registeredBuffers).toBe(0)
    } finally {
      await t.session.close()
    }
  })

  it.skipIf(skipReason(loopUnavailable(), '-r on a loop device'))(
    'on a loop device under O_DIRECT: aligned requests fixed, bounced ones not',
    async () => {
      const loop = scratch.loop(patterned('fixed-loop.img', 4 << 20))
      const t = await spySession(loop, { cache: 'none' })
      const m = await spySession(loop, { cache: 'none', readOnly: true, forceShare: true }, true)
      try {
        expect(t.dev().direct).toBe(true)
        expect(t.dev().isBlockDevice).toBe(true)
        const one = { fixed: 1, during: [1], after: 0 }
        expect(await counted(t, 'write -r -P 0x44 0 64k')).toEqual(one)
        expect(await counted(t, 'read -r -P 0x44 0 64k')).toEqual(one)
        const aio = await counted(t, 'aio_read -r -P 0x44 0 4k')
        const flush = await counted(t, 'aio_flush')
        expect({ fixed: aio.fixed + flush.fixed, during: aio.during, after: flush.after }).toEqual(one)
        // unaligned: the file driver reads an aligned bounce buffer, which is not registered
        expect(await counted(t, 'read -r -P 0x44 100 40')).toEqual({ fixed: 0, during: [1], after: 0 })
        // -m: qemu's buffer 16 bytes off alignment is registered, and bounced under O_DIRECT
        expect(await counted(m, 'read -r -P 0x44 0 4k')).toEqual({ fixed: 0, during: [1], after: 0 })
        expect(await counted(m, 'read -P 0x44 0 4k')).toEqual({ fixed: 0, during: [0], after: 0 })
      } finally {
        await m.session.close()
        await t.session.close()
        scratch.detach(loop)
      }
    },
  )
})

describe.each([
  ['threads', {}],
  ['libaio', { aio: 'native', cache: 'none' }],
] as const)('-r on the %s engine', (engine, image) => {
  it('is accepted, registers nothing, and does the same I/O', async () => {
    const t = await spySession(patterned(`${engine}.img`, 256 << 10), { aio: 'threads', ...image })
    try {
      expect(t.dev().engine).toBe(engine)
      const none = { fixed: 0, during: [0], after: 0 }
      expect(await counted(t, 'write -r -P 0x55 0 8k')).toEqual(none)
      expect(await counted(t, 'read -r -P 0x55 0 8k')).toEqual(none)
      expect(await counted(t, 'writev -r -P 0x56 8k 1k 3k')).toEqual(none)
      expect(await counted(t, 'readv -r -P 0x56 8k 4k')).toEqual(none)
      expect(await counted(t, 'aio_read -r -P 0x55 0 8k')).toMatchObject({ during: [0] })
      t.sink.stdout = ''
      expect((await t.session.run('aio_flush')).ok).toBe(true)
      expect(t.sink.stdout).toMatch(/^read 8192\/8192 bytes at offset 0\n/)
    } finally {
      await t.session.close()
    }
  })
})

// Commands as [name, rest]: rawio runs `name -r rest`, qemu-io 7.2 `name rest`.
const SCRIPT: [string, string][] = [
  ['write', '-P 0x11 0 64k'],
  ['read', '-P 0x11 0 64k'],
  ['read', '-v 100 40'],
  ['write', '-P 0x12 1000 100'],
  ['read', '-v 990 32'],
  ['writev', '-P 0x22 64k 4k 8k 4k'],
  ['readv', '-P 0x22 64k 4k 8k 4k'],
  ['readv', '-v 64k 5 3 8'],
  ['aio_write', '-P 0x33 128k 4k 4k'],
  ['aio_flush', ''],
  ['aio_read', '-P 0x11 0 4k'],
  ['aio_flush', ''],
  ['aio_read', '-P 0x33 128k 8k'],
  ['aio_flush', ''],
  ['read', '-P 0x99 0 512'],
  ['write', '1020k 8k'],
]
const lines = (register: boolean) =>
  SCRIPT.flatMap(([c, rest]) => [
    '-c',
    `${c}${register && c !== 'aio_flush' ? ' -r' : ''}${rest ? ` ${rest}` : ''}`,
  ])

describe.skipIf(skipReason(noQemu, '-r vs qemu-io'))('-r vs qemu-io 7.2 without it', () => {
  it('on a file: same output, same bytes', () => {
    const q = patterned('vq.img', 1 << 20)
    const r = patterned('vr.img', 1 << 20)
    const want = qemuIo(['-f', 'raw', ...lines(false), q])
    expect(want.stdout).toContain('Pattern verification failed at offset 0, 512 bytes')
    expect(rawio(['-f', 'raw', ...lines(true), r])).toEqual(want)
    expect(readFileSync(r).equals(readFileSync(q))).toBe(true)
  })

  it.skipIf(skipReason(loopUnavailable(), '-r vs qemu-io on a loop device'))(
    'on a loop device under O_DIRECT (-t none): same output, same bytes',
    () => {
      const qf = patterned('vql.img', 1 << 20)
      const rf = patterned('vrl.img', 1 << 20)
      const ql = scratch.loop(qf)
      const rl = scratch.loop(rf)
      const want = qemuIo(['-f', 'raw', '-t', 'none', ...lines(false), ql])
      const got = rawio(['-f', 'raw', '-t', 'none', ...lines(true), rl])
      scratch.detach(ql)
      scratch.detach(rl)
      expect(got).toEqual(want)
      expect(readFileSync(rf).equals(readFileSync(qf))).toBe(true)
    },
  )
})
