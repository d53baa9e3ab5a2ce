// Parsing `rawio bench` arguments: fio's option names and value forms, nothing run.
import { describe, expect, it } from 'vitest'
import {
  parseBssplit,
  parseFioSize,
  parseFioTime,
  parseSizeOrPercent,
  shortSize,
} from '../../lib/bench/fio-units'
import { benchUsage, jobOptionTable, parseBenchArgs } from '../../lib/bench/options'
import { UsageError } from '../../lib/errors'

describe('fio units', () => {
  it.each([
    ['4096', 4096],
    ['4k', 4096],
    ['4K', 4096],
    ['4KiB', 4000], // fio 3.33 (kb_base=1024, its default): IEC suffixes are powers of 1000
    ['1MiB', 1e6],
    ['4kb', 4096],
    ['(1+1)*4096', 8192], // fio's arithmetic
    ['1m', 2 ** 20],
    ['1.5g', 1.5 * 2 ** 30],
    ['2t', 2 * 2 ** 40],
    ['512b', 512],
  ])('size %s = %d', (text, bytes) => expect(parseFioSize(text, 'bs')).toBe(bytes))

  it.each(['', 'k', '4x', '-1', '1.0000001', '4 k b x', '99999999999999999999'])(
    'size %j is refused',
    (text) => {
      expect(() => parseFioSize(text, 'bs')).toThrow(UsageError)
    },
  )

  it('sizes may be a percentage of the target', () => {
    expect(parseSizeOrPercent('50%', 'size')).toEqual({ percent: 50 })
    expect(parseSizeOrPercent('1g', 'size')).toEqual({ bytes: 2 ** 30 })
    expect(() => parseSizeOrPercent('150%', 'size')).toThrow('size 150% is more than 100%')
  })

  it.each([
    ['10', 10e9],
    ['10s', 10e9],
    ['500ms', 500e6],
    ['250us', 250e3],
    ['2m', 120e9],
    ['1h', 3600e9],
    ['1.5s', 1.5e9],
  ])('time %s = %d ns', (text, ns) => expect(parseFioTime(text, 'runtime')).toBe(ns))

  it('a bad time names the option and shows examples', () => {
    expect(() => parseFioTime('10x', 'runtime')).toThrow(
      "runtime '10x' is not a time (examples: 10, 10s, 500ms, 2m)",
    )
  })

  it('a whole number too large is out of range, not "not a whole number"', () => {
    expect(() => parseBenchArgs(['--rate_iops=99999999999999999999', 'x'])).toThrow(
      'rate_iops 99999999999999999999 is out of range (1..9007199254740991)',
    )
    expect(() => parseBenchArgs(['--rate_iops=0', 'x'])).toThrow('rate_iops 0 is out of range')
    expect(() => parseBenchArgs(['--rate_iops=1.5', 'x'])).toThrow("rate_iops '1.5' is not a whole number")
    expect(() => parseBenchArgs(['--rate_iops=12abc', 'x'])).toThrow(
      "rate_iops '12abc' is not a whole number",
    )
  })

  it('bssplit: pairs, and open shares split what is left', () => {
    expect(parseBssplit('4k/10:64k/50:32k/40')).toEqual([
      [4096, 10],
      [65536, 50],
      [32768, 40],
    ])
    expect(parseBssplit('4k/50:8k:16k')).toEqual([
      [4096, 50],
      [8192, 25],
      [16384, 25],
    ])
    expect(parseBssplit('4k/33:8k:16k').reduce((a, [, p]) => a + p, 0)).toBe(100)
    expect(() => parseBssplit('4k/50:8k/20')).toThrow('percentages add up to 70, not 100')
    expect(() => parseBssplit('4k/80:8k/30')).toThrow('more than 100')
    expect(() => parseBssplit('4k/50,8k/50')).toThrow('separate read/write lists')
  })

  it('short sizes', () => {
    expect(shortSize(4096)).toBe('4k')
    expect(shortSize(2 ** 20)).toBe('1m')
    expect(shortSize(1000)).toBe('1000')
  })
})

describe('parseBenchArgs', () => {
  it('takes --name=value, --name value, flags and the TARGET', () => {
    const a = parseBenchArgs([
      '--rw=randread',
      '--bs',
      '4k',
      '--iodepth=32',
      '--direct=1',
      '--fua',
      '-q',
      '/dev/loop9',
    ])
    expect(a.target).toBe('/dev/loop9')
    expect(a.job).toMatchObject({ rw: 'randread', bs: 4096, iodepth: 32, direct: true, fua: true })
    expect(a.output).toEqual({ formats: ['normal'], quiet: true })
  })

  it('accepts fio spellings: aliases, hyphens, ioengine names', () => {
    const a = parseBenchArgs([
      '--readwrite=randrw',
      '--ioengine=psync',
      '--io-size=1m',
      '--ramp_time=1s',
      'x',
    ])
    expect(a.job).toMatchObject({ rw: 'randrw', engine: 'threads', io_size: 2 ** 20, ramp_time: 1e9 })
  })

  it('output formats: -C, --output-format lists (fio order and names), --output', () => {
    const formats = (...a: string[]) => parseBenchArgs([...a, 'x']).output.formats
    expect(formats('-C')).toEqual(['rawio-csv'])
    expect(formats('--output-format=json')).toEqual(['json'])
    expect(formats('--output-format=rawio-json')).toEqual(['rawio-json'])
    expect(formats('--output-format=terse')).toEqual(['terse'])
    expect(formats('--output-format=csv')).toEqual(['terse'])
    expect(formats('--output-format=minimal')).toEqual(['terse'])
    // fio prints terse, then json, then normal, whatever the order given; json+ includes json
    expect(formats('--output-format=normal,json')).toEqual(['json', 'normal'])
    expect(formats('--output-format=json,terse,normal')).toEqual(['terse', 'json', 'normal'])
    expect(formats('--output-format=json,json+')).toEqual(['json+'])
    expect(formats('--output-format', 'json+')).toEqual(['json+'])
    expect(parseBenchArgs(['--output=r.json', 'x']).output.output).toBe('r.json')
    expect(parseBenchArgs(['--output', 'r.json', 'x']).output.output).toBe('r.json')
    expect(() => parseBenchArgs(['--output-format=xml', 'x'])).toThrow(
      "output-format 'xml' is not one of normal, json, json+, terse, rawio-json, rawio-csv (or fio's minimal, csv)",
    )
  })

  it('keeps the options as given, for fio\'s "job options" (bare flags are not listed, as in fio)', () => {
    const a = parseBenchArgs([
      '--name=j1',
      '--rw=randread',
      '--bs',
      '4k',
      '--time_based',
      '--runtime=1',
      '-q',
      'x',
    ])
    expect(a.given).toEqual([
      ['name', 'j1'],
      ['rw', 'randread'],
      ['bs', '4k'],
      ['runtime', '1'],
    ])
  })

  it('--filename stands for TARGET, but not both different', () => {
    expect(parseBenchArgs(['--filename=/a']).target).toBe('/a')
    expect(() => parseBenchArgs(['--filename=/a', '/b'])).toThrow('either as TARGET or as --filename')
    expect(() => parseBenchArgs(['/a', '/b'])).toThrow('expected one TARGET, got 2')
  })

  it('names the mistake: misspelled options, bad values, missing values', () => {
    expect(() => parseBenchArgs(['--iodpeth=4'])).toThrow(
      'unknown option --iodpeth (did you mean --iodepth?)',
    )
    expect(() => parseBenchArgs(['--rw=randomread'])).toThrow(
      "rw 'randomread' is not one of read, write, randread",
    )
    expect(() => parseBenchArgs(['--iodepth=0'])).toThrow('iodepth 0 is out of range (1..4096)')
    expect(() => parseBenchArgs(['--direct=maybe'])).toThrow("--direct takes 0 or 1, not 'maybe'")
    expect(() => parseBenchArgs(['--bs'])).toThrow('--bs needs a value (--bs=SIZE)')
    expect(() => parseBenchArgs(['-x'])).toThrow('unknown option -x')
  })

  it('flags take =0/=1 and never swallow the next word', () => {
    const a = parseBenchArgs(['--direct', '/dev/x'])
    expect(a.job.direct).toBe(true)
    expect(a.target).toBe('/dev/x')
    expect(parseBenchArgs(['--direct=0', 'x']).job.direct).toBe(false)
  })

  it('the usage lists every option of the table', () => {
    const usage = benchUsage()
    for (const name of Object.keys(jobOptionTable)) expect(usage).toContain(`--${name}`)
  })
})
