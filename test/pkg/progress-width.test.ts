// The bench progress line on a terminal that reports 0 columns (script(1) without a controlling
// terminal, some CI runners): it uses 80 columns instead of printing an empty line.
import { spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Scratch } from '../helpers/targets'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const haveScript = spawnSync('script', ['--version']).status === 0
if (!haveScript) console.warn('skipping the 0-column progress test: no script(1) (util-linux)')
const scratch = new Scratch()
afterAll(() => scratch.cleanup())

describe.skipIf(!haveScript)('progress line, 0 columns', () => {
  it('shows the live line, at most 79 characters', () => {
    const img = scratch.file('progress.img', 16 << 20, 0)
    const cmd = `stty size; ${process.execPath} ${BIN} bench --rw=read --bs=4k --runtime=2s --time_based ${img}`
    const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    })
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^0 0\r?\n/) // the pty really reports 0 columns
    const lines = [...r.stdout.matchAll(/\x1b\[1G(bench: [^\x1b]*)\x1b\[0K/g)].map((m) => m[1])
    expect(lines.length).toBeGreaterThan(0)
    expect(lines[0]).toMatch(/^bench: \d+:\d\d \/ 0:02 \[r=/)
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(79)
  })
})
