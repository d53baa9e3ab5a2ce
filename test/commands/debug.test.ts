// break, remove_break, resume and wait_break through the command line: on a blkdebug:CONFIG:PATH
// target they reach lib/blkdebug (qemu-io's lines, checked against qemu-io 7.2 by hand and, when it
// is installed, here); on a raw image they keep qemu-io's ENOTSUP texts (the golden transcripts).
import { spawnSync } from 'node:child_process'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../lib/cli/main'
import { stringSink } from '../../lib/report'
import { sha256, TempDir } from './helpers'

const tmp = new TempDir()
afterAll(() => tmp.remove())

/** Without the timing lines (`4 KiB, 1 ops; ...`), which differ run to run. */
const untimed = (out: string) => out.split('\n').filter((l) => !/ ops; /.test(l))

async function rawio(target: string, cmds: string[]) {
  const sink = stringSink()
  const args = cmds.flatMap((c) => ['-c', c])
  const status = await main([...args, target], { sink, stdin: Readable.from([]) })
  return { status, stdout: untimed(sink.stdout), stderr: sink.stderr }
}

function qemuIo(target: string, cmds: string[]) {
  const r = spawnSync('qemu-io', ['-f', 'raw', ...cmds.flatMap((c) => ['-c', c]), target], {
    encoding: 'utf8',
  })
  return { status: r.status, stdout: untimed(r.stdout), stderr: r.stderr }
}
const haveQemu = spawnSync('qemu-io', ['--version']).status === 0
if (!haveQemu)
  console.warn('skipping the qemu-io side of the blkdebug command tests: qemu-io is not installed')

const BREAKPOINTS = [
  'break write_aio A',
  'aio_write -P 5 0 4k',
  'wait_break A',
  'resume A',
  'aio_flush',
  'remove_break B',
  'resume A',
  'read -P 5 0 4k',
]

describe('on a blkdebug target', () => {
  it('suspends, waits for and resumes a request, with qemu-io lines and exit status', async () => {
    const img = tmp.image(1 << 20, 'zero')
    const r = await rawio(`blkdebug::${img}`, BREAKPOINTS)
    expect(r.stderr).toBe('')
    expect(r.status).toBe(1)
    expect(r.stdout).toEqual([
      "blkdebug: Suspended request 'A'",
      "blkdebug: Resuming request 'A'",
      'wrote 4096/4096 bytes at offset 0',
      'Could not remove breakpoint B: No such file or directory',
      'Could not resume request: No such file or directory',
      'read 4096/4096 bytes at offset 0',
      '',
    ])
    if (haveQemu) {
      const q = tmp.image(1 << 20, 'zero')
      expect(r).toEqual(qemuIo(`blkdebug::${q}`, BREAKPOINTS))
      expect(sha256(img)).toBe(sha256(q))
    }
  })

  it('injects the errors its config names', async () => {
    const conf = tmp.file('eio.conf', '[inject-error]\nevent = "write_aio"\nerrno = "5"\nonce = "on"\n')
    const img = tmp.image(1 << 20, 'zero')
    const cmds = ['write -P 1 0 4k', 'write -P 2 0 4k', 'read -P 2 0 4k']
    const r = await rawio(`blkdebug:${conf}:${img}`, cmds)
    expect(r.stdout).toEqual([
      'write failed: Input/output error',
      'wrote 4096/4096 bytes at offset 0',
      'read 4096/4096 bytes at offset 0',
      '',
    ])
    expect(r.status).toBe(1)
    if (haveQemu) expect(r).toEqual(qemuIo(`blkdebug:${conf}:${tmp.image(1 << 20, 'zero')}`, cmds))
  })
})

describe('on a raw image', () => {
  it("keeps qemu-io's ENOTSUP texts; wait_break fails at once", async () => {
    const r = await rawio(tmp.image(), ['break write_aio A', 'remove_break A', 'resume A', 'wait_break A'])
    expect(r).toEqual({
      status: 1,
      stdout: [
        'Could not set breakpoint: Operation not supported',
        'Could not remove breakpoint A: Operation not supported',
        'Could not resume request: Operation not supported',
        'Could not wait for breakpoint A: Operation not supported (no fault injection on this image)',
        '',
      ],
      stderr: '',
    })
  })
})
