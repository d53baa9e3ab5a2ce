// The libaio engine (Linux AIO through io_setup/io_submit/io_getevents, the third engine of the
// one I/O core): -i native and -k choose it as qemu's aio=native does, bench takes
// --ioengine=libaio, and what it cannot run (flush, discard, zeroes, truncate) takes the core's
// auxiliary path. Every Device operation on every target is in device-io.test.ts.
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { bench } from '../../lib/bench/run'
import { main } from '../../lib/cli/main'
import { Device } from '../../lib/index'
import { stringSink } from '../../lib/report'
import { libaioUnavailable, Scratch, skipReason } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())
const noAio = skipReason(libaioUnavailable(), 'the libaio engine tests')

async function rawio(args: string[]) {
  const sink = stringSink()
  const status = await main(args, { sink, stdin: Readable.from([]) })
  return { status, stdout: sink.stdout, stderr: sink.stderr }
}

describe.skipIf(noAio)('the libaio engine', () => {
  it('-i native and -k open with libaio (O_DIRECT, as qemu needs); -i io_uring does not', async () => {
    const img = scratch.file('aio-cli.img', 1 << 20)
    for (const opt of [['-i', 'native'], ['-k']]) {
      const r = await rawio([
        ...opt,
        '-t',
        'none',
        '-c',
        'write -P 0x5a 0 4k',
        '-c',
        'read -P 0x5a 0 4k',
        '-c',
        'info',
        img,
      ])
      expect(r.status).toBe(0)
      expect(r.stdout).toContain('  engine: libaio')
      expect(r.stdout).toContain('read 4096/4096 bytes at offset 0')
    }
    const u = await rawio(['-i', 'io_uring', '-t', 'none', '-c', 'info', img])
    expect(u.stdout).not.toContain('engine: libaio')
  })

  it('many requests in flight, partial reads at EOF, flush and space operations', async () => {
    const file = scratch.file('aio-dev.img', 1 << 20, 0x33)
    const dev = await Device.open(file, { engine: 'libaio', cache: 'none' })
    try {
      expect(dev.engine).toBe('libaio')
      const reads = await Promise.all(Array.from({ length: 200 }, (_, i) => dev.read((i % 256) * 4096, 4096)))
      for (const r of reads) expect(r.data.every((b) => b === 0x33)).toBe(true)
      const buf = dev.allocBuffer(8192)
      buf.fill(0x77)
      await dev.write(4096, buf, { fua: true })
      await dev.flush()
      await dev.writeZeroes(4096, 4096)
      const back = await dev.read(0, 12288)
      expect(back.data.subarray(0, 4096).every((b) => b === 0x33)).toBe(true)
      expect(back.data.subarray(4096, 8192).every((b) => b === 0)).toBe(true)
      expect(back.data.subarray(8192).every((b) => b === 0x77)).toBe(true)
    } finally {
      await dev.close()
    }
  })

  it('bench --ioengine=libaio runs the job with Linux AIO', async () => {
    const file = scratch.file('aio-bench.img', 8 << 20)
    const r = await bench(file, {
      engine: 'libaio',
      rw: 'randread',
      direct: true,
      iodepth: 16,
      number_ios: 500,
    })
    expect(r.read.ios).toBe(500)
    expect(r.engine).toBe('libaio')
  })
})
