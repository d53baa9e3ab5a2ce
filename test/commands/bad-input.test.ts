// Every command's wrong-type, out-of-range, missing-argument and conflicting-flag cases, run through a
// Session on a real image: one clear message (plus the usage line where qemu-io prints it), a failed
// result, and not one byte of the image changed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { openSession, sha256, TempDir, type TestSession } from './helpers'

const tmp = new TempDir()
afterAll(() => tmp.remove())

let image = ''
let before = ''
let s: TestSession
beforeAll(async () => {
  image = tmp.image(64 << 10)
  before = sha256(image)
  s = await openSession(image)
})
afterAll(async () => {
  await s?.close()
})

const bad = (x: string) => `Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- ${x}\n`
const usage = (name: string, rest: string) => `${name} ${rest}\n`
const WRITE = usage(
  'write',
  '[-bcCfnqruz] [-P pattern | -s source_file] off len -- writes a number of bytes at a specified offset',
)
const WRITEV = usage(
  'writev',
  '[-Cfqr] [-P pattern] off len [len..] -- writes a number of bytes at a specified offset',
)
const AIO_WRITE = usage(
  'aio_write',
  '[-Cfiqruz] [-P pattern] off len [len..] -- asynchronously writes a number of bytes',
)
const DISCARD = usage('discard', '[-Cq] off len -- discards a number of bytes at a specified offset')
const TRUNCATE = usage('truncate', '[-m prealloc_mode] off -- truncates the current file at the given offset')

// [line, stdout, stderr]
const cases: [string, string, string][] = [
  // write
  ['write', '', 'bad argument count 0 to write, expected at least 2 arguments\n'],
  ['write 0', '', 'bad argument count 1 to write, expected at least 2 arguments\n'],
  ['write x 1', bad('x'), ''],
  ['write 0 y', bad('y'), ''],
  ['write 0 1 2', WRITE, ''],
  ['write -y 0 1', WRITE, "write: invalid option -- 'y'\n"],
  ['write -P 0 1', WRITE, ''],
  ['write -P 256 0 1', '256 is not a valid pattern byte\n', ''],
  ['write -P -1 0 1', '-1 is not a valid pattern byte\n', ''],
  ['write 0 3G', 'length cannot exceed 2147483136 without -n, given 3G\n', ''],
  ['write -z -P 1 0 1', 'Only one of -z, -P, and -s can be specified at the same time\n', ''],
  ['write -b -z 0 512', '-b and -z cannot be specified at the same time\n', ''],
  ['write -f -b 0 512', '-f and -b or -c cannot be specified at the same time\n', ''],
  ['write -n 0 1', '-n requires -z to be specified\n', ''],
  ['write -u 0 1', '-u requires -z to be specified\n', ''],
  ['write -c 0 511', "511 is not a sector-aligned value for 'count'\n", ''],
  ['write -b 0 512', 'write failed: Operation not supported\n', ''],
  ['write -c 0 512', 'write failed: Operation not supported\n', ''],
  ['write 64k 1', 'write failed: Input/output error\n', ''],
  ['write -z 64k 1', 'write failed: Input/output error\n', ''],
  ['write -s /nonexistent/file 0 1', '', '/nonexistent/file: No such file or directory\n'],
  // writev
  ['writev 0', '', 'bad argument count 1 to writev, expected at least 2 arguments\n'],
  ['writev -z 0 1', WRITEV, "writev: invalid option -- 'z'\n"],
  ['writev 0 1 x', bad('x'), ''],
  ['writev 0 3G', "Argument '3G' exceeds maximum size 2147483136\n", ''],
  ['writev 0 1G 1G 1G', 'The total number of bytes exceed the maximum size 2147483136\n', ''],
  ['writev 63k 1k 1', 'writev failed: Input/output error\n', ''],
  // aio_write: a rejected request is a synchronous failure
  ['aio_write 0', '', 'bad argument count 1 to aio_write, expected at least 2 arguments\n'],
  ['aio_write -x 0 1', AIO_WRITE, "aio_write: invalid option -- 'x'\n"],
  ['aio_write -z 0 1 1', '-z supports only a single length parameter\n', ''],
  ['aio_write -u 0 1', '-u requires -z to be specified\n', ''],
  ['aio_write -P 300 0 1', '300 is not a valid pattern byte\n', ''],
  ['aio_write 0 1G 1G 1G', 'The total number of bytes exceed the maximum size 2147483136\n', ''],
  // discard
  ['discard 0', '', 'bad argument count 1 to discard, expected at least 2 arguments\n'],
  ['discard 0 1 2', DISCARD, ''],
  ['discard -x 0 1', DISCARD, "discard: invalid option -- 'x'\n"],
  ['discard x 1', bad('x'), ''],
  ['discard 0 3G', 'length cannot exceed 2147483136, given 3G\n', ''],
  ['discard 64k 1', 'discard failed: Input/output error\n', ''],
  // truncate
  ['truncate', '', 'bad argument count 0 to truncate, expected between 1 and 3 arguments\n'],
  ['truncate -m', TRUNCATE, "truncate: option requires an argument -- 'm'\n"],
  ['truncate -m bogus 0', '', "rawio: Invalid preallocation mode 'bogus'\n"],
  ['truncate -m metadata 1M', '', 'rawio: Unsupported preallocation mode: metadata\n'],
  ['truncate -m full 1k', '', 'rawio: Cannot use preallocation for shrinking files\n'],
  ['truncate -m full', TRUNCATE, ''],
  ['truncate 1x', bad('1x'), ''],
  ['truncate 9E', 'Parsing error: argument too large -- 9E\n', ''],
  ['truncate 7E', '', 'rawio: Could not resize file: File too large\n'],
  // read family (nothing may change either)
  ['read', '', 'bad argument count 0 to read, expected at least 2 arguments\n'],
  ['read 0 1x', bad('1x'), ''],
  ['read 64k 1', 'read failed: Input/output error\n', ''],
  ['readv 64k 1', 'readv failed: Input/output error\n', ''],
  ['read -q -P 9 0 1', 'Pattern verification failed at offset 0, 1 bytes\n', ''],
  ['alloc x', bad('x'), ''],
  ['alloc 0 1 2', '', 'bad argument count 3 to alloc, expected between 1 and 2 arguments\n'],
  ['map 1', '', 'bad argument count 1 to map, expected 0 arguments\n'],
  ['length 1', '', 'bad argument count 1 to length, expected 0 arguments\n'],
  ['info 1', '', 'bad argument count 1 to info, expected 0 arguments\n'],
  ['flush 1', '', 'bad argument count 1 to flush, expected 0 arguments\n'],
  ['aio_flush 1', '', 'bad argument count 1 to aio_flush, expected 0 arguments\n'],
  // files
  ['open /x', '', "rawio: file open already, try 'help close'\n"],
  ['reopen x', usage('reopen', '[(-r|-w)] [-c cache] [-o options] -- reopens an image with new options'), ''],
  ['reopen -o read-only=off -r', '', "rawio: Cannot set both -r/-w and 'read-only'\n"],
  ['reopen -c none -o cache.direct=on', '', 'rawio: Cannot set both -c and the cache options\n'],
  ['reopen -o cache.direct=x', '', "rawio: Parameter 'cache.direct' expects 'on' or 'off'\n"],
  ['reopen -o driver=file', '', "rawio: Cannot change the option 'driver'\n"],
  ['close 1', '', 'bad argument count 1 to close, expected 0 arguments\n'],
  // process
  ['sleep x', 'x is not a valid number\n', ''],
  ['sleep', '', 'bad argument count 0 to sleep, expected 1 arguments\n'],
  ['sigraise 66', "signal argument '66' is too large to be a valid signal\n", ''],
  ['sigraise x', bad('x'), ''],
  ['help nothing', 'command nothing not found\n', ''],
  ['abort 1', '', 'bad argument count 1 to abort, expected 0 arguments\n'],
  // fault injection: not available, fails at once
  ['break write_aio A', 'Could not set breakpoint: Operation not supported\n', ''],
  ['remove_break A', 'Could not remove breakpoint A: Operation not supported\n', ''],
  ['resume A', 'Could not resume request: Operation not supported\n', ''],
  [
    'wait_break A',
    'Could not wait for breakpoint A: Operation not supported (no fault injection on this image)\n',
    '',
  ],
  // unknown
  ['bogus 0 1', '', 'command "bogus" not found\n'],
  ['READ 0 1', '', 'command "READ" not found\n'],
]

describe('rejected commands', () => {
  it.each(cases)('%s', async (line, stdout, stderr) => {
    const r = await s.run(line)
    expect({ stdout: r.stdout, stderr: r.stderr }).toEqual({ stdout, stderr })
    expect(r.ok).toBe(false)
    expect(r.result.error).toBeTruthy()
    expect(sha256(image), 'image bytes').toBe(before)
  })

  it('never printed a stack trace', () => {
    for (const [line] of cases) expect(line).not.toMatch(/\n\s+at /)
  })
})

describe('a read-only image refuses writes before parsing them', () => {
  it.each([
    'write 0 1',
    'write -x 0 1',
    'writev 0 512',
    'aio_write 0 1',
    'discard 0 1',
    'truncate 0',
    'truncate -m x 0',
  ])('%s', async (line) => {
    const ro = await openSession(image, { readOnly: true, forceShare: true })
    try {
      const r = await ro.run(line)
      expect(r).toMatchObject({ ok: false, stdout: '', stderr: 'rawio: Block node is read-only\n' })
      expect(sha256(image)).toBe(before)
    } finally {
      await ro.close()
    }
  })
})

describe('no image open', () => {
  it.each(['read 0 1', 'write 0 1', 'length', 'map', 'close', 'break a b', 'aio_flush', 'reopen -r'])(
    '%s',
    async (line) => {
      const none = await openSession(null)
      const r = await none.run(line)
      expect(r).toMatchObject({ ok: false, stdout: '', stderr: "no file open, try 'help open'\n" })
      await none.close()
    },
  )
})
