// Image locking between real processes: two writers refuse each other, a reader and a writer too,
// -U (read-only) skips the lock, and the refused process exits with status 1 and qemu's message.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { sha256, TempDir } from '../commands/helpers'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const tmp = new TempDir()
afterAll(() => tmp.remove())

let holder: ChildProcess | null = null
afterEach(() => {
  if (holder && holder.exitCode === null) holder.kill('SIGTERM')
  holder = null
})

/** Starts a rawio that opens `img` with `opts`, then sleeps; resolves once it holds the image. */
async function hold(img: string, opts: string[]): Promise<void> {
  const child = spawn(process.execPath, [
    BIN,
    '-f',
    'raw',
    ...opts,
    '-c',
    'read -q 0 1',
    '-c',
    'length',
    '-c',
    'sleep 20000',
    img,
  ])
  holder = child
  await new Promise<void>((ok, fail) => {
    let out = ''
    child.stdout?.on('data', (d) => {
      out += d
      if (out.includes('KiB')) ok()
    })
    child.on('exit', (code) => fail(new Error(`holder exited with ${code}`)))
  })
}

const rawio = (args: string[]) =>
  spawnSync(process.execPath, [BIN, '-f', 'raw', ...args], { encoding: 'utf8' })

describe('image locks between processes', () => {
  it('a second writer is refused with status 1 and no write', async () => {
    const img = tmp.image()
    await hold(img, [])
    const before = sha256(img)
    const r = rawio(['-c', 'write -P 1 0 4k', img])
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(
      `rawio: can't open device ${img}: Failed to get "write" lock\nIs another process using the image [${img}]?\n`,
    )
    expect(sha256(img)).toBe(before)
  })

  it('a reader is refused while a writer holds the image, unless -U', async () => {
    const img = tmp.image()
    await hold(img, [])
    const r = rawio(['-r', '-c', 'read 0 1', img])
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('Failed to get "consistent read" lock')
    const shared = rawio(['-r', '-U', '-c', 'read -q 0 1', img])
    expect(shared.status).toBe(0)
  })

  it('readers share; a writer is refused while they read', async () => {
    const img = tmp.image()
    await hold(img, ['-r'])
    expect(rawio(['-r', '-c', 'read -q 0 1', img]).status).toBe(0)
    expect(rawio(['-c', 'read -q 0 1', img]).status).toBe(1)
  })

  it('-U without -r is refused as qemu refuses it', () => {
    const img = tmp.image()
    const r = rawio(['-U', '-c', 'read 0 1', img])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(
      `rawio: can't open device ${img}: force-share=on can only be used with read-only images\n`,
    )
  })
})
