import { describe, expect, it } from 'vitest'
import { processSink, Reporter, stringSink } from '../../lib/report'

const stats = { offset: 0, count: 4096, total: 4096, ops: 1, ns: 400_000 }

describe('Reporter, human mode', () => {
  it('prints print_report lines on stdout', () => {
    const sink = stringSink()
    new Reporter(sink).io('read', stats)
    expect(sink.stdout).toBe(
      'read 4096/4096 bytes at offset 0\n4 KiB, 1 ops; 00.00 sec (9.766 MiB/sec and 2500.0000 ops/sec)\n',
    )
    expect(sink.stderr).toBe('')
  })

  it('prints the -C line', () => {
    const sink = stringSink()
    new Reporter(sink, 'human').io('write', stats, { csv: true, extra: { ignored: true } })
    expect(sink.stdout).toBe('4096,1,0:00:00.00,10240000.000,2500.000\n')
  })

  it('prints the dump, info lines on stdout and errors on stderr, in order', () => {
    const sink = stringSink()
    const out = new Reporter(sink)
    out.hexdump(Uint8Array.of(0x41, 0x00), 16)
    out.info('Pattern verification failed at offset 0, 512 bytes')
    out.error("no file open, try 'help open'")
    out.result({ ignored: true })
    expect(sink.stdout).toBe('00000010:  41 00  A.\nPattern verification failed at offset 0, 512 bytes\n')
    expect(sink.stderr).toBe("no file open, try 'help open'\n")
    expect(out.mode).toBe('human')
  })
})

describe('Reporter, JSON mode', () => {
  it('emits one record per io() with rates', () => {
    const sink = stringSink()
    const out = new Reporter(sink, 'json')
    out.io('read', stats)
    out.io('write', { ...stats, offset: 512 }, { csv: true, extra: { pattern: 0x41 } })
    const lines = sink.stdout.trimEnd().split('\n')
    expect(lines).toHaveLength(2)
    expect(JSON.parse(lines[0]!)).toEqual({
      op: 'read',
      offset: 0,
      count: 4096,
      total: 4096,
      ops: 1,
      ns: 400_000,
      bytesPerSec: 10240000,
      opsPerSec: 2500,
    })
    expect(lines[0]).toBe(
      '{"op":"read","offset":0,"count":4096,"total":4096,"ops":1,"ns":400000,"bytesPerSec":10240000,"opsPerSec":2500}',
    )
    expect(JSON.parse(lines[1]!)).toMatchObject({ op: 'write', offset: 512, pattern: 0x41 })
  })

  it('writes non-finite rates as null', () => {
    const sink = stringSink()
    new Reporter(sink, 'json').io('read', { offset: 0, count: 0, total: 0, ops: 1, ns: 0 })
    expect(JSON.parse(sink.stdout)).toMatchObject({ bytesPerSec: null, opsPerSec: null })
  })

  it('suppresses human text but keeps errors', () => {
    const sink = stringSink()
    const out = new Reporter(sink, 'json')
    out.hexdump(Uint8Array.of(1, 2, 3), 0)
    out.info('hello')
    out.error('read failed: Input/output error')
    expect(sink.stdout).toBe('')
    expect(sink.stderr).toBe('read failed: Input/output error\n')
  })

  it('emits result records, bigints as numbers when exact and strings otherwise', () => {
    const sink = stringSink()
    const out = new Reporter(sink, 'json')
    out.result({ op: 'length', bytes: 1048576n, huge: 9223372036854775807n })
    expect(sink.stdout).toBe('{"op":"length","bytes":1048576,"huge":"9223372036854775807"}\n')
  })
})

describe('processSink', () => {
  it('exposes out and err writers', () => {
    expect(typeof processSink.out).toBe('function')
    expect(typeof processSink.err).toBe('function')
    processSink.out('')
    processSink.err('')
  })
})
