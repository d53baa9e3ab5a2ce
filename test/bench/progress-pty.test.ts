// The live progress line under a real pty (tmux): it shows on a TTY, is refreshed in place,
// is cleared before the report, and stays silent with -q. Skips, saying why, without tmux.
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Scratch, skipReason } from '../helpers/targets'

const root = join(__dirname, '..', '..')
let noTmux: string | null = null
try {
  execFileSync('tmux', ['-V'], { stdio: 'ignore' })
} catch {
  noTmux = 'tmux is not installed'
}
const skip = skipReason(noTmux, 'progress-line pty test')

const scratch = new Scratch()
const sessions: string[] = []
afterAll(() => {
  for (const s of sessions) {
    try {
      execFileSync('tmux', ['kill-session', '-t', s], { stdio: 'ignore' })
    } catch {}
  }
  scratch.cleanup()
})

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const pane = (s: string) => execFileSync('tmux', ['capture-pane', '-p', '-t', s]).toString()

/** Runs the bench CLI in a detached tmux session; stdout goes to a file, stderr stays on the pty. */
function start(name: string, args: string[]): { session: string; out: string; done: string } {
  const session = `rawio-bench-${process.pid}-${name}`
  const out = join(scratch.dir, `${name}.out`)
  const done = join(scratch.dir, `${name}.done`)
  const cmd = `cd ${root} && node_modules/.bin/vite-node test/bench/cli-entry.ts -- ${args.join(' ')} > ${out}; echo $? > ${done}; sleep 30`
  execFileSync('tmux', ['new-session', '-d', '-s', session, '-x', '150', '-y', '20', cmd])
  sessions.push(session)
  return { session, out, done }
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await sleep(100)) if (cond()) return true
  return cond()
}

describe.skipIf(skip)('progress line on a pty', () => {
  const file = skip ? '' : scratch.file('pty.img', 8 * 2 ** 20)

  it('shows, refreshes in place, and is cleared before the report', async () => {
    const run = start('tty', ['--rw=randread', '--runtime=4s', '--time_based', file])
    expect(await until(() => /bench: 0:0\d \/ 0:04 .*\[r=\S+ IOPS/.test(pane(run.session)), 10_000)).toBe(
      true,
    )
    // Watched until the run ends, not for a fixed time (a loaded machine may see the line late):
    // every look shows one line, rewritten (not a scroll of lines), and it changes while it runs.
    const seen = new Set<string>()
    const lines = (t: string) => t.split('\n').filter((l) => l.includes('bench: 0:'))
    expect(
      await until(() => {
        const now = lines(pane(run.session))
        expect(now.length).toBeLessThanOrEqual(1)
        if (now.length === 1) seen.add(now[0])
        return existsSync(run.done)
      }, 15_000),
    ).toBe(true)
    expect(seen.size).toBeGreaterThanOrEqual(2)
    expect(readFileSync(run.done, 'utf8').trim()).toBe('0')
    expect(pane(run.session)).not.toContain('bench: 0:0') // cleared
    expect(readFileSync(run.out, 'utf8')).toContain('lat percentiles') // the report went to stdout
  })

  it('Ctrl-C stops cleanly: in-flight requests finish, the results so far print, exit 130', async () => {
    const run = start('sigint', ['--rw=randread', '--iodepth=8', '--runtime=60s', '--time_based', file])
    expect(await until(() => pane(run.session).includes('[r='), 10_000)).toBe(true)
    execFileSync('tmux', ['send-keys', '-t', run.session, 'C-c'])
    expect(await until(() => existsSync(run.done), 10_000)).toBe(true)
    expect(readFileSync(run.done, 'utf8').trim()).toBe('130')
    const report = readFileSync(run.out, 'utf8')
    expect(report).toContain('stopped early: the figures cover the time run')
    expect(report).toMatch(/read: IOPS=/)
  })

  it('-q keeps the pty silent', async () => {
    const run = start('quiet', ['-q', '--rw=randread', '--runtime=1500ms', '--time_based', file])
    let seen = false
    await until(() => {
      seen ||= pane(run.session).includes('bench:')
      return existsSync(run.done)
    }, 15_000)
    expect(existsSync(run.done)).toBe(true)
    expect(seen).toBe(false)
  })
})
