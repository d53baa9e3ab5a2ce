// The interrupt helper: unit behaviour with a fake exit, then a real child process running a
// long write loop through Device, interrupted: exit status, the partial report, and the target's
// bytes are exactly what the completed writes wrote.
import { spawn } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { exitStatusFor, Interrupt } from '../../lib/safety/interrupt'
import { bundleChild, childEnv } from '../helpers/child'
import { isRoot, Lab, skipBecause } from './fixtures'
import { BLOCK, blockData } from './interrupt-child'

describe('Interrupt (in process)', () => {
  it('maps signals to exit statuses', () => {
    expect(exitStatusFor('SIGINT')).toBe(130)
    expect(exitStatusFor('SIGTERM')).toBe(143)
    expect(() => exitStatusFor('SIGNOPE' as NodeJS.Signals)).toThrow(RangeError)
  })

  it('first signal: flag, abort, callbacks in order, then exit 130; second: exit at once', async () => {
    const saved = process.exitCode
    const exits: number[] = []
    const lines: string[] = []
    const intr = new Interrupt({ exit: (c) => void exits.push(c), stderr: { write: (s) => lines.push(s) } })
    const order: string[] = []
    let release!: () => void
    intr.onStop(async (sig) => {
      order.push(`a:${sig}`)
      await new Promise<void>((r) => (release = r))
    })
    const off = intr.onStop(() => void order.push('removed'))
    intr.onStop(() => {
      order.push('b')
      throw new Error('report failed')
    })
    off()
    expect(intr.stopped).toBe(false)
    intr.trigger('SIGINT')
    expect(intr.stopped).toBe(true)
    expect(intr.abortSignal.aborted).toBe(true)
    expect(intr.exitCode).toBe(130)
    await new Promise((r) => setImmediate(r))
    expect(order).toEqual(['a:SIGINT'])
    expect(exits).toEqual([])
    intr.trigger('SIGINT') // a second Ctrl-C while the first is still stopping
    expect(exits).toEqual([130])
    release()
    await intr.settled
    await new Promise((r) => setImmediate(r))
    expect(order).toEqual(['a:SIGINT', 'b'])
    expect(lines.join('')).toContain('rawio: while stopping: report failed')
    expect(exits).toEqual([130, 130])
    expect(process.exitCode).toBe(130)
    process.exitCode = saved
  })

  it('exitAfterStop: false sets process.exitCode; reset re-arms (the shell)', async () => {
    const saved = process.exitCode
    const intr = new Interrupt({ exitAfterStop: false, exit: () => expect.fail('must not exit') })
    intr.trigger('SIGTERM')
    await intr.settled
    await new Promise((r) => setImmediate(r))
    expect(process.exitCode).toBe(143)
    intr.reset()
    expect(process.exitCode).toBeUndefined()
    process.exitCode = saved
    expect(intr.stopped).toBe(false)
    expect(intr.abortSignal.aborted).toBe(false)
  })

  it('install/dispose add and remove the process listeners', () => {
    const before = process.listenerCount('SIGINT')
    const intr = new Interrupt().install()
    expect(process.listenerCount('SIGINT')).toBe(before + 1)
    intr.dispose()
    expect(process.listenerCount('SIGINT')).toBe(before)
  })
})

const noChild = skipBecause(
  isRoot ? null : 'not root (the child writes a loop device)',
  'interrupt child tests',
)

describe.skipIf(noChild)('Interrupt in a child process writing through Device', () => {
  let lab: Lab
  let script: string
  beforeAll(() => {
    lab = new Lab('rawio-interrupt-')
    script = bundleChild('test/safety/interrupt-child.ts', lab.dir)
  })
  afterAll(() => lab?.cleanup())

  function start(target: string, blocks: number, mode: 'normal' | 'hang') {
    const child = spawn(process.execPath, [script, target, String(blocks), mode], {
      env: childEnv(),
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    let out = ''
    let err = ''
    child.stdout?.on('data', (d) => (out += d))
    child.stderr?.on('data', (d) => (err += d))
    const running = new Promise<void>((resolve, reject) => {
      child.stdout?.on('data', () => out.includes('running\n') && resolve())
      child.once('exit', (code) => reject(new Error(`child exited early (${code}): ${err}`)))
    })
    const stopping = new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', () => err.includes('rawio: interrupted; waiting') && resolve())
      child.once('exit', (code) => reject(new Error(`child exited before stopping (${code}): ${err}`)))
    })
    stopping.catch(() => {}) // awaited by the tests that signal
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    )
    return { child, running, stopping, exited, out: () => out, err: () => err }
  }

  /** The model: write k went to block k % blocks, generation floor(k / blocks); all k < n completed. */
  function expectExactly(target: Buffer, blocks: number, n: number): void {
    for (let b = 0; b < blocks; b++) {
      const got = target.subarray(b * BLOCK, (b + 1) * BLOCK)
      const last = b < n ? Math.floor((n - 1 - b) / blocks) : -1 // highest generation written to b
      if (last < 0) expect(got.every((x) => x === 0)).toBe(true)
      else expect(Buffer.compare(got, Buffer.from(blockData(b, last))), `block ${b} gen ${last}`).toBe(0)
    }
  }

  async function interrupted(signal: NodeJS.Signals, expected: number): Promise<void> {
    const blocks = 2048
    const file = lab.file(blocks * BLOCK, 0)
    const target = lab.loop(file)
    const c = start(target, blocks, 'normal')
    await c.running
    await new Promise((r) => setTimeout(r, 200))
    c.child.kill(signal)
    const { code } = await c.exited
    expect(code, c.err()).toBe(expected)
    expect(c.err()).toContain('rawio: interrupted; waiting for the requests in flight')
    const m = /^partial: (\d+) writes completed \((\d+) bytes\) before (SIG\w+)$/m.exec(c.out())
    expect(m, c.out()).not.toBeNull()
    const n = Number(m?.[1])
    expect(Number(m?.[2])).toBe(n * BLOCK)
    expect(m?.[3]).toBe(signal)
    expect(n).toBeGreaterThan(64)
    lab.detachNow(target)
    expectExactly(readFileSync(file), blocks, n)
  }

  it('SIGINT: exit 130, a partial report, and exactly the completed writes on the loop device', async () => {
    await interrupted('SIGINT', 130)
  })

  it('SIGTERM: exit 143, same guarantees', async () => {
    await interrupted('SIGTERM', 143)
  })

  it('a second Ctrl-C forces the exit while the stop is still waiting', async () => {
    const file = lab.file(256 * BLOCK, 0)
    const c = start(file, 256, 'hang')
    await c.running
    c.child.kill('SIGINT')
    // The second signal goes only once the first has begun the stop (a loaded machine may take
    // its time to deliver it), which never ends by itself: an exit now is the second signal's.
    await c.stopping
    expect(c.child.exitCode).toBeNull()
    c.child.kill('SIGINT')
    const { code } = await c.exited
    expect(code).toBe(130)
    expect(c.err()).toContain('rawio: SIGINT again; exiting now without waiting')
  })
})
