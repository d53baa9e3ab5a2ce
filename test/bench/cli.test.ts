// `rawio bench` and the in-shell `bench` command, with their output captured: formats,
// exit statuses and error lines.
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runBenchCli } from '../../lib/bench/cli'
import { runBenchCommand } from '../../lib/bench/command'
import { csvFields } from '../../lib/bench/report'
import { Scratch } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())
const file = scratch.file('cli.img', 4 * 2 ** 20, 0x33)

function capture() {
  const io = {
    stdout: '',
    stderr: '',
    out: (t: string) => void (io.stdout += t),
    err: (t: string) => void (io.stderr += t),
  }
  return io
}

describe('rawio bench', () => {
  it('human report by default, exit 0', async () => {
    const io = capture()
    expect(await runBenchCli(['--rw=randread', '--number_ios=200', file], io)).toBe(0)
    expect(io.stdout).toMatch(/^bench: rw=randread bs=4k iodepth=1 numjobs=1 engine=\w+ direct=0\n/)
    expect(io.stdout).toContain('lat percentiles')
    expect(io.stderr).toBe('') // not a TTY: no progress line
  })

  it('--output-format=rawio-json is one parsable document (rawio-bench/1)', async () => {
    const io = capture()
    expect(
      await runBenchCli(
        ['--output-format=rawio-json', '--rw=randwrite', '--number_ios=100', '--bs=8k', file],
        io,
      ),
    ).toBe(0)
    const j = JSON.parse(io.stdout)
    expect(j.write).toMatchObject({ ios: 100, bytes: 100 * 8192 })
    expect(j.job).toMatchObject({ rw: 'randwrite', bs: 8192 })
  })

  it('-C prints one CSV line; notes go to stderr', async () => {
    const io = capture()
    expect(await runBenchCli(['-C', '--bs=3', '--direct=1', '--number_ios=10', file], io)).toBe(0)
    expect(io.stdout.trim().split('\n')).toHaveLength(1)
    expect(io.stdout.trim().split(',')).toHaveLength(csvFields.length)
    expect(io.stderr).toContain('rawio: bench: note: bs 3 is not a multiple of')
  })

  it('usage mistakes and refused jobs: a line on stderr, exit 1', async () => {
    const cases: Array<[string[], string]> = [
      [['--iodpeth=4', file], 'rawio: bench: unknown option --iodpeth (did you mean --iodepth?)'],
      [[], 'rawio: bench: missing TARGET'],
      [['--verify=md5', file], "rawio: bench: unknown verify mode 'md5'"],
      [['--bs=3', '--direct=1', '--align=strict', file], 'rawio: bench: bs 3 is not a multiple of'],
      [['/var/tmp/no-such-rawio-bench-target'], 'rawio: bench: ENOENT'],
    ]
    for (const [args, message] of cases) {
      const io = capture()
      expect(await runBenchCli(args, io)).toBe(1)
      expect(io.stderr).toContain(message)
      expect(io.stdout).toBe('')
    }
  })

  it('--help prints the table-made usage, exit 0', async () => {
    const io = capture()
    expect(await runBenchCli(['--help'], io)).toBe(0)
    expect(io.stdout).toContain('usage: rawio bench [options] TARGET')
    expect(io.stdout).toContain('--iodepth=N')
  })
})

describe('the in-shell bench command', () => {
  const reporter = () => {
    const r = { info: [] as string[], error: [] as string[] }
    return { r, sink: { info: (s: string) => r.info.push(s), error: (s: string) => r.error.push(s) } }
  }

  it('benchmarks the open target, inheriting O_DIRECT', async () => {
    const { r, sink } = reporter()
    const session = { path: file, device: { direct: true, readOnly: false } }
    expect(
      await runBenchCommand(
        session,
        ['--rw=randread', '--number_ios=50', '--output-format=rawio-json'],
        sink,
      ),
    ).toBe(0)
    const j = JSON.parse(r.info.join('\n'))
    expect(j.job.direct).toBe(true)
    expect(j.read.ios).toBe(50)
  })

  it('a read-only open target refuses write jobs', async () => {
    const { r, sink } = reporter()
    const session = { path: file, device: { direct: false, readOnly: true } }
    expect(await runBenchCommand(session, ['--rw=randwrite'], sink)).toBe(1)
    expect(r.error).toEqual(['rawio: bench: --readonly forbids writes, but rw=randwrite writes'])
  })

  it('a job file is run, never benchmarked as a target (it stays as it was)', async () => {
    const { r, sink } = reporter()
    const jobFile = join(scratch.dir, 'shell.fio')
    const text = `[w]\nfilename=${file}\nrw=write\nbs=4k\nsize=64k\n`
    writeFileSync(jobFile, text)
    const session = { path: file, device: { direct: false, readOnly: false } }
    expect(await runBenchCommand(session, ['--output-format=json', jobFile], sink)).toBe(0)
    expect(JSON.parse(r.info.join('\n')).jobs[0]).toMatchObject({ jobname: 'w', write: { io_bytes: 65536 } })
    expect(readFileSync(jobFile, 'utf8')).toBe(text)
  })

  it('without an open target it says so', async () => {
    const { r, sink } = reporter()
    expect(await runBenchCommand({}, ['--rw=read'], sink)).toBe(1)
    expect(r.error[0]).toContain('no file open')
  })
})
