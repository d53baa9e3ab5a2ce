// The same command scripts through qemu-io and rawio on a loop device (host_device): identical output
// after qemu's filter, rawio's documented differences aside. Needs root, losetup and qemu-io; skips
// (saying why) without them.
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../lib/cli/main'
import { stringSink } from '../../lib/report'
import { filterQemuIo, normaliseRawio } from '../golden/harness'
import { loopUnavailable, Scratch, skipReason } from '../helpers/targets'

const haveQemu = spawnSync('qemu-io', ['--version']).status === 0
const why = loopUnavailable() ?? (haveQemu ? null : 'qemu-io is not installed (apt-get install qemu-utils)')
const skip = skipReason(why, 'the loop-device comparison with qemu-io')
const scratch = skip ? null : new Scratch()
afterAll(() => scratch?.cleanup())

const SCRIPTS: Record<string, string[]> = {
  io: [
    'read -P 0 0 4k',
    'write -P 0x5a 512 1k',
    'read -P 0x5a 512 1k',
    'readv -P 0x5a 512 512 512',
    'read 4M 1',
  ],
  space: ['length', 'info', 'map', 'alloc 0 1M', 'truncate 8M', 'truncate 1M', 'length', 'flush'],
  zeroes: ['discard 0 64k', 'write -zu 64k 64k', 'write -z 128k 4k', 'write -zn 0 64k', 'read -P 0 64k 68k'],
  direct: [
    'reopen -c none',
    'write -P 1 1 3',
    'read -P 1 1 3',
    'aio_write -P 2 8k 4k',
    'aio_flush',
    'read -P 2 8k 4k',
  ],
}

async function rawio(dev: string, cmds: string[]) {
  const sink = stringSink()
  const args = ['-f', 'raw', ...cmds.flatMap((c) => ['-c', c]), dev]
  const status = await main(args, { sink, stdin: Readable.from([]) })
  return { stdout: sink.stdout, stderr: sink.stderr, status }
}

function qemu(dev: string, cmds: string[]) {
  const r = spawnSync('qemu-io', ['-f', 'raw', ...cmds.flatMap((c) => ['-c', c]), dev], { encoding: 'utf8' })
  return { stdout: r.stdout, stderr: r.stderr, status: r.status }
}

describe.skipIf(skip)('a loop device, through qemu-io and rawio', () => {
  for (const [name, cmds] of Object.entries(SCRIPTS)) {
    it(name, async () => {
      const s = scratch!
      const a = s.loop(s.file(`${name}-q`, 4 << 20))
      const b = s.loop(s.file(`${name}-r`, 4 << 20))
      const want = qemu(a, cmds)
      const got = await rawio(b, cmds)
      const norm = (t: string, dev: string) =>
        filterQemuIo(normaliseRawio(t.split(dev).join('DEV'), new Set()))
      expect(norm(got.stdout, b)).toBe(norm(want.stdout, a))
      expect(norm(got.stderr, b)).toBe(norm(want.stderr, a))
      expect(got.status).toBe(want.status)
      s.detach(a)
      s.detach(b)
      const sum = (f: string) =>
        spawnSync('sha256sum', [join(s.dir, f)], { encoding: 'utf8' }).stdout.split(' ')[0]
      expect(sum(`${name}-r`)).toBe(sum(`${name}-q`))
    })
  }
})
