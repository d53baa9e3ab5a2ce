// A file truncated by another process while rawio (and qemu-io) hold it open: reads past the new
// end but inside the size the tool opened report the count asked for and read zeroes there, reads
// past the old size fail with EIO, and a write there grows the file. Both tools run the same
// script on the same kind of image; their report lines and the file's bytes must agree.
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const haveQemu = spawnSync('qemu-io', ['--version']).status === 0
if (!haveQemu) console.warn('shrunk-under: skipped, qemu-io is not on PATH (install qemu-utils)')
const rawio = resolve(__dirname, '../../bin/rawio.js')
const dir = mkdtempSync(join(tmpdir(), 'rawio-shrunk-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const before = ['read -P 0xab 0 64k']
const after = [
  'read -P 0xab 16k 16k',
  'read -P 0 32k 32k',
  'read -P 0xab 16k 32k', // half data, half zeroes: the pattern check fails, the read does not
  'read -v 32752 32',
  'readv -P 0 1020k 2k 2k',
  'aio_read -P 0 1020k 4k',
  'aio_flush',
  'read 1024k 4k', // past the size the tool knows: EIO before any I/O
  'write -P 0x55 900k 4k',
  'read -P 0x55 900k 4k',
]

/** Runs the tool on stdin; truncates the image to 32 KiB once the first command's report is out. */
function run(argv: string[], image: string): Promise<string[]> {
  return new Promise((done, fail) => {
    const child: ChildProcessWithoutNullStreams = spawn(argv[0], [...argv.slice(1), image])
    let out = ''
    let truncated = false
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString()
      if (!truncated && out.includes('ops/sec')) {
        truncated = true
        truncateSync(image, 32 << 10)
        child.stdin.end(`${after.join('\n')}\n`)
      }
    })
    child.stderr.on('data', (d: Buffer) => {
      out += d.toString()
    })
    child.on('error', fail)
    child.on('close', () =>
      done(
        out
          .replace(/(qemu-io|rawio)> /g, '')
          .split('\n')
          .filter((l) => l !== '' && !l.includes('ops/sec')),
      ),
    )
    child.stdin.write(`${before.join('\n')}\n`)
  })
}

describe.skipIf(!haveQemu).each(['writeback', 'none'])('cache=%s', (cache) => {
  it('rawio reports and reads what qemu-io does on a file that shrank under it', async () => {
    const images = ['qemu', 'rawio'].map((n) => join(dir, `${n}-${cache}.img`))
    for (const img of images) writeFileSync(img, Buffer.alloc(1 << 20, 0xab))
    const q = await run(['qemu-io', '-f', 'raw', '-t', cache], images[0])
    const r = await run([process.execPath, rawio, '-f', 'raw', '-t', cache], images[1])
    expect(q).toContain('read 32768/32768 bytes at offset 32768')
    expect(q).toContain('Pattern verification failed at offset 16384, 32768 bytes')
    expect(q).toContain('read failed: Input/output error')
    expect(r).toEqual(q)
    expect(readFileSync(images[1])).toEqual(readFileSync(images[0]))
  })
})
