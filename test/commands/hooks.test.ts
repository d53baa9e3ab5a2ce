// The session's device hooks, without root: every open (the command line's and the `open` command's)
// gets the interlock composed with the caller's hooks, and a refusal (InterlockError) is one line on
// stderr from every kind of write, sync or aio, never an internal error.
import { afterAll, describe, expect, it } from 'vitest'
import { Session } from '../../lib/commands/session'
import { defaultImageOptions } from '../../lib/commands/state'
import type { DeviceHooks } from '../../lib/device'
import { Reporter, stringSink } from '../../lib/report'
import { type Finding, InterlockError } from '../../lib/safety'
import { sha256, TempDir } from './helpers'

const tmp = new TempDir()
afterAll(() => tmp.remove())

const REFUSAL = 'rawio: /dev/test contains an ext4 filesystem; refusing to write. Use --force to override.'

function refusal(): InterlockError {
  const f: Finding = {
    kind: 'signature',
    overridable: true,
    device: '/dev/test',
    text: 'contains an ext4 filesystem',
  }
  return new InterlockError({
    ok: false,
    path: '/dev/test',
    isBlockDevice: true,
    findings: [f],
    blocking: [f],
    overridden: [],
  })
}

/** A session whose every open is refused at the first write; counts the gates run. */
function refusingSession(json = false) {
  const sink = stringSink()
  const gates: string[] = []
  const hooks: DeviceHooks = {
    async beforeFirstWrite(dev) {
      gates.push(dev.path)
      throw refusal()
    },
  }
  const session = new Session({ reporter: new Reporter(sink, json ? 'json' : 'human'), hooks })
  const run = async (line: string) => {
    sink.stdout = ''
    sink.stderr = ''
    const r = await session.run(line)
    return { ok: r.ok, code: r.code, stdout: sink.stdout, stderr: sink.stderr }
  }
  return { session, sink, gates, run }
}

describe('hooks on every open', () => {
  it('a refused write is one line on stderr and fails the command; reads pass', async () => {
    const img = tmp.image()
    const before = sha256(img)
    const t = refusingSession()
    await t.session.openImage(img, { ...defaultImageOptions })
    try {
      expect(await t.run('read -q 0 512')).toMatchObject({ ok: true, stdout: '', stderr: '' })
      for (const line of ['write 0 512', 'write -z 0 512', 'writev 0 512', 'discard 0 512', 'truncate 1k']) {
        expect({ line, ...(await t.run(line)) }).toEqual({
          line,
          ok: false,
          code: 'ERR_RAWIO_INTERLOCK',
          stdout: '',
          stderr: `${REFUSAL}\n`,
        })
      }
      expect(t.gates).toEqual([img]) // once per open: the gate stays closed
    } finally {
      await t.session.close()
    }
    expect(sha256(img)).toBe(before)
  })

  it('a refused aio write prints its line when it settles and counts as a failure', async () => {
    const img = tmp.image()
    const t = refusingSession()
    await t.session.openImage(img, { ...defaultImageOptions })
    try {
      expect(await t.run('aio_write 0 512')).toMatchObject({ ok: true, stderr: '' })
      expect(t.session.asyncFailed).toBe(false)
      expect(await t.run('aio_flush')).toEqual({
        ok: true,
        code: undefined,
        stdout: '',
        stderr: `${REFUSAL}\n`,
      })
      expect(t.session.asyncFailed).toBe(true)
    } finally {
      await t.session.close()
    }
  })

  it('the open command gets the hooks too', async () => {
    const img = tmp.image()
    const t = refusingSession(true)
    try {
      expect((await t.run(`open ${img}`)).ok).toBe(true)
      const w = await t.run('write 0 512')
      expect(w.stderr).toBe(`${REFUSAL}\n`)
      expect(JSON.parse(w.stdout)).toEqual({ command: 'write', ok: false, error: REFUSAL })
      await t.run('close')
      await t.run(`open ${img}`)
      await t.run('write 0 512')
      expect(t.gates).toEqual([img, img])
    } finally {
      await t.session.close()
    }
  })

  it('regular files pass the interlock itself, force or not', async () => {
    for (const force of [false, true]) {
      const img = tmp.image()
      const sink = stringSink()
      const session = new Session({ reporter: new Reporter(sink), force })
      expect(session.force).toBe(force)
      await session.openImage(img, { ...defaultImageOptions })
      const r = await session.run('write -q -P 9 0 512')
      await session.close()
      expect({ ok: r.ok, stderr: sink.stderr }).toEqual({ ok: true, stderr: '' })
    }
  })
})
