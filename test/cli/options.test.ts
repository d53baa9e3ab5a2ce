// rawio's command line, parsed without running anything: qemu-io's options, glibc's messages, the
// order in which getopt stops, rawio's own options.
import { describe, expect, it } from 'vitest'
import { type CliConfig, parseCli } from '../../lib/cli/options'

function config(args: string[]): CliConfig {
  const r = parseCli(args)
  if (r.action !== 'run') throw new Error(`expected a run, got ${JSON.stringify(r)}`)
  return r.config
}

describe('qemu-io options', () => {
  it('defaults', () => {
    expect(config(['img'])).toMatchObject({
      commands: [],
      file: 'img',
      image: { readOnly: false, cache: 'writethrough', discard: 'unmap', forceShare: false },
      misalign: false,
      align: 'auto',
      engine: 'auto',
      json: false,
    })
  })

  it('takes -c in order, repeatedly, with short and long spellings', () => {
    expect(config(['-c', 'read 0 1', '--cmd=write 0 1', 'img', '--cmd', 'flush', '-cinfo']).commands).toEqual(
      ['read 0 1', 'write 0 1', 'flush', 'info'],
    )
  })

  it('maps every image option', () => {
    const c = config(['-r', '-n', '-d', 'ignore', '-i', 'native', '-k', '-m', '-U', '-f', 'raw', 'img'])
    expect(c.image).toEqual({
      readOnly: true,
      cache: 'none',
      discard: 'ignore',
      aio: 'native',
      nativeAio: true,
      forceShare: true,
      format: 'raw',
    })
    expect(c.misalign).toBe(true)
    expect(config(['--cache=directsync', '--discard', 'on', '--aio=io_uring']).image).toMatchObject({
      cache: 'directsync',
      discard: 'unmap',
      aio: 'io_uring',
    })
    expect(config(['-n', '-t', 'unsafe']).image.cache).toBe('unsafe')
    expect(config(['-t', 'unsafe', '-n']).image.cache).toBe('none')
  })

  it('accepts abbreviated long options', () => {
    expect(config(['--read', '--nocac', '--force-s']).image).toMatchObject({
      readOnly: true,
      cache: 'none',
      forceShare: true,
    })
  })

  it('has rawio options', () => {
    expect(config(['--align=strict', '--engine', 'threads', '--json'])).toMatchObject({
      align: 'strict',
      engine: 'threads',
      json: true,
      force: false,
    })
  })

  it('takes --force (long only) as the interlock override, not as an abbreviation of --force-share', () => {
    const c = config(['--force', 'img'])
    expect(c.force).toBe(true)
    expect(c.image.forceShare).toBe(false)
    expect(config(['--force-share', '-r', 'img'])).toMatchObject({
      force: false,
      image: { forceShare: true },
    })
    expect(parseCli(['--force=1'])).toMatchObject({
      action: 'exit',
      lines: [{ stream: 'err', text: "rawio: option '--force' doesn't allow an argument" }],
    })
  })

  it('warns about -T and goes on', () => {
    const r = parseCli(['-T', 'foo', 'img'])
    expect(r.action).toBe('run')
    expect(r.lines).toEqual([
      { stream: 'err', text: 'rawio: warning: tracing is not supported; ignoring -T foo' },
    ])
  })

  it('-h and -V act where they appear', () => {
    expect(parseCli(['-h', '-x']).action).toBe('help')
    expect(parseCli(['-V', '--bogus']).action).toBe('version')
    expect(parseCli(['-x', '-V'])).toMatchObject({ action: 'exit', status: 1 })
  })
})

describe('mistakes', () => {
  it.each([
    [['-x'], "rawio: invalid option -- 'x'", true],
    [['--bogus'], "rawio: unrecognized option '--bogus'", true],
    [['--bogus=1'], "rawio: unrecognized option '--bogus=1'", true],
    [['-c'], "rawio: option requires an argument -- 'c'", true],
    [['--cmd'], "rawio: option '--cmd' requires an argument", true],
    [['--help=x'], "rawio: option '--help' doesn't allow an argument", true],
    [['--c'], "rawio: option '--c' is ambiguous; possibilities: '--cmd' '--copy-on-read' '--cache'", true],
    [['--forc'], "rawio: option '--forc' is ambiguous; possibilities: '--force-share' '--force'", true],
    [
      ['--c=length'],
      "rawio: option '--c=length' is ambiguous; possibilities: '--cmd' '--copy-on-read' '--cache'",
      true,
    ],
    [['-t', 'bogus'], 'rawio: Invalid cache option: bogus', false],
    [['-d', 'bogus'], 'rawio: Invalid discard option: bogus', false],
    [['-i', 'bogus'], 'rawio: Invalid aio option: bogus', false],
    [['--align=x'], 'rawio: Invalid align option: x', false],
    [['--engine=x'], 'rawio: Invalid engine option: x', false],
    [['--object', 'secret'], 'rawio: --object is not supported (raw images need no secrets)', false],
    [['-f', 'raw', '--image-opts', 'x'], 'rawio: --image-opts and -f are mutually exclusive', false],
  ])('%j', (args, message, usage) => {
    const r = parseCli(args as string[])
    expect(r).toMatchObject({ action: 'exit', status: 1 })
    expect(r.lines).toEqual([{ stream: 'err', text: message }])
    expect(r.action === 'exit' && !!r.usage).toBe(usage)
  })

  it('refuses two files with the usage only', () => {
    expect(parseCli(['a', 'b'])).toEqual({ action: 'exit', status: 1, lines: [], usage: true })
  })

  it('stops at the first bad option', () => {
    expect(parseCli(['-t', 'bogus', '-d', 'bogus']).lines).toEqual([
      { stream: 'err', text: 'rawio: Invalid cache option: bogus' },
    ])
  })

  it('reads --image-opts', () => {
    // The options are kept whole; they are applied (and checked) when the image is opened.
    const cfg = config(['--image-opts', 'driver=raw,file.filename=/x/y,offset=4k'])
    expect(cfg.file).toBe('/x/y')
    expect(cfg.imageOptions).toEqual(
      new Map([
        ['driver', 'raw'],
        ['file.filename', '/x/y'],
        ['offset', '4k'],
      ]),
    )
  })
})
