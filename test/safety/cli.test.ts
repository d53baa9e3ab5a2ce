// The safety layer through the CLI, as real processes (bin/rawio.js; build dist/ first with
// npx tsc -p tsconfig.build.json) on real loop devices: the write interlock refuses an ext4 device
// in one line and writes nothing, --force writes with a warning, a zeroed device and reads pass;
// SIGINT during a long -c run ends with 130 and the device holds exactly what was reported.
import { spawn, spawnSync } from 'node:child_process'
import { join, resolve } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Device } from '../../lib/device'
import { fileHash, Lab, loopUnavailable, mountUnavailable, skipBecause } from './fixtures'

const BIN = join(resolve(__dirname, '../..'), 'bin/rawio.js')
const MiB = 1 << 20
const noLoop = skipBecause(loopUnavailable(), 'the CLI safety tests on loop devices')
const noExt4 = noLoop || skipBecause(mountUnavailable(), 'the CLI interlock tests on ext4')

let lab: Lab
beforeAll(() => {
  if (!noLoop) lab = new Lab('rawio-safety-cli-')
})
afterAll(() => lab?.cleanup())

function rawio(args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8' })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr }
}

/** The first `n` bytes of a device, through a fresh read-only O_DIRECT open. */
async function head(dev: string, n: number): Promise<Uint8Array> {
  const d = await Device.open(dev, { readOnly: true, cache: 'none' })
  try {
    return (await d.read(0, n)).data
  } finally {
    await d.close()
  }
}

describe.skipIf(noExt4)('the interlock through the CLI: an ext4 loop device', () => {
  const refusal = (dev: string, eol = '\n') =>
    new RegExp(
      `^rawio: ${dev} contains an ext4 filesystem \\(UUID [0-9a-f-]{36}, LABEL "rawio-test"\\); ` +
        `refusing to write\\. Use --force to override\\.${eol}$`,
    )

  it('refuses a write in one line, exit 1, nothing written', () => {
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file)
    const dev = lab.loop(file)
    const before = fileHash(file)
    const r = rawio(['-c', 'write 0 4k', dev])
    expect(r.status).toBe(1)
    expect(r.stdout).toBe('')
    expect(r.stderr).toMatch(refusal(dev))
    expect(fileHash(file)).toBe(before)
  })

  it('refuses every kind of write the same way, aio included, never an internal error', () => {
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file)
    const dev = lab.loop(file)
    const before = fileHash(file)
    for (const cmd of ['write -z 0 4k', 'discard 0 4k', 'writev 0 512 512', 'stamp 0 4k']) {
      const r = rawio(['-c', cmd, dev])
      expect({ cmd, status: r.status, stdout: r.stdout }).toEqual({ cmd, status: 1, stdout: '' })
      expect(r.stderr).toMatch(refusal(dev))
    }
    const aio = rawio(['-c', 'aio_write 0 4k', '-c', 'aio_flush', dev])
    expect(aio.status).toBe(1)
    expect(aio.stdout).toBe('')
    expect(aio.stderr).toMatch(refusal(dev))
    const json = rawio(['--json', '-c', 'write 0 4k', dev])
    expect(json.status).toBe(1)
    expect(JSON.parse(json.stdout)).toMatchObject({ command: 'write', ok: false })
    expect(JSON.parse(json.stdout).error).toMatch(refusal(dev, ''))
    expect(fileHash(file)).toBe(before)
  })

  it('reads are always allowed', () => {
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file)
    const dev = lab.loop(file)
    const r = rawio(['-c', 'read -q 0 64k', '-c', 'check -q 0 4k', dev])
    // check finds no stamps there (exit 1), but it read: no refusal
    expect(r.stderr).toBe('')
    expect(r.stdout).toContain('foreign')
    expect(rawio(['-c', 'read -q 0 64k', dev])).toEqual({ status: 0, stdout: '', stderr: '' })
  })

  it('--force writes, with a warning naming what it overrides', async () => {
    const file = lab.file(16 * MiB)
    lab.mkfsExt4(file)
    const dev = lab.loop(file)
    const r = rawio(['--force', '-c', 'write -P 0x5a 64k 4k', dev])
    expect(r.status).toBe(0)
    expect(r.stderr).toMatch(
      /^rawio: warning: writing despite: contains an ext4 filesystem \(UUID [0-9a-f-]{36}, LABEL "rawio-test"\) \(--force\)\n$/,
    )
    expect(r.stdout).toMatch(/^wrote 4096\/4096 bytes at offset 65536\n/)
    expect((await head(dev, 68 * 1024)).subarray(64 * 1024).every((b) => b === 0x5a)).toBe(true)
  })
})

describe.skipIf(noLoop)('the interlock through the CLI: a zeroed loop device', () => {
  it('takes writes without a word', async () => {
    const dev = lab.loop(lab.file(4 * MiB, 0))
    const r = rawio(['-c', 'write -q -P 7 0 4k', '-c', 'stamp -q 1M 64k', '-c', 'check -q 1M 64k', dev])
    expect(r).toEqual({ status: 0, stdout: '', stderr: '' })
    expect((await head(dev, 4096)).every((b) => b === 7)).toBe(true)
  })
})

describe.skipIf(noLoop)('SIGINT during a long -c run', () => {
  it('finishes what is in flight, runs nothing more, exits 130; the device holds exactly what was reported', async () => {
    const slots = 3000
    const size = slots * 4096
    const dev = lab.loop(lab.file(size, 0))
    const pattern = (i: number) => (i % 255) + 1
    const args: string[] = []
    for (let i = 0; i < slots; i++) {
      const verb = i % 2 === 0 ? 'write' : 'aio_write'
      args.push('-c', `${verb} -P ${pattern(i)} ${i * 4096} 4k`)
      if (i % 50 === 49) args.push('-c', 'sleep 20')
    }
    const child = spawn(process.execPath, [BIN, ...args, dev], { stdio: ['ignore', 'pipe', 'pipe'] })
    let stdout = ''
    let stderr = ''
    let sent = false
    child.stderr.on('data', (d) => {
      stderr += d
    })
    const status = await new Promise<number | null>((done) => {
      child.stdout.on('data', (d) => {
        stdout += d
        if (!sent && stdout.split('\n').length > 200) {
          sent = true
          child.kill('SIGINT')
        }
      })
      child.on('exit', (code) => done(code))
    })
    expect(sent).toBe(true)
    expect(status).toBe(130)
    expect(stderr).toBe('rawio: interrupted; waiting for the requests in flight (Ctrl-C again to force)\n')
    const reported = new Set<number>()
    for (const m of stdout.matchAll(/^wrote 4096\/4096 bytes at offset (\d+)$/gm))
      reported.add(Number(m[1]) / 4096)
    expect(reported.size).toBeGreaterThan(50)
    expect(reported.size).toBeLessThan(slots)
    const data = await head(dev, size)
    const wrong: number[] = []
    for (let i = 0; i < slots; i++) {
      const want = reported.has(i) ? pattern(i) : 0
      if (!data.subarray(i * 4096, (i + 1) * 4096).every((b) => b === want)) wrong.push(i)
    }
    expect(wrong).toEqual([])
  }, 60_000)
})
