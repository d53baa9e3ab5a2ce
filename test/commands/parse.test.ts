// The parse phase, pure: no device, no session. Every command's good forms give the request it
// should, and every bad form stops with qemu-io's one line on qemu-io's stream.
import { describe, expect, it } from 'vitest'
import { breakline, parseLine } from '../../lib/commands/parse'
import { CommandStop, type Line } from '../../lib/commands/spec'
import { commandIndex, extensionIndex, findCommand } from '../../lib/commands/table'
import { parse, stop } from './helpers'

const out = (text: string): Line => ({ stream: 'out', text })
const err = (text: string): Line => ({ stream: 'err', text })
const READ_USAGE =
  'read [-abCqrv] [-P pattern [-s off] [-l len]] off len -- reads a number of bytes at a specified offset'
const WRITE_USAGE =
  'write [-bcCfnqruz] [-P pattern | -s source_file] off len -- writes a number of bytes at a specified offset'
const bad = (s: string) => `Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- ${s}`

describe('the table', () => {
  it('is sorted by strcmp and agrees with the modules', async () => {
    const names = commandIndex.map((e) => e.name)
    expect([...names].sort()).toEqual(names)
    for (const entry of [...commandIndex, ...extensionIndex]) {
      const cmd = await entry.load()
      expect(cmd.name).toBe(entry.name)
      expect(cmd.alt).toBe(entry.alt)
    }
  })

  it('derives getopt strings from the option tables', async () => {
    expect((await findCommand('read'))?.optstring).toBe('bCl:pP:qrs:v') // qemu-io 8.0's read_f
    expect((await findCommand('write'))?.optstring).toBe('bcCfnpP:qrs:uz')
    expect((await findCommand('open'))?.optstring).toBe('snCro:ki:t:d:U')
    expect((await findCommand('alloc'))?.optstring).toBeNull()
  })
})

describe('breakline', () => {
  it('splits at single spaces, collapses runs, keeps tabs and quotes', () => {
    expect(breakline('  read   -P   5   0    1  ')).toEqual(['read', '-P', '5', '0', '1'])
    expect(breakline('read\t0 1')).toEqual(['read\t0', '1'])
    expect(breakline('write "a b"')).toEqual(['write', '"a', 'b"'])
    expect(breakline('')).toEqual([])
  })
})

describe('arity, from the table, before options', () => {
  it.each([
    ['read', 'bad argument count 0 to read, expected at least 2 arguments'],
    ['r 0', 'bad argument count 1 to r, expected at least 2 arguments'],
    ['flush x', 'bad argument count 1 to flush, expected 0 arguments'],
    ['f x', 'bad argument count 1 to f, expected 0 arguments'],
    ['help a b', 'bad argument count 2 to help, expected between 0 and 1 arguments'],
    ['truncate 1 2 3 4', 'bad argument count 4 to truncate, expected between 1 and 3 arguments'],
    ['alloc', 'bad argument count 0 to alloc, expected between 1 and 2 arguments'],
    ['break x', 'bad argument count 1 to break, expected 2 arguments'],
    ['open', 'bad argument count 0 to open, expected at least 1 arguments'],
    ['map -x', 'bad argument count 1 to map, expected 0 arguments'],
  ])('%s', async (line, message) => {
    expect(await stop(line)).toEqual([err(message)])
  })

  it('lets quit take anything', async () => {
    expect(await parse('quit a b c')).toBeNull()
  })
})

describe('read', () => {
  it('parses offsets, lengths and verification', async () => {
    expect(await parse('read -P 0x41 -s 1 -l 2 1k 4')).toMatchObject({
      offset: 1024,
      count: 4,
      verify: { pattern: 0x41, offset: 1, count: 2 },
    })
    expect(await parse('read 0 1 -vq')).toMatchObject({ dump: true, quiet: true })
    expect(await parse('r -Cp 0x10 1.5k')).toMatchObject({ offset: 16, count: 1536, csv: true })
  })

  it.each([
    ['read -x 0 1', [err("read: invalid option -- 'x'"), out(READ_USAGE)]],
    ['read --foo 0 1', [err("read: invalid option -- '-'"), out(READ_USAGE)]],
    ['read 0 1 -P', [err("read: option requires an argument -- 'P'"), out(READ_USAGE)]],
    ['read -a 0 1', [err("read: invalid option -- 'a'"), out(READ_USAGE)]],
    ['read -P 300 0 1', [out('300 is not a valid pattern byte')]],
    ['read -P 08 0 1', [out('08 is not a valid pattern byte')]],
    ['read x 1', [out(bad('x'))]],
    ['read 0 4kB', [out(bad('4kB'))]],
    ['read 0 1e3', [out(bad('1e3'))]],
    ['read 0 -1', [err("read: invalid option -- '1'"), out(READ_USAGE)]],
    ['read 0 8E', [out('Parsing error: argument too large -- 8E')]],
    ['read 0 3G', [out('length cannot exceed 2147483136, given 3G')]],
    ['read 0 1 2', [out(READ_USAGE)]],
    ['read -s 1 0 1', [out(READ_USAGE)]],
    ['read -P 1 -s 2 0 1', [out('pattern verification range exceeds end of read data')]],
    ['read -P 1 -l 2 0 1', [out('pattern verification range exceeds end of read data')]],
    ['read -b 1 512', [out("1 is not a sector-aligned value for 'offset'")]],
    ['read -b 0 1', [out("1 is not a sector-aligned value for 'count'")]],
    // the first bad option stops parsing: later mistakes are never reported
    ['read -P 300 -x 0 1', [out('300 is not a valid pattern byte')]],
    ['read -l x -P 300 0 1', [out(bad('x'))]],
  ])('%s', async (line, lines) => {
    expect(await stop(line)).toEqual(lines)
  })

  it('warns about hex with a suffix and goes on', async () => {
    const cmd = (await findCommand('read'))!
    const parsed = parseLine(cmd, ['read', '0x1k', '1'])
    expect(parsed.lines).toEqual([
      err('rawio: warning: Using a multiplier suffix on hex numbers is deprecated: 0x1k'),
    ])
    expect(parsed.request).toMatchObject({ offset: 1024 })
  })
})

describe('write', () => {
  it('parses its modes', async () => {
    expect(await parse('write 0 1')).toMatchObject({ mode: 'pwrite', pattern: 0xcd })
    expect(await parse('write -zun 0 1')).toMatchObject({ mode: 'zeroes', mayUnmap: true, noFallback: true })
    expect(await parse('write -c 0 512')).toMatchObject({ mode: 'compressed' })
    expect(await parse('write -b 0 512')).toMatchObject({ mode: 'vmstate' })
    expect(await parse('write -s /x -f 0 1')).toMatchObject({ sourceFile: '/x', fua: true })
    expect(await parse('write -zn 0 3G')).toMatchObject({ count: 3 * 2 ** 30 })
  })

  it.each([
    ['write -b -z 0 1', '-b and -z cannot be specified at the same time'],
    ['write -f -c 0 512', '-f and -b or -c cannot be specified at the same time'],
    ['write -n 0 1', '-n requires -z to be specified'],
    ['write -u 0 1', '-u requires -z to be specified'],
    ['write -z -P 1 0 1', 'Only one of -z, -P, and -s can be specified at the same time'],
    ['write -P 1 -s f 0 1', 'Only one of -z, -P, and -s can be specified at the same time'],
    ['write 0 3G', 'length cannot exceed 2147483136 without -n, given 3G'],
    ['write -c 1 512', "1 is not a sector-aligned value for 'offset'"],
    ['write 0 1.5', bad('1.5')],
  ])('%s', async (line, message) => {
    expect(await stop(line)).toEqual([out(message)])
  })

  it('prints the usage for a bad option', async () => {
    expect(await stop('write -y 0 1')).toEqual([err("write: invalid option -- 'y'"), out(WRITE_USAGE)])
  })
})

describe('vectored and aio', () => {
  it('parses iovecs', async () => {
    expect(await parse('readv 0 512 1k')).toMatchObject({ offset: 0, sizes: [512, 1024] })
    expect(await parse('aio_write -z 0 4k')).toMatchObject({ zeroes: 4096 })
  })

  it.each([
    ['readv 0 3G', [out("Argument '3G' exceeds maximum size 2147483136")]],
    ['writev 0 1G 1G 1G', [out('The total number of bytes exceed the maximum size 2147483136')]],
    ['readv 0 y', [out(bad('y'))]],
    ['aio_write -z 0 1 1', [out('-z supports only a single length parameter')]],
    ['aio_write -u 0 1', [out('-u requires -z to be specified')]],
  ])('%s', async (line, lines) => {
    expect(await stop(line)).toEqual(lines)
  })

  it('-i ends aio commands early, successfully', async () => {
    try {
      await parse('aio_read -i -x 0 1')
      throw new Error('parsed')
    } catch (e) {
      expect(e).toBeInstanceOf(CommandStop)
      expect((e as CommandStop).failed).toBe(false)
      expect((e as CommandStop).lines).toEqual([out('injecting invalid read request')])
    }
  })

  it('accepts -z with -P in aio_write, as qemu-io 7.2 does', async () => {
    expect(await parse('aio_write -z -P 1 0 1')).toMatchObject({ zeroes: 1 })
  })
})

describe('space, files and process', () => {
  it.each([
    ['truncate -m bogus 1M', [err("rawio: Invalid preallocation mode 'bogus'")]],
    ['truncate -m full 1x', [out(bad('-m'))]],
    ['discard 0 3G', [out('length cannot exceed 2147483136, given 3G')]],
    ['alloc x', [out(bad('x'))]],
    ['sleep -1', [out('-1 is not a valid number')]],
    ['sleep 1k', [out('1k is not a valid number')]],
    ['sigraise 100', [out("signal argument '100' is too large to be a valid signal")]],
    ['sigraise -1', [out(bad('-1'))]],
    ['open -t bogus f', [err('rawio: Invalid cache option: bogus')]],
    ['open -d bogus f', [err('rawio: Invalid discard option: bogus')]],
    ['open -i bogus f', [err('rawio: Invalid aio option: bogus')]],
    ['reopen -r -w', [err('rawio: Only one -r/-w option may be given')]],
    ['reopen -c bogus', [err('rawio: Invalid cache option: bogus')]],
  ])('%s', async (line, lines) => {
    expect(await stop(line)).toEqual(lines)
  })

  it('prints usage where qemu-io would crash (truncate -m full with no offset)', async () => {
    expect(await stop('truncate -m full')).toEqual([
      out('truncate [-m prealloc_mode] off -- truncates the current file at the given offset'),
    ])
  })

  it('open: the later of -n and -t wins; -o options merge', async () => {
    expect(await parse('open -n -t writeback f')).toMatchObject({ image: { cache: 'writeback' } })
    expect(await parse('open -t writeback -n f')).toMatchObject({ image: { cache: 'none' } })
    const req = (await parse('open -o driver=raw -o cache.direct=on,,x f')) as { kv: Map<string, string> }
    expect([...req.kv]).toEqual([
      ['driver', 'raw'],
      ['cache.direct', 'on,x'],
    ])
  })

  it('sleep takes strtol numbers', async () => {
    expect(await parse('sleep 0x10')).toEqual({ ms: 16 })
    expect(await parse('sleep 010')).toEqual({ ms: 8 })
    expect(await parse('sleep +5')).toEqual({ ms: 5 })
  })
})
