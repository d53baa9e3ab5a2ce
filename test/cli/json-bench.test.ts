// --json: bench is a command like the others, one record per run on stdout: its results
// ({"command":"bench","ok":true,"result":{...rawio-bench/1...}}) and its failures ({"ok":false,...},
// with the figures so far when there are any). Messages meant for stderr stay on stderr.
import { spawn, spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../lib/cli/main'
import { stringSink } from '../../lib/report'
import { sha256, TempDir } from '../commands/helpers'
import { BIN } from '../helpers/vs-qemu'

const ROOT = resolve(__dirname, '../..')
const tmp = new TempDir()
afterAll(() => tmp.remove())

async function run(args: string[], stdin = '') {
  const sink = stringSink()
  const status = await main(args, { sink, stdin: Readable.from(stdin ? [stdin] : []), root: ROOT })
  const records = sink.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>)
  return { status, records, stdout: sink.stdout, stderr: sink.stderr }
}

type Result = { schema: string; read: { ios: number }; write: { ios: number }; verify?: { bad: number } }

describe('--json and bench', () => {
  it('a bench run is one record, with the results', async () => {
    const img = tmp.image(1 << 20)
    const r = await run(['--json', '-c', 'bench --number_ios=10', '-c', 'length', img])
    expect(r.status).toBe(0)
    expect(r.stderr).toBe('')
    expect(r.records).toHaveLength(2)
    const [bench, length] = r.records
    expect(bench).toMatchObject({ command: 'bench', ok: true })
    const result = bench.result as Result
    expect(result.schema).toBe('rawio-bench/1')
    expect(result.read.ios).toBe(10)
    expect(length).toEqual({ command: 'length', ok: true, bytes: 1 << 20 })
  })

  it('a write bench in the shell on another target, from stdin', async () => {
    const img = tmp.image(1 << 20)
    const other = tmp.image(1 << 20)
    const r = await run(['--json', img], `bench --rw=write --number_ios=8 ${other}\n`)
    expect(r.status).toBe(0)
    expect(r.records).toHaveLength(1)
    expect((r.records[0].result as Result).write.ios).toBe(8)
  })

  it('a bad option is a failure record, and the status is 1', async () => {
    const img = tmp.image(1 << 20)
    const r = await run(['--json', '-c', 'bench --bogus', img])
    expect(r.status).toBe(1)
    expect(r.records).toEqual([
      { command: 'bench', ok: false, error: 'rawio: bench: unknown option --bogus' },
    ])
    expect(r.stderr).toBe('rawio: bench: unknown option --bogus\n')
  })

  it('a verify failure is a failure record that keeps the results', async () => {
    const img = tmp.image(1 << 20)
    const r = await run(['--json', '-c', 'bench --rw=read --verify=stamp --number_ios=4', img])
    expect(r.status).toBe(1)
    expect(r.records).toHaveLength(1)
    expect(r.records[0]).toMatchObject({ command: 'bench', ok: false })
    expect(r.records[0].error).toMatch(/^rawio: bench: verify failed: 4 bad block/)
    expect((r.records[0].result as Result).verify?.bad).toBe(4)
  })

  it('a target locked by another process is a failure record (real processes)', async () => {
    const img = tmp.image(1 << 20)
    const other = tmp.image(1 << 20)
    const before = sha256(other)
    const holder = spawn(process.execPath, [BIN, '-c', 'length', '-c', 'sleep 30000', other])
    try {
      await new Promise<void>((ok) => holder.stdout.on('data', () => ok()))
      const r = spawnSync(
        process.execPath,
        [BIN, '--json', '-c', `bench --rw=write --number_ios=4 ${other}`, img],
        { encoding: 'utf8' },
      )
      expect(r.status).toBe(1)
      const rec = JSON.parse(r.stdout)
      expect(rec).toMatchObject({ command: 'bench', ok: false })
      expect(rec.error).toContain('Failed to get "write" lock')
      expect(sha256(other)).toBe(before)
    } finally {
      holder.kill('SIGKILL')
    }
  })
})
