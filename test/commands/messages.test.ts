// One prefix policy for rawio's own diagnostics: `rawio: [context: ]text`, the program named once,
// the same text whether bench runs as `rawio bench` or as the shell's `bench` (it said
// `bench: rawio: ...`, `bench: ...` and `rawio bench: ...` before).
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main } from '../../lib/cli/main'
import { diagnostic, stringSink } from '../../lib/report'
import { loopUnavailable, Scratch, skipReason } from '../helpers/targets'

const scratch = new Scratch()
afterAll(() => scratch.cleanup())

async function rawio(args: string[]) {
  const sink = stringSink()
  const status = await main(args, { sink })
  return { stdout: sink.stdout, stderr: sink.stderr, status }
}

describe('diagnostic()', () => {
  it.each([
    ['missing TARGET', 'bench', 'rawio: bench: missing TARGET'],
    ['rawio: /dev/sdb is mounted on /x', 'bench', 'rawio: bench: /dev/sdb is mounted on /x'],
    ['bench: note: bs 3', 'bench', 'rawio: bench: note: bs 3'],
    ['rawio: bench: x', 'bench', 'rawio: bench: x'],
    ['could not load', undefined, 'rawio: could not load'],
    ['rawio: could not load', undefined, 'rawio: could not load'],
  ])('%j in %s', (text, context, want) => {
    expect(diagnostic(text, context)).toBe(want)
  })
})

describe('bench messages: the same line from `rawio bench` and from the shell', () => {
  it.each([
    [['--rw=bogus'], "rawio: bench: rw 'bogus'"],
    [['--rate_iops=99999999999999999999'], 'rawio: bench: rate_iops 99999999999999999999 is out of range'],
    [['--iodpeth=4'], 'rawio: bench: unknown option --iodpeth (did you mean --iodepth?)'],
  ])('%j', async (opts, start) => {
    const img = scratch.file('m.img', 1 << 20)
    const cli = await rawio(['bench', ...opts, img])
    const shell = await rawio(['-c', `bench ${opts.join(' ')}`, img])
    expect(cli.status).toBe(1)
    expect(shell.status).toBe(1)
    expect(cli.stderr.split('\n')[0].startsWith(start), cli.stderr).toBe(true)
    expect(shell.stderr.split('\n')[0]).toBe(cli.stderr.split('\n')[0])
  })

  const noMkfs = spawnSync('mkfs.ext4', ['-V']).status === 0 ? null : 'mkfs.ext4 is missing'
  it.skipIf(skipReason(loopUnavailable() ?? noMkfs, 'the interlock message through bench'))(
    'the interlock refusal through bench names the program once',
    async () => {
      const backing = join(scratch.dir, 'sig.img')
      scratch.file('sig.img', 32 << 20)
      expect(spawnSync('mkfs.ext4', ['-q', '-F', backing]).status).toBe(0)
      const dev = scratch.loop(backing)
      const want = new RegExp(
        `^rawio: bench: ${dev} contains an ext4 filesystem .*; refusing to write\\. Use --force to override\\.\\n$`,
      )
      const cli = await rawio(['bench', '-q', '--rw=write', '--number_ios=4', dev])
      expect(cli.status).toBe(1)
      expect(cli.stderr).toMatch(want)
      const shell = await rawio(['-c', 'bench -q --rw=write --number_ios=4', dev])
      expect(shell.status).toBe(1)
      expect(shell.stderr).toMatch(want)
    },
  )
})
