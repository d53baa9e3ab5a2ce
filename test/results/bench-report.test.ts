// bench --report=FILE: the run's HTML report is written beside its other output, and stdout keeps
// nothing but the JSON asked for.
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Scratch } from '../helpers/targets'

const cli = join(__dirname, '..', '..', 'bin', 'rawio.js')

describe('bench --report', () => {
  const scratch = new Scratch()
  afterAll(() => scratch.cleanup())

  it('writes the HTML report; stdout is only the JSON', () => {
    const target = scratch.file('t.img', 8 << 20, 0x44)
    const html = join(scratch.dir, 'run.html')
    const r = spawnSync(
      'node',
      [
        cli,
        'bench',
        '-q',
        '--name=seqread',
        '--rw=read',
        '--bs=64k',
        '--report',
        html,
        '--output-format=json',
        target,
      ],
      { encoding: 'utf8' },
    )
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    const doc = JSON.parse(r.stdout)
    expect(doc.jobs[0].read.total_ios).toBe(128)
    const page = readFileSync(html, 'utf8')
    expect(page).toMatch(/^<!DOCTYPE html>/)
    expect(page).toContain('<h2 id="job0">Job: seqread</h2>')
    expect(page).not.toMatch(/<script/i)
  })

  it('--report without a file name is one line and status 1', () => {
    const r = spawnSync('node', [cli, 'bench', '--report'], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('rawio: bench: --report needs a file name (--report=FILE)\n')
  })
})
