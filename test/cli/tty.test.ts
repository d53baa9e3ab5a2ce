// The interactive shell on a real terminal, driven through tmux (send-keys, capture-pane): prompt,
// TAB completion, Ctrl-C on a line and on a running sleep, persistent history, Ctrl-D, SIGTERM.
// Skips, and says why, when tmux is missing.
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { TempDir } from '../commands/helpers'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const haveTmux = spawnSync('tmux', ['-V']).status === 0
if (!haveTmux) console.warn('skipping the TTY tests: tmux is not installed (apt-get install tmux)')

const tmp = new TempDir()
const SOCKET = `rawio-test-${process.pid}`
const history = join(tmp.path, 'history')
afterAll(() => {
  if (haveTmux) spawnSync('tmux', ['-L', SOCKET, 'kill-server'])
  tmp.remove()
})

const tmux = (...args: string[]) => spawnSync('tmux', ['-L', SOCKET, ...args], { encoding: 'utf8' })
const screen = (name: string) => tmux('capture-pane', '-p', '-t', name).stdout
const keys = (name: string, ...k: string[]) => tmux('send-keys', '-t', name, ...k)
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

async function until(name: string, what: RegExp, ms = 10_000): Promise<string> {
  const t0 = Date.now()
  for (;;) {
    const s = screen(name)
    if (what.test(s)) return s
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what} in:\n${s}`)
    await sleep(50)
  }
}

function start(name: string, img: string): void {
  const cmd = `RAWIO_HISTORY=${history} ${process.execPath} ${BIN} -f raw ${img}; echo "[exit $?]"; sleep 30`
  const r = tmux('new-session', '-d', '-s', name, '-x', '160', '-y', '40', cmd)
  if (r.status !== 0) throw new Error(r.stderr)
}

describe.skipIf(!haveTmux)('the shell on a TTY', () => {
  it('prompts, runs commands, completes with TAB, cancels with Ctrl-C, keeps history, exits on Ctrl-D', async () => {
    const img = tmp.image()
    start('a', img)
    await until('a', /rawio>$/m)

    keys('a', 'read -P 0 0 1', 'Enter')
    await until('a', /read 1\/1 bytes at offset 0/)

    // TAB: a unique prefix completes the command name
    keys('a', 'leng', 'Tab')
    await until('a', /rawio> length$/m)
    keys('a', 'Enter')
    await until('a', /^64 KiB$/m)

    // Ctrl-C cancels the line being typed; the program keeps running
    keys('a', 'write 0 1')
    await until('a', /rawio> write 0 1$/m)
    keys('a', 'C-c')
    await until('a', /\^C\nrawio>$/m)

    // Ctrl-C ends a running sleep, not the program
    const t0 = Date.now()
    keys('a', 'sleep 60000', 'Enter')
    await sleep(300)
    keys('a', 'C-c')
    keys('a', 'info', 'Enter')
    await until('a', /format name: raw/)
    expect(Date.now() - t0).toBeLessThan(20_000)

    // Ctrl-D leaves cleanly (status 0: nothing failed)
    keys('a', 'C-d')
    await until('a', /\[exit 0\]/)
    const saved = readFileSync(history, 'utf8').trim().split('\n')
    expect(saved).toEqual(['read -P 0 0 1', 'length', 'sleep 60000', 'info'])
  })

  it('brings history back in a new session, and an error makes the status 1', async () => {
    const img = tmp.image()
    expect(existsSync(history)).toBe(true)
    start('b', img)
    await until('b', /rawio>$/m)
    keys('b', 'Up')
    await until('b', /rawio> info$/m)
    keys('b', 'C-u', 'bogus', 'Enter')
    await until('b', /command "bogus" not found/)
    keys('b', 'quit', 'Enter')
    await until('b', /\[exit 1\]/)
  })

  it('SIGTERM ends the shell (a running sleep too) with status 143; Ctrl-C stays with readline', async () => {
    const img = tmp.image()
    start('c', img)
    await until('c', /rawio>$/m)
    const shellPid = tmux('list-panes', '-t', 'c', '-F', '#{pane_pid}').stdout.trim()
    const pid = Number(
      spawnSync('pgrep', ['-P', shellPid], { encoding: 'utf8' }).stdout.trim().split('\n')[0],
    )
    expect(pid).toBeGreaterThan(0)
    keys('c', 'C-c')
    await until('c', /\^C\nrawio>$/m)
    keys('c', 'sleep 60000', 'Enter')
    await sleep(300)
    const t0 = Date.now()
    process.kill(pid, 'SIGTERM')
    await until('c', /\[exit 143\]/)
    expect(Date.now() - t0).toBeLessThan(5_000)
  })
})
