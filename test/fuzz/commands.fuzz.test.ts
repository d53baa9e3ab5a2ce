// Random command lines through the command layer (Session.run) against a temp file: every line
// ends in a result or one clear error, nothing escapes as an exception, nothing hangs, and no
// byte changes outside the range the line named. Commands that end the process, open other files,
// sleep or wait for a debugger event are left out (abort, sigraise, quit, open, close, reopen,
// truncate, sleep, bench, break, wait_break, resume, remove_break).
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { Session } from '../../lib/commands/session'
import { Reporter, stringSink } from '../../lib/report'
import { Lab } from '../safety/fixtures'

const SIZE = 128 * 1024
const FILL = 0x3c
// A command that has not ended after this has hung (it only catches a hang: no speed is asserted).
const HANG_MS = 20_000

const DENY = new Set(
  'abort sigraise quit q open o close c reopen truncate t sleep bench break wait_break resume remove_break'.split(
    ' ',
  ),
)

let lab: Lab
let file: string
let sink: ReturnType<typeof stringSink>
let session: Session
let model: Buffer

beforeAll(async () => {
  lab = new Lab('rawio-cmdfuzz-')
  file = join(lab.dir, 'target.img')
  writeFileSync(file, Buffer.alloc(SIZE, FILL))
  model = Buffer.alloc(SIZE, FILL)
  sink = stringSink()
  session = new Session({
    reporter: new Reporter(sink),
    raise: () => {
      throw new Error('a fuzzed line raised a signal')
    },
  })
  const r = await session.run(`open -d unmap ${file}`)
  if (!r.ok) {
    // Older open without -d: open plainly (discard is then a no-op, which the model allows).
    const again = await session.run(`open ${file}`)
    expect(again.ok, sink.stderr).toBe(true)
  }
})
afterAll(async () => {
  await session?.close()
  lab?.cleanup()
})

/** Runs a line; the result must come back (no throw, no hang) with one clear error when not ok. */
async function runLine(line: string) {
  sink.stdout = ''
  sink.stderr = ''
  const timeout = new Promise<never>((_, reject) =>
    setTimeout(() => reject(new Error(`hung on ${JSON.stringify(line)}`)), HANG_MS).unref(),
  )
  const r = await Promise.race([session.run(line), timeout])
  await Promise.race([session.drainAio(), timeout])
  expect(typeof r.ok).toBe('boolean')
  if (!r.ok && r.code !== undefined) expect(r.code).not.toBe('ERR_RAWIO_INTERNAL')
  expect(sink.stderr + sink.stdout).not.toMatch(/internal error|TypeError|ReferenceError|at .*\.ts:\d+/)
  // aio commands succeed at submission; their failure is reported when they complete.
  const failed = !r.ok || (r.pending === true && / failed: /.test(sink.stdout + sink.stderr))
  return { ...r, failed }
}

/** Every byte outside the allowed ranges must equal the model; then the model takes the file. */
function checkChanges(line: string, allowed: [number, number][]): void {
  const now = readFileSync(file)
  expect(now.length, `${line}: size changed`).toBe(SIZE)
  for (let i = 0; i < SIZE; i++) {
    if (now[i] !== model[i] && !allowed.some(([a, b]) => i >= a && i < b)) {
      throw new Error(`${JSON.stringify(line)} changed byte ${i} outside ${JSON.stringify(allowed)}`)
    }
  }
  now.copy(model)
}

/** The ranges the report lines say were written or discarded. */
function reportedRanges(out: string): [number, number][] {
  const ranges: [number, number][] = []
  for (const m of out.matchAll(/(?:wrote|discard) (\d+)\/(\d+) bytes at offset (\d+)/g)) {
    ranges.push([Number(m[3]), Number(m[3]) + Number(m[2])])
  }
  return ranges
}

/** A number in one of the spellings qemu accepts, with its value. */
const spelled = (max: number) =>
  fc.tuple(fc.integer({ min: 0, max }), fc.constantFrom('dec', 'hex', 'k', 'b')).map(([n, how]) => {
    if (how === 'hex') return { text: `0x${n.toString(16)}`, value: n }
    if (how === 'k') return { text: `${Math.floor(n / 1024)}k`, value: Math.floor(n / 1024) * 1024 }
    if (how === 'b') return { text: `${n}b`, value: n }
    return { text: String(n), value: n }
  })

const hostileToken = fc.constantFrom(
  '-1',
  '-0',
  '1e3',
  '1.5',
  'NaN',
  'Infinity',
  '0x',
  '99999999999999999999',
  '8E',
  '9223372036854775807',
  '9223372036854775808',
  '0x8000000000000000',
  '1kk',
  '\u0661',
  '\u{1F4BE}',
  '\t',
  '--',
  '-',
)

describe('command lines from the grammar, with known ranges', () => {
  const writeLine = fc.record({
    cmd: fc.constantFrom(
      'write',
      'w',
      'aio_write',
      'write -z',
      'write -P 0x5a',
      'aio_write -P 7',
      'discard',
      'd',
    ),
    quiet: fc.boolean(),
    off: spelled(SIZE + 8192),
    len: spelled(16384),
    extraLens: fc.array(spelled(4096), { maxLength: 3 }),
    vectored: fc.boolean(),
  })

  it('writes and discards change only [off, off+len), or nothing when refused', async () => {
    await fc.assert(
      fc.asyncProperty(writeLine, async ({ cmd, quiet, off, len, extraLens, vectored }) => {
        const isVec = vectored && !cmd.startsWith('d')
        const name = isVec ? 'writev' : cmd
        const lens = isVec ? [len, ...extraLens] : [len]
        const line = `${name}${quiet ? ' -q' : ''} ${off.text} ${lens.map((l) => l.text).join(' ')}`
        const r = await runLine(line)
        const total = lens.reduce((n, l) => n + l.value, 0)
        const inside = off.value + total <= SIZE
        if (!r.failed && !inside) throw new Error(`${line}: accepted a range past the end`)
        checkChanges(line, r.failed ? [] : [[off.value, off.value + total]])
      }),
      { numRuns: 250 },
    )
  })

  it('hostile numbers are refused with one error and change nothing', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(
          'read',
          'write',
          'writev',
          'readv',
          'aio_read',
          'aio_write',
          'discard',
          'alloc',
          'map',
        ),
        hostileToken,
        fc.boolean(),
        async (cmd, bad, badFirst) => {
          const line = badFirst ? `${cmd} ${bad} 512` : `${cmd} 0 ${bad}`
          const r = await runLine(line)
          if (cmd !== 'map' && cmd !== 'alloc')
            expect(r.failed, `${line}: ${sink.stdout}${sink.stderr}`).toBe(true)
          checkChanges(line, [])
        },
      ),
      { numRuns: 150 },
    )
  })
})

describe('token soup', () => {
  const first = fc.oneof(
    fc.constantFrom(
      'read',
      'r',
      'write',
      'w',
      'readv',
      'writev',
      'aio_read',
      'aio_write',
      'aio_flush',
      'discard',
      'd',
      'flush',
      'f',
      'alloc',
      'a',
      'map',
      'length',
      'l',
      'info',
      'i',
      'help',
      '?',
    ),
    fc.string({ maxLength: 8 }).filter((s) => !DENY.has(s.split(' ')[0])),
  )
  const token = fc.oneof(
    spelled(SIZE * 2).map((x) => x.text),
    hostileToken,
    fc.constantFrom(
      '-P',
      '-z',
      '-v',
      '-b',
      '-c',
      '-f',
      '-u',
      '-n',
      '-p',
      '-l',
      '-s',
      '-a',
      '-r',
      '0',
      '512',
      '4k',
    ),
    fc.string({ maxLength: 6 }),
    fc.string({ unit: 'grapheme', maxLength: 4 }),
    fc.constant(''),
  )

  it('every line ends in a result or one clear error; writes stay in their reported ranges', async () => {
    await fc.assert(
      fc.asyncProperty(first, fc.array(token, { maxLength: 7 }), async (cmd, tokens) => {
        const line = [cmd, ...tokens].join(' ')
        const name = line.split(' ').filter((w) => w !== '')[0]
        if (name === undefined || DENY.has(name)) return
        const r = await runLine(line)
        if (r.failed) expect(sink.stdout + sink.stderr, line).not.toBe('')
        checkChanges(line, reportedRanges(sink.stdout))
      }),
      { numRuns: 400 },
    )
  })
})
