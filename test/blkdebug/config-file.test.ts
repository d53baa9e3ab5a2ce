// Reading blkdebug config files (issue 12 items 7, 8 and 14): a stream with a size limit (/dev/zero
// and huge files fail at once, as qemu's `parse error`), a FIFO never makes the process deaf to
// signals, and the open errors print qemu-io's lines (directory, empty prefix, missing parts).
import { spawn, spawnSync } from 'node:child_process'
import {
  closeSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  writeFileSync,
} from 'node:fs'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { BlkdebugConfigError } from '../../lib/blkdebug/config'
import { CONFIG_LIMIT, readBlkdebugConfig } from '../../lib/blkdebug/config-file'
import { exitOf } from '../helpers/child'
import { noQemu } from './helpers/qemu'
import { BlkdebugScratch } from './helpers/scratch'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())

function rawio(cmds: string[], target: string) {
  const args = [BIN, ...cmds.flatMap((c) => ['-c', c]), target]
  return spawnSync(process.execPath, args, { encoding: 'utf8', timeout: 20_000 })
}
function qemuIo(cmds: string[], target: string) {
  return spawnSync('qemu-io', ['-f', 'raw', ...cmds.flatMap((c) => ['-c', c]), target], {
    encoding: 'utf8',
    timeout: 20_000,
  })
}
const problem = async (p: Promise<unknown>) =>
  (await p.then(
    () => null,
    (e) => e,
  )) as BlkdebugConfigError

describe('a config read as a stream with a limit', () => {
  it('/dev/zero: parse error on line 1, at once (qemu: parse error)', async () => {
    // /dev/zero never ends: that the read ends at all is the proof (no clock)
    const e = await problem(readBlkdebugConfig('/dev/zero'))
    expect(e).toBeInstanceOf(BlkdebugConfigError)
    expect([e.line, e.text]).toEqual([1, 'parse error'])
    const img = scratch.image()
    const r = rawio(['read 0 4k'], `blkdebug:/dev/zero:${img}`)
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toBe(`rawio: can't open device blkdebug:/dev/zero:${img}: /dev/zero:1: parse error\n`)
    if (!noQemu) {
      const q = qemuIo(['read 0 4k'], `blkdebug:/dev/zero:${img}`)
      expect([q.status, q.stderr]).toEqual([
        1,
        `qemu-io: can't open device blkdebug:/dev/zero:${img}: parse error\n`,
      ])
    }
  })

  it('a 3 GB file: its first problem, not ERR_FS_FILE_TOO_LARGE or all of it in memory', async () => {
    const big = join(scratch.dir, 'big.conf')
    const fd = openSync(big, 'w')
    ftruncateSync(fd, 3 * 2 ** 30) // sparse: reads as NULs
    closeSync(fd)
    const e = await problem(readBlkdebugConfig(big))
    expect([e.line, e.text]).toEqual([1, 'parse error'])
  })

  it('a well-formed file over the limit is refused for its size (qemu reads any size)', async () => {
    const text = '# a comment line\n'.repeat(Math.ceil(CONFIG_LIMIT / 17) + 1)
    const f = scratch.config(text)
    const e = await problem(readBlkdebugConfig(f))
    expect(e.text).toBe(`Cannot read config file: File too large (rawio reads at most ${CONFIG_LIMIT} bytes)`)
    // a problem before the limit is reported as qemu would report it
    const g = scratch.config(`[bogus]\n${text}`)
    expect((await problem(readBlkdebugConfig(g))).text).toBe("There is no option group 'bogus'")
    // just under the limit: read whole
    const ok = scratch.config('[inject-error]\nevent = "read_aio"\n'.padEnd(CONFIG_LIMIT - 1, '#'))
    await expect(readBlkdebugConfig(ok)).resolves.toHaveLength(1)
  })
})

describe("open errors print qemu-io's lines", () => {
  const same = (target: string, line: string) => {
    const r = rawio(['read 0 4k'], target)
    expect([r.status, r.stdout, r.stderr]).toEqual([1, '', `rawio: ${line}\n`])
    if (!noQemu) {
      const q = qemuIo(['read 0 4k'], target)
      expect([q.status, q.stderr]).toEqual([1, `qemu-io: ${line}\n`])
    }
  }

  it('a config that is a directory', () => {
    const dir = join(scratch.dir, 'conf.d')
    mkdirSync(dir)
    const img = scratch.image()
    same(
      `blkdebug:${dir}:${img}`,
      `can't open device blkdebug:${dir}:${img}: Cannot read config file: Is a directory`,
    )
  })

  it('a missing config', () => {
    const img = scratch.image()
    const conf = join(scratch.dir, 'none.conf')
    same(
      `blkdebug:${conf}:${img}`,
      `can't open device blkdebug:${conf}:${img}: Could not read blkdebug config file: No such file or directory`,
    )
  })

  it('an empty prefix, and an empty image path', () => {
    same('blkdebug:', "can't open device blkdebug:: blkdebug requires both config file and image path")
    same('blkdebug::', "can't open device blkdebug::: The 'file' block driver requires a file name")
  })
})

/** Resolves once process `pid` has `path` open (it polls /proc/PID/fd). */
async function holdsOpen(pid: number, path: string): Promise<void> {
  for (;;) {
    let fds: string[] = []
    try {
      fds = readdirSync(`/proc/${pid}/fd`)
    } catch {
      throw new Error(`process ${pid} is gone`)
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) === path) return
      } catch {
        // closed meanwhile
      }
    }
    await new Promise((r) => setTimeout(r, 20))
  }
}

describe('a config that is a FIFO', () => {
  it('waits for its writer, then applies its rules (as qemu)', async () => {
    const fifo = join(scratch.dir, 'rules.fifo')
    spawnSync('mkfifo', [fifo])
    const img = scratch.image()
    const child = spawn(process.execPath, [BIN, '-c', `open blkdebug:${fifo}:${img}`, '-c', 'read 0 4k'])
    let out = ''
    child.stdout.on('data', (b) => (out += b))
    await new Promise((r) => setTimeout(r, 300))
    writeFileSync(fifo, '[inject-error]\nevent = "read_aio"\n')
    const status = await new Promise((r) => child.on('exit', r))
    expect(out).toBe('read failed: Input/output error\n')
    expect(status).toBe(1)
  })

  it('SIGTERM while it waits for a writer ends the process (143), at once', async () => {
    const fifo = join(scratch.dir, 'idle.fifo')
    spawnSync('mkfifo', [fifo])
    const img = scratch.image()
    const child = spawn(process.execPath, [BIN, '-c', `open blkdebug:${fifo}:${img}`, '-c', 'read 0 4k'])
    let err = ''
    child.stderr.on('data', (b) => (err += b))
    // Signalled once it waits on the FIFO (its descriptor is open), not after a guess at how long
    // starting takes; waiting for a writer that never comes, only the signal can end it.
    await holdsOpen(child.pid as number, fifo)
    child.kill('SIGTERM')
    expect(await exitOf(child)).toEqual({ code: 143, signal: null, hung: false })
    expect(err).toContain('Could not read blkdebug config file: interrupted')
  })
})
