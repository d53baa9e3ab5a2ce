// `write -s FIFO` must not block the process in open(2), deaf to SIGINT and SIGTERM: the FIFO is
// refused at once with one line and status 1, and nothing is written. (qemu-io blocks in fopen
// forever there, killable only because it keeps the default signal handlers.) Real processes.
import { spawn, spawnSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { sha256, TempDir } from '../commands/helpers'
import { exitOf } from '../helpers/child'
import { BIN } from '../helpers/vs-qemu'

const tmp = new TempDir()
afterAll(() => tmp.remove())

function fifo(name: string): string {
  const path = join(tmp.path, name)
  spawnSync('mkfifo', [path])
  return path
}

describe('write -s with a source that would block', () => {
  it('refuses a FIFO at once, with status 1 and the image untouched', () => {
    const img = tmp.image()
    const before = sha256(img)
    fifo('f')
    // Blocked in open(2), it would never end: the timeout only catches that hang.
    const r = spawnSync(process.execPath, [BIN, '-c', 'write -s f 0 4k', '-c', 'length', img], {
      cwd: tmp.path,
      encoding: 'utf8',
      timeout: 45_000,
      killSignal: 'SIGKILL',
    })
    expect(r.signal, 'rawio hung in open(2)').toBeNull()
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('f: a FIFO, not a regular file or device\n')
    expect(r.stdout).toBe('64 KiB\n')
    expect(sha256(img)).toBe(before)
  })

  it('stays responsive to SIGTERM while the commands run (the FIFO never blocks it)', async () => {
    const img = tmp.image()
    fifo('g')
    // The sleep outlasts the test: that the process ends at all is the proof, not how fast it ends.
    const child = spawn(process.execPath, [BIN, '-c', 'write -s g 0 4k', '-c', 'sleep 6000000', img], {
      cwd: tmp.path,
    })
    let err = ''
    child.stderr.on('data', (d) => {
      err += d
    })
    const exited = exitOf(child)
    try {
      // The refusal, or (blocked in open(2)) nothing until exitOf's hang catcher ends the child.
      await Promise.race([
        exited,
        new Promise<void>((ok) => child.stderr.on('data', () => err.includes('FIFO') && ok())),
      ])
      expect(err, 'rawio is blocked opening the FIFO').toContain('FIFO')
      child.kill('SIGTERM')
      expect(await exited).toEqual({ code: 143, signal: null, hung: false })
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL')
    }
  })

  it('still reads regular files, and character devices without blocking', () => {
    const img = tmp.image()
    const src = join(tmp.path, 'src')
    writeFileSync(src, Buffer.from('ab'))
    const r = spawnSync(
      process.execPath,
      [
        BIN,
        '-c',
        'write -q -s src 0 4k',
        '-c',
        'read -q -P 0x61 0 1',
        '-c',
        'write -q -s /dev/zero 0 4k',
        img,
      ],
      { cwd: tmp.path, encoding: 'utf8' },
    )
    expect(r).toMatchObject({ status: 0, stdout: '', stderr: '' })
  })
})
