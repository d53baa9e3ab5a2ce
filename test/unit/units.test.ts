import { describe, expect, it } from 'vitest'
import { fixed, hex, int } from '../../lib/printf'
import {
  cvtnum,
  cvtnumErrorText,
  cvtstr,
  formatReport,
  hexdump,
  NumberParseError,
  PatternParseError,
  parsePattern,
  parseSize,
  patternErrorText,
  tdiv,
  timestr,
} from '../../lib/units'

// Every expected value below was printed by qemu-io 7.2 (sizes and patterns through a null-co device,
// `read -- X 0`), or by qemu-io-cmds.c's own functions compiled against glibc (reports, cvtstr, %f).

function parseError(s: string): NumberParseError {
  try {
    cvtnum(s)
  } catch (e) {
    if (e instanceof NumberParseError) return e
    throw e
  }
  throw new Error(`${JSON.stringify(s)} parsed`)
}

describe('parseSize (cvtnum / qemu_strtosz)', () => {
  it.each([
    ['0', 0n],
    ['512', 512n],
    ['1b', 1n],
    ['1B', 1n],
    ['0b', 0n],
    ['1k', 1024n],
    ['1.5k', 1536n],
    ['0.5K', 512n],
    ['1.5M', 1572864n],
    ['1.5g', 1610612736n],
    ['1t', 1099511627776n],
    ['1p', 1125899906842624n],
    ['1e', 1152921504606846976n],
    ['1.5e', 1729382256910270464n],
    ['7.99e', 9211842821808707328n],
    ['1.', 1n],
    ['1.0', 1n],
    ['1.k', 1024n],
    ['+5', 5n],
    ['\t5', 5n],
    ['0x10', 16n],
    ['0X1f', 31n],
    ['0x10b', 267n],
    ['0x10E', 270n],
    ['+0x10', 16n],
    ['0.0005k', 1n],
    ['0.0004k', 0n],
    ['0.00048828125k', 1n],
    ['0.000732421875k', 1n],
    ['1.99999999999999999999k', 1024n],
    [`1.${'0'.repeat(330)}1k`, 1n],
    [`1.${'0'.repeat(310)}1k`, 1n],
    [`1.${'0'.repeat(300)}1k`, 1024n],
    [`1.${'0'.repeat(330)}1kk`, 1024n],
    [`1.${'0'.repeat(300)}1`, 1n],
  ])('%j is %s', (s, n) => {
    expect(cvtnum(s).exact).toBe(n)
    expect(parseSize(s)).toBe(Number(n))
    expect(cvtnum(s).warning).toBeNull()
  })

  it('keeps values beyond 2^53 exact as bigint', () => {
    expect(cvtnum('9223372036854775807').exact).toBe(9223372036854775807n)
    expect(cvtnum('0x7fffffffffffffff').exact).toBe(9223372036854775807n)
    expect(cvtnum('8191.99999999999P').exact).toBe(9223372036854764549n)
  })

  it.each([
    ['0x10k', 16384],
    ['0x1p', 1125899906842624],
  ])('%j warns that hex with a suffix is deprecated', (s, n) => {
    expect(cvtnum(s)).toEqual({
      value: n,
      exact: BigInt(n),
      warning: `Using a multiplier suffix on hex numbers is deprecated: ${s}`,
    })
  })

  it.each([
    '',
    'k',
    '0.5',
    '1.5',
    '1.1b',
    '1.0000000000000000001',
    '4kB',
    '1e3',
    '1.5e3',
    '0x',
    '0xg',
    '0x0x',
    '00x10',
    '0x1.5',
    '-1',
    '-0',
    '-5k',
    '-0x10',
    '5\t',
    ' ',
    '99999999999999999999k',
    '0x10000000000000000k',
    '1.2.3k',
    '1.k5',
    '.5k',
    '.k',
    '5..k',
    '1.inf',
    `1.${'0'.repeat(310)}1`,
    `1.${'0'.repeat(330)}1`,
  ])('%j is invalid', (s) => {
    const err = parseError(s)
    expect(err.kind).toBe('invalid')
    expect(err.code).toBe('EINVAL')
    expect(err.text).toBe(s)
    expect(cvtnumErrorText(err)).toBe(
      `Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- ${s}`,
    )
    expect(err.message).toBe(cvtnumErrorText(err))
  })

  it.each([
    '99999999999999999999',
    '-99999999999999999999',
    '18446744073709551615',
    '9223372036854775808',
    '8E',
    '8192P',
    '16777216T',
    '0x8000000000000000',
    '0x10000000000000000',
  ])('%j is too large', (s) => {
    const err = parseError(s)
    expect(err.kind).toBe('too-large')
    expect(err.code).toBe('ERANGE')
    expect(cvtnumErrorText(err)).toBe(`Parsing error: argument too large -- ${s}`)
  })

  it('keeps the warning qemu printed before failing', () => {
    expect(parseError('0x10kz').warning).toBe(
      'Using a multiplier suffix on hex numbers is deprecated: 0x10kz',
    )
    expect(parseError('0x10kz').kind).toBe('invalid')
    expect(parseError('0x1000000000000000k').kind).toBe('too-large')
  })
})

describe('parsePattern (strtol base 0, 0..255)', () => {
  it.each([
    ['0', 0],
    ['255', 255],
    ['0x41', 0x41],
    ['0X1F', 0x1f],
    ['0101', 0o101],
    ['+5', 5],
    ['-0', 0],
    ['\t7', 7],
    ['0x0ff', 255],
  ])('%j is %d', (s, n) => expect(parsePattern(s)).toBe(n))

  it.each([
    '300',
    '256',
    'abc',
    '-1',
    '08',
    '0x',
    '5x',
    '1k',
    '',
    '99999999999999999999',
    '-99999999999999999999',
  ])('%j is not a byte', (s) => {
    expect(() => parsePattern(s)).toThrow(PatternParseError)
    expect(() => parsePattern(s)).toThrow(`${s} is not a valid pattern byte`)
    expect(patternErrorText(s)).toBe(`${s} is not a valid pattern byte`)
  })
})

describe('cvtstr', () => {
  it.each([
    [0, '0 bytes'],
    [1, '1 bytes'],
    [1.5, '1.500000 bytes'],
    [1000.0005, '1000 bytes'], // strstr(".000") also cuts "1000.000500"
    [1023, '1023 bytes'],
    [1024, '1 KiB'],
    [1536, '1.500 KiB'],
    [1048575, '1023.999 KiB'],
    [1048576, '1 MiB'],
    [123456789.123, '117.738 MiB'],
    [1.5 * 2 ** 30, '1.500 GiB'],
    [3.25 * 2 ** 40, '3.250 TiB'],
    [2 ** 50, '1 PiB'],
    [2 ** 60, '1 EiB'],
    [2e21, '1734.723 EiB'],
    [Number.POSITIVE_INFINITY, 'inf EiB'],
    [Number.NaN, '-nan bytes'],
    [1e300, '86736173798840359274658234831451388757757712143575605765245 EiB'], // snprintf truncation
  ])('%d is %j', (v, s) => expect(cvtstr(v)).toBe(s))
})

describe('timestr and tdiv', () => {
  it.each([
    [0, '00.00 sec', '0:00:00.00'],
    [4_999_999, '00.00 sec', '0:00:00.00'],
    [5_000_000, '00.01 sec', '0:00:00.01'],
    [995_000_000, '00.99 sec', '0:00:00.99'], // 0.995 is 0.99499999... as a double
    [999_999_999, '01.00 sec', '0:00:01.00'],
    [1_000_000_000, '0:00:01.00', '0:00:01.00'],
    [1_500_000_000, '0:00:01.50', '0:00:01.50'],
    [59_996_000_000, '0:00:60.00', '0:00:60.00'], // %05.2f of 59.996 rounds to 60.00, as qemu prints
    [3_599_995_000_000, '0:59:59.99', '0:59:59.99'],
    [3_723_450_000_000, '1:02:03.45', '1:02:03.45'],
    [172_800_000_000_001, '48:00:00.00', '48:00:00.00'],
  ])('%d ns is %j, -C %j', (ns, human, csv) => {
    expect(timestr(ns, false)).toBe(human)
    expect(timestr(ns, true)).toBe(csv)
  })

  it('divides by tv_sec + tv_nsec / 1e9', () => {
    expect(tdiv(4096, 400_000)).toBe(10240000)
    expect(tdiv(10, 1_500_000_000)).toBe(6.666666666666667)
    expect(tdiv(1, 0)).toBe(Number.POSITIVE_INFINITY)
    expect(tdiv(0, 0)).toBeNaN()
  })
})

describe('formatReport (print_report)', () => {
  const r = (total: number, ns: number, ops = 1, offset = 0, count = total) => ({
    offset,
    count,
    total,
    ops,
    ns,
  })
  it.each([
    [
      'read',
      r(4096, 400_000),
      false,
      'read 4096/4096 bytes at offset 0\n4 KiB, 1 ops; 00.00 sec (9.766 MiB/sec and 2500.0000 ops/sec)\n',
    ],
    [
      'write',
      r(1048576, 1_234_567, 1, 512),
      false,
      'write 1048576/1048576 bytes at offset 512\n' +
        '1 MiB, 1 ops; 00.00 sec (810.001 MiB/sec and 810.0006 ops/sec)\n',
    ],
    [
      'read',
      r(0, 0),
      false,
      'read 0/0 bytes at offset 0\n0 bytes, 1 ops; 00.00 sec (-nan bytes/sec and inf ops/sec)\n',
    ],
    ['read', r(0, 0), true, '0,1,0:00:00.00,-nan,inf\n'],
    [
      'read',
      r(65536, 1_500_000_000, 16, 4096),
      false,
      'read 65536/65536 bytes at offset 4096\n' +
        '64 KiB, 16 ops; 0:00:01.50 (42.667 KiB/sec and 10.6667 ops/sec)\n',
    ],
    ['read', r(65536, 1_500_000_000, 16, 4096), true, '65536,16,0:00:01.50,43690.667,10.667\n'],
    [
      'readv',
      r(2 ** 40, 3_723_450_000_000, 1000),
      false,
      'readv 1099511627776/1099511627776 bytes at offset 0\n' +
        '1 TiB, 1000 ops; 1:02:03.45 (281.614 MiB/sec and 0.2686 ops/sec)\n',
    ],
    [
      'write',
      r(100, 999_999_999),
      false,
      'write 100/100 bytes at offset 0\n100 bytes, 1 ops; 01.00 sec (100 bytes/sec and 1.0000 ops/sec)\n',
    ],
    [
      'write',
      r(1, 995_000_000),
      false,
      'write 1/1 bytes at offset 0\n1 bytes, 1 ops; 00.99 sec (1.005025 bytes/sec and 1.0050 ops/sec)\n',
    ],
    ['aio_read', r(3, 59_996_000_000, 3), true, '3,3,0:00:60.00,0.050,0.050\n'],
    [
      'read',
      r(1, 3, 1, 9007199254740991, 2),
      false,
      'read 1/2 bytes at offset 9007199254740991\n' +
        '1 bytes, 1 ops; 00.00 sec (317.891 MiB/sec and 333333333.3333 ops/sec)\n',
    ],
  ])('%s %j csv=%s', (op, stats, csv, text) => expect(formatReport(op, stats, csv)).toBe(text))
})

describe('hexdump (dump_buffer)', () => {
  it('prints 16 bytes a line and does not pad the last one', () => {
    expect(hexdump(new Uint8Array(37).fill(0x41), 5)).toBe(
      '00000005:  41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA\n' +
        '00000015:  41 41 41 41 41 41 41 41 41 41 41 41 41 41 41 41  AAAAAAAAAAAAAAAA\n' +
        '00000025:  41 41 41 41 41  AAAAA\n',
    )
    expect(hexdump(Uint8Array.of(0x41), 0)).toBe('00000000:  41  A\n')
    expect(hexdump(new Uint8Array(0), 0)).toBe('')
  })

  it('shows only isalnum() characters', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i)
    const lines = hexdump(all, 0).split('\n')
    expect(lines[2]).toBe('00000020:  20 21 22 23 24 25 26 27 28 29 2a 2b 2c 2d 2e 2f  ................')
    expect(lines[3]).toBe('00000030:  30 31 32 33 34 35 36 37 38 39 3a 3b 3c 3d 3e 3f  0123456789......')
    expect(lines[4]).toBe('00000040:  40 41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f  .ABCDEFGHIJKLMNO')
    expect(lines[5]).toBe('00000050:  50 51 52 53 54 55 56 57 58 59 5a 5b 5c 5d 5e 5f  PQRSTUVWXYZ.....')
    expect(lines[6]).toBe('00000060:  60 61 62 63 64 65 66 67 68 69 6a 6b 6c 6d 6e 6f  .abcdefghijklmno')
    expect(lines[7]).toBe('00000070:  70 71 72 73 74 75 76 77 78 79 7a 7b 7c 7d 7e 7f  pqrstuvwxyz.....')
    expect(lines[15]).toBe('000000f0:  f0 f1 f2 f3 f4 f5 f6 f7 f8 f9 fa fb fc fd fe ff  ................')
  })

  it('widens offsets past 32 bits', () => {
    expect(hexdump(Uint8Array.of(0x30), 2 ** 40)).toBe('10000000000:  30  0\n')
  })
})

describe('printf', () => {
  it.each([
    [0.125, 2, '0.12'], // ties go to even (toFixed gives 0.13)
    [0.375, 2, '0.38'],
    [2.5, 0, '2'],
    [3.5, 0, '4'],
    [1.005, 2, '1.00'], // 1.00499999999999989...
    [1e21, 0, '1000000000000000000000'],
    [2 ** 70, 1, '1180591620717411303424.0'],
    [5e-324, 3, '0.000'],
    [-0, 2, '-0.00'],
    [-1.5, 0, '-2'],
    [Number.NEGATIVE_INFINITY, 2, '-inf'],
  ])('%d with %d digits is %j', (x, p, s) => expect(fixed(x, p)).toBe(s))

  it('pads like %05.2f', () => {
    expect(fixed(0.5, 2, 5, true)).toBe('00.50')
    expect(fixed(123.456, 2, 5, true)).toBe('123.46')
    expect(fixed(-0.5, 2, 6, true)).toBe('-00.50')
    expect(fixed(Number.POSITIVE_INFINITY, 2, 5, true)).toBe('  inf')
    expect(fixed(Number.NaN, 2, 6, true)).toBe('  -nan')
    expect(fixed(1 / 3)).toBe('0.333333')
  })

  it('formats integers', () => {
    expect(int(7, 2, true)).toBe('07')
    expect(int(-7, 4, true)).toBe('-007')
    expect(int(9223372036854775807n)).toBe('9223372036854775807')
    expect(hex(255, 8)).toBe('000000ff')
    expect(hex(2n ** 63n, 8)).toBe('8000000000000000')
  })
})
