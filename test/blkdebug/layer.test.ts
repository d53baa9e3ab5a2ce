// The rule engine alone: events, the active list, the state machine, breakpoints and wait_break.
import { describe, expect, it } from 'vitest'
import { parseBlkdebugConfig } from '../../lib/blkdebug/config'
import { BlkdebugError, BlkdebugLayer } from '../../lib/blkdebug/layer'
import { conf } from './helpers/scratch'

const layerOf = (...sections: [string, Record<string, string | number>][]) =>
  new BlkdebugLayer(parseBlkdebugConfig(conf(...sections)))

describe('rules', () => {
  it('is idle without rules, and not once a breakpoint is set', () => {
    const l = new BlkdebugLayer()
    expect(l.idle).toBe(true)
    l.addBreakpoint('read_aio', 'A')
    expect(l.idle).toBe(false)
  })

  it('an inject-error rule is active from its event on, for the iotypes and sector it names', () => {
    const l = layerOf(['inject-error', { event: 'read_aio', sector: 8, iotype: 'write', errno: 28 }])
    expect(l.check('write', 4096, 512)).toBeNull()
    l.raise('read_aio')
    expect(l.check('write', 0, 4096)).toBeNull() // sectors 0-7
    expect(l.check('read', 4096, 512)).toBeNull() // not a write
    expect(l.check('write', 4096, 512)).toEqual({ errno: 28, immediately: false })
    expect(l.check('write', 4096, 512)).not.toBeNull() // not once: stays
    expect(l.check('flush', 0, 0)).toBeNull() // a flush overlaps no sector
  })

  it('the first rule in file order is checked first; once removes it for good', () => {
    const l = layerOf(
      ['inject-error', { event: 'read_aio', errno: 22, once: 'on' }],
      ['inject-error', { event: 'read_aio', errno: 28, once: 'on' }],
    )
    l.raise('read_aio')
    expect(l.check('read', 0, 1)?.errno).toBe(22)
    expect(l.check('read', 0, 1)?.errno).toBe(28)
    expect(l.check('read', 0, 1)).toBeNull()
    l.raise('read_aio')
    expect(l.check('read', 0, 1)).toBeNull()
    expect(l.idle).toBe(true)
  })

  it('an event with inject-error rules replaces the active list; one without leaves it', () => {
    const l = layerOf(
      ['inject-error', { event: 'read_aio', errno: 22 }],
      ['inject-error', { event: 'write_aio', errno: 28 }],
    )
    l.raise('read_aio')
    l.raise('flush_to_os')
    expect(l.check('read', 0, 1)?.errno).toBe(22)
    l.raise('write_aio')
    expect(l.check('read', 0, 1)?.errno).toBe(28)
  })

  it('errno 0 matches and lets the request through, and stays even with once', () => {
    const l = layerOf(
      ['inject-error', { event: 'none', errno: 0, once: 'on' }],
      ['inject-error', { event: 'none', errno: 5 }],
    )
    l.raise('none')
    expect(l.check('read', 0, 1)).toBeNull()
    expect(l.check('read', 0, 1)).toBeNull()
  })

  it('state starts at 1; state 0 means any; the first set-state in file order wins', () => {
    const l = layerOf(
      ['set-state', { event: 'flush_to_disk', state: 1, new_state: 2 }],
      ['set-state', { event: 'flush_to_disk', state: 1, new_state: 3 }],
      ['set-state', { event: 'read_aio', state: 0, new_state: 7 }],
      ['inject-error', { event: 'flush_to_disk', state: 2, errno: 5 }],
    )
    expect(l.state).toBe(1)
    l.raise('flush_to_disk')
    expect(l.state).toBe(2)
    expect(l.check('read', 0, 1)).toBeNull() // rules match the state before the event
    l.raise('flush_to_disk')
    expect(l.check('read', 0, 1)?.errno).toBe(5)
    l.raise('read_aio')
    expect(l.state).toBe(7)
  })
})

describe('breakpoints', () => {
  it('suspends the next request raising the event, once; prints qemu lines; resumes newest first', async () => {
    const l = new BlkdebugLayer()
    const lines: string[] = []
    l.onMessage((t) => lines.push(t))
    await l.break('write_aio', 'A')
    await l.break('write_aio', 'A')
    l.track(1)
    const order: string[] = []
    // two breakpoints on one event stop one request twice: it needs two resumes
    const first = l.raise('write_aio')?.then(() => order.push('first'))
    expect(l.raise('write_aio')).toBeUndefined()
    expect(lines).toEqual(["blkdebug: Suspended request 'A'", "blkdebug: Suspended request 'A'"])
    await l.break('read_aio', 'B')
    l.track(1)
    const second = l.raise('read_aio')?.then(() => order.push('second'))
    await l.resume('B')
    await l.resume('A')
    expect(order).toEqual(['second'])
    await l.resume('A')
    await Promise.all([first, second])
    expect(order).toEqual(['second', 'first'])
    await expect(l.resume('A')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('rejects unknown events and tags with ENOENT', async () => {
    const l = new BlkdebugLayer()
    await expect(l.break('pwritev_rmw.head', 'A')).rejects.toBeInstanceOf(BlkdebugError)
    await expect(l.removeBreak('A')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('removeBreak removes the breakpoints and resumes every request under the tag', async () => {
    const l = new BlkdebugLayer()
    await l.break('flush_to_os', 'F')
    await l.break('read_aio', 'R')
    l.track(1)
    const p = l.raise('read_aio')
    await l.break('read_aio', 'R')
    l.track(1)
    const q = l.raise('read_aio')
    expect(await l.removeBreak('R')).toEqual({ removed: 0, resumed: 2 })
    await Promise.all([p, q])
    expect(await l.removeBreak('F')).toEqual({ removed: 1, resumed: 0 })
    expect(l.idle).toBe(true)
  })
})

describe('waitBreak never hangs', () => {
  it('resolves at once for a suspended request, and when one gets suspended', async () => {
    const l = new BlkdebugLayer()
    await l.break('write_aio', 'A')
    l.track(1)
    const wait = l.waitBreak('A')
    void l.raise('write_aio')
    await wait
    await l.waitBreak('A')
  })

  it('fails at once without such a breakpoint or request', async () => {
    await expect(new BlkdebugLayer().waitBreak('A')).rejects.toMatchObject({ code: 'ENOENT' })
  })

  it('fails when no request in flight can reach the breakpoint', async () => {
    const l = new BlkdebugLayer()
    await l.break('write_aio', 'A')
    await expect(l.waitBreak('A')).rejects.toMatchObject({ code: 'EDEADLK' })
    // a request in flight that ends without raising the event
    l.track(1)
    const w = l.waitBreak('A', { timeoutMs: 5000 })
    setTimeout(() => l.track(-1), 20)
    await expect(w).rejects.toMatchObject({ code: 'EDEADLK' })
  })

  it('fails after its timeout while requests are in flight', async () => {
    const l = new BlkdebugLayer()
    await l.break('write_aio', 'A')
    l.track(1)
    const t0 = Date.now()
    await expect(l.waitBreak('A', { timeoutMs: 50 })).rejects.toMatchObject({ code: 'ETIMEDOUT' })
    expect(Date.now() - t0).toBeGreaterThanOrEqual(45)
  })

  it('fails when the breakpoint is removed, and at shutdown', async () => {
    const l = new BlkdebugLayer()
    await l.break('write_aio', 'A')
    l.track(1)
    const w = l.waitBreak('A')
    await l.removeBreak('A')
    await expect(w).rejects.toMatchObject({ code: 'ENOENT' })
    await l.break('write_aio', 'B')
    const v = l.waitBreak('B')
    await l.shutdown()
    await expect(v).rejects.toMatchObject({ code: 'ECANCELED' })
  })
})
