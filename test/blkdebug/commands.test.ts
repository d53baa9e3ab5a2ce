// The command functions the CLI calls: qemu-io's texts, and wait_break's ways of failing cleanly.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { blkdebugCommands, blkdebugOf, parseTimeout } from '../../lib/blkdebug'
import { Device } from '../../lib/index'
import { noQemu } from './helpers/qemu'
import { BlkdebugScratch } from './helpers/scratch'

const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())
const { break: brk, remove_break: removeBreak, resume, wait_break: waitBreak } = blkdebugCommands

describe('without blkdebug', () => {
  it('answers ENOTSUP with qemu-io texts (as qemu-io on a plain raw image)', async () => {
    const dev = await Device.open(scratch.image())
    const lines = [
      ...(await brk(dev, ['write_aio', 'A'])).lines,
      ...(await resume(dev, ['A'])).lines,
      ...(await removeBreak(dev, ['A'])).lines,
    ]
    expect(lines).toEqual([
      'Could not set breakpoint: Operation not supported',
      'Could not resume request: Operation not supported',
      'Could not remove breakpoint A: Operation not supported',
    ])
    if (!noQemu) {
      const img = scratch.image()
      const cmds = ['break write_aio A', 'resume A', 'remove_break A'].flatMap((c) => ['-c', c])
      const q = spawnSync('qemu-io', ['-f', 'raw', img, ...cmds], { encoding: 'utf8' })
      expect(q.stdout.trimEnd().split('\n')).toEqual(lines)
    }
    const w = await waitBreak(dev, ['A'])
    expect(w).toEqual({
      ok: false,
      lines: ['Could not wait for breakpoint A: Operation not supported'],
      error: 'ENOTSUP',
    })
    expect((await brk(null, ['write_aio', 'A'])).error).toBe('ENOTSUP')
    await dev.close()
  })
})

describe('wait_break', () => {
  it('fails at once for an unknown tag, and when no request in flight can reach the breakpoint', async () => {
    const dev = await Device.open(`blkdebug::${scratch.image()}`)
    expect(await waitBreak(dev, ['A'])).toEqual({
      ok: false,
      lines: ['Could not wait for breakpoint A: No such file or directory'],
      error: 'ENOENT',
    })
    expect(await brk(dev, ['write_aio', 'A'])).toEqual({ ok: true, lines: [] })
    const idle = await waitBreak(dev, ['A'])
    expect(idle.error).toBe('EDEADLK')
    expect(idle.lines).toEqual([
      "Could not wait for breakpoint A: no request in flight can reach breakpoint 'A'",
    ])
    expect((await waitBreak(dev, ['A', 'soon'])).lines).toEqual([
      "Could not wait for breakpoint A: invalid timeout 'soon'",
    ])
    await dev.close()
  })

  it('returns, printing nothing of its own, once a request in flight is suspended', async () => {
    const dev = await Device.open(`blkdebug::${scratch.image()}`)
    const printed: string[] = []
    blkdebugOf(dev)?.onMessage((l) => printed.push(l))
    await brk(dev, ['pwritev', 'P'])
    const w = dev.write(0, new Uint8Array(512).fill(1))
    expect(await waitBreak(dev, ['P', '2s'])).toEqual({ ok: true, lines: [] })
    expect(printed).toEqual(["blkdebug: Suspended request 'P'"]) // printed as it happened
    expect(await resume(dev, ['P'])).toEqual({ ok: true, lines: ["blkdebug: Resuming request 'P'"] })
    await w
    expect(await resume(dev, ['P'])).toEqual({
      ok: false,
      lines: ['Could not resume request: No such file or directory'],
      error: 'ENOENT',
    })
    await dev.close()
  })

  it('parses timeouts in milliseconds, or with ms / s', () => {
    expect(parseTimeout('250')).toBe(250)
    expect(parseTimeout('250ms')).toBe(250)
    expect(parseTimeout('1.5s')).toBe(1500)
    expect(parseTimeout('-1')).toBeNull()
  })
})

describe('docs/blkdebug.md', () => {
  it('documents each command with the arguments its table accepts', async () => {
    const { findCommand } = await import('../../lib/commands/table.js')
    const docs = readFileSync(join(__dirname, '../../docs/blkdebug.md'), 'utf8')
    const rows = [...docs.matchAll(/^\| `((?:break|wait_break|resume|remove_break)\b[^`]*)` \|/gm)]
    expect(rows.map((m) => m[1].split(' ')[0]).sort()).toEqual([
      'break',
      'remove_break',
      'resume',
      'wait_break',
    ])
    for (const [, usage] of rows) {
      const [name, ...args] = usage.split(' ')
      const cmd = await findCommand(name)
      const required = args.filter((a) => !a.startsWith('[')).length
      expect([usage, cmd?.argmin], 'required arguments').toEqual([usage, required])
      expect([usage, cmd?.argmax], 'every argument documented is accepted').toEqual([usage, args.length])
    }
  })
})
