// Our formatting next to what the real qemu-io prints. Skips (and says why) when qemu-io is missing.

import { spawnSync } from 'node:child_process'
import * as fs from 'node:fs'
import * as os from 'node:os'
import * as path from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  cvtnum,
  cvtnumErrorText,
  formatReport,
  hexdump,
  NumberParseError,
  patternErrorText,
} from '../../lib/units'

const probe = spawnSync('qemu-io', ['--version'], { encoding: 'utf8' })
const haveQemu = probe.status === 0
const test = haveQemu ? it : it.skip
if (!haveQemu) console.log('format-vs-qemu: skipped, qemu-io is not on PATH (install qemu-utils to run it)')

const IMAGE_SIZE = 1 << 20
let dir = ''
let image = ''
const content = new Uint8Array(IMAGE_SIZE)

beforeAll(() => {
  if (!haveQemu) return
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rawio-golden-'))
  image = path.join(dir, 'disk.raw')
  for (let i = 0; i < IMAGE_SIZE; i++) content[i] = i & 0xff
  fs.writeFileSync(image, content)
})

afterAll(() => {
  if (dir) fs.rmSync(dir, { recursive: true, force: true })
})

/** Run qemu-io on a copy-free raw image with one -c per command. */
function qemuIo(...commands: string[]): { stdout: string[]; stderr: string[] } {
  const r = spawnSync('qemu-io', ['-f', 'raw', image, ...commands.flatMap((c) => ['-c', c])], {
    encoding: 'utf8',
  })
  expect(r.error).toBeUndefined()
  const lines = (s: string) => s.split('\n').filter((l) => l !== '')
  return { stdout: lines(r.stdout), stderr: lines(r.stderr) }
}

const isDumpLine = (l: string) => /^[0-9a-f]{8,}: {2}/.test(l)
const isTiming = (l: string) =>
  / ops; .* ops\/sec\)$/.test(l) || /^(read|wrote) \d+\/\d+ bytes at offset/.test(l)

function parse(s: string): NumberParseError | bigint {
  try {
    return cvtnum(s).exact
  } catch (e) {
    if (e instanceof NumberParseError) return e
    throw e
  }
}

/**
 * Find a duration (ns) for which formatReport reproduces qemu's report exactly. qemu prints ops/sec
 * with 3 or 4 decimals, which pins the duration down to a few candidates.
 */
function matchReport(lines: string[], op: string, csv: boolean): boolean {
  const first = csv ? null : /^\S+ (\d+)\/(\d+) bytes at offset (\d+)$/.exec(lines[0]!)
  const stats = csv ? lines[0]! : lines[1]!
  const m = csv
    ? /^(\d+),(\d+),[^,]+,[^,]+,([\d.]+)$/.exec(stats)
    : /(\d+) ops; .* and ([\d.]+) ops\/sec\)$/.exec(stats)
  if (!m) throw new Error(`not a report: ${lines.join(' | ')}`)
  const ops = Number(csv ? m[2] : m[1])
  const opsPerSec = Number(csv ? m[3] : m[2])
  const half = csv ? 0.0005 : 0.00005
  const total = csv ? Number(m[1]) : Number(first![1])
  const r = { offset: csv ? 0 : Number(first![3]), count: csv ? total : Number(first![2]), total, ops }
  const lo = Math.floor((1e9 * ops) / (opsPerSec + half))
  const hi = Math.min(Math.ceil((1e9 * ops) / (opsPerSec - half)), lo + 1_000_000)
  const want = csv ? `${lines[0]}\n` : `${lines[0]}\n${lines[1]}\n`
  for (let ns = lo; ns <= hi; ns++) if (formatReport(op, { ...r, ns }, csv) === want) return true
  return false
}

describe('formatting vs qemu-io', () => {
  test('read -v matches dump_buffer', () => {
    const { stdout } = qemuIo('write -P 0x41 0 100', 'read -v 5 37', 'read -v 0 256', 'read -v 250 20')
    const dumps = stdout.filter(isDumpLine)
    const expected =
      hexdump(new Uint8Array(37).fill(0x41), 5) +
      hexdump(
        Uint8Array.from({ length: 256 }, (_, i) => (i < 100 ? 0x41 : i)),
        0,
      ) +
      hexdump(content.subarray(250, 270), 250)
    expect(`${dumps.join('\n')}\n`).toBe(expected)
    expect(stdout.filter((l) => !isDumpLine(l) && !isTiming(l))).toEqual([])
    // restore the image for the other tests
    fs.writeFileSync(image, content)
  })

  test('size arguments parse (or fail) as cvtnum does', () => {
    const args = ['1k', '1.5k', '0x100', '0x1k', '1.k', '1.', '4kB', '1e3', '0.5', '-1', 'abc', '0x', '1.5e3']
    args.push(
      '0.0005k',
      '99999999999999999999',
      '-99999999999999999999',
      '8E',
      '0x8000000000000000',
      '16777216T',
    )
    const { stdout, stderr } = qemuIo(...args.map((a) => `read -- ${a} 0`))
    const lines = stdout.filter((l) => !/ ops; /.test(l))
    const warnings: string[] = []
    args.forEach((a, i) => {
      const mine = parse(a)
      if (mine instanceof NumberParseError) {
        expect(lines[i]).toBe(cvtnumErrorText(mine))
        if (mine.warning) warnings.push(`qemu-io: warning: ${mine.warning}`)
      } else {
        const w = cvtnum(a).warning
        if (w) warnings.push(`qemu-io: warning: ${w}`)
        const reached = mine <= BigInt(IMAGE_SIZE)
        expect(lines[i]).toBe(
          reached ? `read 0/0 bytes at offset ${mine}` : 'read failed: Input/output error',
        )
      }
    })
    expect(stderr).toEqual(warnings)
  })

  test('parse errors go to stdout, the hex deprecation warning to stderr', () => {
    const { stdout, stderr } = qemuIo('read -- 0x1k 0', 'read -- 4kB 0', 'read 0 99999999999999999999')
    expect(stderr).toEqual(['qemu-io: warning: Using a multiplier suffix on hex numbers is deprecated: 0x1k'])
    expect(stdout.filter((l) => !isTiming(l))).toEqual([
      'Parsing error: non-numeric argument, or extraneous/unrecognized suffix -- 4kB',
      'Parsing error: argument too large -- 99999999999999999999',
    ])
  })

  test('-P pattern errors', () => {
    const bad = ['300', 'abc', '-1', '256', '08', '0x']
    const { stdout, stderr } = qemuIo(
      ...bad.map((p) => `write -P ${p} 0 512`),
      'write -P 0101 0 1',
      'read -v 0 1',
    )
    expect(stderr).toEqual([])
    expect(stdout.filter((l) => !isTiming(l))).toEqual([
      ...bad.map(patternErrorText),
      hexdump(Uint8Array.of(0o101), 0).trimEnd(),
    ])
    fs.writeFileSync(image, content)
  })

  test('print_report lines are reproduced for some duration', () => {
    const { stdout } = qemuIo(
      'write -P 0x41 0 100',
      'read 0 64k',
      'writev 0 512 512',
      'read -C 0 4k',
      'write -C 0 0',
    )
    expect(matchReport(stdout.slice(0, 2), 'wrote', false)).toBe(true)
    expect(matchReport(stdout.slice(2, 4), 'read', false)).toBe(true)
    expect(matchReport(stdout.slice(4, 6), 'wrote', false)).toBe(true)
    expect(matchReport(stdout.slice(6, 7), 'read', true)).toBe(true)
    expect(matchReport(stdout.slice(7, 8), 'write', true)).toBe(true)
    fs.writeFileSync(image, content)
  })
})
