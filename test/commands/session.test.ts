// The Session as a library: structured results, truly asynchronous aio, real holes in map/alloc,
// reopen, locks, sleep interruption, signals, JSON records. Real temp files only.
import { readFileSync, statSync, writeFileSync } from 'node:fs'
import { afterAll, describe, expect, it } from 'vitest'
import { Session } from '../../lib/commands/session'
import { defaultImageOptions } from '../../lib/commands/state'
import { Reporter, stringSink } from '../../lib/report'
import { openSession, TempDir } from './helpers'

const tmp = new TempDir()
afterAll(() => tmp.remove())

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms))

describe('structured results', () => {
  it('reports op, offset, bytes, ops, ns and the data of a read', async () => {
    const s = await openSession(tmp.image())
    try {
      const r = await s.run('read -P 0 0 1')
      expect(r.result).toMatchObject({ command: 'read', ok: true, op: 'read', offset: 0, bytes: 1, ops: 1 })
      expect(r.result.ns).toBeGreaterThan(0)
      expect(r.result.data?.[0]).toBe(0)
      const w = await s.run('w -P 0xab 4k 4k')
      expect(w.result).toMatchObject({ command: 'write', ok: true, op: 'wrote', offset: 4096, bytes: 4096 })
      const v = await s.run('read -P 0xab 4k 4k')
      expect(v.ok).toBe(true)
      expect(v.stdout).toMatch(/^read 4096\/4096 bytes at offset 4096\n4 KiB, 1 ops; /)
    } finally {
      await s.close()
    }
  })

  it('carries the error and its code when a command fails', async () => {
    const s = await openSession(tmp.image())
    try {
      const r = await s.run('read 1M 1')
      expect(r.result).toMatchObject({
        command: 'read',
        ok: false,
        code: 'EIO',
        error: 'read failed: Input/output error',
      })
      const m = await s.run('read -P 7 0 2')
      expect(m.result).toMatchObject({
        ok: false,
        error: 'Pattern verification failed at offset 0, 2 bytes',
        bytes: 2,
      })
      const u = await s.run('nothing')
      expect(u.result).toMatchObject({ command: null, ok: false, error: 'command "nothing" not found' })
      expect((await s.run('')).result).toEqual({ command: null, ok: true })
    } finally {
      await s.close()
    }
  })

  it('dumps with -v as qemu does (alphanumerics only, short last line)', async () => {
    const s = await openSession(tmp.image())
    try {
      const r = await s.run('read -v 0x30 20')
      expect(r.stdout.split('\n').slice(0, 2)).toEqual([
        '00000030:  30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f  0123456789......',
        '00000040:  40 41 42 43  .ABC',
      ])
    } finally {
      await s.close()
    }
  })
})

describe('aio', () => {
  it('returns at submission and prints the report when the request completes', async () => {
    const s = await openSession(tmp.image())
    try {
      const r = await s.run('aio_read -P 0 0 1')
      expect(r.result).toMatchObject({ command: 'aio_read', ok: true, pending: true })
      expect(r.stdout).toBe('')
      for (let i = 0; i < 100 && !s.sink.stdout.includes('read 1/1'); i++) await delay(10)
      expect(s.sink.stdout).toMatch(/^read 1\/1 bytes at offset 0\n/)
    } finally {
      await s.close()
    }
  })

  it('reports the requests completed at aio_flush newest first', async () => {
    const s = await openSession(tmp.image())
    try {
      await s.session.run('aio_read 0 512')
      await s.session.run('aio_read 512 512')
      await s.session.run('aio_read 1k 512')
      const r = await s.run('aio_flush')
      const offsets = [...r.stdout.matchAll(/bytes at offset (\d+)/g)].map((m) => Number(m[1]))
      expect(offsets).toEqual([1024, 512, 0])
      expect(s.session.pendingAio).toBe(0)
    } finally {
      await s.close()
    }
  })

  it('never counts a failed aio request as a failure', async () => {
    const s = await openSession(tmp.image())
    try {
      expect((await s.run('aio_read 1M 1')).ok).toBe(true)
      expect((await s.run('aio_read -P 9 0 1')).ok).toBe(true)
      const f = await s.run('aio_flush')
      expect(f.ok).toBe(true)
      expect(f.stdout).toContain('readv failed: Input/output error\n')
      expect(f.stdout).toContain('Pattern verification failed at offset 0, 1 bytes\n')
    } finally {
      await s.close()
    }
  })

  it('drains and reports what is in flight at close', async () => {
    const s = await openSession(tmp.image())
    await s.session.run('aio_write -P 3 0 4k')
    await s.close()
    expect(s.sink.stdout).toMatch(/^wrote 4096\/4096 bytes at offset 0\n/)
  })
})

describe('allocation', () => {
  it('map and alloc show real data and holes', async () => {
    const path = tmp.file('sparse', '')
    writeFileSync(path, '')
    const s = await openSession(path)
    try {
      await s.run('truncate 1M')
      await s.run('write -P 1 64k 64k')
      const m = await s.run('map')
      expect(m.stdout).toBe(
        '64 KiB (0x10000) bytes not allocated at offset 0 bytes (0x0)\n' +
          '64 KiB (0x10000) bytes     allocated at offset 64 KiB (0x10000)\n' +
          '896 KiB (0xe0000) bytes not allocated at offset 128 KiB (0x20000)\n',
      )
      expect((await s.run('alloc 0 1M')).stdout).toBe('65536/1048576 bytes allocated at offset 0 bytes\n')
      expect((await s.run('alloc 64k')).stdout).toBe('512/512 bytes allocated at offset 64 KiB\n')
      expect((await s.run('alloc 2M')).stdout).toBe('0/0 bytes allocated at offset 2 MiB\n')
      await s.run('discard 64k 64k')
      expect((await s.run('alloc 0 1M')).stdout).toBe('0/1048576 bytes allocated at offset 0 bytes\n')
    } finally {
      await s.close()
    }
  })
})

describe('space', () => {
  it('truncate -m falloc and -m full grow with zeroes', async () => {
    const path = tmp.image(4096)
    const s = await openSession(path)
    try {
      expect((await s.run('truncate -m falloc 64k')).ok).toBe(true)
      expect((await s.run('truncate -m full 128k')).ok).toBe(true)
      expect(statSync(path).size).toBe(128 << 10)
      expect((await s.run('read -q -P 0 4k 124k')).ok).toBe(true)
      expect((await s.run('length')).stdout).toBe('128 KiB\n')
    } finally {
      await s.close()
    }
  })

  it('write -s fills the buffer cyclically from a file', async () => {
    const path = tmp.image(4096, 'zero')
    const src = tmp.file('src', 'abc')
    const s = await openSession(path)
    try {
      expect((await s.run(`write -s ${src} 10 8`)).ok).toBe(true)
    } finally {
      await s.close()
    }
    expect(readFileSync(path).subarray(10, 18).toString()).toBe('abcabcab')
  })
})

describe('files', () => {
  it('reopen changes read-only status and cache mode in place', async () => {
    const s = await openSession(tmp.image())
    try {
      await s.run('reopen -r')
      expect(s.session.device?.readOnly).toBe(true)
      expect((await s.run('write 0 1')).stderr).toBe('rawio: Block node is read-only\n')
      await s.run('reopen -w -c none')
      expect(s.session.device).toMatchObject({ readOnly: false, cache: 'none', direct: true })
      expect((await s.run('write -P 5 1 1')).ok).toBe(true)
      expect((await s.run('read -P 5 1 1')).ok).toBe(true)
      await s.run('reopen -o cache.no-flush=on')
      expect(s.session.device?.cache).toBe('unsafe')
    } finally {
      await s.close()
    }
  })

  it('two writers on one image refuse each other with the lock message', async () => {
    const path = tmp.image()
    const a = await openSession(path)
    const b = await openSession(null)
    try {
      const r = await b.run(`open -o driver=raw ${path}`)
      expect(r.ok).toBe(false)
      expect(r.stderr).toBe(
        `rawio: can't open device ${path}: Failed to get "write" lock\nIs another process using the image [${path}]?\n`,
      )
      expect((await b.run(`open -r -U ${path}`)).ok).toBe(true)
      expect((await b.run('read 0 1')).ok).toBe(true)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it('close then open another image', async () => {
    const s = await openSession(tmp.image())
    const other = tmp.image(4096)
    try {
      expect((await s.run('close')).ok).toBe(true)
      expect(s.session.device).toBeNull()
      expect((await s.run(`open -r ${other}`)).ok).toBe(true)
      expect((await s.run('length')).stdout).toBe('4 KiB\n')
    } finally {
      await s.close()
    }
  })
})

describe('process', () => {
  it('sleep sleeps and can be interrupted', async () => {
    const s = await openSession(null)
    const t0 = Date.now()
    expect((await s.run('sleep 30')).ok).toBe(true)
    expect(Date.now() - t0).toBeGreaterThanOrEqual(25)
    const long = s.session.run('sleep 100000')
    await delay(20)
    expect(s.session.interrupt()).toBe(true)
    expect((await long).ok).toBe(true) // 100 s outlast the test's timeout: it ended early
    expect(s.session.interrupt()).toBe(false)
  })

  it('an interrupt that comes while the command is still starting ends its sleep too', async () => {
    // The CLI's SIGTERM reached the session while `sleep` was loading, before it began to wait,
    // and was lost: the process slept on (CI, test/cli/source-fifo.test.ts).
    const s = await openSession(null)
    const long = s.session.run('sleep 100000')
    expect(s.session.interrupt()).toBe(true)
    expect((await long).ok).toBe(true) // 100 s outlast the test's timeout: it ended early
    // it is spent with the command: the next sleep sleeps
    const t1 = Date.now()
    expect((await s.run('sleep 30')).ok).toBe(true)
    expect(Date.now() - t1).toBeGreaterThanOrEqual(25)
  })

  it('abort and sigraise raise, except the signals qemu-io survives', async () => {
    const raised: number[] = []
    const s = await openSession(null, {}, { raise: (sig) => raised.push(sig) })
    await s.run('abort')
    await s.run('sigraise 15')
    await s.run('sigraise 13')
    await s.run('sigraise 0')
    expect(raised).toEqual([6, 15])
  })

  it('quit marks the result', async () => {
    const s = await openSession(null)
    expect((await s.run('quit')).result).toMatchObject({ command: 'quit', ok: true, quit: true })
    expect(s.session.quit).toBe(true)
  })
})

describe('JSON mode', () => {
  it('prints one object per command result', async () => {
    const sink = stringSink()
    const session = new Session({ reporter: new Reporter(sink, 'json') })
    await session.openImage(tmp.image(), { ...defaultImageOptions })
    try {
      await session.run('read 0 512')
      await session.run('read 9 x')
      await session.run('length')
      await session.run('help read')
      const records = sink.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l))
      expect(records).toHaveLength(4)
      expect(records[0]).toMatchObject({ op: 'read', command: 'read', ok: true, offset: 0, total: 512 })
      expect(records[1]).toMatchObject({ command: 'read', ok: false })
      expect(records[2]).toMatchObject({ command: 'length', bytes: 65536 })
      expect(records[3].text).toMatch(/^read \[-abCqrv\]/)
    } finally {
      await session.close()
    }
  })
})
