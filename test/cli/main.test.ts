// main(): exit statuses, -h/-V, line mode on stdin, JSON, bench dispatch; and bin/rawio.js as a real
// process (output to a closed pipe, a missing dist/).
import { spawn, spawnSync } from 'node:child_process'
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../lib/cli/main'
import { stringSink } from '../../lib/report'
import { sha256, TempDir } from '../commands/helpers'
import { exitOf } from '../helpers/child'

const ROOT = resolve(__dirname, '../..')
const BIN = join(ROOT, 'bin/rawio.js')
const tmp = new TempDir()
afterAll(() => tmp.remove())

async function run(args: string[], stdin = '') {
  const sink = stringSink()
  const status = await main(args, { sink, stdin: Readable.from(stdin ? [stdin] : []), root: ROOT })
  return { status, stdout: sink.stdout, stderr: sink.stderr }
}

describe('exit status, as qemu-io', () => {
  it('is 0 when every command succeeded', async () => {
    const img = tmp.image()
    expect(await run(['-f', 'raw', '-c', 'read -q 0 1', '-c', 'write -q 0 1', img])).toEqual({
      status: 0,
      stdout: '',
      stderr: '',
    })
  })

  it('is 1 when any synchronous command failed, and the rest still run', async () => {
    const img = tmp.image()
    const r = await run(['-c', 'bogus', '-c', 'read -q -P 1 0 1', img])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('command "bogus" not found\n')
    expect(r.stdout).toBe('Pattern verification failed at offset 0, 1 bytes\n')
  })

  it('ignores failed aio requests', async () => {
    const img = tmp.image()
    const r = await run(['-c', 'aio_read 1M 1', '-c', 'aio_read -P 5 0 1', '-c', 'aio_flush', img])
    expect(r.status).toBe(0)
    expect(r.stdout).toContain('readv failed: Input/output error')
  })

  it('stops at quit', async () => {
    const img = tmp.image()
    const before = sha256(img)
    const r = await run(['-c', 'quit', '-c', 'write 0 1', img])
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' })
    expect(sha256(img)).toBe(before)
  })

  it('is 1 when the image cannot be opened', async () => {
    const r = await run(['-c', 'read 0 1', join(tmp.path, 'missing')])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(
      `rawio: can't open device ${join(tmp.path, 'missing')}: Could not open '${join(tmp.path, 'missing')}': No such file or directory\n`,
    )
  })

  it('refuses formats rawio cannot open', async () => {
    const img = tmp.image()
    expect((await run(['-f', 'qcow2', '-c', 'read 0 1', img])).stderr).toBe(
      `rawio: can't open device ${img}: rawio opens raw images only; the 'qcow2' format is not supported\n`,
    )
    expect((await run(['-f', 'vmdkx', img])).stderr).toBe(
      `rawio: can't open device ${img}: Unknown driver 'vmdkx'\n`,
    )
  })
})

describe('help and version', () => {
  it('-h prints the usage on stdout', async () => {
    const r = await run(['-h'])
    expect(r.status).toBe(0)
    expect(r.stdout).toMatch(/^Usage: rawio \[OPTIONS\]\.\.\. \[-c STRING\]\.\.\. \[file\]\n/)
    expect(r.stdout).toContain('--json')
  })

  it('-V prints the version, then what this installation can do (test/pkg/version.test.ts)', async () => {
    const r = await run(['-V'])
    expect(r).toEqual({
      status: 0,
      stdout: expect.stringMatching(
        /^rawio version 0\.1\.0 \(qemu-io 7\.2 command language\)\nengines: (io_uring|io_uring unavailable \(.*\)), threads(, libaio)?\naddon: .*\nio_uring: [\s\S]*libblkid: .*\n$/,
      ),
      stderr: '',
    })
  })

  it('a bad option prints the message, then the usage', async () => {
    const r = await run(['-x'])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe("rawio: invalid option -- 'x'\n")
    expect(r.stdout).toMatch(/^Usage: rawio /)
  })
})

describe('commands on stdin', () => {
  it('prints the prompt before each line and stops at quit', async () => {
    const img = tmp.image()
    const r = await run([img], 'read -q 0 1\nbogus\nquit\nread 0 1\n')
    expect(r).toEqual({ status: 1, stdout: 'rawio> rawio> rawio> ', stderr: 'command "bogus" not found\n' })
  })

  it('leaves the last prompt at end of input', async () => {
    const img = tmp.image()
    expect((await run([img], 'length')).stdout).toBe('rawio> 64 KiB\nrawio> ')
  })

  it('prints no prompt with --json', async () => {
    const img = tmp.image()
    const r = await run(['--json', img], 'length\n')
    expect(JSON.parse(r.stdout)).toMatchObject({ command: 'length', bytes: 65536 })
  })

  it('--json keeps the -v dump: the bytes, as hex, in the record (read, readv, aio_read)', async () => {
    const img = tmp.image() // byte i = i & 255
    const r = await run([
      '--json',
      '-c',
      'read -v 14 4',
      '-c',
      'readv -v 0 2 2',
      '-c',
      'aio_read -v 250 8',
      img,
    ])
    const records = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l))
    expect(records.filter((x) => x.op === 'read').map((x) => [x.command, x.dump])).toEqual([
      ['read', '0e0f1011'],
      ['readv', '00010203'],
      ['aio_read', 'fafbfcfdfeff0001'],
    ])
    expect(r.status).toBe(0)
  })

  it('splits lines longer than 1023 characters as fgets does', async () => {
    const img = tmp.image()
    const r = await run([img], `${' '.repeat(1020)}help\n`)
    // 1023 characters (spaces and "hel"), then "p" as the next line: what qemu-io 7.2 does
    expect(r.stderr).toBe('command "hel" not found\ncommand "p" not found\n')
    expect(r.stdout).toBe('rawio> rawio> rawio> ')
  })
})

describe('bench', () => {
  const haveBench = existsSync(join(ROOT, 'lib/bench/cli.ts'))
  it.skipIf(haveBench)('rawio bench says clearly when bench is not built', async () => {
    const r = await run(['bench', '--rw', 'read'])
    expect(r).toEqual({
      status: 1,
      stdout: '',
      stderr: 'rawio: bench is not available in this build (lib/bench/cli is missing)\n',
    })
  })

  const haveCommand = existsSync(join(ROOT, 'lib/bench/command.ts'))
  it.skipIf(haveCommand)('the shell bench command says so too', async () => {
    const img = tmp.image()
    const r = await run(['-c', 'bench', img])
    expect(r.status).toBe(1)
    expect(r.stderr).toBe('rawio: bench is not available in this build (lib/bench/command is missing)\n')
  })
})

describe('bench, when lib/bench is there', () => {
  const have = existsSync(join(ROOT, 'lib/bench/cli.ts')) && existsSync(join(ROOT, 'lib/bench/command.ts'))
  it.skipIf(!have)('dispatches `rawio bench` and the shell command lazily', async () => {
    const cli = await run(['bench', '--help'])
    expect(cli.stdout).toMatch(/^usage: rawio bench/)
    const img = tmp.image()
    const shell = await run(['-c', 'bench --help', img])
    expect(shell.status).toBe(0)
    expect(shell.stdout).toMatch(/^usage: rawio bench/)
  })
})

/**
 * Spawns bin/rawio.js; sends `signal` once stdout matches `when`; resolves at exit. What it
 * interrupts outlasts the test (a long sleep, stdin left open): that it ends at all is the proof.
 */
function interrupted(args: string[], when: RegExp, signal: NodeJS.Signals, stdin?: string) {
  const child = spawn(process.execPath, [BIN, ...args], { stdio: ['pipe', 'pipe', 'pipe'] })
  if (stdin !== undefined)
    child.stdin.write(stdin) // and left open: the run waits for more
  else child.stdin.end()
  let stdout = ''
  let stderr = ''
  let sent = false
  child.stderr.on('data', (d) => {
    stderr += d
  })
  child.stdout.on('data', (d) => {
    stdout += d
    if (!sent && when.test(stdout)) {
      sent = true
      child.kill(signal)
    }
  })
  return exitOf(child).then(({ code, hung }) => ({ status: code, hung, stdout, stderr }))
}

describe('signals: finish what is in flight, run nothing more, exit 128+N', () => {
  it('SIGTERM during -c commands: 143, the sleep cut short, the next command never run', async () => {
    const img = tmp.image()
    const r = await interrupted(
      ['-c', 'aio_write -P 1 0 4k', '-c', 'sleep 6000000', '-c', 'write -P 9 0 4k', img],
      /^wrote 4096\/4096 bytes at offset 0\n.*\n$/,
      'SIGTERM',
    )
    expect(r.hung, 'still running: the signal was lost').toBe(false)
    expect(r.status).toBe(143)
    expect(r.stderr).toBe('rawio: interrupted; waiting for the requests in flight (Ctrl-C again to force)\n')
    expect(r.stdout.match(/^wrote/gm)).toHaveLength(1)
    const head = readFileSync(img).subarray(0, 4096)
    expect(head.every((b) => b === 1)).toBe(true)
  })

  it('SIGINT while commands come from stdin: 130, without waiting for more input', async () => {
    const img = tmp.image()
    const r = await interrupted(
      [img],
      /wrote 512\/512 bytes at offset 0\n.*\n/,
      'SIGINT',
      'write -P 3 0 512\n',
    )
    expect(r.hung, 'still running: the signal was lost').toBe(false)
    expect(r.status).toBe(130)
    expect(readFileSync(img)[0]).toBe(3)
  })
})

describe('bin/rawio.js as a process', () => {
  it('drops output quietly when stdout is a closed pipe', () => {
    const r = spawnSync('bash', ['-c', `node ${BIN} -c help -c help -c help | head -1`], { encoding: 'utf8' })
    expect(r.stdout).toBe('abort -- simulate a program crash using abort(3)\n')
    expect(r.stderr).toBe('')
  })

  it('says how to build when dist/ is missing', () => {
    const bin = join(tmp.path, 'pkg', 'bin')
    mkdirSync(bin, { recursive: true })
    copyFileSync(BIN, join(bin, 'rawio.js'))
    const r = spawnSync(process.execPath, [join(bin, 'rawio.js'), '-V'], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toContain('Run `npm run prepare`')
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('reports an unexpected failure in one line, without a stack trace', () => {
    const r = spawnSync(process.execPath, [BIN, '-c', 'read 0 1', tmp.path], { encoding: 'utf8' })
    expect(r.status).toBe(1)
    expect(r.stderr).toBe(
      `rawio: can't open device ${tmp.path}: Could not open '${tmp.path}': Is a directory\n`,
    )
  })
})
