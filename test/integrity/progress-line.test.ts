// The live line of stamp, check and align (lib/integrity/progress.ts) on a real pty (script(1)):
// the bench's look (`what: 0:01 45% ... eta`), refreshed in place, cleared before the report; and
// nothing of it when stderr is a pipe. Skips, saying why, without script(1).
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Scratch } from '../helpers/targets'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const haveScript = spawnSync('script', ['--version']).status === 0
if (!haveScript) console.warn('skipping the integrity progress-line test: no script(1) (util-linux)')
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

const SHOW = /\x1b\[1G([a-z]+: [^\x1b]*)\x1b\[0K/g
const CLEAR = '\x1b[1G\x1b[2K'

/** Runs rawio with `commands` on a pty (stdout and stderr both on it); the raw bytes it wrote. */
function onPty(img: string, commands: string[]): { status: number | null; out: string } {
  const args = commands.map((c) => `-c '${c}'`).join(' ')
  const cmd = `stty cols 120; ${process.execPath} ${BIN} -f raw ${args} ${img}`
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  return { status: r.status, out: r.stdout }
}

const lines = (out: string, what: string) =>
  [...out.matchAll(SHOW)].map((m) => m[1]).filter((l) => l.startsWith(`${what}: `))

describe.skipIf(!haveScript)('stamp, check and align: the live line', () => {
  it('align -w: the line with its steps, refreshed in place, cleared before the table', () => {
    const img = scratch.file('align.img', 32 << 20, 0x5a)
    const r = onPty(img, ['align -w 0'])
    expect(r.status).toBe(0)
    const shown = lines(r.out, 'align')
    expect(shown.length).toBeGreaterThan(2) // ~4 s of cost measurements, a refresh every 500 ms
    for (const l of shown)
      expect(l).toMatch(
        /^align: \d+:\d\d \d+% (probing (reads|writes)|(read|write) cost \S+( unaligned)?)( eta \d+:\d\d)?$/,
      )
    expect(shown.some((l) => /write cost/.test(l))).toBe(true)
    const pcts = shown.map((l) => Number(/ (\d+)% /.exec(l)?.[1]))
    expect(pcts).toEqual([...pcts].sort((a, b) => a - b)) // it only moves forward
    // Cleared once, after the last refresh and before the report.
    const last = r.out.lastIndexOf(shown[shown.length - 1])
    const clear = r.out.indexOf(CLEAR, last)
    expect(clear).toBeGreaterThan(last)
    expect(r.out.indexOf('offset alignment', clear)).toBeGreaterThan(clear)
  })

  it('stamp and check show theirs: bytes done, total, rate', () => {
    const img = scratch.file('stamp.img', 64 << 20, 0)
    const r = onPty(img, ['stamp 0 64M', 'check 0 64M'])
    expect(r.status).toBe(0)
    for (const what of ['stamp', 'check']) {
      const shown = lines(r.out, what)
      expect(shown.length).toBeGreaterThan(0)
      for (const l of shown)
        expect(l).toMatch(new RegExp(`^${what}: \\d+:\\d\\d \\d+% \\S+/64.0MiB \\S+/s( eta \\d+:\\d\\d)?$`))
    }
  })

  it('piped: no line at all', () => {
    const img = scratch.file('piped.img', 32 << 20, 0x5a)
    const r = spawnSync(process.execPath, [BIN, '-f', 'raw', '-c', 'align -w 0', '-c', 'stamp 0 16M', img], {
      encoding: 'utf8',
    })
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.stdout).not.toContain('\x1b')
    expect(r.stdout).toContain('offset alignment')
  })
})
