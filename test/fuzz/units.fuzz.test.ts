// Hostile input for the number parsers (lib/units.ts): every input ends in a value or the parser's
// own error (NumberParseError / PatternParseError), never another exception and never a hang; and
// for inputs built from qemu's grammar, the value agrees with an independent BigInt model.
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { cvtnum, NumberParseError, PatternParseError, parsePattern } from '../../lib/units'

const INT64_MAX = (1n << 63n) - 1n
const UINT64_MAX = (1n << 64n) - 1n
const SUFFIXES = ['', 'b', 'B', 'k', 'K', 'm', 'M', 'g', 'G', 't', 'T', 'p', 'P', 'e', 'E']
// CPU time (this process's, not the wall clock: a loaded machine only makes a parse wait, not work)
// one parse may take: more means it blew up on its input (backtracking, a huge BigInt).
const SLOW_CPU_MS = 250

/** Text from the parser's own alphabet (digits, signs, dots, exponents, suffixes, spaces) and beyond. */
const tokenSoup = fc
  .array(
    fc.constantFrom(
      ...'0123456789abcdefxX.+-eEkKmMgGtTpPbB \t\n'.split(''),
      '0x',
      '0X',
      '.5',
      '1e3',
      '18446744073709551615',
      '9223372036854775807',
      '\u0660', // ARABIC-INDIC DIGIT ZERO: not a digit to strtoull
      '\uff11', // FULLWIDTH DIGIT ONE
      '\u00a0', // NO-BREAK SPACE
      '\u{1F4BE}', // a floppy disk, outside the BMP
      '',
    ),
    { maxLength: 24 },
  )
  .map((a) => a.join(''))

const anyText = fc.oneof(
  tokenSoup,
  fc.string({ maxLength: 64 }),
  fc.string({ unit: 'grapheme', maxLength: 32 }),
  fc.string({ unit: 'binary', maxLength: 32 }),
  fc.stringMatching(/^\d{1,5000}[kmgtpeb]?$/), // huge
)

function timed<T>(fn: () => T): T {
  const t0 = process.cpuUsage()
  try {
    return fn()
  } finally {
    const { user, system } = process.cpuUsage(t0)
    expect((user + system) / 1000).toBeLessThan(SLOW_CPU_MS)
  }
}

describe('parseSize / cvtnum under hostile input', () => {
  it('every input ends in a value in 0..INT64_MAX or a NumberParseError', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        try {
          const r = timed(() => cvtnum(s))
          expect(r.exact >= 0n && r.exact <= INT64_MAX).toBe(true)
          expect(r.value).toBe(Number(r.exact))
        } catch (e) {
          if (!(e instanceof NumberParseError)) throw e
          expect(e.text).toBe(s)
          expect(['invalid', 'too-large']).toContain(e.kind)
          expect(e.message).toMatch(/^Parsing error: /)
        }
      }),
      { numRuns: 500 },
    )
  })

  /** A decimal size from qemu's grammar, and its value by an independent model. */
  const decimal = fc
    .record({
      ws: fc.constantFrom('', ' ', '\t', '  \n'),
      plus: fc.boolean(),
      int: fc.oneof(fc.bigInt({ min: 0n, max: 4096n }), fc.bigInt({ min: 0n, max: UINT64_MAX })),
      // Binary fractions only, so the double strtod makes of them is exact.
      frac: fc.constantFrom(
        ['', 0n, 1n],
        ['.0', 0n, 1n],
        ['.5', 1n, 2n],
        ['.25', 1n, 4n],
        ['.75', 3n, 4n],
        ['.125', 1n, 8n],
      ),
      suffix: fc.constantFrom(...SUFFIXES),
    })
    .map(({ ws, plus, int, frac, suffix }) => {
      const [ftext, p, q] = frac as [string, bigint, bigint]
      const text = `${ws}${plus ? '+' : ''}${int}${ftext}${suffix}`
      const i = suffix === '' ? -1 : 'BKMGTPE'.indexOf(suffix.toUpperCase())
      const mul = i < 0 ? 1n : 1n << BigInt(10 * i)
      // val * mul plus the fraction times mul, rounded half up (qemu's 64.64 fixed point)
      let expected: bigint | 'invalid' | 'too-large'
      if (mul === 1n && p !== 0n)
        expected = 'invalid' // a fraction needs a scale: '1.5', '1.5b'
      else {
        const total = int * mul + (2n * p * mul + q) / (2n * q)
        expected = total > INT64_MAX ? 'too-large' : total
      }
      return { text, expected }
    })

  it('agrees with a BigInt model on decimal sizes, fractions and suffixes', () => {
    fc.assert(
      fc.property(decimal, ({ text, expected }) => {
        let got: bigint | string
        try {
          got = cvtnum(text).exact
        } catch (e) {
          if (!(e instanceof NumberParseError)) throw e
          got = e.kind
        }
        expect(got).toBe(expected)
      }),
      { numRuns: 500 },
    )
  })

  it('agrees with the model on hex sizes (a suffix is deprecated but accepted)', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: UINT64_MAX }),
        fc.constantFrom('0x', '0X'),
        fc.constantFrom(...SUFFIXES.filter((x) => !/[bBeE]/.test(x))), // b/e are hex digits
        (n, prefix, suffix) => {
          const text = `${prefix}${n.toString(16)}${suffix}`
          const mul = suffix === '' ? 1n : 1n << BigInt(10 * 'BKMGTPE'.indexOf(suffix.toUpperCase()))
          const total = n * mul
          try {
            const r = cvtnum(text)
            expect(r.exact).toBe(total)
            expect(r.warning !== null).toBe(suffix !== '')
          } catch (e) {
            if (!(e instanceof NumberParseError)) throw e
            expect(e.kind).toBe('too-large')
            expect(total > INT64_MAX).toBe(true)
          }
        },
      ),
      { numRuns: 300 },
    )
  })

  it('refuses the classic mistakes', () => {
    for (const s of ['', ' ', '-1', '-0', '0x', '1.5', '1e3', '1kk', 'k', '1 k', '1.5.5k', '0x1.8k', '１k']) {
      expect(() => cvtnum(s), JSON.stringify(s)).toThrow(NumberParseError)
    }
  })
})

describe('parsePattern under hostile input', () => {
  it('every input ends in a byte or a PatternParseError', () => {
    fc.assert(
      fc.property(anyText, (s) => {
        try {
          const v = timed(() => parsePattern(s))
          expect(Number.isInteger(v) && v >= 0 && v <= 255).toBe(true)
        } catch (e) {
          if (!(e instanceof PatternParseError)) throw e
          expect(e.message).toBe(`${s} is not a valid pattern byte`)
        }
      }),
      { numRuns: 500 },
    )
  })

  it('agrees with strtol(…, 0) on decimal, hex and octal bytes', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -300, max: 600 }),
        fc.constantFrom('dec', 'hex', 'HEX', 'oct'),
        fc.constantFrom('', ' ', '\t'),
        fc.boolean(),
        (n, base, ws, plus) => {
          const mag = Math.abs(n)
          const digits =
            base === 'dec'
              ? String(mag)
              : base === 'hex'
                ? `0x${mag.toString(16)}`
                : base === 'HEX'
                  ? `0X${mag.toString(16).toUpperCase()}`
                  : `0${mag.toString(8)}`
          const text = `${ws}${n < 0 ? '-' : plus ? '+' : ''}${digits}`
          if (n >= 0 && n <= 255) expect(parsePattern(text)).toBe(n)
          else expect(() => parsePattern(text)).toThrow(PatternParseError)
        },
      ),
      { numRuns: 400 },
    )
  })
})
