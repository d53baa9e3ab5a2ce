// The config parser on its own, and its errors next to what qemu-io prints for the same files.
import { afterAll, describe, expect, it } from 'vitest'
import { BlkdebugConfigError, parseBlkdebugConfig, parseBlkdebugFilename } from '../../lib/blkdebug/config'
import { readBlkdebugConfig } from '../../lib/blkdebug/config-file'
import { DEFAULT_IOTYPE_MASK, iotypeBit } from '../../lib/blkdebug/events'
import { noQemu, qemuIo } from './helpers/qemu'
import { BlkdebugScratch } from './helpers/scratch'

const scratch = new BlkdebugScratch()
afterAll(() => scratch.cleanup())

function problem(text: string): BlkdebugConfigError {
  try {
    parseBlkdebugConfig(text, 'my.conf')
  } catch (e) {
    if (e instanceof BlkdebugConfigError) return e
    throw e
  }
  throw new Error('the config parsed')
}

describe('parseBlkdebugConfig', () => {
  it('reads rules with qemu defaults, inject-error before set-state', () => {
    const rules = parseBlkdebugConfig(
      [
        '# a comment',
        '',
        '[set-state]',
        'event = "flush_to_disk"',
        'state = "1"',
        'new_state = "2"',
        '[inject-error "first"]',
        'event = "read_aio"',
        '[inject-error]',
        '  event  =  "write_aio"  (anything after the closing quote is ignored)',
        'errno = "0x1c"',
        'sector = "8"',
        'once = "yes"',
        'immediately = "on"',
        'iotype = "write"',
      ].join('\n'),
    )
    expect(rules).toEqual([
      {
        action: 'inject-error',
        event: 'read_aio',
        state: 0,
        iotypeMask: DEFAULT_IOTYPE_MASK,
        errno: 5,
        offset: -1,
        once: false,
        immediately: false,
        line: 7,
      },
      {
        action: 'inject-error',
        event: 'write_aio',
        state: 0,
        iotypeMask: iotypeBit('write'),
        errno: 28,
        offset: 4096,
        once: true,
        immediately: true,
        line: 9,
      },
      { action: 'set-state', event: 'flush_to_disk', state: 1, newState: 2, line: 3 },
    ])
  })

  it('takes numbers as qemu_strtou64 does, and errno names as a rawio extension', () => {
    const errno = (v: string) =>
      (parseBlkdebugConfig(`[inject-error]\nevent = "none"\nerrno = "${v}"\n`)[0] as { errno: number }).errno
    expect(errno('034')).toBe(28)
    expect(errno(' +28')).toBe(28)
    expect(errno('-5')).toBe(-5)
    expect(errno('4294967324')).toBe(28) // C's int conversion
    expect(errno('ENOSPC')).toBe(28)
    expect(errno('EIO')).toBe(5)
  })

  it('accepts CRLF line ends and a missing final newline', () => {
    expect(parseBlkdebugConfig('[inject-error]\r\nevent = "read_aio"\r\nerrno = "28"')).toHaveLength(1)
  })

  it.each([
    ['[inject-error]\nevent = "read_aio"\nerrno = "ENOSUCH"\n', 3, "Parameter 'errno' expects a number"],
    ['[inject-error]\nevent = "read_aio"\nerrno = "28 "\n', 3, "Parameter 'errno' expects a number"],
    [
      '[inject-error]\nevent = "read_aio"\nerrno = "99999999999999999999999"\n',
      3,
      "Value '99999999999999999999999' is too large for parameter 'errno'",
    ],
    ['[inject-error]\nevent = "read_aio"\nfoo = "1"\n', 3, "Invalid parameter 'foo'"],
    ['[inject-error]\nevent="read_aio"\n', 2, 'Invalid parameter \'event="read_aio"\''],
    ['[nosuch]\nevent = "read_aio"\n', 1, "There is no option group 'nosuch'"],
    ['event = "read_aio"\n', 1, 'no group defined'],
    ['  # not a comment\n[inject-error]\n', 1, 'no group defined'],
    ['[inject-error]\n   \nevent = "read_aio"\n', 2, 'parse error'],
    ['[inject-error]\n', 1, 'Missing event name for rule'],
    ['[inject-error]\nevent = "nosuch"\n', 2, 'invalid parameter value: nosuch'],
    ['[inject-error]\nevent = "pwritev_rmw.head"\n', 2, 'invalid parameter value: pwritev_rmw.head'],
    ['[inject-error]\nevent read_aio\n', 2, 'invalid parameter value: '],
    ['[inject-error]\nevent = "read_aio"\niotype = "bogus"\n', 3, 'invalid parameter value: bogus'],
    ['[inject-error]\nevent = "read_aio"\nonce = "1"\n', 3, "Parameter 'once' expects 'on' or 'off'"],
    ['[set-state]\nevent = "read_aio"\nerrno = "5"\n', 3, "Invalid parameter 'errno'"],
    ['[set-state]\nevent = "read_aio"\nnew_state = "x"\n', 3, "Parameter 'new_state' expects a number"],
    [
      '[inject-error "a"]\nevent = "read_aio"\n[inject-error "a"]\nevent = "none"\n',
      3,
      "Duplicate ID 'a' for inject-error",
    ],
    [
      '[inject-error "1a"]\nevent = "read_aio"\n',
      1,
      "Parameter 'id' expects an identifier\nIdentifiers consist of letters, digits, '-', '.', '_', starting with a letter.",
    ],
    ['[inject-error]\nevent = "read_aio"\n[]\n', 1, "There is no option group ']'"],
    // inject-error rules are built before set-state rules, whatever the file order
    [
      '[set-state]\nevent = "nosuch2"\n[inject-error]\nevent = "nosuch"\n',
      4,
      'invalid parameter value: nosuch',
    ],
    // a section is checked when the next one starts, before later lines are read
    [
      '[inject-error]\nevent = "none"\nerrno = "x"\n[set-state]\n  \n',
      3,
      "Parameter 'errno' expects a number",
    ],
  ])('%j → line %i: %s', (text, line, why) => {
    const e = problem(text)
    expect(e.text).toBe(why)
    expect(e.line).toBe(line)
    expect(e.message).toBe(`my.conf:${line}: ${why}`)
  })

  it('names the file when it cannot be read', async () => {
    await expect(readBlkdebugConfig(`${scratch.dir}/missing.conf`)).rejects.toThrow(
      `${scratch.dir}/missing.conf: Could not read blkdebug config file: No such file or directory`,
    )
  })
})

describe('qemu-io prints the same problem for the same file', () => {
  const bad = [
    '[inject-error]\nevent = "read_aio"\nerrno = "28 "\n',
    '[inject-error]\nevent = "read_aio"\nerrno = "99999999999999999999999"\n',
    '[inject-error]\nevent = "read_aio"\nfoo = "1"\nbar = "2"\nbaz = "3"\n',
    '[inject-error]\nevent = "read_aio"\nerrno = "x"\nonce = "maybe"\nsector = "y"\nstate = "z"\n',
    '[nosuch]\nevent = "read_aio"\n',
    'event = "read_aio"\n',
    '[inject-error]\n   \n',
    '[inject-error]\n',
    '[inject-error]\nevent = "nosuch"\n',
    '[inject-error]\nevent = "read_aio"\niotype = "bogus"\n',
    '[inject-error]\nevent = "read_aio"\nonce = "1"\n',
    '[inject-error "a"]\nevent = "read_aio"\n[inject-error "a"]\nevent = "none"\n',
    '[inject-error "1a"]\nevent = "read_aio"\n',
    '[inject-error]\nevent = "read_aio"\n[]\n',
    '[set-state]\nevent = "nosuch2"\n[inject-error]\nevent = "nosuch"\n',
    '[inject-error]\nevent = "read_aio\n',
  ]
  it.skipIf(!!noQemu).each(bad)('%j', (text) => {
    const cfg = scratch.config(text)
    const img = scratch.image(4096)
    const q = qemuIo(cfg, img, ['read 0 512'])
    const prefix = `qemu-io: can't open device blkdebug:${cfg}:${img}: `
    expect(q.stderr[0].startsWith(prefix)).toBe(true)
    const qemuText = [q.stderr[0].slice(prefix.length), ...q.stderr.slice(1)].join('\n')
    expect(problem(text).text.replace(/\n$/, '')).toBe(qemuText)
  })

  it.skipIf(!!noQemu)('errno names are a rawio extension: qemu-io wants a number', () => {
    const text = '[inject-error]\nevent = "read_aio"\nerrno = "ENOSPC"\n'
    const q = qemuIo(scratch.config(text), scratch.image(4096), ['read 0 512'])
    expect(q.stderr[0]).toMatch(/: Parameter 'errno' expects a number$/)
    expect(parseBlkdebugConfig(text)[0]).toMatchObject({ errno: 28 })
  })

  it.skipIf(!!noQemu)('a missing config file', () => {
    const img = scratch.image(4096)
    const q = qemuIo(`${scratch.dir}/missing.conf`, img, ['read 0 512'])
    expect(q.stderr[0]).toMatch(/: Could not read blkdebug config file: No such file or directory$/)
  })
})

describe('parseBlkdebugFilename', () => {
  it('splits at the first colon after the prefix; the image path may hold colons', () => {
    expect(parseBlkdebugFilename('blkdebug:a.conf:/dev/sdb')).toEqual({ config: 'a.conf', image: '/dev/sdb' })
    expect(parseBlkdebugFilename('blkdebug::x:y')).toEqual({ config: null, image: 'x:y' })
  })
  it('needs both parts, with qemu text', () => {
    expect(() => parseBlkdebugFilename('blkdebug:img')).toThrow(
      'blkdebug requires both config file and image path',
    )
  })
})
