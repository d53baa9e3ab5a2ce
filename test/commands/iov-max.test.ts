// More than IOV_MAX (1024) buffers in one vectored request: qemu-io hands them all to the kernel,
// which refuses with EINVAL (`readv failed: Invalid argument` on stdout), empty buffers included.
// The golden script iov-max.txt compares the default mode with qemu-io 7.2; here the modes qemu-io
// cannot be compared in (under -t none it dies on an assertion), --json, and the Device API's own
// refusal (a RangeError before the kernel, as a rejected promise).
import { afterAll, describe, expect, it } from 'vitest'
import { Device, IOV_MAX } from '../../lib/device'
import { openSession, sha256, TempDir } from './helpers'

const tmp = new TempDir()
afterAll(() => tmp.remove())

const lens = (n: number, len: string) => Array.from({ length: n }, () => len).join(' ')

describe('vectored commands with more than IOV_MAX buffers', () => {
  for (const [mode, image] of [
    ['writethrough', {}],
    ['none (O_DIRECT)', { cache: 'none' as const }],
  ] as const) {
    it(`fail with EINVAL and write nothing (cache ${mode})`, async () => {
      const path = tmp.image(1 << 20)
      const before = sha256(path)
      const s = await openSession(path, image)
      try {
        for (const [line, text] of [
          [`readv 0 ${lens(1025, '512')}`, 'readv failed: Invalid argument\n'],
          [`readv 0 ${lens(1025, '0')}`, 'readv failed: Invalid argument\n'],
          [`writev -P 1 0 ${lens(1025, '512')}`, 'writev failed: Invalid argument\n'],
          [`writev 0 ${lens(1024, '0')} 0`, 'writev failed: Invalid argument\n'],
        ]) {
          const r = await s.run(line)
          expect(r.stdout, line.slice(0, 20)).toBe(text)
          expect(r.stderr).toBe('')
          expect(r.ok).toBe(false)
          expect(r.result.code).toBe('EINVAL')
        }
        // aio: reported when it completes, and (as in qemu-io) not counted as a failure.
        const a = await s.run(`aio_write -P 2 0 ${lens(1025, '512')}`)
        expect(a.ok).toBe(true)
        const b = await s.run(`aio_read 0 ${lens(1025, '0')}`)
        expect(b.ok).toBe(true)
        s.sink.stdout = ''
        await s.session.drainAio()
        expect(s.sink.stdout.split('\n').sort()).toEqual([
          '',
          'aio_write failed: Invalid argument',
          'readv failed: Invalid argument',
        ])
        expect(s.sink.stderr).not.toMatch(/internal error/)
        // Exactly IOV_MAX is fine.
        const ok = await s.run(`writev -P 3 0 ${lens(1024, '512')}`)
        expect(ok.stdout).toMatch(/^wrote 524288\/524288 bytes at offset 0\n/)
        const back = await s.run('read -q -P 3 0 512k')
        expect(back.ok).toBe(true)
      } finally {
        await s.close()
      }
      expect(sha256(path)).not.toBe(before) // only the 1024-buffer write changed it
    })
  }

  it('--json gives a failed record, not an internal error', async () => {
    const s = await openSession(tmp.image(1 << 20), {}, { json: true })
    try {
      const r = await s.run(`readv 0 ${lens(1025, '512')}`)
      expect(r.ok).toBe(false)
      expect(JSON.parse(r.stdout)).toMatchObject({
        command: 'readv',
        ok: false,
        error: 'readv failed: Invalid argument',
      })
      expect(r.stderr).toBe('')
    } finally {
      await s.close()
    }
  })

  it('Device.readv/writev reject more than IOV_MAX buffers with a RangeError (a rejected promise)', async () => {
    const path = tmp.image(1 << 20)
    const before = sha256(path)
    const dev = await Device.open(path)
    try {
      expect(IOV_MAX).toBe(1024)
      const many = Array.from({ length: 1025 }, () => dev.allocBuffer(512))
      const w = dev.writev(0, many)
      expect(w).toBeInstanceOf(Promise)
      await expect(w).rejects.toThrow(RangeError)
      await expect(dev.readv(0, many)).rejects.toThrow(/more than IOV_MAX \(1024\)/)
      const r = await dev.readv(0, many.slice(0, 1024))
      expect(r.bytes).toBe(1024 * 512)
    } finally {
      await dev.close()
    }
    expect(sha256(path)).toBe(before)
  })
})
